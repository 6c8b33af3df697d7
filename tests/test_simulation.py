"""The incentive simulations (issue 8) at a small scale: each preset's qualitative result, the
outputs, drawing with replacement, and the rate measured against Ape in the same run."""

import csv
import json
from dataclasses import replace

import pytest

from sharedmodels.simulation import PRESETS, simulate, summary_lines, write_outputs


@pytest.mark.parametrize("name", ["drt", "drt-adversary"])
def test_preset_good_agent_gains_bad_agent_loses(accounts, tmp_path, name):
    preset = replace(PRESETS[name], round_size=250)
    r = simulate(preset, 3000, accounts=list(accounts), baseline_n=5)
    last = r.rows[-1]
    good, bad = last.balances
    assert good > r.starts[0] and bad < r.starts[1]
    assert abs(last.accuracy - r.baseline_accuracy) <= 0.05  # "within a few points"
    assert sum(last.contributions) <= 3000
    paths = write_outputs(r, tmp_path)
    assert all(p.exists() and p.stat().st_size > 0 for p in paths.values())
    with open(paths["csv"]) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(r.rows)
    assert {"day", "accuracy", "good_balance_pct", f"{preset.agents[1].name}_refunds"} <= set(
        rows[0]
    )
    series = json.loads(paths["json"].read_text())
    assert series["preset"] == name and len(series["series"]) == len(r.rows)
    assert paths["plot"].read_bytes()[:4] == b"\x89PNG"
    assert r.rate > r.baseline_rate > 0


def test_a_run_longer_than_the_pool_draws_with_replacement(accounts, tmp_path):
    data = tmp_path / "small.csv"
    words = ["good", "great", "fine", "bad", "awful", "poor"]
    with open(data, "w") as f:
        f.write("text,label\n")
        for i in range(300):
            label = i % 2
            f.write(f"{words[(i * 7) % 3 + 3 * (1 - label)]} film number {i},{label}\n")
    preset = replace(PRESETS["drt"], pretrain=50, test_size=50, round_size=100)
    r = simulate(preset, 400, dataset=f"csv:{data}", accounts=list(accounts), baseline_n=2)
    assert r.with_replacement and r.samples == 400
    assert any("drawn with replacement" in line for line in summary_lines(r))
    assert r.rows[-1].samples == 400
