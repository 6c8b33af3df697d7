"""The deposit plan of a contribution batch and its cap, without a chain."""

import pytest

from sharedmodels.trainers.client import Incentive
from sharedmodels.trainers.deposits import AboveCap, Plan, check_cap, eth_up, quiet_for

STAKE = Incentive(
    "stake", refund_wait=60, owner_wait=120, any_wait=240, cost_weight=10**15
)  # largest deposit 3.6 ETH


@pytest.mark.parametrize("seconds", [1, 2, 4, 9, 48, 49, 50, 60, 3600, 10**6])
def test_quiet_for_is_the_first_second_at_or_below_the_cap(seconds):
    cap = STAKE.deposit(seconds)
    t = quiet_for(STAKE, cap)
    assert STAKE.deposit(t) <= cap
    assert t == 1 or STAKE.deposit(t - 1) > cap


def test_quiet_for_without_deposits():
    assert (
        quiet_for(Incentive("points", refund_wait=60, owner_wait=60, any_wait=60, cost_weight=0), 0)
        == 1
    )
    assert quiet_for(STAKE, 4 * 10**18) == 1


def _plan(samples, now, cap, pace=False):
    return Plan(
        samples=samples,
        now=now,
        burst=STAKE.max_deposit,
        cap=cap,
        pace=pace,
        gap=quiet_for(STAKE, cap),
    )


def test_a_batch_sent_at_once_pays_the_largest_deposit_after_the_first():
    fits = _plan(3, 10**17, STAKE.max_deposit)
    assert fits.fits and fits.most == 10**17 + 2 * STAKE.max_deposit
    capped = _plan(3, 10**17, STAKE.deposit(60))
    assert not capped.fits and capped.most == 3 * STAKE.deposit(60)
    assert "a batch of 3 sent at once pays 3.600000 ETH" in capped.refusal()
    assert "--max-deposit 3.600000 to pay it" in capped.refusal()
    single = _plan(1, STAKE.deposit(4), STAKE.deposit(60))
    assert not single.fits
    assert single.refusal().startswith("the deposit now is 1.800000 ETH, above the cap")
    assert _plan(1, STAKE.deposit(60), STAKE.deposit(60)).fits


def test_eth_up_never_rounds_below():
    assert eth_up(514285714285714285) == "0.514286"
    assert eth_up(3 * 10**18) == "3.000000"
    assert eth_up(1) == "0.000001"


def test_check_cap():
    check_cap(5, 5)
    with pytest.raises(AboveCap, match="above the cap"):
        check_cap(6, 5)
