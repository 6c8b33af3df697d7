"""``ape run models``' accuracy rows (make bench) on a small set: the chain model trained one
update at a time equals the float scikit-learn model, and the row carries the baseline."""

from sharedmodels.runs.modelbench import accuracy_row, accuracy_table


def test_accuracy_row_matches_float_model_and_reports_the_baseline(project, owner):
    row = accuracy_row(project, owner, "ncc", spec="sklearn:wine")
    assert (row.train, row.test) == (124, 54)
    assert row.chain_accuracy == row.float_accuracy and row.agreement == 1.0
    assert 0.3 < row.majority < row.chain_accuracy
    line = accuracy_table([row]).splitlines()[-1]
    assert line.endswith(f"| {row.majority:.2%} |") and "commoner class" in accuracy_table([row])
