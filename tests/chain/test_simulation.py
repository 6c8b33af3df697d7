"""The incentive simulations at a small scale: each preset's qualitative result, the
outputs, the books against the chain, drawing with replacement, and that the rate against Ape
is measured (its value is ``make bench``'s business: wall-clock rates vary with the machine)."""

import csv
import json
from dataclasses import replace

import pytest

from sharedmodels.simulation.outputs import summary_lines, write_outputs
from sharedmodels.simulation.presets import PRESETS
from sharedmodels.simulation.run import simulate


def check_outputs(r, folder, columns):
    paths = write_outputs(r, folder)
    assert all(p.exists() and p.stat().st_size > 0 for p in paths.values())
    with open(paths["csv"]) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(r.rows) and columns <= set(rows[0])
    assert float(rows[0]["day"]) == 0 and float(rows[-1]["day"]) > 1
    series = json.loads(paths["json"].read_text())
    assert series["preset"] == r.preset.name and len(series["series"]) == len(r.rows)
    assert paths["plot"].read_bytes()[:4] == b"\x89PNG"
    assert paths["summary"].read_text().splitlines() == summary_lines(r)
    # every accuracy stands beside the majority baseline of the same hidden test set
    assert 0.5 <= r.majority_accuracy < 1 and series["majority_accuracy"] == r.majority_accuracy
    assert f"commoner class scores {100 * r.majority_accuracy:.1f}%" in "\n".join(summary_lines(r))
    return rows


@pytest.mark.parametrize("name,samples", [("drt", 3000), ("drt-adversary", 3000), ("market", 400)])
def test_good_agent_gains_bad_agent_loses(accounts, chain, tmp_path, name, samples):
    preset = replace(PRESETS[name], round_size=samples // 10)
    r = simulate(preset, samples, accounts=list(accounts), baseline_n=3)
    first, last = r.rows[0], r.rows[-1]
    assert first.balances == r.starts and first.samples == 0
    good, bad = last.balances
    assert good > r.starts[0] and bad < r.starts[1]
    assert abs(last.accuracy - r.baseline_accuracy) <= 0.05  # "within a few points"
    assert 0 < sum(last.contributions) <= samples
    # Everything settled, and the simulation's books agree with the chain to the wei: what
    # the agents are down is what the contract still holds; in the market, what they are up
    # is the bounty less what the contract keeps for the provider.
    held = int(chain.provider.get_balance(r.contract.address))
    if name == "market":
        assert sum(last.balances) - sum(r.starts) == int(r.contract.bounty()) - held
        # Withdrawing moved each agent's market balance into its wallet, to the wei.
        before = r.rows[-2]
        assert [w + m for w, m in zip(before.balances, before.held, strict=True)] == last.balances
        assert all(int(r.contract.owed(a)) == 0 for a in list(accounts)[1:3])
    else:
        # Every deposit was refunded, reported or taken: the contract holds nothing, and
        # what one agent lost the other gained (gas left out).
        assert last.held == [0, 0] and held == 0
        assert sum(last.balances) == sum(r.starts)
    bad_name = preset.agents[1].name
    rows = check_outputs(
        r, tmp_path, {"accuracy", "good_balance_pct", "good_with_held_pct", f"{bad_name}_held_wei"}
    )
    assert float(rows[0]["good_balance_pct"]) == 100
    # Both rates were measured (how they compare is a benchmark: ``make bench``, not a test).
    assert r.tx_rate > 0 and r.baseline_rate > 0


def test_points_pay_the_good_agent_most(accounts, tmp_path):
    preset = replace(PRESETS["points"], round_size=300)
    r = simulate(preset, 3000, accounts=list(accounts), baseline_n=3)
    last = r.rows[-1]
    # Points per contribution: the careful agent's data earns most, the flipper's least.
    good, careless, bad = (p / n for p, n in zip(last.balances, last.contributions, strict=True))
    assert good > careless > bad > 0
    assert last.balances == last.refunds  # a point per contribution the model agreed with
    # Every contribution validated once: a point or a rejection.
    assert [a + b for a, b in zip(last.refunds, last.rejected, strict=True)] == last.contributions
    assert last.takes == [0, 0, 0] and last.held == [0, 0, 0]
    assert abs(last.accuracy - r.baseline_accuracy) <= 0.05
    assert int(r.contract.good_count()) == sum(last.refunds)
    assert int(r.contract.bad_count()) == sum(last.rejected)
    check_outputs(r, tmp_path, {"good_points", "careless_rejected", "bad_reports"})
    assert any("Points" in line for line in summary_lines(r))


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


def test_a_deposit_budget_caps_what_an_agent_has_out(accounts):
    base = PRESETS["drt"]
    bad = replace(base.agents[1], budget_eth=5.0)
    preset = replace(base, agents=(base.agents[0], bad), round_size=200)
    r = simulate(preset, 1200, accounts=list(accounts), baseline_n=1)
    floor = r.starts[1] - 5 * 10**18
    assert all(row.balances[1] >= floor for row in r.rows)
    deposit = preset.incentive.cost_weight * 3600
    assert min(row.balances[1] for row in r.rows) < floor + deposit  # it did spend to the cap
    assert r.rows[-1].contributions[1] < r.rows[-1].contributions[0]


def test_affordable():
    agent = PRESETS["drt"].agents[0]  # 100 ETH, no budget
    assert agent.affordable(10**18, 3 * 10**17) == 3 and agent.affordable(-5, 10) == 0
    capped = replace(agent, budget_eth=1.0)
    assert capped.affordable(100 * 10**18, 3 * 10**17) == 3
    assert capped.affordable(99 * 10**18, 1) == 0
    assert agent.affordable(0, 0) > 10**9  # free contributions (Points)


def test_articles_preset_runs_the_perceptron_on_a_vocabulary(accounts):
    """The articles' setup: a staked sparse Perceptron (judged as is, the only rule it offers)
    whose encoder is a 1,000-word vocabulary built from the pre-training snippets."""
    preset = replace(PRESETS["articles"], round_size=200)
    r = simulate(preset, 1000, model=preset.model, accounts=list(accounts), baseline_n=1)
    assert r.model == "perceptron" and r.contract.contract_type.name == "PerceptronStake"
    encoder = json.loads(r.contract.encoder())
    assert encoder["kind"] == "vocab" and encoder["size"] == 1000
    assert not r.contract.leave_one_out()
    assert "judged as-is, encoder vocab:1000" in summary_lines(r)[1]


def test_trainer_presets_judge_leave_one_out():
    for name in ("drt", "drt-adversary", "points"):
        assert PRESETS[name].incentive.leave_one_out, name
