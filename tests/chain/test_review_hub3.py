"""Third adversarial review of ModelHub, after `enter` stopped asking judgement of contributions
still in their refund wait at the closing record.

Each test plays one attack end to end on a real chain and asserts what a correct contract must
produce, in wei. An attack that works today is a strict xfail whose reason gives the measured
numbers; one that fails at the contract is a normal test (it documents a defence).
"""

# ruff: noqa: F811 (fixtures shared with the other hub review files are imported by name)

import ape
from conftest import STAKE
from test_hub import (
    DELAY,
    ENTRY,
    NEG,
    POS,
    WINDOW,
    make_set,
    pool_invariant,
    wait,
)
from test_review_hub import add, claim, closing, enter_one, refund_all
from test_review_hub2 import (  # noqa: F401 (fixtures)
    POOL,
    funded_and_anchored,
    hub,
    kinds,
    pool,
    trainer,
)

from sharedmodels.hub import driver
from sharedmodels.trainers.client import scan


def spoil(mempool, hub, trainer, evaluation, test_set, carol, mallory):
    """Carol sends the reveal of ``evaluation``; mallory copies its first sample from the
    mempool and teaches it with the label the model does not give, with a higher tip. Returns
    (the copied sample, carol's failure reason)."""
    with mempool.paused():
        mine = mempool.send(
            hub.reveal_sparse,
            evaluation,
            *driver.reveal_args(test_set, 0, len(test_set.pieces)),
            trainer.update_count(),
            sender=carol,
        )
        (seen,) = mempool.calls(hub, "reveal_sparse")
        x, _ = seen.args[3][0]
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
    assert block[theirs].ok
    return list(x), block[mine].reason


# ---------------------------------------------------------------- 1. a spoilt closing set


def test_one_spoilt_reveal_no_longer_locks_the_pool(
    mempool, hub, pool, trainer, alice, bob, carol, mallory, chain
):
    """docs/hub.md: 'the evaluator's set is public, so it needs a fresh one'. A closing set must
    be committed before the anchor's record, so a fresh one cannot close the period. Carol holds
    the one set she committed with the anchor; mallory spoils its reveal from the mempool and is
    refunded in full. Measured before the fix: once the spoilt set's reveal window passed
    nothing could close the pool, 10**18 wei locked for good. Now, once no set committed before
    the anchor can still be revealed, carol re-anchors with a fresh record (the spoilt period
    pays nothing, its budget stays) and the next period pays alice the gain she makes in it."""
    a, b, b_set = funded_and_anchored(hub, pool, trainer, bob, carol, chain)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)
    add(trainer, alice, [NEG, 301], 0)
    wait(chain, STAKE.refund_wait)
    refund_all(trainer, scan(trainer, start), [alice])
    x, reason = spoil(mempool, hub, trainer, b, b_set, carol, mallory)
    assert reason == "hub: model changed"
    [m] = scan(trainer, start).by(mallory.address)
    wait(chain, STAKE.refund_wait)
    back = trainer.refund(m.key(), list(m.features), sender=mallory).return_value
    assert back == m.deposit  # the spoiler pays gas only
    fresh, following = make_set(8, start=40), make_set(8, start=48)
    f = driver.commit(hub, trainer.address, fresh, carol, chain.chain_id)
    g = driver.commit(hub, trainer.address, following, carol, chain.chain_id)
    wait(chain, DELAY)
    driver.reveal(hub, f, fresh, carol, trainer)
    assert hub.evaluations(f).correct < hub.evaluations(f).samples  # mallory's step still in
    free = hub.evaluations(a).pinned_time + DELAY + WINDOW  # the last second b could be revealed
    chain.pending_timestamp = free
    with ape.reverts("hub: test set committed after the period began"):
        pool.close_period(trainer, f, sender=carol)
    chain.pending_timestamp = free + 1
    with ape.reverts("hub: only the evaluator anchors its pool"):
        pool.close_period(trainer, f, sender=mallory)
    with ape.reverts("hub: reveal window passed"):
        driver.reveal(hub, b, b_set, carol, trainer)
    assert pool.close_period(trainer, f, sender=carol).return_value == 0  # re-anchored
    assert pool.pools(trainer, carol) == (POOL, f) and pool.period_count(trainer) == 0
    start = chain.blocks.head.number
    right = 1 - trainer.predict(x)  # mallory taught x the label the model did not give
    add(trainer, alice, sorted({*x, 302}), right)  # puts back what mallory's step took
    wait(chain, STAKE.refund_wait)
    history = scan(trainer, start)
    refund_all(trainer, history, [alice])
    driver.reveal(hub, g, following, carol, trainer)
    assert pool.close_period(trainer, g, sender=carol).return_value == POOL
    assert pool.periods(trainer, 0).first_id == hub.evaluations(f).contributions + 1
    assert driver.enter_eligible(
        hub, pool, trainer, 0, history=history, test_set=following, sender=carol
    )
    wait(chain, ENTRY + 1)
    assert claim(hub, pool, trainer, 0, alice) == POOL
    pool_invariant(pool, [trainer])


# ---------------------------------------------------------------- 2. front-run, memorise


def test_front_running_a_reveal_with_its_own_samples_takes_the_period(
    mempool, hub, pool, trainer, alice, bob, carol, mallory, chain
):
    """Fixed (was HIGH). Carol's reveal carries her closing set in clear. Mallory front-runs it
    with the samples the model gets wrong, with their right labels: her contribution trained,
    so the reveal failed ('hub: model changed'), carol had no other set that could close the
    period, revealed the same one again, and the record counted mallory's step (measured
    before the fix: the record 50 % -> 100 % by her step alone; shares mallory 8, alice 4:
    mallory 666666666666666667 of the 10**18 wei period, her 514285714285714285 wei deposit
    refunded in full, alice 333333333333333333). Now carol pins the evaluation before any
    sample is shown, and a pool takes only pinned records: mallory's step lands after the pin,
    so the reveal that did not list it fails, and carol's second reveal lists it and the hub
    takes it back from every score. The record is the model at the pin (50 %), the period
    pays nothing for a gain nobody made, and mallory's step is not in it."""
    _, b, b_set = funded_and_anchored(hub, pool, trainer, bob, carol, chain)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)  # the model now answers 1 everywhere: 50 %
    wait(chain, STAKE.refund_wait)
    refund_all(trainer, scan(trainer, start), [alice])
    hub.pin(b, sender=carol)
    pinned = hub.evaluations(b)
    with mempool.paused():
        mine = mempool.send(
            hub.reveal_sparse,
            b,
            *driver.reveal_args(b_set, 0, len(b_set.pieces)),
            pinned.updates,
            [],
            sender=carol,
        )
        (seen,) = mempool.calls(hub, "reveal_sparse")
        neg = sorted({j for x, y in seen.args[3] if y == 0 for j in x})  # read in clear
        assert trainer.predict(neg) == 1
        theirs = mempool.send(
            trainer.addData,
            neg,
            0,
            sender=mallory,
            value=trainer.next_deposit() * 2,
            tip=2 * seen.tip,
        )
        block = mempool.mine()
    assert block[theirs].ok and block[mine].reason == "hub: model changed"
    [memo] = scan(trainer, pinned.pinned).by(mallory.address)
    assert driver.steps_since_pin(hub, b, trainer) == [(memo.key(), memo.args())]
    driver.reveal(hub, b, b_set, carol, trainer)  # the same set, again, her step listed
    record = hub.evaluations(b)
    assert 2 * record.correct == record.samples  # the model at the pin: 50 %
    assert all(trainer.predict(list(x)) == y for p in b_set.pieces for x, y in p)  # 100 % now
    assert record.contributions == pinned.contributions < memo.id
    assert pool.close_period(trainer, b, sender=carol).return_value == 0
    assert pool.periods(trainer, 0).last_id < memo.id  # mallory's step is not in the period
    wait(chain, STAKE.refund_wait)
    back = trainer.refund(memo.key(), list(memo.features), sender=mallory).return_value
    print(
        f"front-run memorise, pinned: record {record.correct}/{record.samples}, budget 0; "
        f"mallory's deposit {memo.deposit} refunded {back} (the trainer's rule)"
    )
    assert pool.pools(trainer, carol).available == POOL
    pool_invariant(pool, [trainer])


# ---------------------------------------------------------------- 3. unjudged, wrong label


def test_a_wrong_label_sent_just_before_the_record_is_refused_by_its_push(
    hub, pool, trainer, alice, bob, carol, mallory, chain
):
    """The newest change asks no judgement of a contribution still in its refund wait at the
    closing record. Mallory times wrong-labelled samples (class-1 features taught as 0, each
    with a fresh feature so that every one trains) into the last seconds before carol's
    record: they are unjudged, trained and in the period, but their steps push the closing
    class-1 samples the wrong way, so `enter` refuses each; alice, whose samples made the gain,
    takes the whole period."""
    _, b, b_set = funded_and_anchored(hub, pool, trainer, bob, carol, chain)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)
    add(trainer, alice, [NEG, 301], 0)
    wait(chain, STAKE.refund_wait)
    refund_all(trainer, scan(trainer, start), [alice])
    for k in range(2):
        add(trainer, mallory, [POS, 400 + k], 0)
        add(trainer, alice, [POS, 500 + k], 1)  # alice repairs (her steps enter as well)
    driver.reveal(hub, b, b_set, carol, trainer)
    budget = pool.close_period(trainer, b, sender=carol).return_value
    assert budget == POOL
    history = scan(trainer, start)
    test = closing(hub, pool, trainer, 0, b_set)
    late = history.by(mallory.address)
    assert len(late) == 2
    for c in late:
        assert trainer.contribution(c.id).trained
        assert c.time + STAKE.refund_wait >= hub.evaluations(b).time  # unjudged
        with ape.reverts("hub: contribution did not help the closing set"):
            enter_one(hub, pool, trainer, 0, c, test, mallory)
    entered = driver.enter_eligible(
        hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol
    )
    assert len(entered) == 4
    wait(chain, ENTRY + 1)
    assert claim(hub, pool, trainer, 0, alice) == POOL
    with ape.reverts("hub: no shares"):
        pool.claim(trainer, 0, sender=mallory)
    pool_invariant(pool, [trainer])


# ---------------------------------------------------------------- 4. a batch spoilt by one entry

BATCH = 9


def test_entering_one_contribution_of_a_pending_batch_does_not_spoil_the_batch(
    mempool, hub, pool, trainer, alice, bob, carol, mallory, chain
):
    """`enter` reverted a whole batch on one contribution already entered. Alice sends her
    period's 9 contributions in one `enter`; mallory copies the last one alone from the mempool
    with a higher tip. Mallory's entry lands (it gives alice its shares). Before the fix alice's
    batch ran to its last entrant and reverted ('hub: already entered'), measured: 1601079 gas
    against mallory's 529761 (3.0x). `enter` now skips a contribution already entered and
    enters the rest: alice's batch lands and she holds the shares of all nine."""
    pool.fund(trainer, carol, value=POOL, sender=bob)
    a_set, b_set = make_set(8), make_set(64, start=8, piece=16)  # one reveal transaction
    a = driver.commit(hub, trainer.address, a_set, carol, chain.chain_id)
    b = driver.commit(hub, trainer.address, b_set, carol, chain.chain_id)
    wait(chain, DELAY)
    driver.reveal(hub, a, a_set, carol, trainer)
    pool.close_period(trainer, a, sender=carol)
    start = chain.blocks.head.number
    for k in range(BATCH - 1):
        add(trainer, alice, [POS, 300 + k], 1)  # each trains: mallory's step undid the last
        add(trainer, mallory, [POS, 500 + k], 0)
    add(trainer, alice, [POS, 310], 1)
    add(trainer, alice, [NEG, 301], 0)  # 100 % on the closing set
    driver.reveal(hub, b, b_set, carol, trainer)
    assert pool.close_period(trainer, b, sender=carol).return_value == POOL
    history = scan(trainer, start)
    mine_c = history.by(alice.address)[-BATCH:]
    scored = closing(hub, pool, trainer, 0, b_set)
    mine_ids = {c.id for c in mine_c}
    shares = [
        n
        for c, n in driver.eligible(hub, pool, trainer, 0, history=history, test=scored)
        if c.id in mine_ids
    ]
    assert len(shares) == BATCH
    expected = sum(shares)
    test = [t.as_tuple() for t in scored]
    with mempool.paused():
        batch = [(c.key(), c.args()) for c in mine_c]
        mine = mempool.send(
            pool.enter, trainer.address, 0, batch, test, sender=alice, gas=14_000_000
        )
        (seen,) = mempool.calls(pool, "enter")
        theirs = mempool.send(
            pool.enter,
            trainer.address,
            0,
            batch[-1:],
            test,
            sender=mallory,
            tip=2 * seen.tip,
            gas=14_000_000,
        )
        block = mempool.mine()
    print(
        f"batch griefing: alice's batch of {BATCH}: {block[mine].reason or 'ok'}, "
        f"{block[mine].gas_used} gas; mallory's single entry {block[theirs].gas_used} gas"
    )
    assert block[theirs].ok
    assert block[mine].ok
    assert pool.shares(trainer, 0, alice) == expected == pool.periods(trainer, 0).shares
    assert block[mine].gas_used > block[theirs].gas_used  # it entered the other eight


# ---------------------------------------------------------------- 5. the earliest refund, front-run


def test_a_refund_sent_the_moment_the_wait_ends_is_front_run_before_the_record(
    mempool, hub, pool, trainer, alice, bob, carol, mallory, chain
):
    """Fixed (was MEDIUM). docs/hub.md, limits: 'a slow refund ... Refund as soon as the refund
    wait ends'. Alice does: her refund of [POS, 300] is in the mempool the moment it may be.
    Mallory front-runs it with four steps of her own (higher tip): two that teach alice's feature
    300 against her label and two on fresh features that put the bias and POS back. Alice's refund
    fails
    ('refund: model disagrees') while the model still answers the whole closing set right; carol
    records. Alice's refund wait ended before the record, so `enter` asks for a judgement she
    could not get: her POS step, which made half the gain, is refused, and mallory's two repair
    steps take its place (measured before the fix: shares alice 4, mallory 8; alice
    333333333333333333 and mallory 666666666666666667 of the 10**18 wei period; mallory's
    deposits all refunded, alice's 12286689419795221 wei left for reporters). `enter` no longer
    asks the trainer's judgement, which later steps decide: alice's POS step enters (8 shares,
    as without mallory), and the keeper's cancellations cut mallory's redo steps with her own
    undo steps, so alice is paid the whole period."""
    _, b, b_set = funded_and_anchored(hub, pool, trainer, bob, carol, chain)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)
    add(trainer, alice, [NEG, 301], 0)
    wait(chain, STAKE.refund_wait)
    pos, neg = scan(trainer, start).by(alice.address)
    trainer.refund(neg.key(), list(neg.features), sender=alice)
    steps = [([POS, 300, 900], 0), ([POS, 901], 1), ([POS, 300, 902], 0), ([POS, 903], 1)]
    with mempool.paused():
        mine = mempool.send(trainer.refund, pos.key(), list(pos.features), sender=alice)
        (seen,) = mempool.calls(trainer, "refund")
        theirs = [
            mempool.send(trainer.addData, x, y, sender=mallory, value=10**19, tip=2 * seen.tip)
            for x, y in steps
        ]
        block = mempool.mine()
    assert all(block[t].ok for t in theirs)
    assert block[mine].reason == "refund: model disagrees"
    wait(chain, 3600)  # the period goes on; carol records later
    driver.reveal(hub, b, b_set, carol, trainer)
    assert hub.evaluations(b).correct == hub.evaluations(b).samples  # still 100 %
    assert hub.evaluations(b).time > pos.time + STAKE.refund_wait  # alice is judged
    budget = pool.close_period(trainer, b, sender=carol).return_value
    assert budget == POOL
    history = scan(trainer, start)
    refund_all(trainer, history, [mallory])
    test = closing(hub, pool, trainer, 0, b_set)
    refused = ""
    try:
        enter_one(hub, pool, trainer, 0, pos, test, alice)
    except ape.exceptions.ContractLogicError as err:
        refused = err.message
    for c, _ in driver.eligible(hub, pool, trainer, 0, history=history, test=test):
        enter_one(hub, pool, trainer, 0, c, test, carol)
    entered = (pool.shares(trainer, 0, alice), pool.shares(trainer, 0, mallory))
    assert not refused and entered == (8, 8)  # alice as without mallory
    cut = driver.cancel_eligible(
        hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol
    )
    wait(chain, ENTRY + 1)
    to_alice = claim(hub, pool, trainer, 0, alice)
    pool_invariant(pool, [trainer])
    print(
        f"front-run refund: alice's POS step {refused or 'entered'}; shares entered alice "
        f"{entered[0]} mallory {entered[1]}; cancellations {cut}; alice {to_alice}; alice's "
        f"deposit {pos.deposit} claimable {trainer.contribution(pos.id).claimable}"
    )
    assert pool.shares(trainer, 0, mallory) == 0 and to_alice == POOL


# ---------------------------------------------------------------- 6. the driver offers the refused


def test_the_driver_offers_what_enter_takes(hub, pool, trainer, alice, bob, carol, mallory, chain):
    """`driver.eligible` (used by `enter_eligible` and `ape run hub enter`) once offered
    contributions that `enter` refused (refund wait ended before the record, not judged good):
    one held-back refund made the keeper's batch revert (measured: alice 0 shares, mallory's
    refund afterwards returned her whole deposit: gas only). `enter` no longer asks the
    trainer's judgement (test 5), and the driver offers exactly what it takes: mallory's step,
    whose refund she holds back, made half the gain and enters beside alice's."""
    _, b, b_set = funded_and_anchored(hub, pool, trainer, bob, carol, chain)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)
    add(trainer, mallory, [NEG, 301], 0)
    wait(chain, STAKE.refund_wait + 1)
    history = scan(trainer, start)
    refund_all(trainer, history, [alice])  # mallory holds hers back
    driver.reveal(hub, b, b_set, carol, trainer)
    assert pool.close_period(trainer, b, sender=carol).return_value == POOL
    test = closing(hub, pool, trainer, 0, b_set)
    offered = driver.eligible(hub, pool, trainer, 0, history=history, test=test)
    assert [c.id for c, _ in offered] == [c.id for c in history]
    entered = driver.enter_eligible(
        hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol
    )
    assert len(entered) == 2
    assert pool.shares(trainer, 0, alice) == 4 and pool.shares(trainer, 0, mallory) == 4
