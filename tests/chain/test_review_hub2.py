"""Second adversarial review of ModelHub: variations of the first review's attacks.

Each test plays one attack end to end on a real chain and asserts what a correct contract must
produce, in wei. An attack that works today is a strict xfail whose reason gives the measured
numbers; one that fails at the contract is a normal test (it documents a defence).
"""

# ruff: noqa: F811 (fixtures shared with the other hub review files are imported by name)

import ape
import pytest
from conftest import STAKE, isolated
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hub import (
    DELAY,
    ENTRY,
    NEG,
    POS,
    deploy_test_hub,
    deploy_test_pool,
    fund_and_anchor,
    make_set,
    pool_invariant,
    seal,
    wait,
)
from test_review_hub import (  # noqa: F401 (fixtures; `kinds` is this file's own)
    add,
    claim,
    closing,
    enter_one,
    hub,
    pool,
    refund_all,
    trainer,
)

from sharedmodels.hub import driver, rules
from sharedmodels.hub.kinds import hub_kinds
from sharedmodels.trainers.client import scan

POOL = 10**18


@pytest.fixture(scope="module")
def kinds(project):
    return [k for k in hub_kinds(project) if k.name in ("PerceptronStake", "PerceptronPoints")]


def stranger(accounts, chain):
    """A fresh address with 100 ETH: one more identity, free to make."""
    s = accounts.generate_test_account()
    chain.set_balance(s, 10**20)
    return s


def funded_and_anchored(hub, pool, trainer, funder, evaluator, chain):
    """``fund_and_anchor`` with a pool of POOL."""
    return fund_and_anchor(hub, pool, trainer, funder, evaluator, chain, POOL)


# ---------------------------------------------------------------- 1. the anchor anyone picks


def test_only_the_evaluator_anchors_its_pool(hub, pool, trainer, alice, bob, carol, mallory, chain):
    """Fixed (was HIGH). Carol publishes an accuracy record before anyone funds a pool; later
    bob funds the pool that carol's records close. Mallory used to anchor that pool first with
    carol's old record: every set carol committed afterwards was then "committed after the
    period began", and the funder's 10**18 wei stayed in the pool for good (alice, who took the
    model from 50 % to 100 %, got 0). Now only the evaluator anchors its pool: mallory's call is
    refused, carol anchors with her own record, closes the period, and alice is paid it all."""
    old = make_set(8, start=40)
    o = driver.commit(hub, trainer.address, old, carol, chain.chain_id)
    wait(chain, DELAY)
    driver.reveal(hub, o, old, carol, trainer)  # a public record; no pool yet
    pool.fund(trainer, carol, value=POOL, sender=bob)
    a_set, b_set = make_set(8), make_set(8, start=8)
    a = driver.commit(hub, trainer.address, a_set, carol, chain.chain_id)
    b = driver.commit(hub, trainer.address, b_set, carol, chain.chain_id)
    wait(chain, DELAY)
    driver.reveal(hub, a, a_set, carol, trainer)
    with ape.reverts("hub: only the evaluator anchors its pool"):
        pool.close_period(trainer, o, sender=mallory)
    with ape.reverts("hub: only the evaluator anchors its pool"):
        pool.close_period(trainer, a, sender=mallory)  # not even with the record carol means
    assert pool.pools(trainer, carol).anchor == 0
    assert pool.close_period(trainer, a, sender=carol).return_value == 0  # carol's anchor
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)
    add(trainer, alice, [NEG, 301], 0)
    wait(chain, STAKE.refund_wait)
    refund_all(trainer, scan(trainer, start), [alice])
    driver.reveal(hub, b, b_set, carol, trainer)
    budget = pool.close_period(trainer, b, sender=mallory).return_value  # anyone closes
    assert budget > 0 and pool.period_count(trainer) == 1
    test = closing(hub, pool, trainer, 0, b_set)
    for c in scan(trainer, start).by(str(alice.address)):
        enter_one(hub, pool, trainer, 0, c, test, alice)
    wait(chain, ENTRY + 1)
    assert claim(hub, pool, trainer, 0, alice) == budget
    pool_invariant(pool, [trainer])


# ---------------------------------------------------------------- 2. undo pairs, deposit back


PAIRS = 4


def test_undo_pairs_win_shares_and_recover_their_deposits(
    hub, pool, trainer, accounts, alice, bob, carol, chain
):
    """The documented 'undo pair' limit, played as cheaply as the stake trainer allows: the
    first half (label the model does not give, from address u_i) trains the model, the second
    (the same sample with the label it gives, from r_i) trains it back. The second is refunded,
    good and trained, and its NEG feature pushes the four class-0 closing samples: 4 shares a
    pair, as much as each of alice's real samples. The doc prices a pair at the first half's
    deposit; here r_i (holding good points) reports u_i's deposit and a third address takes what
    is left after `any_wait` (the owner does not watch): the deposit comes back.

    A correct rule pays a pair that leaves the model where it was nothing. Before `cancel`
    (strict xfail, measured): the 4 pairs took 16 of 24 shares, mallory 666666666666666664 wei
    of the 10**18 wei period, alice 333333333333333336 for the whole gain. Now anyone (alice
    here, through `driver.cancel_eligible`) cuts each second half by its own first half during
    the entries: the pairs get 0 and alice the whole period. The deposits still come back
    (the trainer's rule, not the pool's)."""
    _, b, b_set = funded_and_anchored(hub, pool, trainer, bob, carol, chain)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)
    add(trainer, alice, [NEG, 301], 0)
    sybils = []
    for _ in range(2 * PAIRS + 1):
        s = accounts.generate_test_account()
        chain.set_balance(s, 10**20)
        sybils.append(s)
    undo, redo, taker = sybils[:PAIRS], sybils[PAIRS : 2 * PAIRS], sybils[-1]
    before = [trainer.intercept()] + list(trainer.weights_of([NEG, 300, 301]))
    for k in range(PAIRS):
        add(trainer, undo[k], [NEG, 500 + k], 1)  # the model answers 0: it learns 1
        add(trainer, redo[k], [NEG, 500 + k], 0)  # and back
    assert [trainer.intercept()] + list(trainer.weights_of([NEG, 300, 301])) == before
    wait(chain, STAKE.refund_wait)
    history = scan(trainer, start)
    for c in history:
        assert trainer.contribution(c.id).trained
    refund_all(trainer, history, [alice] + redo)
    reported = 0
    for k in range(PAIRS):
        [u] = history.by(undo[k].address)
        reported += trainer.report(u.key(), list(u.features), sender=redo[k]).return_value
    wait(chain, STAKE.any_wait)
    taken = 0
    for k in range(PAIRS):
        [u] = history.by(undo[k].address)
        taken += trainer.take(u.key(), u.features_hash, sender=taker).return_value
    undone = {u.address for u in undo}
    deposits = sum(c.deposit for c in history if c.contributor in undone)
    for r in redo:  # the second halves: refunded in full
        [c] = history.by(r.address)
        assert trainer.contribution(c.id).claimable == 0 and trainer.contribution(c.id).good
    driver.reveal(hub, b, b_set, carol, trainer)
    budget = pool.close_period(trainer, b, sender=carol).return_value
    assert budget == POOL
    driver.enter_eligible(hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol)
    assert sum(pool.shares(trainer, 0, r) for r in redo) == 4 * PAIRS
    cancelled = driver.cancel_eligible(
        hub, pool, trainer, 0, history=history, test_set=b_set, sender=alice
    )
    # Each second half is cut by its own first half, to 0; alice's steps stand.
    firsts = {u.address: history.by(u.address)[0].id for u in undo}
    assert sorted(cancelled) == sorted(
        (history.by(r.address)[0].id, firsts[undo[k].address], 4) for k, r in enumerate(redo)
    )
    assert pool.periods(trainer, 0).shares == pool.shares(trainer, 0, alice) == 8
    wait(chain, ENTRY + 1)
    won = 0
    for r in redo:
        with ape.reverts("hub: no shares"):
            pool.claim(trainer, 0, sender=r)
    to_alice = claim(hub, pool, trainer, 0, alice)
    pool_invariant(pool, [trainer])
    net = won + reported + taken - deposits
    print(
        f"undo pairs: mallory shares {sum(pool.shares(trainer, 0, r) for r in redo)} of "
        f"{pool.periods(trainer, 0).shares}, won {won}, deposits {deposits} back "
        f"{reported} reported + {taken} taken, net {net}; alice {to_alice}"
    )
    assert won == 0 and to_alice == POOL


def test_undo_pairs_that_cancel_first_keep_one_pair(
    hub, pool, trainer, accounts, alice, bob, carol, chain
):
    """Which step a first half undid is not written anywhere: on a feature it shares with an
    honest step (NEG here) it may cut either. The attacker cancels first, cutting alice's NEG
    step with one of its first halves, so that one of its second halves has nothing left to
    cut it. A correct rule pays the pairs nothing whatever the order of the cancellations."""
    _, b, b_set = funded_and_anchored(hub, pool, trainer, bob, carol, chain)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)
    add(trainer, alice, [NEG, 301], 0)
    sybils = []
    for _ in range(2 * PAIRS):
        s = accounts.generate_test_account()
        chain.set_balance(s, 10**20)
        sybils.append(s)
    undo, redo = sybils[:PAIRS], sybils[PAIRS:]
    for k in range(PAIRS):
        add(trainer, undo[k], [NEG, 500 + k], 1)
        add(trainer, redo[k], [NEG, 500 + k], 0)
    history = scan(trainer, start)
    driver.reveal(hub, b, b_set, carol, trainer)
    budget = pool.close_period(trainer, b, sender=carol).return_value
    driver.enter_eligible(hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol)
    test = [t.as_tuple() for t in closing(hub, pool, trainer, 0, b_set)]
    (_, c2), (u,) = history.by(alice.address), history.by(undo[0].address)
    pool.cancel(trainer, 0, (c2.key(), c2.args()), (u.key(), u.args()), test, sender=undo[0])
    driver.cancel_eligible(hub, pool, trainer, 0, history=history, test_set=b_set, sender=alice)
    wait(chain, ENTRY + 1)
    won = sum(claim(hub, pool, trainer, 0, r) for r in redo if pool.shares(trainer, 0, r))
    to_alice = claim(hub, pool, trainer, 0, alice)
    pool_invariant(pool, [trainer])
    print(f"pairs cancelling first: mallory {won}, alice {to_alice} of {budget}")
    assert won == 0 and to_alice == budget


def test_cancel_refusals_its_cap_and_each_feature_once(
    hub, pool, trainer, alice, bob, carol, mallory, chain
):
    """Every revert reason of `cancel`, the cut capped at what the entry still has, and a
    feature of a step that cancelled once cancelling nothing more. Bob's second half carries a
    feature (109) of a class-1 closing sample: it entered with 4 - 1 = 3 shares, and its push
    on what it shares with mallory's first half (NEG, 500) is 4, so the cut is 3, not 4."""
    _, b, b_set = funded_and_anchored(hub, pool, trainer, carol, carol, chain)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)
    add(trainer, alice, [NEG, 301], 0)
    add(trainer, mallory, [NEG, 500], 1)  # the model answers 0: it learns 1
    add(trainer, bob, [NEG, 109, 500], 0)  # and back, with a feature that pushes the wrong way
    add(trainer, bob, [POS, 302], 1)  # the model already answers 1: no change
    history = scan(trainer, start)
    (c1, c2), (u,), (r, farm) = (history.by(w.address) for w in (alice, mallory, bob))
    assert [trainer.contribution(c.id).trained for c in (c1, c2, u, r, farm)] == [1, 1, 1, 1, 0]
    driver.reveal(hub, b, b_set, carol, trainer)
    budget = pool.close_period(trainer, b, sender=carol).return_value
    add(trainer, mallory, [NEG, 600], 1)  # after the record: outside the period
    (_, late) = scan(trainer, start).by(mallory.address)
    scored = closing(hub, pool, trainer, 0, b_set)
    test = [t.as_tuple() for t in scored]
    assert sorted(
        driver.enter_eligible(hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol)
    ) == sorted([c1.id, c2.id, r.id])
    assert pool.entry_shares(trainer, 0, r.id) == rules.pushed(r.features, 0, scored) == 3

    def cancel(target, other, period=0, closing_set=test, who=carol):
        return pool.cancel(
            trainer,
            period,
            (target.key(), target.args()),
            (other.key(), other.args()),
            closing_set,
            sender=who,
        )

    with ape.reverts("hub: no such period"):
        cancel(r, u, period=1)
    with ape.reverts("hub: not the closing test set"):
        cancel(r, u, closing_set=test[:-1])
    with ape.reverts("hub: contribution not entered"):
        cancel(u, r)
    with ape.reverts("hub: contribution outside the period"):
        cancel(r, late)
    with ape.reverts("hub: contributions with the same label"):
        cancel(r, c2)
    with ape.reverts("hub: contribution does not match"):
        pool.cancel(trainer, 0, (r.key(), [NEG, 501]), (u.key(), u.args()), test, sender=carol)
    with ape.reverts("hub: contribution does not match"):
        pool.cancel(trainer, 0, (r.key(), r.args()), (u.key(), [NEG, 501]), test, sender=carol)
    with ape.reverts("hub: contribution did not change the model"):
        cancel(r, farm)
    with ape.reverts("hub: nothing to cancel"):
        cancel(c1, r)  # no feature in common
    assert rules.cancellation(r.features, 0, u.features, scored)[0] == 4
    receipt = cancel(r, u, who=alice)
    assert receipt.return_value == 3  # capped at the 3 shares it had
    print("gas cancel one against 8 samples", receipt.gas_used)
    [log] = receipt.decode_logs(pool.ContributionCancelled)
    assert (log.id, log.by_id, log.contributor, log.shares) == (r.id, u.id, bob.address, 3)
    assert pool.entry_shares(trainer, 0, r.id) == 0 == pool.shares(trainer, 0, bob)
    assert pool.periods(trainer, 0).shares == pool.shares(trainer, 0, alice) == 8
    with ape.reverts("hub: nothing to cancel"):
        cancel(r, u)  # nothing standing, and both steps' shared features used
    with ape.reverts("hub: nothing to cancel"):
        cancel(c2, u)  # mallory's NEG cancelled bob's already: it cannot cancel alice's too
    # NEG alone is spent on both: 500 carries no closing sample (worth 0 to r, seventh review)
    assert [int(pool.undone(trainer, 0, u.id, k)) for k in range(4)] == [0b01, 0, 0, 0]
    assert [int(pool.undone(trainer, 0, r.id, k)) for k in range(4)] == [0b001, 0, 0, 0]
    assert not driver.cancel_eligible(
        hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol
    )
    wait(chain, ENTRY + 1)
    with ape.reverts("hub: entries closed"):
        cancel(c2, u)
    assert claim(hub, pool, trainer, 0, alice) == budget > 0
    pool_invariant(pool, [trainer])


#: Alice's samples, and whether the pairs come first. Left out: a pair sent before a step of
#: alice's with its redo's label on its feature (class 0 on NEG). The period then shows two
#: class-0 steps on NEG and one undo, "the latest step carries the cut" cuts alice's, and the
#: redo keeps its shares: the order limit docs/hub.md names "a first half sent before an honest
#: step" (test_review_hub7.py measures it where money moves: the pair took the whole period).
#: Here no wei moves (7 December, pairs=1, honest=[0]: the budget is 0, since on these sets
#: alice's class-0 step changes no answer). This property ran under Ape's `chain.isolate()`,
#: which swallows a failed assert, until that day, and so never showed it.
ORDERS = st.one_of(
    st.tuples(st.just(False), st.lists(st.sampled_from([0, 1]), min_size=1, max_size=3)),
    st.tuples(st.just(True), st.lists(st.just(1), min_size=1, max_size=3)),
)


@settings(max_examples=4, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(pairs=st.integers(1, 3), order=ORDERS, amount=st.integers(10**6, 10**20))
def test_undo_pairs_gain_nothing_and_every_wei_is_kept(
    project,
    kinds,
    owner,
    alice,
    bob,
    carol,
    accounts,
    deploy_trainer,
    chain,
    pairs,
    order,
    amount,
):
    """However many undo pairs (each from two fresh addresses), whichever honest samples alice
    sends and whether the pairs come before or after them (before, where the limit above
    does not apply): once the keeper has sent every
    cancellation, the pairs' second halves hold no share and are paid nothing, alice is paid
    the whole released budget, and funded == paid + left in the pool, to the wei."""
    pairs_first, honest = order
    with isolated(chain):
        hub = deploy_test_hub(project, owner, kinds)
        pool = deploy_test_pool(project, owner, hub)
        trainer = deploy_trainer()
        hub.register(trainer, 0, "t", "", sender=owner)
        seal(trainer, owner)
        pool.fund(trainer, carol, value=amount, sender=bob)
        a_set, b_set = make_set(8), make_set(8, start=8)
        a = driver.commit(hub, trainer.address, a_set, carol, chain.chain_id)
        b = driver.commit(hub, trainer.address, b_set, carol, chain.chain_id)
        wait(chain, DELAY)
        driver.reveal(hub, a, a_set, carol, trainer)
        pool.close_period(trainer, a, sender=carol)
        start = chain.blocks.head.number
        sent = []

        def send_pairs():
            for k in range(pairs):
                u, r = accounts.generate_test_account(), accounts.generate_test_account()
                for who in (u, r):
                    chain.set_balance(who, 10**20)
                add(trainer, u, [NEG, 500 + k], 1)
                add(trainer, r, [NEG, 500 + k], 0)
                sent.append((u, r))

        if pairs_first:
            send_pairs()
        for k, y in enumerate(honest):
            add(trainer, alice, [POS if y else NEG, 300 + k], y)
        if not pairs_first:
            send_pairs()
        history = scan(trainer, start)
        trained = {c.contributor for c in history if trainer.contribution(c.id).trained}
        # A pair whose first half did not train (alice's class-1 step left its sample at class 1
        # already) is no pair: its second half is an ordinary step that fixed what hers moved.
        redo = [r for u, r in sent if u.address in trained]
        fixers = [alice] + [r for u, r in sent if u.address not in trained]
        driver.reveal(hub, b, b_set, carol, trainer)
        budget = pool.close_period(trainer, b, sender=carol).return_value
        driver.enter_eligible(hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol)
        driver.cancel_eligible(hub, pool, trainer, 0, history=history, test_set=b_set, sender=alice)
        assert all(pool.shares(trainer, 0, r) == 0 for r in redo)
        held = [int(pool.shares(trainer, 0, w)) for w in fixers]
        assert pool.periods(trainer, 0).shares == sum(held)
        wait(chain, ENTRY + 1)
        paid = sum(claim(hub, pool, trainer, 0, w) for w, n in zip(fixers, held, strict=True) if n)
        if sum(held):
            assert paid == budget
        elif budget:
            pool.release(trainer, 0, sender=carol)
        for r in redo:
            with ape.reverts("hub: no shares"):
                pool.claim(trainer, 0, sender=r)
        assert pool_invariant(pool, [trainer]) + paid == amount


# ---------------------------------------------------------------- 3. the reveal griefer's bill


def test_spoiling_a_reveal_from_the_mempool_no_longer_spoils_it(
    mempool, hub, trainer, carol, mallory, chain
):
    """Fixed (was MEDIUM). Mallory copies the first sample of carol's pending reveal and teaches
    it with the label the model does not give, with a higher tip: the reveal failed ('hub:
    model changed') and carol's set, now public, was spoilt; the model had just learnt
    mallory's label, so her whole deposit came back (measured: 12286689419795221 wei refunded
    in full): spoiling cost gas only. Carol now pins the evaluation first (nothing shown). The
    front-run still lands ahead of the reveal that did not list it, but the set is not spoilt:
    carol reveals it again listing mallory's step, which the hub takes back, and the record
    and every logged score are the model's at the pin. Mallory's step is an ordinary
    contribution after the pin (its refund is the trainer's rule); it bought nothing."""
    ts = make_set(8)
    i = driver.commit(hub, trainer.address, ts, carol, chain.chain_id)
    wait(chain, DELAY)
    hub.pin(i, sender=carol)
    samples = [(list(x), y) for p in ts.pieces for x, y in p]
    at_pin = [trainer.score(x) for x, _ in samples]
    with mempool.paused():
        mine = mempool.send(
            hub.reveal_sparse,
            i,
            *driver.reveal_args(ts, 0, 2),
            hub.evaluations(i).updates,
            [],
            sender=carol,
        )
        (seen,) = mempool.calls(hub, "reveal_sparse")
        x, y = seen.args[3][0]
        wrong = 1 - trainer.predict(list(x))
        theirs = mempool.send(
            trainer.addData,
            list(x),
            wrong,
            sender=mallory,
            value=trainer.next_deposit() * 2,
            tip=2 * seen.tip,
        )
        block = mempool.mine()
    assert block[theirs].ok and block[mine].reason == "hub: model changed"
    assert trainer.predict(list(x)) == wrong  # mallory's step moved the model
    receipts = driver.reveal(hub, i, ts, carol, trainer)  # the same set, her step listed
    e = hub.evaluations(i)
    assert hub.record_count(trainer) == 1 and e.samples == 8
    assert e.correct == sum((s > 0) == (y == 1) for s, (_, y) in zip(at_pin, samples, strict=True))
    scored = driver.scored_test(hub, i, ts, trainer.n_features())
    assert [t.s for t in scored] == at_pin  # every score as the model gave it at the pin
    [c] = scan(trainer, e.pinned).by(mallory.address)
    assert c.id > e.contributions
    wait(chain, STAKE.refund_wait)
    back = trainer.refund(c.key(), list(c.features), sender=mallory).return_value
    print(
        f"reveal griefer, pinned: record {e.correct}/{e.samples} as at the pin; second reveal "
        f"{receipts[0].gas_used} gas with 1 step; griefer's deposit {c.deposit}, refunded {back}"
    )


# ---------------------------------------------------------------- 4. unjudged at the record


def flip_after(trainer, mallory, x, tag):
    """Mallory trains the model against sample ``x`` until it answers the other class (each
    step with one fresh feature, so every one trains); returns how many steps it took."""
    flips = 0
    wrong = 1 - trainer.predict(x)
    while trainer.predict(x) != wrong:
        add(trainer, mallory, [*x, 900 + 10 * tag + flips], wrong)
        flips += 1
    return flips


def test_a_later_flip_keeps_an_honest_contribution_from_being_judged_good(
    hub, pool, trainer, alice, bob, carol, mallory, chain
):
    """Fixed (was HIGH). The hub used to read 'judged good' when a contribution entered, from
    the trainer as it was then. In the refund wait after the closing record mallory trains
    the model against alice's sample (in the next period, so the record is untouched): alice's
    refund fails ('refund: model disagrees'), mallory reports her deposit, and alice's
    contribution could never enter: mallory took the whole 10**18 wei period instead of half.
    The hub now pays by what the record fixed: the TRAINED flag (written when the sample
    trained) and the closing set as the record scored it; no refund or report counts. Alice's
    POS sample and mallory's NEG sample made the gain together, 4 shares each: half each.
    (Mallory's deposit report is the trainer's own rule and stays: the hub cannot undo it.)"""
    _, b, b_set = funded_and_anchored(hub, pool, trainer, bob, carol, chain)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)
    add(trainer, mallory, [NEG, 302], 0)
    driver.reveal(hub, b, b_set, carol, trainer)  # the closing record: 100 %
    budget = pool.close_period(trainer, b, sender=carol).return_value
    assert budget == POOL
    flips = flip_after(trainer, mallory, [POS, 300], 0)
    wait(chain, STAKE.refund_wait)
    history = scan(trainer, start)
    assert all(trainer.contribution(c.id).trained for c in history)
    [pos] = history.by(alice.address)
    with ape.reverts("refund: model disagrees"):
        trainer.refund(pos.key(), list(pos.features), sender=alice)
    refund_all(trainer, history, [mallory])
    reported = trainer.report(pos.key(), list(pos.features), sender=mallory).return_value
    assert reported > 0 and not trainer.contribution(pos.id).good
    entered = driver.enter_eligible(
        hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol
    )
    assert sorted(entered) == [1, 2]  # the period's two; mallory's flips are the next period's
    assert pool.shares(trainer, 0, alice) == pool.shares(trainer, 0, mallory) == 4
    wait(chain, ENTRY + 1)
    to_alice = claim(hub, pool, trainer, 0, alice)
    to_mallory = claim(hub, pool, trainer, 0, mallory)
    pool_invariant(pool, [trainer])
    print(
        f"later flip: {flips} flips, alice's deposit reported ({reported} wei); alice "
        f"{to_alice}, mallory {to_mallory} of {budget}"
    )
    assert to_alice == to_mallory == POOL // 2
    assert to_alice + to_mallory == budget


@pytest.mark.parametrize("late", [0, 1])
def test_no_judgement_is_asked_on_either_side_of_the_refund_wait(
    hub, pool, trainer, alice, bob, carol, chain, late
):
    """Alice never refunds (bob's sample, before hers, makes the gain a two-class one). Her
    refund wait ends exactly at the closing record's pin (late 0) or one second before it
    (late 1). Until the third review's fix `enter` asked the trainer's judgement in the second
    case ('hub: contribution not judged good'), which a rival's later steps decide (test_review_hub3
    test 5); now she enters either way, and the driver offers her either way."""
    _, b, b_set = funded_and_anchored(hub, pool, trainer, bob, carol, chain)
    start = chain.blocks.head.number
    add(trainer, bob, [NEG, 301], 0)
    add(trainer, alice, [1, 2, 3, POS, 300], 1)  # features before POS: the cursor must walk
    [c] = scan(trainer, start).by(alice.address)
    chain.pending_timestamp = c.time + STAKE.refund_wait + late
    driver.reveal(hub, b, b_set, carol, trainer)  # the pin takes that second
    assert hub.evaluations(b).pinned_time == c.time + STAKE.refund_wait + late
    assert not trainer.contribution(c.id).good
    assert pool.close_period(trainer, b, sender=carol).return_value > 0
    test = closing(hub, pool, trainer, 0, b_set)
    offered = [
        x.id
        for x, _ in driver.eligible(hub, pool, trainer, 0, history=scan(trainer, start), test=test)
    ]
    assert c.id in offered
    enter_one(hub, pool, trainer, 0, c, test, carol)
    assert pool.shares(trainer, 0, alice) == 4


@settings(max_examples=3, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    flipped=st.lists(st.booleans(), min_size=2, max_size=2),
    refund_first=st.booleans(),
    amount=st.integers(10**6, 10**20),
)
def test_nothing_after_the_closing_record_moves_a_share(
    project,
    kinds,
    owner,
    alice,
    bob,
    carol,
    mallory,
    deploy_trainer,
    chain,
    flipped,
    refund_first,
    amount,
):
    """Whichever honest samples mallory flips after the closing record, and whether their
    contributors refunded before the flips or not: each entry's shares are what the closing
    set as the record scored it gives (``rules.pushed``), the period pays alice and bob half
    each, and the hub's books hold to the wei."""
    with isolated(chain):
        hub = deploy_test_hub(project, owner, kinds)
        pool = deploy_test_pool(project, owner, hub)
        trainer = deploy_trainer()
        hub.register(trainer, 0, "t", "", sender=owner)
        seal(trainer, owner)
        pool.fund(trainer, carol, value=amount, sender=bob)
        a_set, b_set = make_set(8), make_set(8, start=8)
        a = driver.commit(hub, trainer.address, a_set, carol, chain.chain_id)
        b = driver.commit(hub, trainer.address, b_set, carol, chain.chain_id)
        wait(chain, DELAY)
        driver.reveal(hub, a, a_set, carol, trainer)
        pool.close_period(trainer, a, sender=carol)
        start = chain.blocks.head.number
        honest = [(alice, [POS, 300], 1), (bob, [NEG, 301], 0)]
        for who, x, y in honest:
            add(trainer, who, x, y)
        driver.reveal(hub, b, b_set, carol, trainer)
        budget = pool.close_period(trainer, b, sender=carol).return_value
        if refund_first:
            wait(chain, STAKE.refund_wait)
            refund_all(trainer, scan(trainer, start), [alice, bob])
        for k, (_, x, _) in enumerate(honest):
            if flipped[k]:
                flip_after(trainer, mallory, x, k)
        wait(chain, STAKE.refund_wait)
        history = scan(trainer, start)
        refund_all(trainer, history, [alice, bob, mallory])
        test = closing(hub, pool, trainer, 0, b_set)
        driver.enter_eligible(hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol)
        for who, x, y in honest:
            assert pool.shares(trainer, 0, who) == rules.pushed(x, y, test) == 4
        wait(chain, ENTRY + 1)
        paid = [claim(hub, pool, trainer, 0, who) for who, _, _ in honest]
        assert paid == [budget // 2, budget - budget // 2] and budget == amount
        assert pool_invariant(pool, [trainer]) == 0


# ---------------------------------------------------------------- 5. defences


def test_the_owner_withdrawing_mid_period_freezes_nothing(
    hub, pool, trainer, owner, alice, bob, carol, chain
):
    """The model's owner withdraws the entry in the middle of a funded period (and cannot
    register it under another name to reset anything: its pool, anchor and records stay).
    Carol still reveals and closes, alice still enters and claims the whole period; only new
    funding is refused."""
    a, b, b_set = funded_and_anchored(hub, pool, trainer, bob, carol, chain)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)
    add(trainer, alice, [NEG, 301], 0)
    hub.withdraw(trainer, sender=owner)
    with ape.reverts("hub: not registered"):
        pool.fund(trainer, carol, value=1, sender=bob)
    hub.register(trainer, 0, "again", "", sender=owner)  # a second listing resets nothing
    hub.withdraw(trainer, sender=owner)
    assert pool.pools(trainer, carol).anchor == a and pool.pools(trainer, carol).available == POOL
    wait(chain, STAKE.refund_wait)
    history = scan(trainer, start)
    refund_all(trainer, history, [alice])
    driver.reveal(hub, b, b_set, carol, trainer)
    assert pool.close_period(trainer, b, sender=carol).return_value == POOL
    assert (
        len(
            driver.enter_eligible(
                hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol
            )
        )
        == 2
    )
    wait(chain, ENTRY + 1)
    assert claim(hub, pool, trainer, 0, alice) == POOL
    pool_invariant(pool, [trainer])
