"""Which step a cancellation cuts does not depend on who cancels first (issue 32, hub).

`HubPool.cancel` pairs any two opposite steps on a feature they share; `HubPool.move_cut`
hands a cut on to a later entered step of the same label that carries the feature uncut. Once
nobody can move a cut any more, a feature undone k times in a period is cut on its k latest
steps of that label, whichever cancellations were sent, in whatever order, by whomever.
"""

# ruff: noqa: F811 (fixtures shared with the other hub review files are imported by name)

import ape
import pytest
from conftest import isolated
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hub import ENTRY, NEG, POS, pool_invariant, wait
from test_review_hub import (  # noqa: F401 (fixtures)
    add,
    claim,
    closing,
    hub,
    pool,
    trainer,
)
from test_review_hub2 import funded_and_anchored, kinds  # noqa: F401 (fixture)

from sharedmodels.hub import driver, rules
from sharedmodels.trainers.client import scan


def stranger(accounts, chain):
    s = accounts.generate_test_account()
    chain.set_balance(s, 10**20)
    return s


def period_with_pairs(hub, pool, trainer, accounts, alice, bob, carol, chain, neg=2, pos=1):
    """Alice teaches POS (with 300) and NEG (with 301); then `neg` undo pairs on NEG and `pos`
    on POS, each half from its own address (the first half trains the model away from alice's
    label, the second back). Closed and entered; returns (history, the closing set as `cancel`
    takes it, as scored, budget, the second halves)."""
    _, b, b_set = funded_and_anchored(hub, pool, trainer, bob, carol, chain)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)
    add(trainer, alice, [NEG, 301], 0)
    undo, redo = [], []
    for k in range(neg):
        u, r = stranger(accounts, chain), stranger(accounts, chain)
        add(trainer, u, [NEG, 500 + k], 1)
        add(trainer, r, [NEG, 500 + k], 0)
        undo.append(u)
        redo.append(r)
    for k in range(pos):
        u, r = stranger(accounts, chain), stranger(accounts, chain)
        add(trainer, u, [POS, 600 + k], 0)
        add(trainer, r, [POS, 600 + k], 1)
        undo.append(u)
        redo.append(r)
    history = scan(trainer, start)
    assert all(trainer.contribution(c.id).trained for c in history)
    driver.reveal(hub, b, b_set, carol, trainer)
    budget = pool.close_period(trainer, b, sender=carol).return_value
    driver.enter_eligible(hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol)
    scored = closing(hub, pool, trainer, 0, b_set)
    return history, b_set, [t.as_tuple() for t in scored], scored, budget, undo, redo


def test_a_cut_spent_on_an_honest_step_moves_to_the_redo(
    hub, pool, trainer, accounts, alice, bob, carol, mallory, chain
):
    """The pairs' owner cuts alice's NEG step with the first half of a pair; `move_cut` hands
    that cut on to the second half (a later NEG step, uncut on NEG): alice gets her 4 shares
    back, the second half loses its 4, and every refusal of `move_cut` is checked."""
    history, b_set, test, scored, budget, undo, redo = period_with_pairs(
        hub, pool, trainer, accounts, alice, bob, carol, chain, neg=1, pos=0
    )
    (c1, c2), (u,), (r,) = (history.by(w.address) for w in (alice, undo[0], redo[0]))
    assert [pool.entry_shares(trainer, 0, c.id) for c in (c1, c2, r)] == [4, 4, 4]
    assert not pool.entered(trainer, 0, u.id)  # the undo pushed the wrong way

    def move(source, dest, period=0, closing_set=test, who=mallory):
        return pool.move_cut(
            trainer,
            period,
            (source.key(), source.args()),
            (dest.key(), dest.args()),
            closing_set,
            sender=who,
        )

    with ape.reverts("hub: nothing to move"):
        move(c2, r)  # nothing cut on alice's step yet
    got = pool.cancel(trainer, 0, (c2.key(), c2.args()), (u.key(), u.args()), test, sender=mallory)
    print("gas cancel, one cut against 8 samples", got.gas_used)
    assert got.return_value == 4 and pool.shares(trainer, 0, alice) == 4
    assert pool.cut(trainer, 0, c2.id) == 4
    assert [int(pool.cut_bits(trainer, 0, c2.id, k)) for k in range(4)] == [0b01, 0, 0, 0]
    with ape.reverts("hub: no such period"):
        move(c2, r, period=1)
    with ape.reverts("hub: not the closing test set"):
        move(c2, r, closing_set=test[:-1])
    with ape.reverts("hub: contribution not entered"):
        move(c2, u)  # the undo has no entry
    with ape.reverts("hub: contributions with other labels"):
        move(c2, c1)
    with ape.reverts("hub: cut moves to a later step only"):
        move(r, c2)
    with ape.reverts("hub: cut moves to a later step only"):
        move(c2, c2)
    with ape.reverts("hub: contribution does not match"):  # r restated with c2's features
        pool.move_cut(trainer, 0, (c2.key(), c2.args()), (r.key(), c2.args()), test, sender=mallory)
    receipt = move(c2, r)
    print("gas move_cut, one feature against 8 samples", receipt.gas_used)
    assert receipt.return_value == 4
    [event] = receipt.decode_logs(pool.CutMoved)
    assert (event.id, event.to_id, event.restored, event.shares) == (c2.id, r.id, 4, 4)
    assert event.contributor == redo[0].address
    assert pool.entry_shares(trainer, 0, c2.id) == 4 and pool.entry_shares(trainer, 0, r.id) == 0
    assert pool.cut(trainer, 0, c2.id) == 0 and pool.cut(trainer, 0, r.id) == 4
    assert [int(pool.undone(trainer, 0, c2.id, k)) for k in range(4)] == [0, 0, 0, 0]
    assert [int(pool.cut_bits(trainer, 0, r.id, k)) for k in range(4)] == [0b01, 0, 0, 0]
    assert pool.shares(trainer, 0, alice) == 8 == pool.periods(trainer, 0).shares
    with ape.reverts("hub: nothing to move"):
        move(c2, r)  # once
    with ape.reverts("hub: nothing to cancel"):
        pool.cancel(trainer, 0, (c2.key(), c2.args()), (u.key(), u.args()), test, sender=mallory)
    assert (
        driver.cancel_eligible(hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol)
        == []
    )
    wait(chain, ENTRY + 1)
    with ape.reverts("hub: entries closed"):
        move(c2, r)
    with ape.reverts("hub: no shares"):
        pool.claim(trainer, 0, sender=redo[0])
    assert claim(hub, pool, trainer, 0, alice) == budget
    pool_invariant(pool, [trainer])


def test_a_move_restores_only_what_the_cap_took(
    hub, pool, trainer, accounts, alice, bob, carol, mallory, chain
):
    """A cut worth more than the shares standing takes them all; moving part of it back
    restores what the remaining cut no longer covers, not more (the entry's standing is what
    it entered with less its cut, at least 0)."""
    _, b, b_set = funded_and_anchored(hub, pool, trainer, bob, carol, chain)
    start = chain.blocks.head.number
    add(trainer, alice, [NEG, 109, 301], 0)  # 109 pushes one class-1 sample: enters with 3
    u1, r1, u2 = (stranger(accounts, chain) for _ in range(3))
    add(trainer, u1, [NEG, 109, 500], 1)  # undoes alice on NEG and 109
    add(trainer, r1, [2, NEG, 500], 0)  # the redo, on NEG (its second position)
    history = scan(trainer, start)
    assert all(trainer.contribution(c.id).trained for c in history)
    driver.reveal(hub, b, b_set, carol, trainer)
    pool.close_period(trainer, b, sender=carol)
    driver.enter_eligible(hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol)
    scored = closing(hub, pool, trainer, 0, b_set)
    test = [t.as_tuple() for t in scored]
    (a,), (u,), (r,) = (history.by(w.address) for w in (alice, u1, r1))
    assert pool.entry_shares(trainer, 0, a.id) == 3 == rules.pushed(a.features, 0, scored)
    # NEG is worth 4 to a class-0 step, 109 less than nothing (counted 0, not -1).
    assert rules.parts([NEG, 109], 0, scored) == 4 == rules.parts([NEG], 0, scored)
    assert rules.pushed([NEG, 109], 0, scored) == 3
    got = pool.cancel(trainer, 0, (a.key(), a.args()), (u.key(), u.args()), test, sender=mallory)
    assert got.return_value == 3 and pool.cut(trainer, 0, a.id) == 4
    bitmap = lambda getter, c: [int(getter(trainer, 0, c.id, k)) for k in range(4)]  # noqa: E731
    assert bitmap(pool.cut_bits, a) == bitmap(pool.undone, a) == bitmap(pool.undone, u)
    # only NEG is spent: 109 is worth nothing to alice's class-0 step (seventh review)
    assert bitmap(pool.cut_bits, a) == [0b01, 0, 0, 0] and bitmap(pool.cut_bits, u) == [0] * 4
    moved = pool.move_cut(trainer, 0, (a.key(), a.args()), (r.key(), r.args()), test, sender=carol)
    assert moved.return_value == 4  # r entered with 4 (NEG), all cut
    [event] = moved.decode_logs(pool.CutMoved)
    assert event.restored == 3  # alice's cut is 0 again: all 3 back, not 4
    # NEG's bit left alice's position 0 for r's position 1; 109 was never spent.
    assert bitmap(pool.cut_bits, a) == bitmap(pool.undone, a) == [0, 0, 0, 0]
    assert bitmap(pool.cut_bits, r) == bitmap(pool.undone, r) == [0b10, 0, 0, 0]
    assert pool.cut(trainer, 0, a.id) == 0 and pool.cut(trainer, 0, r.id) == 4
    assert pool.entry_shares(trainer, 0, a.id) == 3 and pool.entry_shares(trainer, 0, r.id) == 0
    assert pool.periods(trainer, 0).shares == 3 == pool.shares(trainer, 0, alice)
    pool_invariant(pool, [trainer])


@pytest.fixture
def pairs_period(hub, pool, trainer, accounts, alice, bob, carol, chain):
    return period_with_pairs(hub, pool, trainer, accounts, alice, bob, carol, chain)


def test_any_order_of_cancellations_pays_the_pairs_nothing(
    hub, pool, trainer, accounts, alice, carol, chain, pairs_period
):
    """Hypothesis: from one period (alice's two steps, two undo pairs on NEG and one on POS),
    random callers send random cancellations and moves in a random order (each one the
    contract takes at that moment), then one keeper runs `driver.cancel_eligible`. Whatever
    came first, the second halves hold no share, alice holds the 8 she entered with, and
    the period pays her the whole budget to the wei."""
    history, b_set, test, scored, budget, _, redo = pairs_period
    callers = [stranger(accounts, chain) for _ in range(3)] + [carol]
    steps = [c for c in history if trainer.contribution(c.id).trained]
    done_before = []

    def candidates():
        # Each step's state, read once: whether it entered, its standing shares, its cancelled
        # and cut features.
        entered = {t.id: bool(pool.entered(trainer, 0, t.id)) for t in steps}
        standing_of = {t.id: int(pool.entry_shares(trainer, 0, t.id)) for t in steps}
        done = {t.id: driver._bits_set(pool.undone, trainer.address, 0, t) for t in steps}
        cut = {t.id: driver._bits_set(pool.cut_bits, trainer.address, 0, t) for t in steps}
        out = []
        for t in steps:
            if not entered[t.id]:
                continue
            standing = standing_of[t.id]
            done_t, cut_t = done[t.id], cut[t.id]
            for o in steps:
                done_o = done[o.id]
                if o.label != t.label and standing > 0:
                    worth, _, _ = rules.cancellation(
                        t.features,
                        t.label,
                        o.features,
                        scored,
                        done_target=done_t,
                        done_other=done_o,
                    )
                    if worth > 0:
                        out.append((pool.cancel, t, o))
                if o.label == t.label and o.id > t.id and entered[o.id]:
                    worth, _, _ = rules.moving(
                        t.features, t.label, o.features, scored, cut_source=cut_t, done_dest=done_o
                    )
                    # the contract takes a move only onto a step that carries the whole cut
                    if 0 < worth <= standing_of[o.id]:
                        out.append((pool.move_cut, t, o))
        return out

    @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
    @given(picks=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 3)), max_size=5))
    def run(picks):
        with isolated(chain):
            for pick, who in picks:
                options = candidates()
                if not options:
                    break
                call, t, o = options[pick % len(options)]
                call(
                    trainer, 0, (t.key(), t.args()), (o.key(), o.args()), test, sender=callers[who]
                )
            driver.cancel_eligible(
                hub,
                pool,
                trainer,
                0,
                history=history,
                test_set=b_set,
                sender=callers[picks[-1][1] if picks else 0],
            )
            assert [pool.shares(trainer, 0, r) for r in redo] == [0] * len(redo)
            assert pool.shares(trainer, 0, alice) == 8 == pool.periods(trainer, 0).shares
            assert candidates() == []
            wait(chain, ENTRY + 1)
            assert claim(hub, pool, trainer, 0, alice) == budget
            pool_invariant(pool, [trainer])
            done_before.append(len(picks))

    run()
    assert done_before
