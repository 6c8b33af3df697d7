"""A second, independent adversarial review of the model bounty (issue 27, "Done means"):
each test PERFORMS an attack end to end on the current contract, with the public mempool of
``tests/mempool.py`` where the attack needs one, and checks who gained what, in wei.

Unmarked tests are attacks that fail (the contract holds; the test documents the defence).
A test marked ``xfail(strict=True)`` is an attack that works today: its assertions state what
a fixed contract must make the test observe, and its reason gives the measured numbers."""

import random

import ape
import pytest
from bounty_helpers import (
    CLASSES,
    DIM,
    PRIZE,
    TERMS,
    good_perceptron,
    groups,
    open_bounty,
    random_model,
)
from conftest import compile_test_contract

from sharedmodels.bounty.driver import (
    Entrant,
    Terms,
    conservation,
    phase,
    training_data,
    withdraw_all,
)
from sharedmodels.bounty.models import CENTROID, PERCEPTRON, Model


def _opened(project, chain, owner, seed=41, threshold_bps=0, terms=TERMS, k=4, size=6):
    run = open_bounty(
        project,
        chain,
        owner,
        groups(random.Random(seed), k, size),
        threshold_bps=threshold_bps,
        terms=terms,
    )
    run.open()
    return run


def _sealed(run, people, models):
    """Submit, upload and seal each model; time is left just after the upload deadline."""
    ents = [run.submit(p, m) for p, m in zip(people, models, strict=True)]
    run.to_uploads()
    for p, e in zip(people, ents, strict=True):
        run.upload(p, e)
    run.to_reveal()
    return ents


# ---------------------------------------------------------------- deadlines raced in one block


@pytest.mark.parametrize("late", [0, 1])
def test_finalize_raced_against_the_last_step_at_the_scoring_deadline(
    project, chain, accounts, owner, alice, bob, mempool, late
):
    """Bob's weak model is fully scored; alice's winning model still needs its step. Bob (who
    takes the prize if alice's model is not fully scored) reads alice's pending step in the
    pool and lands `finalize` before it, with ten times the tip, in the block at the scoring
    deadline's second (late=0) or one second after (late=1). At the deadline the step is in
    time and finalize is refused, so alice wins; one second late the step is refused and
    finalize settles for bob: the window is the same inside one block as across blocks."""
    keeper = accounts[5]
    rng = random.Random(7)
    run = _opened(project, chain, owner)
    c = run.contract
    good, weak = _sealed(run, [alice, bob], [good_perceptron(), random_model(rng, PERCEPTRON)])
    run.reveal_tests()
    run.evaluate(keeper=keeper, ids=[weak.id])
    t = int(c.test_size())
    fee = run.fee(good.model, True, t)
    fee_weak = run.fee(weak.model, True, t)
    with mempool.paused():
        mine = mempool.send(c.step, good.id, sender=alice)
        (seen,) = mempool.calls(c, "step")
        theirs = mempool.send(c.finalize, sender=bob, tip=10 * seen.tip)
        block = mempool.mine(timestamp=int(c.score_deadline()) + late)
    assert block.order(mine, theirs) == [theirs, mine]
    if late == 0:
        assert block[theirs].reason == "bounty: evaluation unfinished"
        assert block[mine].ok and c.submissions(good.id).scored
        c.finalize(sender=bob)
        assert c.has_winner() and int(c.winner()) == good.id
        want = {
            str(alice.address): PRIZE + TERMS.min_stake,  # her own step's fee came back to her
            str(bob.address): TERMS.min_stake - fee_weak,
            str(keeper.address): fee_weak,
        }
    else:
        assert block[mine].reason == "bounty: not evaluating"  # finalize landed first
        assert block[theirs].ok and c.has_winner() and int(c.winner()) == weak.id
        want = {
            str(alice.address): TERMS.min_stake,  # not scored: nothing taken
            str(bob.address): PRIZE + TERMS.min_stake - fee_weak,
            str(keeper.address): fee_weak,
        }
    assert run.dues() == run.expected().dues
    paid = withdraw_all(c, accounts, owner)
    if late == 0:  # alice stepped her own model: her fee is paid to her as its keeper
        assert int(c.submissions(good.id).fee) == fee
    assert paid == want
    assert c.balance == 0


@pytest.mark.parametrize("late", [0, 1])
def test_forfeit_raced_against_the_last_test_reveal_at_its_deadline(
    project, chain, accounts, owner, alice, bob, mempool, late
):
    """The organiser revealed one test group and sends the last one in the block at the reveal
    deadline's second; bob, a sealed rival who prefers a burned prize to alice's win, lands
    `forfeit` before it with ten times the tip. At the deadline the forfeit is refused and the
    reveal counts (alice then wins); one second late the reveal is refused and the forfeit
    burns the prize, with every sealed stake returned whole."""
    rng = random.Random(8)
    run = _opened(project, chain, owner)
    c, s = run.contract, run.secrets
    good, weak = _sealed(run, [alice, bob], [good_perceptron(), random_model(rng, PERCEPTRON)])
    first, last = [i for i in range(4) if run.mask >> i & 1]
    c.reveal_test(first, s.salts[first], s.groups[first], sender=owner)
    with mempool.paused():
        mine = mempool.send(c.reveal_test, last, s.salts[last], s.groups[last], sender=owner)
        theirs = mempool.send(c.forfeit, sender=bob, tip=10**10)
        block = mempool.mine(timestamp=int(c.reveal_deadline()) + late)
    assert block.order(mine, theirs) == [theirs, mine]
    if late == 0:
        assert block[theirs].reason == "bounty: reveal deadline not passed"
        assert block[mine].ok and phase(c) == "evaluating"
        run.evaluate(keeper=bob)
        c.finalize(sender=bob)
        assert int(c.winner()) == good.id
        assert int(c.burned()) == 0
    else:
        assert block[mine].reason == "bounty: not open"  # the forfeit landed first
        assert block[theirs].ok and phase(c) == "forfeited"
        assert run.dues() == (TERMS.min_stake, TERMS.min_stake)
        assert int(c.burned()) == PRIZE and int(c.organiser_due()) == 0
    paid = withdraw_all(c, accounts, owner)
    assert str(owner.address) not in paid  # the organiser gets nothing back either way
    assert c.balance == int(c.burned())
    ok, figures = conservation(c, chain)
    assert ok, figures
