"""The demo job at a small scale, in-process on the session chain (``make demo`` runs it full size).

Checks what the summary rests on: the chain's model still equals scikit-learn replaying every
accepted contribution, the wei check holds, every contribution ended in a final state, and the
balance changes add up to what the contract paid out minus gas.
"""

import pytest

from sharedmodels.runs.demo import TrainerDemoConfig, run
from sharedmodels.trainers.client import Incentive, scan
from sharedmodels.units import DAY


def test_small_demo_keeps_parity_and_accounts_for_every_wei(accounts, chain):
    owner, honest, flipper = accounts[0], accounts[1], accounts[2]
    config = TrainerDemoConfig(
        model="perceptron",
        dataset="rt",
        pretrain=600,
        holdout=300,
        days=2,
        per_day=4,
        flipper_per_day=2,
        incentive=Incentive(
            "stake", refund_wait=DAY, owner_wait=3 * DAY, any_wait=7 * DAY, cost_weight=10**15
        ),
    )
    r = run(config, owner, honest, flipper)
    assert r.parity.ok and r.parity.total == 300
    assert r.replayed == r.added["honest"] + r.added["flipper"] == 12
    assert r.wei_ok and r.contract.balance == 0  # a week after the last day all is claimed
    for name in ("honest", "flipper"):
        assert sum(r.states[name].values()) == r.added[name]
        assert set(r.states[name]) <= {"refunded", "taken", "reported", "partly reported"}
    assert len(r.gas["addData, no update"]) + len(r.gas["addData, update"]) == 12
    # The gas the summary shows per addData is what the chain charged each contribution.
    charged = [int(chain.provider.get_receipt(c.tx_hash).gas_used) for c in scan(r.contract, 0)]
    shown = r.gas["addData, no update"] + r.gas["addData, update"]
    assert sorted(shown) == sorted(charged) and len(charged) == 12


@pytest.mark.parametrize(
    "model,dataset", [("naive_bayes", "rt"), ("ncc", "sklearn:digits")], ids=["nb-rt", "ncc-digits"]
)
def test_demo_runs_any_model(accounts, model, dataset):
    """``ape run demo --model M``: the same story on another model and dataset; the replay
    through the model's integer mirror stays exact and every wei is accounted for."""
    config = TrainerDemoConfig(
        model=model,
        dataset=dataset,
        pretrain=400,
        holdout=200,
        days=1,
        per_day=4,
        flipper_per_day=2,
        incentive=Incentive(
            "stake", refund_wait=DAY, owner_wait=3 * DAY, any_wait=7 * DAY, cost_weight=10**15
        ),
    )
    r = run(config, accounts[0], accounts[1], accounts[2])
    assert r.parity.ok and r.parity.summary().endswith("state identical: yes")
    assert r.replayed == r.added["honest"] + r.added["flipper"] == 6
    assert len(r.gas["addData"]) == 6
    assert r.wei_ok and r.contract.balance == 0
    assert (
        r.contract_name == {"naive_bayes": "NaiveBayesStake", "ncc": "NearestCentroidStake"}[model]
    )


def test_default_demo_judges_leave_one_out_and_draws_its_curve(accounts, tmp_path):
    """The default demo (Nearest Centroid on digits from a weak start, leave-one-out judging),
    small: one accuracy per day plus the start, the commoner-class baseline, refund and forfeit
    counts that add up, a PNG; the model learns from the contributions and the flipper loses."""
    from sharedmodels.runs.demo import plot_curve

    config = TrainerDemoConfig(holdout=300, days=2, per_day=8, flipper_per_day=2)
    assert (config.model, config.dataset, config.pretrain) == ("ncc", "sklearn:digits", 10)
    assert config.incentive.leave_one_out
    r = run(config, accounts[0], accounts[1], accounts[2])
    assert r.contract_name == "NearestCentroidStake" and bool(r.contract.leave_one_out())
    assert r.judging == "leave-one-out"
    assert len(r.curve) == 3 and r.curve[0] == r.accuracy_before and r.curve[-1] == r.accuracy_after
    assert 0.05 <= r.majority < 0.2  # ten classes
    assert r.accuracy_after > r.accuracy_before  # the story the demo tells
    assert r.balances["flipper"] < 0
    for name in ("honest", "flipper"):
        refunded, total = r.rate(name, "refunded")
        forfeited, same = r.rate(name, "forfeited")
        assert total == same == r.added[name] == refunded + forfeited
    assert r.parity.ok and r.wei_ok and r.contract.balance == 0
    path = tmp_path / "curve.png"
    plot_curve(r, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
