"""`ape run simulate` as a user runs it: a small Points run writes its folder and prints the
summary with the rate against the baseline; a missing dataset is one line and a non-zero exit."""

import json

from e2e_runner import ape_many, lines


def test_simulate_writes_the_run_folder_and_refuses_a_missing_dataset(tmp_path):
    out = tmp_path / "run"
    ok, missing = ape_many(
        ("run", "simulate", "--preset", "points", "--samples", "900", "--out", str(out)),
        ("run", "simulate", "--dataset", f"imdb:{tmp_path / 'nowhere'}", "--quiet"),
        check=False,
    )
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert {p.name for p in out.iterdir()} == {
        "series.csv",
        "series.json",
        "plot.png",
        "summary.txt",
    }
    summary = (out / "summary.txt").read_text()
    assert summary.strip() in ok.stdout
    assert "transactions/s (contributions and claims) through the fast path" in summary
    assert "one Ape transaction at a time" in summary and "same run" in summary
    assert json.loads((out / "series.json").read_text())["series"][-1]["samples"] == 900
    assert "sample/s" in ok.stderr  # the progress bar, with its rate
    assert missing.returncode != 0
    errors = [ln for ln in lines(missing.stderr) if not ln.startswith("INFO")]
    assert errors == [f"error: imdb folder not found: {tmp_path / 'nowhere'}"]
    assert "Traceback" not in missing.stderr
