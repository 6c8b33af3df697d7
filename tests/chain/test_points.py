"""Unit tests of PerceptronPoints: free contributions, validation, points, badges, leaderboard,
and every revert reason.

After every test each trainer it deployed holds no wei and its records match the history
rebuilt from chain data.
"""

import ape
import pytest
from ape import chain
from conftest import assert_wei_invariant

from sharedmodels.trainers.client import Contribution, Incentive

WAIT = 60
POINTS = Incentive("points", refund_wait=WAIT, owner_wait=WAIT, any_wait=WAIT, cost_weight=0)
#: No wait: a contribution can be validated in the block after it.
NO_WAIT = Incentive("points", refund_wait=0, owner_wait=0, any_wait=0, cost_weight=0)
#: Feature 1 votes class 1, feature 2 class 0, too strongly for one update (±1) to flip.
WEIGHTS = {1: 1000, 2: -1000}
POS, NEG = [1], [2]


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def deploy_points(deploy_trainer, deployed):
    """A Points trainer (WEIGHTS by default), remembered for the after-test check."""

    def _deploy(incentive=POINTS, weights=WEIGHTS):
        contract = deploy_trainer(incentive=incentive, weights=weights)
        deployed.append(contract)
        return contract

    return _deploy


@pytest.fixture(autouse=True)
def holds_no_wei(deployed):
    yield
    for t in deployed:
        assert assert_wei_invariant(t) == 0


@pytest.fixture
def trainer(deploy_points):
    return deploy_points()


@pytest.fixture
def fast(deploy_points):
    return deploy_points(NO_WAIT)


# ---------------------------------------------------------------- helpers


def add(t, who, x, y):
    """A free ``addData``; returns the recorded Contribution."""
    receipt = t.addData(x, y, sender=who)
    (log,) = receipt.decode_logs(t.ContributionAdded)
    assert log.deposit == 0 and log.contributor == who.address and log.time == receipt.timestamp
    return Contribution.from_log(log, x)


def at(timestamp):
    chain.pending_timestamp = timestamp


def refund(t, c, who):
    return t.refund(c.key(), c.args(), sender=who)


def report(t, c, who):
    return t.report(c.key(), c.args(), sender=who)


def point(t, who):
    """One more point for ``who`` on a no-wait trainer; returns the refund receipt."""
    return refund(t, add(t, who, POS, 1), who)


def board(t):
    return [(leader.player, leader.points) for leader in t.leaderboard()]


def badges(t, receipt):
    return [(log.player, log.points) for log in receipt.decode_logs(t.BadgeEarned)]


# ---------------------------------------------------------------- construction and admin


def test_constructor_state(trainer, owner):
    assert trainer.owner() == owner
    assert trainer.refund_wait() == WAIT
    assert trainer.contribution_count() == 0
    assert (trainer.good_count(), trainer.bad_count()) == (0, 0)
    assert trainer.points(owner) == 0 and board(trainer) == []


def test_constructor_rejects_wait_too_long(project, deployer):
    with ape.reverts("points: wait too long"):
        project.PerceptronPoints.deploy(16, 1, "a", "b", "{}", 2**64, False, sender=deployer)


def test_owner_functions_reject_non_owners(trainer, mallory):
    with ape.reverts("ownable: caller is not the owner"):
        trainer.upload_weights([3], [7], sender=mallory)
    with ape.reverts("ownable: caller is not the owner"):
        trainer.seal(sender=mallory)


# ---------------------------------------------------------------- contributions


def test_contributions_are_free(trainer, alice):
    with ape.reverts("addData: contributions are free"):
        trainer.addData(POS, 1, sender=alice, value=1)
    assert trainer.contribution_count() == 0 and trainer.balance == 0
    before = alice.balance
    receipt = trainer.addData(POS, 1, sender=alice)
    assert alice.balance == before - receipt.total_fees_paid
    assert trainer.contribution_count() == 1
    record = trainer.contribution(1)
    assert (record.claimable, record.good, record.bad) == (0, False, False)


@pytest.mark.parametrize(
    "x, y, reason",
    [
        ([2, 1], 1, "perceptron: features not sorted and unique"),
        ([2**12], 0, "perceptron: feature index out of range"),
        ([1], 2, "perceptron: label out of range"),
    ],
)
def test_model_input_errors_record_nothing(trainer, alice, x, y, reason):
    with ape.reverts(reason):
        trainer.addData(x, y, sender=alice)
    assert trainer.contribution_count() == 0


# ---------------------------------------------------------------- refund (validate own)


def test_refund_exact_second_earns_a_point(trainer, alice):
    c = add(trainer, alice, POS, 1)
    at(c.time + WAIT - 1)
    with ape.reverts("refund: too early"):
        refund(trainer, c, alice)
    at(c.time + WAIT)
    before = alice.balance
    receipt = refund(trainer, c, alice)
    assert alice.balance == before - receipt.total_fees_paid
    (log,) = receipt.decode_logs(trainer.PointEarned)
    assert (log.id, log.player, log.points) == (c.id, alice.address, 1)
    assert badges(trainer, receipt) == [(alice.address, 1)]
    assert trainer.points(alice) == 1 and trainer.good_count() == 1 and trainer.bad_count() == 0
    record = trainer.contribution(c.id)
    assert record.good and not record.bad
    assert board(trainer) == [(alice.address, 1)]


def test_refund_not_the_contributor(trainer, alice, bob):
    c = add(trainer, alice, POS, 1)
    at(c.time + WAIT)
    with ape.reverts("refund: not the contributor"):
        refund(trainer, c, bob)


def test_refund_model_disagrees(trainer, mallory):
    c = add(trainer, mallory, POS, 0)
    at(c.time + WAIT)
    with ape.reverts("refund: model disagrees"):
        refund(trainer, c, mallory)
    assert trainer.points(mallory) == 0 and trainer.good_count() == 0


def test_refund_already_validated_by_refund(trainer, alice):
    c = add(trainer, alice, POS, 1)
    at(c.time + WAIT)
    refund(trainer, c, alice)
    with ape.reverts("refund: already validated"):
        refund(trainer, c, alice)
    assert trainer.points(alice) == 1 and trainer.good_count() == 1


def test_refund_already_validated_by_report(deploy_points, alice, bob, carol):
    # Weight 1 on feature 7: each mistake flips the model's class for [7].
    t = deploy_points(weights={7: 1})
    c = add(t, alice, [7], 0)  # the model now says 0 ...
    add(t, bob, [7], 1)  # ... and 1 again
    at(c.time + WAIT)
    report(t, c, carol)
    add(t, bob, [7], 0)  # the model agrees with alice now, too late
    assert t.predict([7]) == 0
    with ape.reverts("refund: already validated"):
        refund(t, c, alice)
    assert t.points(alice) == 0


# ---------------------------------------------------------------- report (mark bad)


def test_report_exact_second_pays_nothing(trainer, bob, mallory):
    c = add(trainer, mallory, POS, 0)
    at(c.time + WAIT - 1)
    with ape.reverts("report: too early"):
        report(trainer, c, bob)
    at(c.time + WAIT)
    before = bob.balance
    receipt = report(trainer, c, bob)
    assert bob.balance == before - receipt.total_fees_paid
    (log,) = receipt.decode_logs(trainer.ContributionRejected)
    assert (log.id, log.reporter) == (c.id, bob.address)
    assert list(receipt.decode_logs(trainer.PointEarned)) == []
    assert badges(trainer, receipt) == []
    assert trainer.bad_count() == 1 and trainer.good_count() == 0
    assert trainer.points(bob) == 0 and trainer.points(mallory) == 0 and board(trainer) == []
    record = trainer.contribution(c.id)
    assert record.bad and not record.good


def test_report_own_contribution(trainer, mallory):
    c = add(trainer, mallory, POS, 0)
    at(c.time + WAIT)
    with ape.reverts("report: own contribution"):
        report(trainer, c, mallory)


def test_report_model_agrees(trainer, alice, bob):
    c = add(trainer, alice, NEG, 0)
    at(c.time + WAIT)
    with ape.reverts("report: model agrees"):
        report(trainer, c, bob)


def test_report_already_validated_by_report(trainer, bob, carol, mallory):
    c = add(trainer, mallory, POS, 0)
    at(c.time + WAIT)
    report(trainer, c, bob)
    with ape.reverts("report: already validated"):
        report(trainer, c, bob)
    with ape.reverts("report: already validated"):
        report(trainer, c, carol)
    assert trainer.bad_count() == 1


def test_report_already_validated_by_refund(deploy_points, alice, bob, carol):
    t = deploy_points(weights={7: 1})
    c = add(t, alice, [7], 0)  # the model flips to agree with alice
    at(c.time + WAIT)
    refund(t, c, alice)
    add(t, carol, [7], 1)  # and flips back: the model disagrees now, too late
    assert t.predict([7]) == 1
    with ape.reverts("report: already validated"):
        report(t, c, bob)
    assert t.bad_count() == 0


# ---------------------------------------------------------------- points, badges, leaderboard


def test_points_and_counts(fast, alice, bob, carol, mallory):
    good = [add(fast, alice, POS, 1), add(fast, bob, NEG, 0), add(fast, alice, NEG, 0)]
    bad = [add(fast, mallory, POS, 0), add(fast, mallory, NEG, 1)]
    for c, who in zip(good, [alice, bob, alice], strict=True):
        refund(fast, c, who)
    for c in bad:
        report(fast, c, carol)
    assert (fast.points(alice), fast.points(bob), fast.points(mallory)) == (2, 1, 0)
    assert fast.points(carol) == 0
    assert (fast.good_count(), fast.bad_count()) == (3, 2)


def test_badges_at_one_and_ten_points(fast, alice):
    for n in range(1, 12):
        receipt = point(fast, alice)
        (log,) = receipt.decode_logs(fast.PointEarned)
        assert log.points == n
        assert badges(fast, receipt) == ([(alice.address, n)] if n in (1, 10) else [])
    assert fast.points(alice) == 11


def test_leaderboard_order_and_ties(fast, alice, bob, carol):
    point(fast, alice)
    point(fast, bob)
    assert board(fast) == [(alice.address, 1), (bob.address, 1)]  # tie: alice got there first
    point(fast, bob)
    assert board(fast) == [(bob.address, 2), (alice.address, 1)]
    point(fast, alice)
    assert board(fast) == [(bob.address, 2), (alice.address, 2)]  # tie: bob got there first
    point(fast, carol)
    assert board(fast) == [(bob.address, 2), (alice.address, 2), (carol.address, 1)]
    point(fast, carol)
    point(fast, carol)
    assert board(fast) == [(carol.address, 3), (bob.address, 2), (alice.address, 2)]


def test_leaderboard_keeps_the_top_ten(fast, accounts):
    players = list(accounts[:10])
    for _ in range(2):
        extra = accounts.generate_test_account()
        chain.set_balance(extra, 10**20)
        players.append(extra)
    p = [a.address for a in players]
    for who in players[:10]:
        point(fast, who)
    assert board(fast) == [(a, 1) for a in p[:10]]
    point(fast, players[10])  # 1 point ties the last entry: stays out
    assert board(fast) == [(a, 1) for a in p[:10]]
    point(fast, players[10])  # 2 points beat the last: in, and to the top
    assert board(fast) == [(p[10], 2)] + [(a, 1) for a in p[:9]]
    point(fast, players[9])  # back in, behind the earlier 2-pointer
    assert board(fast) == [(p[10], 2), (p[9], 2)] + [(a, 1) for a in p[:8]]
    point(fast, players[11])  # a newcomer's first point ties the last: stays out
    assert p[11] not in [a for a, _ in board(fast)]
    point(fast, players[8])  # the dropped 1-pointer returns with 2
    assert board(fast) == [(p[10], 2), (p[9], 2), (p[8], 2)] + [(a, 1) for a in p[:7]]
    assert fast.points(players[11]) == 1
