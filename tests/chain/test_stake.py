"""Unit tests of PerceptronStake: deposit, refund, report, take, and every revert reason.

Every test is followed by the wei invariant (``wei_invariant`` below): each trainer the test
deployed holds exactly the sum of its contributions' claimable amounts, and the history rebuilt
from chain data alone agrees with the stored records.
"""

from math import isqrt

import ape
import pytest
from ape import chain
from conftest import SMALL_N, STAKE, reverts_without_reason
from hypothesis import given, settings
from hypothesis import strategies as st

from sharedmodels.trainers.client import HOUR, Contribution, Incentive, features_hash

#: After every test: the wei invariant for every trainer it deployed (conftest).
pytestmark = pytest.mark.usefixtures("wei_invariant")

#: A weight no single Perceptron update (±1) can flip.
W = 1000
#: Feature 1 votes class 1, feature 2 class 0.
WEIGHTS = {1: W, 2: -W}
POS, NEG = [1], [2]
#: Largest cost weight the constructor accepts: a deposit stays below 2**96 wei.
MAX_COST_WEIGHT = 2**96 // HOUR - 1


def deposit_of(cost_weight, elapsed):
    """The deposit formula written out independently of ``Incentive.deposit``."""
    return cost_weight * 3600 // isqrt(elapsed if elapsed > 0 else 1)


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def deploy_trainer(deploy_trainer, deployed):
    """The conftest factory, remembering every trainer for the invariant check."""

    def _deploy(**overrides):
        contract = deploy_trainer(**overrides)
        deployed.append(contract)
        return contract

    return _deploy


@pytest.fixture
def deploy_raw(project, owner, deployed):
    """``PerceptronStake`` straight from its constructor (``Incentive`` refuses bad waits)."""

    def _deploy(refund_wait, owner_wait, any_wait, cost_weight):
        contract = project.PerceptronStake.deploy(
            16,
            1,
            "a",
            "b",
            "{}",
            refund_wait,
            owner_wait,
            any_wait,
            cost_weight,
            False,
            sender=owner,
        )
        deployed.append(contract)
        return contract

    return _deploy


@pytest.fixture
def trainer(deploy_trainer):
    return deploy_trainer(weights=WEIGHTS)


@pytest.fixture
def dave(accounts):
    return accounts[4]


# ---------------------------------------------------------------- helpers


def contribute(t, who, x, y, at=None, value=None):
    """``addData`` (at timestamp ``at`` if given); returns the Contribution and the receipt.

    By default sends the largest deposit there is (Δ ≤ 1); the excess comes back.
    """
    if at is not None:
        chain.pending_timestamp = at
    if value is None:
        value = t.cost_weight() * HOUR
    receipt = t.addData(x, y, sender=who, value=value)
    (log,) = receipt.decode_logs(t.ContributionAdded)
    c = Contribution.from_log(log, x)
    assert c.contributor == who.address
    return c, receipt


def refund(t, c, who):
    return t.refund(c.key(), c.args(), sender=who)


def report(t, c, who):
    return t.report(c.key(), c.args(), sender=who)


def take(t, c, who):
    return t.take(c.key(), c.features_hash, sender=who)


def at(timestamp):
    chain.pending_timestamp = timestamp


def earn_good(t, counts):
    """Give each account in ``counts`` that many good points (refunded contributions)."""
    made = []
    for who, n in counts:
        for _ in range(n):
            c, _ = contribute(t, who, POS, 1)
            made.append((who, c))
    at(max(c.time for _, c in made) + t.refund_wait())
    for who, c in made:
        refund(t, c, who)


def claimable(t, c):
    return t.contribution(c.id).claimable


def only_log(receipt, event):
    (log,) = receipt.decode_logs(event)
    return log


# ---------------------------------------------------------------- constructor and admin


def test_constructor_state(trainer, owner):
    assert trainer.owner() == owner
    assert trainer.refund_wait() == STAKE.refund_wait
    assert trainer.owner_wait() == STAKE.owner_wait
    assert trainer.any_wait() == STAKE.any_wait
    assert trainer.cost_weight() == STAKE.cost_weight
    assert trainer.contribution_count() == 0
    assert trainer.total_good() == 0
    deployed_at = chain.provider.get_receipt(trainer.txn_hash).timestamp
    assert trainer.last_contribution_time() == deployed_at


@pytest.mark.parametrize(
    "waits", [(121, 120, 240), (60, 241, 240)], ids=["refund>owner", "owner>any"]
)
def test_constructor_rejects_waits_out_of_order(deploy_raw, waits):
    with ape.reverts("stake: waits out of order"):
        deploy_raw(*waits, 10)


def test_constructor_accepts_equal_waits(deploy_raw):
    t = deploy_raw(5, 5, 5, 10)
    assert (t.refund_wait(), t.owner_wait(), t.any_wait()) == (5, 5, 5)


def test_constructor_rejects_cost_weight_too_large(deploy_raw):
    with ape.reverts("stake: cost weight too large"):
        deploy_raw(1, 2, 3, 2**96 // HOUR)
    t = deploy_raw(1, 2, 3, MAX_COST_WEIGHT)
    assert t.cost_weight() == MAX_COST_WEIGHT
    assert t.next_deposit() == MAX_COST_WEIGHT * HOUR < 2**96


def test_constructor_rejects_wait_too_long(deploy_raw):
    with ape.reverts("stake: wait too long"):
        deploy_raw(1, 2, 2**64, 10)


def test_owner_functions_reject_non_owners(trainer, mallory):
    with ape.reverts("ownable: caller is not the owner"):
        trainer.upload_weights([3], [7], sender=mallory)
    with ape.reverts("ownable: caller is not the owner"):
        trainer.upload_intercept(0, sender=mallory)
    with ape.reverts("ownable: caller is not the owner"):
        trainer.seal(sender=mallory)
    with ape.reverts("ownable: caller is not the owner"):
        trainer.transfer_ownership(mallory, sender=mallory)
    with ape.reverts("ownable: caller is not the owner"):
        trainer.renounce_ownership(sender=mallory)
    assert trainer.weights(3) == 0 and not trainer.sealed()


def test_plain_ether_is_refused(trainer, alice):
    # No default function: ether only enters through addData, so the invariant cannot drift.
    with reverts_without_reason():
        alice.transfer(trainer, 1)
    assert trainer.balance == 0


# ---------------------------------------------------------------- deposit


@pytest.mark.parametrize(
    "delta, expected",
    [
        (0, 3_600_000_000_000_000_000),
        (1, 3_600_000_000_000_000_000),
        (4, 1_800_000_000_000_000_000),
        (3600, 60_000_000_000_000_000),
        (86400, 12_286_689_419_795_221),  # isqrt(86400) == 293
    ],
)
def test_deposit_at_exact_gaps(trainer, alice, bob, delta, expected):
    first, _ = contribute(trainer, alice, POS, 1)
    assert trainer.next_deposit() == deposit_of(STAKE.cost_weight, 0)  # same second: Δ 0 → 1
    at(first.time + delta)
    chain.mine()
    assert chain.blocks.head.timestamp == first.time + delta
    assert trainer.next_deposit() == expected == STAKE.deposit(delta)
    assert expected == deposit_of(STAKE.cost_weight, delta)

    at(first.time + delta)
    with ape.reverts("addData: deposit too low"):
        trainer.addData(POS, 1, sender=bob, value=expected - 1)
    at(first.time + delta)
    c, receipt = contribute(trainer, bob, NEG, 0, value=expected)
    log = only_log(receipt, trainer.ContributionAdded)
    assert (log.id, log.contributor, log.label, log.deposit) == (2, bob.address, 0, expected)
    assert log.time == first.time + delta == receipt.timestamp
    assert trainer.balance == first.deposit + expected
    assert claimable(trainer, c) == expected
    assert trainer.last_contribution_time() == c.time
    assert trainer.contribution_count() == 2


def test_first_deposit_counts_from_deployment(trainer, alice):
    start = trainer.last_contribution_time()
    c, _ = contribute(trainer, alice, POS, 1, at=start + 100)
    assert c.deposit == STAKE.cost_weight * 3600 // 10


def test_deposit_counts_from_anyones_last_contribution(trainer, alice, bob):
    a, _ = contribute(trainer, alice, POS, 1, at=trainer.last_contribution_time() + 10_000)
    b, _ = contribute(trainer, bob, POS, 1, at=a.time + 4)
    assert b.deposit == STAKE.cost_weight * 3600 // 2
    c, _ = contribute(trainer, alice, POS, 1, at=b.time + 9)
    assert c.deposit == STAKE.cost_weight * 3600 // 3


def test_excess_is_returned_exactly(trainer, alice):
    start = trainer.last_contribution_time()
    deposit = STAKE.deposit(3600)
    before = alice.balance
    at(start + 3600)
    c, receipt = contribute(trainer, alice, POS, 1, value=deposit + 12_345)
    assert c.deposit == deposit
    assert receipt.total_fees_paid == receipt.gas_used * receipt.gas_price
    assert alice.balance == before - deposit - receipt.total_fees_paid
    assert trainer.balance == deposit


def test_deposit_too_low_records_nothing(trainer, alice):
    first, _ = contribute(trainer, alice, POS, 1)
    at(first.time)
    with ape.reverts("addData: deposit too low"):
        trainer.addData(POS, 1, sender=alice, value=STAKE.max_deposit - 1)
    with ape.reverts("addData: deposit too low"):
        trainer.addData(POS, 1, sender=alice, value=0)
    assert trainer.contribution_count() == 1
    assert trainer.last_contribution_time() == first.time
    assert trainer.balance == first.deposit


def test_zero_cost_weight_is_free(deploy_trainer, owner, alice, bob):
    t = deploy_trainer(
        incentive=Incentive("stake", refund_wait=60, owner_wait=120, any_wait=240, cost_weight=0),
        weights=WEIGHTS,
    )
    assert t.next_deposit() == 0
    before = alice.balance
    good, receipt = contribute(t, alice, POS, 1, value=0)
    assert good.deposit == 0 and alice.balance == before - receipt.total_fees_paid
    bad, receipt = contribute(t, bob, POS, 0, value=777)  # all of it comes back
    assert bad.deposit == 0 and t.balance == 0
    at(bad.time + 240)
    assert only_log(refund(t, good, alice), t.DepositRefunded).amount == 0
    assert t.num_good(alice) == 1
    with ape.reverts("report: nothing left to take"):
        report(t, bad, alice)
    with ape.reverts("take: nothing left to take"):
        take(t, bad, owner)


@pytest.mark.parametrize(
    "x, y, reason",
    [
        ([3, 2], 1, "perceptron: features not sorted and unique"),
        ([2, 2], 0, "perceptron: features not sorted and unique"),
        ([5, SMALL_N], 1, "perceptron: feature index out of range"),
        ([1], 2, "perceptron: label out of range"),
    ],
)
def test_model_input_errors_record_nothing(trainer, alice, x, y, reason):
    first, _ = contribute(trainer, alice, POS, 1)
    with ape.reverts(reason):
        trainer.addData(x, y, sender=alice, value=STAKE.max_deposit)
    assert trainer.contribution_count() == 1
    assert trainer.last_contribution_time() == first.time
    assert trainer.balance == first.deposit
    assert trainer.update_count() == 0


def test_highest_feature_index_is_accepted(trainer, alice):
    c, _ = contribute(trainer, alice, [5, SMALL_N - 1], 1)
    assert c.id == 1 and trainer.weights(SMALL_N - 1) == 1


# ---------------------------------------------------------------- refund


def test_refund_exact_second_and_payment(trainer, alice):
    c, _ = contribute(trainer, alice, POS, 1)
    at(c.time + STAKE.refund_wait - 1)
    with ape.reverts("refund: too early"):
        refund(trainer, c, alice)
    at(c.time + STAKE.refund_wait)
    before = alice.balance
    receipt = refund(trainer, c, alice)
    assert receipt.timestamp == c.time + STAKE.refund_wait
    assert alice.balance == before + c.deposit - receipt.total_fees_paid
    log = only_log(receipt, trainer.DepositRefunded)
    assert (log.id, log.contributor, log.amount) == (c.id, alice.address, c.deposit)
    assert trainer.num_good(alice) == 1 and trainer.total_good() == 1
    record = trainer.contribution(c.id)
    assert record.claimable == 0 and record.good and not record.bad
    assert trainer.balance == 0


def test_refund_not_the_contributor(trainer, alice, bob):
    c, _ = contribute(trainer, alice, POS, 1)
    at(c.time + STAKE.refund_wait)
    with ape.reverts("refund: not the contributor"):
        refund(trainer, c, bob)


def test_refund_already_refunded(trainer, alice):
    c, _ = contribute(trainer, alice, POS, 1)
    at(c.time + STAKE.refund_wait)
    refund(trainer, c, alice)
    with ape.reverts("refund: already refunded"):
        refund(trainer, c, alice)
    assert trainer.num_good(alice) == 1 and trainer.total_good() == 1


def test_refund_model_disagrees(trainer, mallory):
    c, _ = contribute(trainer, mallory, POS, 0)
    at(c.time + STAKE.any_wait * 10)
    with ape.reverts("refund: model disagrees"):
        refund(trainer, c, mallory)
    assert trainer.num_good(mallory) == 0 and claimable(trainer, c) == c.deposit


def test_refund_uses_the_current_model(deploy_trainer, alice, bob, carol):
    # With weight 1 each mistake on feature 7 flips the model's class for [7].
    t = deploy_trainer(weights={7: 1})
    assert t.predict([7]) == 1
    c, _ = contribute(t, alice, [7], 0)  # mistake: the model now says 0
    assert t.predict([7]) == 0
    contribute(t, bob, [7], 1)  # mistake again: back to 1
    assert t.predict([7]) == 1
    at(c.time + STAKE.refund_wait)
    with ape.reverts("refund: model disagrees"):
        refund(t, c, alice)
    contribute(t, carol, [7], 0)
    assert t.predict([7]) == 0
    assert only_log(refund(t, c, alice), t.DepositRefunded).amount == c.deposit


def test_refund_pays_what_a_report_left(deploy_trainer, alice, bob, carol, dave, mallory):
    t = deploy_trainer(weights={**WEIGHTS, 7: 1})
    earn_good(t, [(alice, 1), (bob, 1)])
    c, _ = contribute(t, mallory, [7], 0)  # the model flips to agree with mallory
    contribute(t, carol, [7], 1)  # ... and back
    at(c.time + STAKE.refund_wait)
    share = only_log(report(t, c, alice), t.DepositReported).amount
    assert share == c.deposit * 1 // 2
    contribute(t, dave, [7], 0)  # agrees with mallory again
    before = mallory.balance
    receipt = refund(t, c, mallory)
    assert only_log(receipt, t.DepositRefunded).amount == c.deposit - share
    assert mallory.balance == before + c.deposit - share - receipt.total_fees_paid
    assert t.num_good(mallory) == 1 and t.total_good() == 3


def test_no_refund_of_a_taken_deposit(deploy_trainer, owner, mallory):
    """A deposit taken (or reported to 0) cannot be "refunded" for 0 wei: that would earn a
    good point, and with it report shares, for a forfeited contribution."""
    t = deploy_trainer(weights={7: 1})
    c, _ = contribute(t, mallory, [7], 0)  # model flips to 0 ...
    contribute(t, owner, [7], 1)  # ... and back to 1
    at(c.time + STAKE.owner_wait)
    assert only_log(take(t, c, owner), t.DepositTaken).amount == c.deposit
    contribute(t, owner, [7], 0)  # the model agrees with mallory again
    with ape.reverts("refund: deposit reported or taken"):
        refund(t, c, mallory)
    assert t.num_good(mallory) == 0


def test_no_refund_of_a_deposit_reported_to_nothing(deploy_trainer, alice, carol, dave, mallory):
    t = deploy_trainer(weights={**WEIGHTS, 7: 1})
    earn_good(t, [(alice, 1)])
    c, _ = contribute(t, mallory, [7], 0)  # the model flips to agree with mallory
    contribute(t, carol, [7], 1)  # ... and back
    at(c.time + STAKE.refund_wait)
    assert only_log(report(t, c, alice), t.DepositReported).amount == c.deposit  # all of it
    contribute(t, dave, [7], 0)  # agrees with mallory again
    with ape.reverts("refund: deposit reported or taken"):
        refund(t, c, mallory)
    assert t.num_good(mallory) == 0 and t.total_good() == 1


# ---------------------------------------------------------------- report


def test_report_exact_second_and_payment(trainer, alice, mallory):
    earn_good(trainer, [(alice, 1)])
    c, _ = contribute(trainer, mallory, POS, 0)
    at(c.time + STAKE.refund_wait - 1)
    with ape.reverts("report: too early"):
        report(trainer, c, alice)
    at(c.time + STAKE.refund_wait)
    before = alice.balance
    receipt = report(trainer, c, alice)
    log = only_log(receipt, trainer.DepositReported)
    assert (log.id, log.reporter, log.amount) == (c.id, alice.address, c.deposit)
    assert (log.reporter_good, log.total_good) == (1, 1)
    assert alice.balance == before + c.deposit - receipt.total_fees_paid
    assert trainer.reported(c.id, alice)
    record = trainer.contribution(c.id)
    assert record.claimable == 0 and not record.good and not record.bad


def test_report_own_contribution(trainer, mallory):
    earn_good(trainer, [(mallory, 1)])
    c, _ = contribute(trainer, mallory, POS, 0)
    at(c.time + STAKE.any_wait)
    with ape.reverts("report: own contribution"):
        report(trainer, c, mallory)


def test_report_already_reported(trainer, alice, bob, mallory):
    earn_good(trainer, [(alice, 1), (bob, 1)])
    c, _ = contribute(trainer, mallory, POS, 0)
    at(c.time + STAKE.refund_wait)
    report(trainer, c, alice)
    with ape.reverts("report: already reported"):
        report(trainer, c, alice)
    assert claimable(trainer, c) == c.deposit - c.deposit // 2
    assert not trainer.reported(c.id, bob)


def test_report_nothing_left_after_refund(trainer, alice, bob):
    earn_good(trainer, [(bob, 1)])
    c, _ = contribute(trainer, alice, POS, 1)
    at(c.time + STAKE.refund_wait)
    refund(trainer, c, alice)
    with ape.reverts("report: nothing left to take"):
        report(trainer, c, bob)


def test_report_nothing_left_after_take(trainer, owner, alice, mallory):
    earn_good(trainer, [(alice, 1)])
    c, _ = contribute(trainer, mallory, POS, 0)
    at(c.time + STAKE.owner_wait)
    take(trainer, c, owner)
    with ape.reverts("report: nothing left to take"):
        report(trainer, c, alice)


def test_report_model_agrees(trainer, alice, bob):
    earn_good(trainer, [(alice, 1)])
    c, _ = contribute(trainer, bob, NEG, 0)
    at(c.time + STAKE.refund_wait)
    with ape.reverts("report: model agrees"):
        report(trainer, c, alice)


def test_report_reporter_has_no_good_contributions(trainer, alice, bob, mallory):
    earn_good(trainer, [(alice, 1)])
    c, _ = contribute(trainer, mallory, POS, 0)
    at(c.time + STAKE.refund_wait)
    with ape.reverts("report: reporter has no good contributions"):
        report(trainer, c, bob)


def test_report_shares_until_the_deposit_is_gone(trainer, owner, alice, bob, carol, dave, mallory):
    earn_good(trainer, [(alice, 1), (bob, 2), (carol, 3)])
    assert trainer.total_good() == 6
    # Δ = 4900 s: the deposit is 3.6e18 // 70, not a multiple of 6, so the shares leave dust.
    c, _ = contribute(trainer, mallory, POS, 0, at=trainer.last_contribution_time() + 4900)
    deposit = c.deposit
    assert deposit == STAKE.cost_weight * 3600 // 70 and deposit % 6 != 0
    at(c.time + STAKE.refund_wait)
    remaining = deposit
    for who, good in [(bob, 2), (carol, 3), (alice, 1)]:
        before = who.balance
        receipt = report(trainer, c, who)
        log = only_log(receipt, trainer.DepositReported)
        share = deposit * good // 6
        assert (log.amount, log.reporter_good, log.total_good) == (share, good, 6)
        assert who.balance == before + share - receipt.total_fees_paid
        remaining -= share
        assert claimable(trainer, c) == remaining
    assert 0 < remaining < 6
    # The owner earns a point: its share, deposit // 7, is more than the dust, so it gets the dust.
    earn_good(trainer, [(owner, 1)])
    log = only_log(report(trainer, c, owner), trainer.DepositReported)
    assert (log.amount, log.reporter_good, log.total_good) == (remaining, 1, 7)
    assert claimable(trainer, c) == 0
    with ape.reverts("report: nothing left to take"):
        report(trainer, c, dave)
    with ape.reverts("take: nothing left to take"):
        take(trainer, c, owner)


def test_report_share_larger_than_remaining_gets_the_rest(trainer, alice, bob, mallory):
    earn_good(trainer, [(alice, 1), (bob, 1)])
    c, _ = contribute(trainer, mallory, POS, 0)
    at(c.time + STAKE.refund_wait)
    assert only_log(report(trainer, c, bob), trainer.DepositReported).amount == c.deposit // 2
    earn_good(trainer, [(alice, 2)])  # alice: 3 of 4, a share of 3/4 > the 1/2 left
    log = only_log(report(trainer, c, alice), trainer.DepositReported)
    assert (log.amount, log.reporter_good, log.total_good) == (c.deposit - c.deposit // 2, 3, 4)
    assert claimable(trainer, c) == 0


def test_report_share_rounding_to_zero_is_refused(deploy_trainer, owner, alice, bob, mallory):
    """The boundary of the rounding rule: a reporter gets `deposit * good // total`, never more.
    Below the boundary (1 wei * 1 point < 2 points) the share is 0 and the report is refused
    with nothing changed; the contract used to pay the whole remaining deposit instead, twice
    the reporter's share of 1/2 wei. The deposit stays for the owner's take."""
    # cost weight 1 and Δ = 2000**2 s: a 1-wei deposit.
    t = deploy_trainer(
        incentive=Incentive("stake", refund_wait=60, owner_wait=120, any_wait=240, cost_weight=1),
        weights=WEIGHTS,
    )
    earn_good(t, [(alice, 1), (bob, 1)])
    c, _ = contribute(t, mallory, POS, 0, at=t.last_contribution_time() + 2000**2)
    assert c.deposit == 1 and c.deposit * 1 < t.total_good() == 2
    at(c.time + 60)
    with ape.reverts("report: share rounds to zero"):
        report(t, c, alice)
    assert claimable(t, c) == 1
    at(c.time + 120)
    assert only_log(take(t, c, owner), t.DepositTaken).amount == 1
    assert claimable(t, c) == 0


def test_report_share_at_the_rounding_boundary_is_paid(deploy_trainer, alice, bob, mallory):
    """At the boundary (2 wei * 1 point == 2 points) the share is exactly 1 wei: each of the
    two reporters gets 1, not the 2 left to the first."""
    t = deploy_trainer(
        incentive=Incentive("stake", refund_wait=60, owner_wait=120, any_wait=240, cost_weight=1),
        weights=WEIGHTS,
    )
    earn_good(t, [(alice, 1), (bob, 1)])
    c, _ = contribute(t, mallory, POS, 0, at=t.last_contribution_time() + 1800**2)
    assert c.deposit == 2 and c.deposit * 1 == t.total_good()
    at(c.time + 60)
    for who, left in [(alice, 1), (bob, 0)]:
        log = only_log(report(t, c, who), t.DepositReported)
        assert (log.amount, log.reporter_good, log.total_good) == (1, 1, 2)
        assert claimable(t, c) == left


# ---------------------------------------------------------------- take


def test_owner_take_exact_second(trainer, owner, mallory):
    c, _ = contribute(trainer, mallory, POS, 0)
    at(c.time + STAKE.owner_wait - 1)
    with ape.reverts("take: too early"):
        take(trainer, c, owner)
    at(c.time + STAKE.owner_wait)
    before = owner.balance
    receipt = take(trainer, c, owner)
    log = only_log(receipt, trainer.DepositTaken)
    assert (log.id, log.taker, log.amount, log.as_owner) == (c.id, owner.address, c.deposit, True)
    assert owner.balance == before + c.deposit - receipt.total_fees_paid
    assert claimable(trainer, c) == 0


def test_anyone_take_exact_second(trainer, bob, mallory):
    c, _ = contribute(trainer, mallory, POS, 0)
    at(c.time + STAKE.owner_wait)  # the owner's window is open, not a stranger's
    with ape.reverts("take: too early"):
        take(trainer, c, bob)
    at(c.time + STAKE.any_wait - 1)
    with ape.reverts("take: too early"):
        take(trainer, c, bob)
    at(c.time + STAKE.any_wait)
    before = bob.balance
    receipt = take(trainer, c, bob)
    log = only_log(receipt, trainer.DepositTaken)
    assert (log.taker, log.amount, log.as_owner) == (bob.address, c.deposit, False)
    assert bob.balance == before + c.deposit - receipt.total_fees_paid


def test_take_ignores_the_model(trainer, owner, alice):
    # A good contribution left unrefunded past owner_wait is the owner's to take.
    c, _ = contribute(trainer, alice, POS, 1)
    at(c.time + STAKE.owner_wait)
    assert only_log(take(trainer, c, owner), trainer.DepositTaken).amount == c.deposit
    with ape.reverts("refund: deposit reported or taken"):  # the model agrees, but too late
        refund(trainer, c, alice)
    assert trainer.num_good(alice) == 0


def test_take_what_reports_left(trainer, owner, alice, bob, mallory):
    earn_good(trainer, [(alice, 1), (bob, 1)])
    c, _ = contribute(trainer, mallory, POS, 0)
    at(c.time + STAKE.refund_wait)
    report(trainer, c, alice)
    at(c.time + STAKE.owner_wait)
    log = only_log(take(trainer, c, owner), trainer.DepositTaken)
    assert log.amount == c.deposit - c.deposit // 2


def test_contributor_cannot_take_its_own(trainer, mallory):
    c, _ = contribute(trainer, mallory, POS, 0)
    at(c.time + STAKE.any_wait * 100)
    with ape.reverts("take: contributor cannot take its own deposit"):
        take(trainer, c, mallory)


def test_owner_cannot_take_its_own(trainer, owner):
    c, _ = contribute(trainer, owner, POS, 0)
    at(c.time + STAKE.any_wait * 100)
    with ape.reverts("take: contributor cannot take its own deposit"):
        take(trainer, c, owner)


def test_take_nothing_left_after_take(trainer, owner, bob, mallory):
    c, _ = contribute(trainer, mallory, POS, 0)
    at(c.time + STAKE.any_wait)
    take(trainer, c, bob)
    with ape.reverts("take: nothing left to take"):
        take(trainer, c, bob)
    with ape.reverts("take: nothing left to take"):
        take(trainer, c, owner)


def test_take_nothing_left_after_refund(trainer, owner, alice, bob):
    c, _ = contribute(trainer, alice, POS, 1)
    at(c.time + STAKE.refund_wait)
    refund(trainer, c, alice)
    at(c.time + STAKE.any_wait)
    with ape.reverts("take: nothing left to take"):
        take(trainer, c, owner)
    with ape.reverts("take: nothing left to take"):
        take(trainer, c, bob)


def test_owner_tier_follows_ownership(trainer, owner, bob, mallory):
    c, _ = contribute(trainer, mallory, POS, 0)
    trainer.transfer_ownership(bob, sender=owner)
    at(c.time + STAKE.owner_wait)
    with ape.reverts("take: too early"):
        take(trainer, c, owner)
    log = only_log(take(trainer, c, bob), trainer.DepositTaken)
    assert (log.taker, log.as_owner) == (bob.address, True)


def test_renounced_ownership_leaves_only_the_anyone_tier(trainer, owner, mallory):
    c, _ = contribute(trainer, mallory, POS, 0)
    trainer.renounce_ownership(sender=owner)
    at(c.time + STAKE.owner_wait)
    with ape.reverts("take: too early"):
        take(trainer, c, owner)
    at(c.time + STAKE.any_wait)
    assert not only_log(take(trainer, c, owner), trainer.DepositTaken).as_owner


# ---------------------------------------------------------------- data handler


def test_unknown_contribution(trainer, owner, alice, bob):
    earn_good(trainer, [(bob, 1)])
    c, _ = contribute(trainer, alice, POS, 0)
    at(c.time + STAKE.any_wait)
    for id_ in (0, trainer.contribution_count() + 1):
        key = (id_, *c.key()[1:])
        with ape.reverts("data: unknown contribution"):
            trainer.refund(key, c.args(), sender=alice)
        with ape.reverts("data: unknown contribution"):
            trainer.report(key, c.args(), sender=bob)
        with ape.reverts("data: unknown contribution"):
            trainer.take(key, c.features_hash, sender=owner)


def test_contribution_does_not_match(trainer, owner, alice, bob):
    earn_good(trainer, [(bob, 1)])
    c, _ = contribute(trainer, alice, [1, 5], 0)
    at(c.time + STAKE.any_wait)
    key = c.key()
    tampered = {
        "id": (1, *key[1:]),  # bob's refunded contribution
        "contributor": (key[0], bob.address, *key[2:]),
        "time": (*key[:2], c.time - 1, *key[3:]),
        "label": (*key[:3], 1, key[4]),
        "deposit": (*key[:4], c.deposit - 1),
    }
    # refund, report and take share one check (the data handler's _load): every field
    # through refund, and one tampering each through report and take.
    for bad in tampered.values():
        with ape.reverts("data: contribution does not match"):
            trainer.refund(bad, c.args(), sender=alice)
    with ape.reverts("data: contribution does not match"):
        trainer.report(tampered["label"], c.args(), sender=bob)
    with ape.reverts("data: contribution does not match"):
        trainer.take(tampered["deposit"], c.features_hash, sender=owner)
    for features in ([1], [1, 6], [5, 1], [1, 5, 7]):
        with ape.reverts("data: contribution does not match"):
            trainer.refund(c.key(), features, sender=alice)
    with ape.reverts("data: contribution does not match"):
        trainer.report(c.key(), [1], sender=bob)
    for wrong in (features_hash([1]), features_hash([5, 1]), bytes(32)):
        with ape.reverts("data: contribution does not match"):
            trainer.take(c.key(), wrong, sender=owner)
    # The untampered statement still works, so every revert above was the tampering.
    assert only_log(take(trainer, c, owner), trainer.DepositTaken).amount == c.deposit


def test_records_bind_the_features(trainer, alice):
    c, _ = contribute(trainer, alice, [1, 5, 9], 1)
    record = trainer.contribution(c.id)
    assert record.binding == c.binding()
    assert (record.claimable, record.good, record.bad) == (c.deposit, False, False)
    assert trainer.contribution(c.id + 1).binding == 0


# ---------------------------------------------------------------- property


def test_deposit_formula_property(deploy_trainer, alice):
    chain.set_balance(alice, 2**110)  # enough for the largest deposit there is
    trainers = {}

    @settings(
        max_examples=20,
        deadline=None,
        database=None,
    )
    @given(
        cost_weight=st.one_of(
            st.sampled_from([0, 1, 7, 10**15, MAX_COST_WEIGHT]),
            st.integers(0, MAX_COST_WEIGHT),
        ),
        delta=st.one_of(
            st.sampled_from([0, 1, 2, 3, 4, 3599, 3600, 3601, 86_400]),
            st.integers(0, 10**9),
        ),
    )
    def check(cost_weight, delta):
        incentive = Incentive(
            "stake", refund_wait=0, owner_wait=0, any_wait=0, cost_weight=cost_weight
        )
        if cost_weight not in trainers:
            trainers[cost_weight] = deploy_trainer(incentive=incentive, weights=WEIGHTS)
        t = trainers[cost_weight]
        last, _ = contribute(t, alice, POS, 1, at=chain.blocks.head.timestamp)
        at(last.time + delta)
        chain.mine()
        expected = deposit_of(cost_weight, delta)
        assert t.next_deposit() == expected == incentive.deposit(delta)
        at(last.time + delta)
        c, _ = contribute(t, alice, POS, 1, value=expected)
        assert c.deposit == expected and c.time == last.time + delta

    check()
