"""The model bounty contract: every phase, every revert reason, deadlines at the exact second,
scores against the integer mirror on every test sample, and payouts (conservation to the wei)
on every path."""

import random

import ape
import pytest
from bounty_helpers import (
    CLASSES,
    DIM,
    KINDS,
    PRIZE,
    SCALE,
    TERMS,
    good_perceptron,
    groups,
    open_bounty,
    random_model,
    truth,
)
from conftest import compile_test_contract
from eth_utils import keccak

from sharedmodels.bounty.driver import Entrant, Terms, conservation, phase, withdraw_all
from sharedmodels.bounty.models import CENTROID, MLP, PERCEPTRON, Model
from sharedmodels.bounty.rules import (
    Entry,
    Settlement,
    batch,
    group_commitment,
    max_fee,
    model_commitment,
    settle,
    step_fee,
)


def balances(chain, people):
    return {str(p.address): int(chain.provider.get_balance(p.address)) for p in people}


def fees_paid(receipts) -> int:
    return sum(int(r.gas_used) * int(r.gas_price) for r in receipts)


def at_uploads(project, chain, owner, people, models, seed=1, chunk=256, **kw):
    """A bounty opened, one submission per (person, model), time at the upload window."""
    run = open_bounty(project, chain, owner, groups(random.Random(seed), 4, 6), **kw)
    run.open()
    ents = [run.submit(p, m, chunk=chunk) for p, m in zip(people, models, strict=True)]
    run.to_uploads()
    return run, ents


# ---------------------------------------------------------------- the whole flow


def test_every_kind_scored_as_the_mirror_on_every_sample(
    project, chain, accounts, owner, alice, bob, carol
):
    rng = random.Random(1)
    people = [alice, bob, carol]
    models = [random_model(rng, kind, h1, h2) for kind, h1, h2 in KINDS.values()]
    run, ents = at_uploads(project, chain, owner, people, models, chunk=7)
    for who, e in zip(people, ents, strict=True):
        run.upload(who, e)  # several chunks each
    run.to_reveal()
    run.reveal_tests()
    assert phase(run.contract) == "evaluating"
    run.evaluate()
    run.contract.finalize(sender=alice)
    xs, ys = run.test_set()
    assert int(run.contract.test_size()) == len(xs) == 12
    for i, e in enumerate(ents):
        assert int(run.contract.submissions(i).correct) == e.model.correct(xs, ys)
        assert list(run.contract.params_of(i)) == list(e.model.params)
        for x in xs:
            assert list(run.contract.scores_of(i, x)) == e.model.scores(x)
            assert run.contract.predict_with(i, x) == e.model.predict(x)
    for t, (x, y) in enumerate(zip(xs, ys, strict=True)):
        assert run.contract.test_sample(t) == (x, y)
    want = run.expected()
    assert run.dues() == want.dues and int(run.contract.organiser_due()) == want.organiser
    assert run.contract.has_winner() and int(run.contract.winner()) == want.winner
    winner = ents[want.winner].model
    assert all(run.contract.predict(x) == winner.predict(x) for x in xs)
    ok, figures = conservation(run.contract, chain)
    assert ok, figures
    withdraw_all(run.contract, accounts, owner)
    assert run.contract.balance == 0


def test_payouts_add_up_to_what_came_in(project, chain, accounts, owner, alice, bob):
    """Prize + stakes in = payouts out: the Withdrawn events, per address, equal the rules'
    settlement (the keeper, here the organiser, gets the scoring fees), add up to the prize
    and every stake, and leave the contract empty."""
    run = open_bounty(project, chain, owner, groups(random.Random(2), 4, 6))
    run.open()
    good, bad = good_perceptron(), random_model(random.Random(3), CENTROID)
    e1 = run.submit(alice, good, 3 * TERMS.min_stake)
    run.submit(bob, bad, TERMS.min_stake + 7)
    run.to_uploads()
    run.upload(alice, e1)
    run.to_reveal()  # bob never uploads: his stake is burned (nobody is paid it)
    run.reveal_tests()
    run.evaluate()
    run.contract.finalize(sender=alice)
    withdraw_all(run.contract, accounts, owner)
    paid: dict[str, int] = {}
    for ev in run.contract.Withdrawn.range(0, chain.blocks.head.number + 1):
        paid[str(ev.who)] = paid.get(str(ev.who), 0) + int(ev.amount)
    xs, _ = run.test_set()
    fee = run.fee(good, True, len(xs))
    assert fee > 0 and run.fee(bad, False, len(xs)) == 0
    assert paid == {
        str(alice.address): PRIZE + 3 * TERMS.min_stake - fee,
        str(owner.address): fee,
    }
    burned = TERMS.min_stake + 7
    assert int(run.contract.burned()) == burned
    assert sum(paid.values()) + burned == PRIZE + int(run.contract.total_stake())
    assert run.contract.balance == burned


# ---------------------------------------------------------------- creation


def _deploy(project, owner, change):
    args = {
        "dim": DIM,
        "classes": CLASSES,
        "commitments": [b"\x01" * 32] * 4,
        "test_groups": 2,
        "threshold": 0,
        "value": PRIZE,
        "min_stake": 10**15,
        "submit_window": 3600,
        "upload_window": 3600,
        "reveal_window": 3600,
        "score_window": 3600,
        "scoring_fee": 0,
    }
    args.update(change)
    keys = "min_stake submit_window upload_window reveal_window score_window scoring_fee"
    terms = tuple(args[k] for k in keys.split())
    return project.ModelBounty.deploy(
        args["dim"],
        args["classes"],
        args["commitments"],
        args["test_groups"],
        args["threshold"],
        terms,
        sender=owner,
        value=args["value"],
    )


@pytest.mark.parametrize(
    "change,reason",
    [
        ({"value": 0}, "bounty: no prize"),
        ({"min_stake": 2**96}, "bounty: amount too large"),
        ({"scoring_fee": 2**96}, "bounty: amount too large"),
        ({"commitments": [b"\x01" * 32] * 3}, "bounty: at least 4 groups"),
        ({"test_groups": 0}, "bounty: test group count out of range"),
        ({"test_groups": 4}, "bounty: test group count out of range"),
        ({"dim": 0}, "bounty: dimension out of range"),
        ({"dim": 33}, "bounty: dimension out of range"),
        ({"classes": 1}, "bounty: class count out of range"),
        ({"classes": 9}, "bounty: class count out of range"),
        ({"threshold": 10001}, "bounty: threshold out of range"),
        ({"min_stake": 0}, "bounty: min stake is zero"),
        # 32 x 32 hidden MLP on 2 x 32 test samples (D=4, C=3): 33,072,000 work units.
        (
            {"scoring_fee": 10**15 // 33_072_000 + 1},
            "bounty: min stake below the largest scoring fee",
        ),
        ({"submit_window": 3599}, "bounty: submit window out of range"),
        ({"submit_window": 2**64}, "bounty: submit window out of range"),
        ({"submit_window": 30 * 86400 + 1}, "bounty: submit window out of range"),
        ({"upload_window": 30 * 86400 + 1}, "bounty: upload window out of range"),
        ({"reveal_window": 30 * 86400 + 1}, "bounty: reveal window out of range"),
        ({"upload_window": 3599}, "bounty: upload window out of range"),
        ({"reveal_window": 2**64}, "bounty: reveal window out of range"),
        ({"score_window": 3599}, "bounty: score window out of range"),
        ({"score_window": 2**64}, "bounty: score window out of range"),
        ({"score_window": 30 * 86400 + 1}, "bounty: score window out of range"),
    ],
)
def test_creation_refused(project, deployer, change, reason):
    with ape.reverts(reason):
        _deploy(project, deployer, change)


def test_creation_limits_accepted(project, owner):
    b = _deploy(project, owner, {"dim": 32, "classes": 8, "test_groups": 3, "score_window": 3600})
    assert b.n_groups() == 4 and b.prize() == PRIZE and b.phase() == 0
    rate = 10**15 // 33_072_000
    assert max_fee(1, DIM, CLASSES, 2) == 33_072_000
    b = _deploy(project, owner, {"scoring_fee": rate})  # the largest fee just within the stake
    assert int(b.max_fee()) == max_fee(rate, DIM, CLASSES, 2) <= int(b.min_stake())


# ---------------------------------------------------------------- the draw


def test_draw_window_and_cancel(project, chain, owner, alice):
    run = open_bounty(project, chain, owner, groups(random.Random(4), 5, 3), test_groups=2)
    c = run.contract
    with ape.reverts("seed: seed block not mined yet"):
        c.draw(sender=alice)
    with ape.reverts("bounty: organiser only"):
        c.cancel(sender=alice)
    chain.mine(2)
    with ape.reverts("bounty: the draw is fixed"):
        c.cancel(sender=owner)
    c.draw(sender=alice)  # anyone may record it
    mask = int(c.test_mask())
    assert bin(mask).count("1") == 2 and mask < 2**5
    from sharedmodels.bounty.rules import draw_test_mask

    seed = bytes(chain.blocks[int(c.seed_block())].hash)
    assert draw_test_mask(seed, 5, 2) == mask
    chain.mine(300)
    assert int(c.draw(sender=alice).return_value or mask) == mask  # a recorded draw holds


def test_cancel_before_the_seed_block(project, chain, owner, alice):
    run = open_bounty(project, chain, owner, groups(random.Random(4), 4, 3))
    before = int(chain.provider.get_balance(owner.address))
    tx = run.contract.cancel(sender=owner)
    assert phase(run.contract) == "cancelled"
    after = int(chain.provider.get_balance(owner.address))
    assert after - before + int(tx.gas_used) * int(tx.gas_price) == PRIZE
    ok, figures = conservation(run.contract, chain)
    assert ok and figures["held"] == 0
    with ape.reverts("bounty: not in commitment phase"):
        run.contract.cancel(sender=owner)
    with ape.reverts("bounty: not settled"):
        run.contract.withdraw_organiser(sender=owner)


def _head_at(chain, n):
    """Mine until the head is block ``n``: the next transaction lands in block n + 1."""
    chain.mine(n - chain.blocks.head.number)
    assert chain.blocks.head.number == n


def test_the_draw_at_its_last_block(project, chain, owner, alice):
    """A draw in block seed_block + 256 is recorded (the hash is still known)."""
    run = open_bounty(project, chain, owner, groups(random.Random(4), 4, 3), threshold_bps=5000)
    c = run.contract
    seed = int(c.seed_block())
    _head_at(chain, seed + 255)
    tx = c.draw(sender=alice)
    assert tx.block_number == seed + 256 and c.drawn() and int(c.lapses()) == 0
    assert int(c.threshold_bps()) == 5000
    from sharedmodels.bounty.rules import draw_test_mask

    assert int(c.test_mask()) == draw_test_mask(bytes(chain.blocks[seed].hash), 4, 2)


def test_a_lapsed_draw_is_rearmed_and_drops_the_threshold(
    project, chain, accounts, owner, alice, bob
):
    """Nobody recorded the draw in 256 blocks: the next `draw()` (anyone's) re-arms it two
    blocks ahead instead of locking the prize, and the threshold drops to 0 for good, so an
    organiser that let a split it disliked lapse cannot keep the prize with the next one: a
    model below the original 100% threshold wins. Nor can it cancel after a lapse."""
    run = open_bounty(project, chain, owner, groups(random.Random(4), 4, 3), threshold_bps=10000)
    c, g = run.contract, run.secrets
    seed = int(c.seed_block())
    _head_at(chain, seed + 256)
    with ape.reverts("seed: draw lost"):  # mined in block seed_block + 257
        c.reveal_training(0, g.salts[0], g.groups[0], sender=owner)
    assert chain.blocks.head.number == seed + 257
    tx = c.draw(sender=alice)
    assert tx.block_number == seed + 258 and tx.return_value == 0 and not c.drawn()
    assert int(c.seed_block()) == seed + 260 and int(c.lapses()) == 1
    assert int(c.threshold_bps()) == 0
    assert [(int(e.seed_block), int(e.lapses)) for e in tx.events] == [(seed + 260, 1)]
    with ape.reverts("bounty: the draw is fixed"):  # before the new seed block, still no cancel
        c.cancel(sender=owner)
    with ape.reverts("seed: seed block not mined yet"):
        c.draw(sender=alice)
    run.open()  # mines past the new seed block, draws and reveals
    from sharedmodels.bounty.rules import draw_test_mask

    assert int(c.test_mask()) == draw_test_mask(bytes(chain.blocks[seed + 260].hash), 4, 2)
    bad = run.submit(bob, constant_model(0))
    run.to_uploads()
    run.upload(bob, bad)
    run.to_reveal()
    run.reveal_tests()
    run.evaluate()
    c.finalize(sender=alice)
    xs, ys = run.test_set()
    assert bad.model.correct(xs, ys) < len(xs)  # below the original threshold
    assert c.has_winner() and int(c.winner()) == 0
    assert (
        run.dues()
        == run.expected().dues
        == (PRIZE + TERMS.min_stake - run.fee(bad.model, True, len(xs)),)
    )


# ---------------------------------------------------------------- training reveal


def test_training_reveal_rules(project, chain, owner, alice):
    run = open_bounty(project, chain, owner, groups(random.Random(5), 4, 3))
    c, s = run.contract, run.secrets
    chain.mine(3)
    c.draw(sender=alice)
    mask = int(c.test_mask())
    train = [i for i in range(4) if not mask >> i & 1]
    test = [i for i in range(4) if mask >> i & 1]
    i = train[0]
    with ape.reverts("bounty: organiser only"):
        c.reveal_training(i, s.salts[i], s.groups[i], sender=alice)
    with ape.reverts("bounty: not a training group"):
        c.reveal_training(test[0], s.salts[test[0]], s.groups[test[0]], sender=owner)
    with ape.reverts("bounty: no such group"):
        c.reveal_training(4, s.salts[i], s.groups[i], sender=owner)
    with ape.reverts("bounty: empty group"):
        c.reveal_training(i, s.salts[i], [], sender=owner)
    with ape.reverts("bounty: group does not match its commitment"):
        c.reveal_training(i, keccak(b"wrong"), s.groups[i], sender=owner)
    with ape.reverts("bounty: group does not match its commitment"):
        c.reveal_training(i, s.salts[i], s.groups[i][1:], sender=owner)  # a suffix
    bad_x = [(s.groups[i][0][0][:-1], 0)]
    with ape.reverts("bounty: wrong dimension"):
        c.reveal_training(i, s.salts[i], bad_x, sender=owner)
    with ape.reverts("bounty: value out of range"):
        c.reveal_training(i, s.salts[i], [([2**40 + 1, 0, 0, 0], 0)], sender=owner)
    with ape.reverts("bounty: label out of range"):
        c.reveal_training(i, s.salts[i], [([0, 0, 0, 0], CLASSES)], sender=owner)
    c.reveal_training(i, s.salts[i], s.groups[i], sender=owner)
    with ape.reverts("bounty: group already revealed"):
        c.reveal_training(i, s.salts[i], s.groups[i], sender=owner)
    assert phase(c) == "committed"
    c.reveal_training(train[1], s.salts[train[1]], s.groups[train[1]], sender=owner)
    assert phase(c) == "open"
    opened = int(c.open_time())
    assert int(c.submit_deadline()) == opened + 3600
    assert int(c.reveal_deadline()) == opened + 3 * 3600
    with ape.reverts("bounty: not in commitment phase"):
        c.draw(sender=alice)
    with ape.reverts("bounty: not in commitment phase"):
        c.reveal_training(i, s.salts[i], s.groups[i], sender=owner)


def test_commitment_binds_the_chain_id():
    g = [([1, 2, 3, 4], 0)]
    assert group_commitment(1, b"\0" * 32, g) != group_commitment(31337, b"\0" * 32, g)


# ---------------------------------------------------------------- submissions and uploads


def test_submission_rules_and_deadline_at_the_second(project, chain, owner, alice, bob):
    run = open_bounty(project, chain, owner, groups(random.Random(6), 4, 3), terms=Terms(10**15))
    c = run.contract
    m = good_perceptron()
    with ape.reverts("bounty: not open"):
        run.submit(alice, m)
    run.open()
    with ape.reverts("bounty: the organiser cannot submit"):
        run.submit(owner, m)
    with ape.reverts("bounty: stake below minimum"):
        run.submit(alice, m, 10**15 - 1)
    with ape.reverts("bounty: bad model shape"):
        c.submit(MLP, 0, 0, b"\0" * 32, sender=alice, value=10**15)
    with ape.reverts("bounty: bad model shape"):
        c.submit(PERCEPTRON, 3, 0, b"\0" * 32, sender=alice, value=10**15)
    with ape.reverts("bounty: bad model shape"):
        c.submit(MLP, 33, 0, b"\0" * 32, sender=alice, value=10**15)
    with ape.reverts("bounty: bad model shape"):
        c.submit(3, 0, 0, b"\0" * 32, sender=alice, value=10**15)
    chain.set_balance(alice, 2**97)
    with ape.reverts("bounty: amount too large"):
        run.submit(alice, m, 2**96)
    run.submit(alice, m)
    run.submit(bob, m)
    # No cap: any number may enter until the deadline, its second included.
    chain.pending_timestamp = int(c.submit_deadline())
    run.submit(bob, m)
    assert int(c.n_submissions()) == 3
    chain.pending_timestamp = int(c.submit_deadline()) + 1
    with ape.reverts("bounty: submissions closed"):
        run.submit(bob, m)


def test_upload_rules_and_windows(project, chain, owner, alice, bob):
    rng = random.Random(7)
    mlp = random_model(rng, MLP, 5, 3)
    run = open_bounty(project, chain, owner, groups(rng, 4, 3))
    run.open()
    e = run.submit(alice, mlp)
    eb = run.submit(bob, good_perceptron())
    c = run.contract
    chunk = list(mlp.params[:10])
    chain.pending_timestamp = int(c.submit_deadline())
    with ape.reverts("bounty: submissions still open"):
        c.upload(0, e.salt, 0, chunk, sender=alice)
    chain.pending_timestamp = int(c.submit_deadline()) + 1
    with ape.reverts("bounty: no such submission"):
        c.upload(2, e.salt, 0, chunk, sender=alice)
    with ape.reverts("bounty: submitter only"):
        c.upload(0, e.salt, 0, chunk, sender=bob)
    with ape.reverts("bounty: empty upload"):
        c.upload(0, e.salt, 0, [], sender=alice)
    with ape.reverts("bounty: upload out of order"):
        c.upload(0, e.salt, 5, chunk, sender=alice)
    with ape.reverts("bounty: parameter out of range"):
        c.upload(0, e.salt, 0, [2**40 + 1], sender=alice)
    with ape.reverts("bounty: upload past the end"):
        c.upload(0, e.salt, 0, list(mlp.params) + [0], sender=alice)
    c.upload(0, e.salt, 0, chunk, sender=alice)
    with ape.reverts("bounty: upload incomplete"):
        c.seal(0, sender=alice)
    c.upload(0, e.salt, 10, list(mlp.params[10:]), sender=alice)
    with ape.reverts("bounty: submitter only"):
        c.seal(0, sender=bob)
    # Chunked as 10 + rest: the commitment was made for chunks of 256, so the hash differs.
    with ape.reverts("bounty: model does not match its hash"):
        c.seal(0, sender=alice)
    c.upload(0, e.salt, 0, list(mlp.params), sender=alice)  # start 0 begins again
    c.seal(0, sender=alice)
    assert c.submissions(0).sealed and c.n_sealed() == 1
    with ape.reverts("bounty: model already sealed"):
        c.seal(0, sender=alice)
    with ape.reverts("bounty: model already sealed"):
        c.upload(0, e.salt, 0, chunk, sender=alice)
    # The window's last second: bob's seal, the first transaction at that second, is in.
    # (Only the first one: Anvil's clock moves on from a set timestamp with the wall clock.)
    run.upload(bob, eb, seal=False)
    chain.pending_timestamp = int(c.upload_deadline())
    c.seal(1, sender=bob)
    assert c.n_sealed() == 2
    chain.pending_timestamp = int(c.upload_deadline()) + 1
    with ape.reverts("bounty: upload deadline passed"):
        c.upload(0, e.salt, 0, chunk, sender=alice)


def test_a_copied_commitment_does_not_seal(project, chain, owner, alice, bob):
    """Bob submits Alice's commitment and uploads her parameters once public: the hash binds
    the submitter, so his copy never seals."""
    m = good_perceptron()
    run = open_bounty(project, chain, owner, groups(random.Random(8), 4, 3))
    run.open()
    ea = run.submit(alice, m)
    commitment = ea.commitment(run.contract, alice.address)
    run.contract.submit(PERCEPTRON, 0, 0, commitment, sender=bob, value=TERMS.min_stake)
    run.to_uploads()
    run.upload(alice, ea)
    run.contract.upload(1, ea.salt, 0, list(m.params), sender=bob)
    with ape.reverts("bounty: model does not match its hash"):
        run.contract.seal(1, sender=bob)
    assert (
        model_commitment(
            str(run.contract.address),
            str(bob.address),
            0,
            h1=0,
            h2=0,
            salt=ea.salt,
            params=m.params,
        )
        != commitment
    )


# ---------------------------------------------------------------- test reveal, forfeit


def test_test_reveal_window_at_the_second(project, chain, owner, alice):
    run, (e,) = at_uploads(project, chain, owner, [alice], [good_perceptron()])
    run.upload(alice, e)
    c, s = run.contract, run.secrets
    test = [i for i in range(4) if run.mask >> i & 1]
    train = [i for i in range(4) if not run.mask >> i & 1]
    i = test[0]
    chain.pending_timestamp = int(c.upload_deadline())
    with ape.reverts("bounty: uploads still open"):
        c.reveal_test(i, s.salts[i], s.groups[i], sender=owner)
    chain.pending_timestamp = int(c.upload_deadline()) + 1
    with ape.reverts("bounty: organiser only"):
        c.reveal_test(i, s.salts[i], s.groups[i], sender=alice)
    with ape.reverts("bounty: not a test group"):
        c.reveal_test(train[0], s.salts[train[0]], s.groups[train[0]], sender=owner)
    with ape.reverts("bounty: no such group"):
        c.reveal_test(7, s.salts[i], s.groups[i], sender=owner)
    with ape.reverts("bounty: empty group"):
        c.reveal_test(i, s.salts[i], [], sender=owner)
    with ape.reverts("bounty: group does not match its commitment"):
        c.reveal_test(i, s.salts[i], s.groups[i][::-1], sender=owner)
    with ape.reverts("bounty: reveal deadline not passed"):
        c.forfeit(sender=alice)
    with ape.reverts("bounty: not evaluating"):
        c.step(0, sender=alice)
    with ape.reverts("bounty: not evaluating"):
        c.finalize(sender=alice)
    with ape.reverts("bounty: not settled"):
        c.withdraw(0, sender=alice)
    with ape.reverts("bounty: no winner"):
        c.predict([0] * DIM)
    with ape.reverts("bounty: no such test sample"):
        c.test_sample(0)
    c.reveal_test(i, s.salts[i], s.groups[i], sender=owner)
    with ape.reverts("bounty: group already revealed"):
        c.reveal_test(i, s.salts[i], s.groups[i], sender=owner)
    chain.pending_timestamp = int(c.reveal_deadline())
    j = test[1]
    c.reveal_test(j, s.salts[j], s.groups[j], sender=owner)  # the deadline's second: in time
    assert phase(c) == "evaluating"
    with ape.reverts("bounty: not open"):
        c.forfeit(sender=alice)
    with ape.reverts("bounty: evaluation unfinished"):
        c.finalize(sender=alice)


def test_reveal_one_second_late_is_refused(project, chain, owner, alice):
    run, (e,) = at_uploads(project, chain, owner, [alice], [good_perceptron()])
    run.upload(alice, e)
    c, s = run.contract, run.secrets
    i = [i for i in range(4) if run.mask >> i & 1][0]
    chain.pending_timestamp = int(c.reveal_deadline()) + 1
    with ape.reverts("bounty: reveal deadline passed"):
        c.reveal_test(i, s.salts[i], s.groups[i], sender=owner)


def test_silent_organiser_forfeits_the_prize(project, chain, accounts, owner, alice, bob, carol):
    """The organiser reveals one test group of two and stops: withholding the rest burns the
    prize (nobody can withdraw it, the organiser least of all), the sealed submissions get
    their stakes back whole, and the unsealed stake is burned as well."""
    rng = random.Random(9)
    people = [alice, bob, carol]
    models = [good_perceptron(), random_model(rng, CENTROID), random_model(rng, PERCEPTRON)]
    run, ents = at_uploads(project, chain, owner, people, models)
    run.upload(alice, ents[0])
    run.upload(bob, ents[1])  # carol never uploads
    run.to_reveal()
    c, s = run.contract, run.secrets
    i = [i for i in range(4) if run.mask >> i & 1][0]
    c.reveal_test(i, s.salts[i], s.groups[i], sender=owner)
    chain.pending_timestamp = int(c.reveal_deadline()) + 1
    tx = c.forfeit(sender=carol)
    assert [(int(e.sealed), int(e.burned)) for e in tx.events] == [(2, PRIZE)]
    assert phase(c) == "forfeited"
    want = run.expected_forfeit()
    assert run.dues() == want.dues and want.organiser == 0
    assert int(c.organiser_due()) == 0
    with ape.reverts("bounty: nothing to withdraw"):
        c.withdraw_organiser(sender=owner)
    with ape.reverts("bounty: nothing to withdraw"):
        c.withdraw(2, sender=carol)
    with ape.reverts("bounty: organiser only"):
        c.withdraw_organiser(sender=alice)
    ok, figures = conservation(c, chain)
    assert ok, figures
    assert want.dues == (TERMS.min_stake, TERMS.min_stake, 0)
    withdraw_all(c, accounts, owner)
    assert c.balance == int(c.burned()) == want.burned == PRIZE + TERMS.min_stake
    with ape.reverts("bounty: already paid"):
        c.withdraw(0, sender=alice)


def test_forfeit_with_nothing_sealed_returns_the_prize(project, chain, accounts, owner, alice):
    run, (e,) = at_uploads(project, chain, owner, [alice], [good_perceptron()])
    chain.pending_timestamp = int(run.contract.reveal_deadline()) + 1
    tx = run.contract.forfeit(sender=alice)
    assert [(int(e.sealed), int(e.burned)) for e in tx.events] == [(0, 0)]
    want = run.expected_forfeit()
    assert int(run.contract.organiser_due()) == want.organiser == PRIZE
    withdraw_all(run.contract, accounts, owner)
    assert run.contract.balance == TERMS.min_stake == int(run.contract.burned())
    with ape.reverts("bounty: already paid"):
        run.contract.withdraw_organiser(sender=owner)


# ---------------------------------------------------------------- scoring and finalising


def test_threshold_tie_and_spam(project, chain, accounts, owner, alice, bob, carol):
    """Two identical best models: the earlier id wins, whichever is scored first. Spam
    (staked, never uploaded) is never scored and its stakes go to nobody; an unfinished
    upload cannot win or be scored."""
    m = good_perceptron()
    people = [carol, alice, bob, carol, carol]
    run, ents = at_uploads(project, chain, owner, people, [m, m, m, m, m], threshold_bps=10000)
    run.upload(alice, ents[1])
    run.upload(bob, ents[2])
    run.contract.upload(0, ents[0].salt, 0, list(m.params[:5]), sender=carol)  # unfinished
    run.to_reveal()
    run.reveal_tests()
    with ape.reverts("bounty: model not sealed"):
        run.contract.step(0, sender=bob)
    with ape.reverts("bounty: no such submission"):
        run.contract.step(5, sender=bob)
    gas = run.evaluate(ids=[2, 1])  # the later copy first: the tie still goes to id 1
    assert len(gas) == 2
    with ape.reverts("bounty: already scored"):
        run.contract.step(1, sender=bob)
    run.contract.finalize(sender=bob)
    xs, ys = run.test_set()
    assert m.correct(xs, ys) == len(xs)  # the concept scores 100%, so reaches the threshold
    assert int(run.contract.winner()) == 1
    want = run.expected()
    assert want.winner == 1 and run.dues() == want.dues
    fee = run.fee(m, True, len(xs))
    assert want.dues[1] == PRIZE + TERMS.min_stake - fee and want.burned == 3 * TERMS.min_stake
    with ape.reverts("bounty: model not sealed"):
        run.contract.predict_with(0, xs[0])
    withdraw_all(run.contract, accounts, owner)
    assert run.contract.balance == 3 * TERMS.min_stake == int(run.contract.burned())


def test_keepers_are_paid_the_scoring_fee(project, chain, accounts, owner, alice, bob, carol):
    """Whoever steps earns `scoring_fee` times the step's estimate (one load plus each sample
    scored); together the steps earn each model's fee to the wei, taken from its stake. An unsealed
    submission pays no fee (nobody scores it) and loses its whole stake to nobody. A keeper
    may withdraw mid-evaluation."""
    rng = random.Random(14)
    models = [random_model(rng, MLP, 5, 3), good_perceptron(), random_model(rng, CENTROID)]
    run, ents = at_uploads(project, chain, owner, [alice, bob, carol], models)
    run.upload(alice, ents[0])
    run.upload(bob, ents[1])  # carol never uploads
    run.to_reveal()
    run.reveal_tests()
    c = run.contract
    xs, _ = run.test_set()
    t = len(xs)
    fees = [run.fee(e.model, i < 2, t) for i, e in enumerate(ents)]
    assert fees[2] == 0
    m = ents[0].model
    assert batch(m.kind, m.dim, m.n_classes, m.h1, m.h2) >= t  # one step scores the MLP
    assert c.step(0, sender=carol).return_value is True
    part = step_fee(TERMS.scoring_fee, m.kind, m.dim, c=m.n_classes, h1=m.h1, h2=m.h2, count=t)
    assert c.submissions(0).t == t and int(c.submissions(0).fee) == fees[0] == part
    assert int(c.fees_due(carol)) == fees[0]
    with ape.reverts("bounty: nothing to withdraw"):
        c.withdraw_fees(sender=alice)
    assert int(c.withdraw_fees(sender=carol).return_value) == fees[0]
    ok, figures = conservation(c, chain)
    assert ok, figures
    with ape.reverts("bounty: evaluation unfinished"):
        c.finalize(sender=bob)
    run.evaluate(keeper=bob)
    assert int(c.fees_due(bob)) == sum(fees) - fees[0]
    assert [int(c.submissions(i).fee) for i in range(2)] == fees[:2]
    assert int(c.fees_owed()) == int(c.fees_due(bob)) and int(c.n_scored()) == 2
    c.finalize(sender=bob)
    want = run.expected()
    assert run.dues() == want.dues and want.keepers == sum(fees)
    assert want.dues[0] == TERMS.min_stake - fees[0]
    ok, figures = conservation(c, chain)
    assert ok, figures
    paid = withdraw_all(c, accounts, owner)  # carol took her share of the fees already
    assert sum(paid.values()) + fees[0] == PRIZE + 2 * TERMS.min_stake
    assert c.balance == TERMS.min_stake == int(c.burned())


def test_scoring_deadline_settles_with_what_is_scored(
    project, chain, accounts, owner, alice, bob, carol
):
    """Nobody has to score everything: at the scoring deadline's second a step is still in
    time, one second later it is refused and `finalize` settles with the fully scored
    submissions. A submission not fully scored cannot win, and one never scored pays no fee.
    So neither a stuffed field nor a missing keeper can lock the prize or the stakes."""
    rng = random.Random(16)
    mlp = random_model(rng, MLP, 5, 3)
    models = [good_perceptron(), mlp, random_model(rng, CENTROID)]
    run, ents = at_uploads(project, chain, owner, [alice, bob, carol], models, threshold_bps=10000)
    for who, e in zip([alice, bob, carol], ents, strict=True):
        run.upload(who, e)
    run.to_reveal()
    run.reveal_tests()
    c = run.contract
    t = len(run.test_set()[0])
    assert int(c.score_deadline()) == int(c.reveal_deadline()) + 3600
    run.evaluate(ids=[2])  # carol's model, fully scored
    chain.pending_timestamp = int(c.score_deadline())
    with ape.reverts("bounty: evaluation unfinished"):  # at the deadline's second
        c.finalize(sender=alice)
    chain.pending_timestamp = int(c.score_deadline())
    c.step(1, sender=bob)  # still the deadline's second: bob's MLP, in one batch
    assert chain.blocks.head.timestamp == int(c.score_deadline())
    chain.pending_timestamp = int(c.score_deadline()) + 1
    with ape.reverts("bounty: scoring closed"):
        c.step(0, sender=alice)
    c.finalize(sender=alice)
    fee_mlp = run.fee(mlp, True, t)
    assert [int(c.submissions(i).fee) for i in range(3)] == [
        0,
        fee_mlp,
        run.fee(models[2], True, t),
    ]
    want = run.expected()
    assert run.dues() == want.dues
    # alice's perfect model was never scored, so it cannot win; carol's random one is below 100%.
    assert not c.has_winner() and int(c.organiser_due()) == PRIZE
    assert want.dues == (
        TERMS.min_stake,
        TERMS.min_stake - fee_mlp,
        TERMS.min_stake - run.fee(models[2], True, t),
    )
    ok, figures = conservation(c, chain)
    assert ok, figures
    withdraw_all(c, accounts, owner)
    assert c.balance == 0


def test_slots_held_by_the_pots_taker_gain_it_nothing(
    project, chain, accounts, owner, alice, bob, mempool
):
    """Attack 4 of the review. (a) The organiser's second address enters many submissions in
    the block that opens the bounty, meaning never to seal them, to crowd out honest
    submitters and, with nothing sealed, take the prize back: a cancel after the draw. There
    is no cap to fill any more (alice still enters after it), and the held stakes are burned
    whoever takes the pot. (b) The winner enters throwaway submissions from a second address:
    they cost it their stakes, which nobody recovers. Who gained, in wei, gas added back."""
    sybil, alt = accounts[8], accounts[9]
    rng = random.Random(15)
    run = open_bounty(project, chain, owner, groups(rng, 4, 6), threshold_bps=10000)
    c, s = run.contract, run.secrets
    chain.mine(3)
    c.draw(sender=sybil)
    training = [i for i in range(4) if not run.mask >> i & 1]
    c.reveal_training(training[0], s.salts[training[0]], s.groups[training[0]], sender=owner)
    junk = [Entrant(random_model(rng, PERCEPTRON)) for _ in range(10)]
    with mempool.paused():  # the opening block: the last training reveal, then the Sybil's
        last = training[1]
        mempool.send(
            c.reveal_training, last, s.salts[last], s.groups[last], sender=owner, tip=10**10
        )
        sent = [
            mempool.send(
                c.submit,
                PERCEPTRON,
                0,
                0,
                e.commitment(c, sybil.address),
                sender=sybil,
                value=TERMS.min_stake,
                gas=300_000,
            )
            for e in junk
        ]
        block = mempool.mine()
    assert all(block[x].ok for x in sent) and phase(c) == "open"
    assert int(c.open_time()) == block.timestamp and block.gain(sybil) == -10 * TERMS.min_stake
    run.entrants = [(sybil, e, TERMS.min_stake) for e in junk]
    good = run.submit(alice, good_perceptron())  # nothing to fill: alice still gets in
    for _ in range(3):  # (b) alice's second address: throwaways, never sealed
        run.submit(alt, random_model(rng, PERCEPTRON))
    run.to_uploads()
    run.upload(alice, good)
    run.to_reveal()
    run.reveal_tests()
    run.evaluate(keeper=bob)
    c.finalize(sender=bob)
    assert c.has_winner() and int(c.winner()) == 10
    want = run.expected()
    assert run.dues() == want.dues and want.burned == 13 * TERMS.min_stake
    paid = withdraw_all(c, accounts, owner)
    fee = run.fee(good.model, True, len(run.test_set()[0]))
    assert paid == {str(alice.address): PRIZE + TERMS.min_stake - fee, str(bob.address): fee}
    assert c.balance == int(c.burned()) == 13 * TERMS.min_stake
    ok, figures = conservation(c, chain)
    assert ok, figures
    # Without a winner the organiser would take the prize alone: never the held stakes.
    assert settle(PRIZE, [Entry(1, False)] * 10 + [Entry(5, True, 0, 2)], 12, 10000) == (
        Settlement((0,) * 10 + (3,), PRIZE, None, 2, 10)
    )


def constant_model(k: int) -> Model:
    """A Perceptron that always answers class k."""
    bias = [SCALE if j == k else 0 for j in range(CLASSES)]
    return Model(
        kind=PERCEPTRON, dim=DIM, n_classes=CLASSES, params=tuple([0] * (DIM * CLASSES) + bias)
    )


def balanced_groups(rng: random.Random, k: int = 4) -> list:
    """Groups of five with labels 0, 0, 1, 1, 2: class 0 is 40% of any test set."""
    pools = {0: [], 1: [], 2: []}
    while min(len(v) for v in pools.values()) < 2 * k:
        x = [rng.randint(-2 * SCALE, 2 * SCALE) for _ in range(DIM)]
        y = truth(x)
        pools[y].append((x, y))
    return [
        [pools[0][2 * i], pools[0][2 * i + 1], pools[1][2 * i], pools[1][2 * i + 1], pools[2][i]]
        for i in range(k)
    ]


@pytest.mark.parametrize("threshold,wins", [(4000, True), (4001, False)])
def test_threshold_at_the_exact_accuracy(project, chain, accounts, owner, alice, threshold, wins):
    run = open_bounty(
        project, chain, owner, balanced_groups(random.Random(11)), threshold_bps=threshold
    )
    run.open()
    e = run.submit(alice, constant_model(0))
    run.to_uploads()
    run.upload(alice, e)
    run.to_reveal()
    run.reveal_tests()
    run.evaluate()
    run.contract.finalize(sender=alice)
    assert int(run.contract.submissions(0).correct) * 10 == 4 * int(run.contract.test_size())
    assert bool(run.contract.has_winner()) == wins
    assert int(run.contract.organiser_due()) == (0 if wins else PRIZE)
    assert run.dues() == run.expected().dues
    withdraw_all(run.contract, accounts, owner)
    assert run.contract.balance == 0


def test_below_threshold_the_organiser_is_repaid(project, chain, accounts, owner, alice, bob):
    rng = random.Random(12)
    models = [random_model(rng, CENTROID), random_model(rng, MLP, 4, 0)]
    run, ents = at_uploads(project, chain, owner, [alice, bob], models, threshold_bps=10000)
    run.upload(alice, ents[0])
    run.upload(bob, ents[1])
    run.to_reveal()
    run.reveal_tests()
    run.evaluate()
    run.contract.finalize(sender=alice)
    want = run.expected()
    if want.winner is not None:  # a random model scoring 100% would win: then so does the chain
        assert int(run.contract.winner()) == want.winner
    else:
        assert not run.contract.has_winner()
        assert int(run.contract.organiser_due()) == PRIZE
    assert run.dues() == want.dues
    withdraw_all(run.contract, accounts, owner)
    assert run.contract.balance == 0


def test_payment_refused_and_reentry_blocked(project, chain, accounts, owner, alice):
    entrant = compile_test_contract("BountyEntrant")
    m = good_perceptron()
    run = open_bounty(project, chain, owner, groups(random.Random(13), 4, 3))
    run.open()
    w = entrant.deploy(run.contract.address, sender=alice)
    e = Entrant(m)
    w.submit(PERCEPTRON, 0, 0, e.commitment(run.contract, w.address), sender=alice, value=10**15)
    run.to_uploads()
    w.upload(e.salt, 0, list(m.params), sender=alice)
    w.seal(sender=alice)
    run.to_reveal()
    run.reveal_tests()
    run.evaluate()
    run.contract.finalize(sender=alice)
    w.set_mode(False, False, sender=alice)
    with ape.reverts("pay: payment failed"):
        w.withdraw(sender=alice)
    w.set_mode(True, True, sender=alice)
    with ape.reverts("pay: payment failed"):  # the inner withdraw hit the lock
        w.withdraw(sender=alice)
    w.set_mode(True, False, sender=alice)
    w.withdraw(sender=alice)
    fee = run.fee(m, True, len(run.test_set()[0]))
    assert int(run.contract.withdraw_fees(sender=owner).return_value) == fee  # the keeper's
    assert run.contract.balance == 0 and w.balance == PRIZE + 10**15 - fee
