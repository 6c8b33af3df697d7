"""The width/smoothing sweep: it never looks at the held-out part when it chooses, it picks
the best validation setting with the documented tie-break, and every accuracy it prints
stands beside the majority baseline (``sharedmodels.runs.sweep``; no chain)."""

import random

import pytest

from sharedmodels.runs import sweep as sw

GOOD = "great moving superb brilliant charming delightful".split()
BAD = "dull tedious awful boring clumsy lifeless".split()
FILLER = "film story actors plot scenes director script".split()


def write_set(path, n, seed=3, flip_tail=False):
    """A text set: each snippet has one sentiment word among neutral ones; with ``flip_tail``
    the held-out rest (after 200) has its labels reversed, so it alone cannot be learned."""
    rnd = random.Random(seed)
    lines = ["text,label"]
    for i in range(n):
        y = rnd.random() < 0.6
        word = rnd.choice(GOOD if y else BAD)
        text = " ".join([word, *rnd.sample(FILLER, 3)])
        label = int(y) ^ int(flip_tail and i >= 200)
        lines.append(f"{text},{label}")
    path.write_text("\n".join(lines) + "\n")
    return f"csv:{path}"


def test_choices_come_from_validation_and_beat_the_baseline(tmp_path):
    spec = write_set(tmp_path / "d.csv", 300)
    result = sw.sweep(spec, widths=(8, 12), train_n=200)
    assert len(result.cells) == 2 + 2 + 2 * len(sw.ALPHAS)
    for cell in result.cells:  # the mirrors equal their float family on clean data
        assert cell.mirror == pytest.approx(cell.float_)
    for choice in result.choices:
        mine = [c for c in result.cells if c.model == choice.model]
        assert choice.validation == max(c.mirror for c in mine)
        assert 0.5 <= choice.baseline < 1
    nb = next(c for c in result.choices if c.model == "naive_bayes")
    assert nb.test > nb.baseline + 0.2


def test_the_held_out_part_does_not_move_the_choice(tmp_path):
    """Reversing every held-out label changes the held-out scores, not what is chosen."""
    a = sw.sweep(write_set(tmp_path / "a.csv", 300), widths=(8, 12), train_n=200)
    b = sw.sweep(write_set(tmp_path / "b.csv", 300, flip_tail=True), widths=(8, 12), train_n=200)
    assert a.cells == b.cells
    for ca, cb in zip(a.choices, b.choices, strict=True):
        assert (ca.bits, ca.alpha, ca.validation) == (cb.bits, cb.alpha, cb.validation)
        assert cb.test < ca.test


def test_ties_go_to_the_narrower_encoder_then_the_larger_alpha():
    cells = [
        sw.Cell("naive_bayes", 16, 0.1, 0.7, 0.7),
        sw.Cell("naive_bayes", 14, 0.1, 0.7, 0.7),
        sw.Cell("naive_bayes", 14, 1.0, 0.7, 0.7),
        sw.Cell("naive_bayes", 20, 1.0, 0.6, 0.6),
    ]
    best = sw._best(cells, lambda c: c.mirror)
    assert (best.bits, best.alpha) == (14, 1.0)


def test_majority():
    assert sw.majority([1, 1, 0]) == pytest.approx(2 / 3)
    assert sw.majority([]) == 0.0


def test_too_small_a_set_is_one_clear_error(tmp_path):
    with pytest.raises(ValueError, match="the sweep trains on 200"):
        sw.sweep(write_set(tmp_path / "d.csv", 150), widths=(8,), train_n=200)


def test_tables_name_the_baseline(tmp_path):
    result = sw.sweep(write_set(tmp_path / "d.csv", 300), widths=(8,), train_n=200)
    assert f"majority {result.baseline:.1%}" in sw.cells_table(result.cells, result.baseline)
    table = sw.choices_table(result.choices)
    assert "| majority |" in table.splitlines()[0]


def test_the_registry_defaults_are_the_recorded_sweep_choices():
    """A new deployment's encoder width and smoothing are what ``make bench`` last measured
    (``bench/sweep.json``): change one only together with the other."""
    import json
    from pathlib import Path

    from sharedmodels.registry import MODELS

    recorded = Path(__file__).resolve().parents[2] / "bench" / "sweep.json"
    choices = json.loads(recorded.read_text())["choices"]
    assert {c["model"] for c in choices} == set(sw.TEXT_MODELS)
    for c in choices:
        spec = MODELS[c["model"]]
        assert (spec.encoder_bits, spec.alpha) == (c["bits"], c["alpha"]), c["model"]
        assert c["test"] > c["baseline"] and c["float_best"] - c["test"] <= 0.01
