"""Fifth adversarial review of the hub pools: the two newest money rules of HubPool.vy.

(a) A period's budget is a fraction of the wei funded before its closing record's block (one
funding checkpoint per block, a binary search over them). (b) `cancel` cuts an entered step's
shares where a step of the other label undid it on the features both carry (each feature
position of each step once, a bitmap per contribution).

Each test plays one attack end to end on a real chain and asserts what a correct contract must
produce, in wei. The two attacks that worked (an undo of an honest step and a redo, paired by
the keeper's own ordering) now fail in the keeper, which cuts a step sent after the undo first;
their measured numbers before the fix stand above each test. The others document defences. A
cancellation sent by the attacker before the keeper's still chooses the pairing: that limit is
`test_review_hub2`'s strict xfail and docs/hub.md's.
"""

# ruff: noqa: F811 (fixtures shared with the other hub review files are imported by name)

import ape
from conftest import STAKE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hub import (
    DELAY,
    ENTRY,
    NEG,
    POS,
    WINDOW,
    deploy_test_hub,
    deploy_test_pool,
    make_set,
    pool_invariant,
    seal,
    wait,
)
from test_review_hub import add, claim, closing, labelled
from test_review_hub2 import (  # noqa: F401 (fixtures)
    POOL,
    funded_and_anchored,
    hub,
    kinds,
    pool,
    trainer,
)
from test_review_hub4 import expected_budget, reveal_in_block_with, stranger, teach

from sharedmodels.hub import driver
from sharedmodels.trainers.client import scan

# ---------------------------------------------------------------- 1. the funding checkpoints

DUST = 24


def test_dust_checkpoints_keep_fund_flat_and_the_close_exact(
    mempool, hub, pool, trainer, accounts, alice, bob, carol, chain
):
    """Mallory funds 1 wei in each of DUST blocks to grow the pool's checkpoints, hoping to
    make `fund` dear for others or the search in `close_period` wrong. `fund` writes one slot
    whatever the count (a new block: a new checkpoint; the same block: the last one grows), so
    an honest funding costs the same after the dust as before; five fundings mined in one
    block make one checkpoint; and the budget is exactly the wei funded before the record's
    block, the dust included, the same-block and later wei not."""
    a, b, b_set = funded_and_anchored(hub, pool, trainer, bob, carol, chain)
    history = teach(trainer, alice, chain)
    erin, mallory = stranger(accounts, chain), stranger(accounts, chain)
    first = pool.fund(trainer, carol, value=10, sender=erin).gas_used
    before = pool.checkpoint_count(trainer, carol)
    for _ in range(DUST):
        pool.fund(trainer, carol, value=1, sender=mallory)
    assert pool.checkpoint_count(trainer, carol) == before + DUST
    later = pool.fund(trainer, carol, value=10, sender=erin).gas_used
    with mempool.paused():
        sent = [mempool.send(pool.fund, trainer, carol, sender=erin, value=2) for _ in range(5)]
        block = mempool.mine()
    assert all(block[s].ok for s in sent)
    assert pool.checkpoint_count(trainer, carol) == before + DUST + 2  # the five: one
    last = pool.checkpoints(trainer, carol, before + DUST + 1)
    assert (last.block, last.funded) == (block.number, POOL + 20 + DUST + 10)
    counted = POOL + 10 + DUST + 10 + 10
    record = reveal_in_block_with(mempool, hub, b, b_set, carol, trainer, [(pool, mallory, 3)])
    assert hub.evaluations(b).pinned == record
    pool.fund(trainer, carol, value=5, sender=mallory)  # after the record
    receipt = pool.close_period(trainer, b, sender=mallory)
    budget = receipt.return_value
    print(
        f"fund gas: first {first}, after {DUST} dust checkpoints {later}; "
        f"close with {pool.checkpoint_count(trainer, carol)} checkpoints {receipt.gas_used}"
    )
    assert abs(later - first) <= 100
    assert budget == expected_budget(hub, counted, a, b) == counted
    assert pool.pools(trainer, carol).available == 3 + 5
    driver.enter_eligible(hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol)
    wait(chain, ENTRY + 1)
    assert claim(hub, pool, trainer, 0, alice) == counted
    assert pool.balance == 8
    pool_invariant(pool, [trainer])


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    first=st.integers(2, 10**20),  # half of it (period 0's budget) must be a wei to release
    same0=st.integers(1, 10**20),
    between=st.integers(0, 10**20),
    same1=st.integers(1, 10**20),
)
def test_a_release_between_periods_counts_and_late_wei_never_underflow(
    project,
    kinds,
    owner,
    deploy_trainer,
    mempool,
    accounts,
    alice,
    carol,
    chain,
    first,
    same0,
    between,
    same1,
):
    """Two periods of one pool with a release between them and wei funded in each closing
    record's block (`same0`, `same1`) and between the periods (`between`). Period 0 (75 %
    from 50 %: half the pool) is left without entries and released: its budget goes back to
    the pool without a checkpoint, so it counts in period 1's base (it was funded before), as
    do `same0` and `between`; `same1` does not. `_funded_since` stays at or below `available`
    (the base never wraps to a huge budget nor falls to 0 by the guard)."""
    stake = [k for k in kinds if k.name == "PerceptronStake"]
    hub_ = deploy_test_hub(project, owner, stake)
    pool_ = deploy_test_pool(project, owner, hub_)
    model = deploy_trainer()
    hub_.register(model, 0, "m", "", sender=owner)
    seal(model, owner)
    pool_.fund(model, carol, value=first, sender=carol)
    # b: six class-1 samples, two class-0 (alice's POS step alone takes it to 75 %)
    a_set, c_set = make_set(8), make_set(8, start=16)
    b_set = labelled(
        [([POS, 100 + k], 1) for k in range(6)] + [([NEG, 110 + k], 0) for k in range(2)]
    )
    a = driver.commit(hub_, model.address, a_set, carol, chain.chain_id)
    b = driver.commit(hub_, model.address, b_set, carol, chain.chain_id)
    c = driver.commit(hub_, model.address, c_set, carol, chain.chain_id)
    wait(chain, DELAY)
    driver.reveal(hub_, a, a_set, carol, model)
    pool_.close_period(model, a, sender=carol)
    start = chain.blocks.head.number
    add(model, alice, [POS, 300], 1)  # period 0: half the lesson
    erin = stranger(accounts, chain)
    reveal_in_block_with(mempool, hub_, b, b_set, carol, model, [(pool_, erin, same0)])
    b0 = pool_.close_period(model, b, sender=erin).return_value
    assert b0 == expected_budget(hub_, first, a, b) == first // 2
    wait(chain, ENTRY + 1)
    assert pool_.release(model, 0, sender=erin).return_value == b0  # nobody entered
    assert pool_.pools(model, carol).available == first + same0
    if between:
        pool_.fund(model, carol, value=between, sender=erin)
    add(model, alice, [NEG, 301], 0)  # period 1: the rest
    history = scan(model, start)
    reveal_in_block_with(mempool, hub_, c, c_set, carol, model, [(pool_, erin, same1)])
    base = first + same0 + between
    assert pool_.pools(model, carol).available == base + same1
    b1 = pool_.close_period(model, c, sender=erin).return_value
    assert b1 == expected_budget(hub_, base, b, c) == base  # 100 % closes the rest
    assert pool_.pools(model, carol).available == same1
    pool_invariant(pool_, [model])
    driver.enter_eligible(hub_, pool_, model, 1, history=history, test_set=c_set, sender=carol)
    wait(chain, ENTRY + 1)
    assert claim(hub_, pool_, model, 1, alice) == b1
    assert pool_.balance == same1
    pool_invariant(pool_, [model])


def test_a_re_anchored_pool_budgets_from_every_wei_funded_before_its_closing_record(
    mempool, hub, pool, trainer, accounts, alice, bob, carol, chain
):
    """The closing set of the first anchor is never revealed; once it no longer can be, carol
    re-anchors with a fresh record revealed in the same block as erin's funding of 3 wei, and
    erin funds 5 more before the re-anchor. Moving the anchor pays nothing and writes no
    checkpoint: the next period's base is every wei funded before its own closing record's
    block (the 3 and the 5 too), never the 11 funded in that block nor the 13 after it."""
    a, _, _ = funded_and_anchored(hub, pool, trainer, bob, carol, chain)
    erin = stranger(accounts, chain)
    wait(chain, WINDOW - DELAY)  # late enough that the fresh sets are still revealable then
    fresh, following = make_set(8, start=40), make_set(8, start=48)
    f = driver.commit(hub, trainer.address, fresh, carol, chain.chain_id)
    g = driver.commit(hub, trainer.address, following, carol, chain.chain_id)
    wait(chain, DELAY)
    reveal_in_block_with(mempool, hub, f, fresh, carol, trainer, [(pool, erin, 3)])
    free = hub.evaluations(a).pinned_time + DELAY + WINDOW + 1  # b can no longer be revealed
    if chain.pending_timestamp < free:
        chain.pending_timestamp = free
    pool.fund(trainer, carol, value=5, sender=erin)
    assert pool.close_period(trainer, f, sender=carol).return_value == 0  # re-anchored
    assert pool.pools(trainer, carol) == (POOL + 8, f)
    history = teach(trainer, alice, chain)
    reveal_in_block_with(mempool, hub, g, following, carol, trainer, [(pool, erin, 11)])
    pool.fund(trainer, carol, value=13, sender=erin)
    budget = pool.close_period(trainer, g, sender=erin).return_value
    assert budget == expected_budget(hub, POOL + 8, f, g) == POOL + 8
    assert pool.pools(trainer, carol).available == 11 + 13
    driver.enter_eligible(hub, pool, trainer, 0, history=history, test_set=following, sender=carol)
    wait(chain, ENTRY + 1)
    assert claim(hub, pool, trainer, 0, alice) == POOL + 8
    assert pool.balance == 24
    pool_invariant(pool, [trainer])


# ---------------------------------------------------------------- 2. cancel against honest steps


def undo_and_redo(trainer, alice, mallory, sybil):
    """Alice teaches POS then NEG; mallory (one address) undoes alice's POS step on the same
    features with the other label, and her sybil teaches POS back with a fresh noise feature.
    Every step trains the model; it ends where alice alone left it."""
    add(trainer, alice, [POS, 300], 1)
    add(trainer, alice, [NEG, 301], 0)
    after_alice = [trainer.intercept()] + list(trainer.weights_of([POS, NEG]))
    add(trainer, mallory, [POS, 300], 0)
    add(trainer, sybil, [POS, 700], 1)
    assert [trainer.intercept()] + list(trainer.weights_of([POS, NEG])) == after_alice


# Fixed in the keeper (driver.cancel_eligible cuts a step sent after the undo first); before:
# measured: mallory undoes alice's POS step (same features, other label) and her sybil teaches POS
# back; the keeper's largest-cut-first rule (tie: more shared features) cuts ALICE's step by
# mallory's undo, whose bits are then spent, so the sybil's redo stands: 4 of 8 shares,
# 500000000000000000 wei of the 10**18 wei period to the attacker, alice 500000000000000000 (no
# racing needed); both 3.6 * 10**18 wei deposits come back (refund, report): net
# +500000000000000000
def test_an_undo_of_an_honest_step_and_a_redo_take_half_through_the_keeper(
    hub, pool, trainer, accounts, alice, bob, carol, chain
):
    """Mallory reacts to alice's published step: she sends its features with the other label
    (the model answers alice's label: it trains back) and a sybil sends POS with a new noise
    feature and alice's label (the model answers 0 now: it trains again). The model ends where
    alice left it and reaches 100 %. The honest keeper (`driver.cancel_eligible`) then picks
    the pair (alice's step, the undo) first: it shares two features, the redo one. A correct
    rule leaves the undo-redo pair nothing: alice is paid the whole period."""
    _, b, b_set = funded_and_anchored(hub, pool, trainer, bob, carol, chain)
    mallory, sybil = stranger(accounts, chain), stranger(accounts, chain)
    start = chain.blocks.head.number
    undo_and_redo(trainer, alice, mallory, sybil)
    history = scan(trainer, start)
    assert all(trainer.contribution(c.id).trained for c in history)
    driver.reveal(hub, b, b_set, carol, trainer)
    budget = pool.close_period(trainer, b, sender=carol).return_value
    assert budget == POOL
    driver.enter_eligible(hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol)
    assert pool.shares(trainer, 0, sybil) == 4 and pool.shares(trainer, 0, alice) == 8
    cancelled = driver.cancel_eligible(
        hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol
    )
    (pos_step, _), (u,), (r,) = (history.by(w.address) for w in (alice, mallory, sybil))
    print("cancelled (cut, by, shares):", cancelled, "alice POS", pos_step.id, "redo", r.id)
    wait(chain, ENTRY + 1)
    won = claim(hub, pool, trainer, 0, sybil) if pool.shares(trainer, 0, sybil) else 0
    to_alice = claim(hub, pool, trainer, 0, alice)
    pool_invariant(pool, [trainer])
    # The attacker's cost: the redo is refunded (the model agrees), the sybil (holding good
    # points now) reports the undo (and a third address takes any rest after `any_wait`).
    refunded = trainer.refund(r.key(), list(r.features), sender=sybil).return_value
    reported = trainer.report(u.key(), list(u.features), sender=sybil).return_value
    taken = 0
    if trainer.contribution(u.id).claimable:
        wait(chain, STAKE.any_wait)
        third = stranger(accounts, chain)
        taken = trainer.take(u.key(), u.features_hash, sender=third).return_value
    net = won + refunded + reported + taken - u.deposit - r.deposit
    print(
        f"undo after an honest step: attacker {won}, alice {to_alice} of {budget}; "
        f"deposits undo {u.deposit} redo {r.deposit}, back {refunded + reported + taken}, "
        f"net {net}"
    )
    assert won == 0 and to_alice == budget


# Fixed in the keeper (driver.cancel_eligible cuts a step sent after the undo first); before:
# measured: undoing and redoing BOTH of alice's steps (two addresses, four steps whose deposits
# come back as above) the keeper cuts both of alice's steps: the attacker's redos hold 8 of 8
# shares and take the whole 10**18 wei period, alice 0
def test_undoing_and_redoing_every_honest_step_takes_the_whole_period(
    hub, pool, trainer, accounts, alice, bob, carol, chain
):
    """The same attack on each of alice's steps: mallory undoes each (same features, other
    label) and her sybil redoes each with a fresh noise feature; every step trains and the
    model ends where alice left it (100 %). A correct rule pays alice the whole period."""
    _, b, b_set = funded_and_anchored(hub, pool, trainer, bob, carol, chain)
    mallory, sybil = stranger(accounts, chain), stranger(accounts, chain)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)
    add(trainer, alice, [NEG, 301], 0)
    after_alice = [trainer.intercept()] + list(trainer.weights_of([POS, NEG]))
    add(trainer, mallory, [POS, 300], 0)
    add(trainer, sybil, [POS, 700], 1)
    add(trainer, mallory, [NEG, 301], 1)
    add(trainer, sybil, [NEG, 701], 0)
    assert [trainer.intercept()] + list(trainer.weights_of([POS, NEG])) == after_alice
    history = scan(trainer, start)
    assert all(trainer.contribution(c.id).trained for c in history)
    driver.reveal(hub, b, b_set, carol, trainer)
    budget = pool.close_period(trainer, b, sender=carol).return_value
    assert budget == POOL
    driver.enter_eligible(hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol)
    assert pool.shares(trainer, 0, sybil) == 8 == pool.shares(trainer, 0, alice)
    cancelled = driver.cancel_eligible(
        hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol
    )
    print("cancelled (cut, by, shares):", cancelled)
    wait(chain, ENTRY + 1)
    won = claim(hub, pool, trainer, 0, sybil) if pool.shares(trainer, 0, sybil) else 0
    to_alice = claim(hub, pool, trainer, 0, alice) if pool.shares(trainer, 0, alice) else 0
    pool_invariant(pool, [trainer])
    print(f"undo+redo of every honest step: attacker {won}, alice {to_alice} of {budget}")
    assert won == 0 and to_alice == budget


def test_an_undo_alone_cuts_the_honest_step_but_moves_no_wei_to_the_attacker(
    hub, pool, trainer, accounts, alice, bob, carol, chain
):
    """Griefing without a redo: mallory only undoes alice's POS step. The model loses POS
    (class-1 closing samples wrong), the gain and the budget shrink, and cancelling alice's
    POS step leaves her the NEG step's shares: all the shares, so she is paid the whole
    (smaller) budget. Mallory's undo enters nothing (its push is negative) and is paid 0; the
    wei not released stay in the pool."""
    a, b, b_set = funded_and_anchored(hub, pool, trainer, bob, carol, chain)
    mallory = stranger(accounts, chain)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)
    add(trainer, alice, [NEG, 301], 0)
    add(trainer, mallory, [POS, 300], 0)
    history = scan(trainer, start)
    driver.reveal(hub, b, b_set, carol, trainer)
    budget = pool.close_period(trainer, b, sender=carol).return_value
    assert budget == expected_budget(hub, POOL, a, b) < POOL
    test = [t.as_tuple() for t in closing(hub, pool, trainer, 0, b_set)]
    (u,) = history.by(mallory.address)
    with ape.reverts("hub: contribution did not help the closing set"):
        pool.enter(trainer, 0, [(u.key(), u.args())], test, sender=mallory)
    driver.enter_eligible(hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol)
    (pos_step, _) = history.by(alice.address)
    cut = pool.cancel(
        trainer, 0, (pos_step.key(), pos_step.args()), (u.key(), u.args()), test, sender=mallory
    ).return_value
    assert cut == 4 and pool.periods(trainer, 0).shares == pool.shares(trainer, 0, alice) == 4
    wait(chain, ENTRY + 1)
    with ape.reverts("hub: no shares"):
        pool.claim(trainer, 0, sender=mallory)
    assert claim(hub, pool, trainer, 0, alice) == budget
    assert pool.pools(trainer, carol).available == POOL - budget
    pool_invariant(pool, [trainer])


def test_a_feature_position_of_an_honest_step_is_cut_once_whoever_undid_it(
    hub, pool, trainer, accounts, alice, bob, carol, chain
):
    """Mallory undoes alice's POS step twice from two addresses (each undo trains: a redo of
    her own sybil in between teaches POS back), hoping to cut alice's POS feature twice. The
    first cut spends alice's POS position; the second undo shares only POS with alice's step
    and is refused ("nothing to cancel") though alice still has shares standing."""
    _, b, b_set = funded_and_anchored(hub, pool, trainer, bob, carol, chain)
    m1, m2, sybil = (stranger(accounts, chain) for _ in range(3))
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 109], 1)  # 109: a class-1 closing sample's noise feature
    add(trainer, alice, [NEG, 301], 0)
    add(trainer, m1, [POS, 800], 0)
    add(trainer, sybil, [POS, 801], 1)
    add(trainer, m2, [POS, 802], 0)
    history = scan(trainer, start)
    print("trained", [int(trainer.contribution(c.id).trained) for c in history])
    assert all(trainer.contribution(c.id).trained for c in history)
    driver.reveal(hub, b, b_set, carol, trainer)
    pool.close_period(trainer, b, sender=carol)
    test = [t.as_tuple() for t in closing(hub, pool, trainer, 0, b_set)]
    (step, _), (u1,), (u2,) = (history.by(w.address) for w in (alice, m1, m2))
    driver.enter_eligible(hub, pool, trainer, 0, history=[step], test_set=b_set, sender=carol)
    assert pool.entry_shares(trainer, 0, step.id) == 5  # POS in 4 class-1 samples, 109 in 1
    assert (
        pool.cancel(
            trainer, 0, (step.key(), step.args()), (u1.key(), u1.args()), test, sender=m1
        ).return_value
        == 4
    )
    assert pool.entry_shares(trainer, 0, step.id) == 1
    with ape.reverts("hub: nothing to cancel"):
        pool.cancel(trainer, 0, (step.key(), step.args()), (u2.key(), u2.args()), test, sender=m2)
    assert [int(pool.undone(trainer, 0, step.id, k)) for k in range(4)] == [0b01, 0, 0, 0]
    assert pool.entry_shares(trainer, 0, step.id) == 1
    # Entering the cut step again does not restore its shares (it is skipped).
    again = pool.enter(trainer, 0, [(step.key(), step.args())], test, sender=alice)
    assert again.return_value == 0
    assert pool.entry_shares(trainer, 0, step.id) == 1 == pool.shares(trainer, 0, alice)
    assert pool.periods(trainer, 0).shares == 1
    pool_invariant(pool, [trainer])
