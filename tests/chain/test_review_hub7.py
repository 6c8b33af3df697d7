"""Seventh adversarial review of the hub: who carries a cut (`HubPool.move_cut`, the running
cut of `HubPool.cancel`) and the keeper that sends every cancellation and move
(`driver.cancel_eligible`).

Each test plays one attack end to end on a real chain and asserts what a correct contract must
produce, in wei. An attack that works today is a strict xfail whose reason gives the measured
numbers; one that fails at the contract is a normal test (it documents a defence).

The closing set (`make_set(8, start=8)`): POS is in its 4 class-1 samples, NEG in its 4
class-0 samples, each of 108..115 in one sample (odd: class 1, even: class 0).
"""

# ruff: noqa: F811 (fixtures shared with the other hub review files are imported by name)

import ape
import pytest
from conftest import STAKE, compile_test_contract, isolated
from test_hub import ENTRY, NEG, POS, fund_and_anchor, pool_invariant, wait
from test_hub_pairing import period_with_pairs
from test_review_hub import add, claim, closing
from test_review_hub2 import (  # noqa: F401
    funded_and_anchored,
    hub,
    kinds,
    pool,
    stranger,
    trainer,
)

from sharedmodels.hub import driver, rules
from sharedmodels.trainers.client import scan

#: A stake deposit in a block that already has a contribution (the most it can be).
MOST_DEPOSIT = STAKE.cost_weight * 3600


def alice_then_a_pair(hub, pool, trainer, accounts, alice, carol, chain, b, b_set):
    """Alice's two honest steps ((POS, 300), 1) and ((NEG, 301), 0), then an undo pair on
    (NEG, 500) from two strangers (label 1, then 0); set ``b`` revealed and its period closed.
    Returns (undo sender, redo sender, the trainer's history since, the period's budget)."""
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)
    add(trainer, alice, [NEG, 301], 0)
    u, r = stranger(accounts, chain), stranger(accounts, chain)
    add(trainer, u, [NEG, 500], 1)
    add(trainer, r, [NEG, 500], 0)
    history = scan(trainer, start)
    driver.reveal(hub, b, b_set, carol, trainer)
    budget = pool.close_period(trainer, b, sender=carol).return_value
    return u, r, history, budget


def shares(pool, trainer, who):
    return [int(pool.shares(trainer, 0, w)) for w in who]


# ---------------------------------------------------------------- 1. a decoy the cap empties


def test_a_decoy_whose_net_push_is_small_absorbs_a_moved_cut(
    hub, pool, trainer, accounts, alice, bob, carol, mallory, chain
):
    """HIGH, fixed (a move's `dest` must carry the whole cut: `hub: the later step cannot
    carry the cut`). Measured before: shares alice 8, pair 4, decoy 0, the attacker
    83333333333333334 wei of a 250000000000000000 wei period, alice 166666666666666666.
    `cancel` and `move_cut` count a cut feature by feature, each only where it pushed
    toward the labels (`rules.parts`), but an entry's shares are its *net* push
    (`rules.pushed`):
    features that push the wrong way are netted against the good ones, and a standing share
    count is capped at 0. So a step can carry far more cut than it entered with. The attacker
    sends an undo pair on NEG (u trains NEG toward class 1, r back toward class 0; r enters
    with 4), then a decoy d of class 0 on NEG plus 109, 111, 113 (one class-1 sample each):
    net push 4 - 3 = 1 share (a Sybil step s on two unused features makes the model wrong on
    d, so d trains). The keeper cancels r with u (a step sent after its undo goes first), then
    moves the cut to the latest class-0 step carrying NEG uncut: the decoy. The decoy loses
    its 1 share, r gets its 4 back. A correct contract leaves the attacker's four addresses
    at most the decoy's 1 share of net push (alice at least 8/9 of the period): a move must
    not restore to `source` more than it takes from `dest`. Any number of pairs on distinct
    features can be moved onto one such decoy."""
    _, b, b_set = funded_and_anchored(hub, pool, trainer, bob, carol, chain)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)
    add(trainer, alice, [NEG, 301], 0)
    u, r, s, d = (stranger(accounts, chain) for _ in range(4))
    add(trainer, u, [NEG, 500], 1)  # the undo pair's first half (pushes the wrong way)
    add(trainer, r, [NEG, 500], 0)  # its second half: enters with 4
    add(trainer, s, [701, 702], 1)  # unused features: the model now calls d's sample 1
    add(trainer, d, [NEG, 109, 111, 113, 701, 702], 0)  # the decoy: 4 - 3 = 1 share
    history = scan(trainer, start)
    assert all(trainer.contribution(c.id).trained for c in history)
    driver.reveal(hub, b, b_set, carol, trainer)
    budget = pool.close_period(trainer, b, sender=carol).return_value
    assert budget > 0
    driver.enter_eligible(hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol)
    assert shares(pool, trainer, [alice, r, d]) == [8, 4, 1]
    driver.cancel_eligible(
        hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol
    )  # the honest keeper
    (cr,), (cd,) = history.by(r.address), history.by(d.address)
    test = [t.as_tuple() for t in closing(hub, pool, trainer, 0, b_set)]
    with ape.reverts("hub: the later step cannot carry the cut"):
        pool.move_cut(trainer, 0, (cr.key(), cr.args()), (cd.key(), cd.args()), test, sender=r)
    attacker = [u, r, s, d]
    got = sum(shares(pool, trainer, attacker))
    print("shares alice, r, d after the keeper", shares(pool, trainer, [alice, r, d]))
    wait(chain, ENTRY + 1)
    paid = {
        w.address: claim(hub, pool, trainer, 0, w)
        for w in [alice] + attacker
        if pool.shares(trainer, 0, w) > 0
    }
    print("paid", paid, "budget", budget)
    pool_invariant(pool, [trainer])
    assert got <= 1
    assert paid[alice.address] >= budget * 8 // 9


# ---------------------------------------------------------------- 2. the first to teach


@pytest.mark.xfail(
    strict=True,
    reason=(
        "measured: the pair's first half (sent before alice, from the mempool) keeps its 4 "
        "shares after the keeper, alice's 4 are cut to 0: the attacker claims the whole "
        "10**18 wei period, alice 0, though the pair's net change is 0 and alice's step is "
        "the model's only move on POS"
    ),
)
def test_a_first_half_sent_before_an_honest_step_takes_its_credit(
    hub, pool, trainer, accounts, alice, bob, carol, chain, mempool
):
    """HIGH. `move_cut` hands every cut on to the *latest* step of the label ("the first to
    teach keeps the credit"); this answers the redo (fifth review) and invites the pre-do.
    The attacker sends the first half of an undo pair on POS (class 1) *before* alice's POS
    step (a front-run of her pending `addData` with a higher tip, or simply sent early in the
    period on the features the period's honest steps will carry), and its undo (class 0)
    after alice's step. Alice's step still trains (bob's earlier sample on 300 leaves her
    sample at score 0). Two class-1 steps on POS, one undo: the keeper cancels the pair's
    first half (the larger feature overlap), then moves the cut to the latest class-1 step on
    POS, alice's. A correct rule pays alice the whole period: the pair moved the model by
    nothing on POS, alice by one step. (An order-based rule loses one way or the other: the
    latest step pays the pre-do, the earliest the redo; the fix has to read something other
    than the order, see the report.)"""
    _, b, b_set = funded_and_anchored(hub, pool, trainer, bob, carol, chain)
    start = chain.blocks.head.number
    add(trainer, bob, [300, 701], 0)  # an honest earlier sample (no closing feature)
    first, undo = stranger(accounts, chain), stranger(accounts, chain)
    with mempool.paused():
        mine = mempool.send(trainer.addData, [POS, 300], 1, sender=alice, value=MOST_DEPOSIT)
        (seen,) = mempool.calls(trainer, "addData")  # alice's sample, read from the pool
        x = sorted({POS} & set(seen.args[0])) + [600]  # its closing feature and a fresh one
        theirs = mempool.send(
            trainer.addData, x, 1, sender=first, value=MOST_DEPOSIT, tip=2 * seen.tip
        )
        block = mempool.mine()
    assert block.order(mine, theirs) == [theirs, mine] and block[mine].ok
    add(trainer, undo, x, 0)  # the undo, after alice
    history = scan(trainer, start)
    assert all(trainer.contribution(c.id).trained for c in history)
    driver.reveal(hub, b, b_set, carol, trainer)
    budget = pool.close_period(trainer, b, sender=carol).return_value
    assert budget > 0
    driver.enter_eligible(hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol)
    assert shares(pool, trainer, [alice, first, undo]) == [4, 4, 0]
    driver.cancel_eligible(hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol)
    print("shares alice, first, undo", shares(pool, trainer, [alice, first, undo]))
    wait(chain, ENTRY + 1)
    paid = {
        w.address: claim(hub, pool, trainer, 0, w)
        for w in (alice, first)
        if pool.shares(trainer, 0, w) > 0
    }
    print("paid", paid, "budget", budget)
    pool_invariant(pool, [trainer])
    assert shares(pool, trainer, [first, undo]) == [0, 0]
    assert paid.get(alice.address) == budget


# ---------------------------------------------------------------- 3. the keeper's gas

#: The base fee the keeper tests set for a block (a priority fee goes to the block's producer,
#: not to the chain: the keeper may send 0, so the base fee is what an answer must cost).
BASE_FEE = 10**9
#: Gas of a keeper's transaction that its pay leaves out, in these tests (11,095 to 11,107
#: measured): the contract counts from below (`KeeperPaid.gas`), and what it cannot see is
#: mostly the calldata's nonzero bytes above 4 gas. Both bounds are tight enough that a count
#: off by one emptied slot (4,800 gas) or by a gas a byte of calldata falls outside.
SLACK = (10_000, 12_000)


@pytest.fixture
def base_fee(chain):
    """Sets the next block's base fee (BASE_FEE unless told); back to 0 after the test, since
    Anvil keeps a set base fee across the snapshot revert that isolates tests and the rest of
    the suite's books hold to the wei only at 0."""

    def set_next(fee=BASE_FEE):
        chain.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(fee)])

    yield set_next
    set_next(0)


def burnt(chain, receipt):
    """Wei a transaction burnt: its gas at its block's base fee."""
    return int(receipt.gas_used) * int(chain.blocks[receipt.block_number].base_fee)


def keeper_pay(chain, pool, receipt):
    """(gas counted, wei paid) of a `cancel` or `move_cut`; checks the pay against its rule
    (`rules.keeper_pay`) and the gas against the transaction's."""
    [event] = receipt.decode_logs(pool.KeeperPaid)
    assert SLACK[0] < int(receipt.gas_used) - int(event.gas) < SLACK[1]
    return int(event.gas), int(event.amount)


def test_the_keeper_pays_more_gas_than_the_pairs_it_answers(
    hub, pool, trainer, accounts, alice, bob, carol, chain, base_fee
):
    """MEDIUM, fixed. Measured before: 3 undo pairs cost their sender 6 addData, 478,158 gas;
    the keeper answered with 3 cancellations, 2,941,305 gas (6.2 times), against a closing set
    of only 8 samples, and nothing paid it back. Two changes: `cancel` and `move_cut` check,
    unpack and count the closing set in place (a helper took its own copy of the set and
    of each feature array, and memory was most of the cost: 983,628 gas for one cancel here
    before, 367,606 now); and each pays its sender back, out of the period's budget, the gas
    it counted at the block's base fee, at most what the shares it cut were worth. The
    property, at a base fee of 1 gwei for every step: the wei the keeper burnt less the wei
    it was paid is at most the wei the pairs' sender burnt. Alice is paid the budget less
    the keeper's pay."""
    _, b, b_set = funded_and_anchored(hub, pool, trainer, bob, carol, chain)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)
    add(trainer, alice, [NEG, 301], 0)
    attack = gas_attack = 0
    for k in range(3):
        u, r = stranger(accounts, chain), stranger(accounts, chain)
        for who, y in ((u, 1), (r, 0)):
            base_fee()
            receipt = add(trainer, who, [NEG, 500 + k], y)
            attack += burnt(chain, receipt)
            gas_attack += int(receipt.gas_used)
    history = scan(trainer, start)
    assert all(trainer.contribution(c.id).trained for c in history)
    driver.reveal(hub, b, b_set, carol, trainer)
    budget = pool.close_period(trainer, b, sender=carol).return_value
    driver.enter_eligible(hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol)
    receipts = []
    base_fee()
    sent = driver.cancel_eligible(
        hub, pool, trainer, 0, history=history, test_set=b_set, sender=alice, receipts=receipts
    )
    keeper = sum(burnt(chain, x) for x in receipts)
    paid = sum(keeper_pay(chain, pool, x)[1] for x in receipts)
    gas_keeper = sum(int(x.gas_used) for x in receipts)
    print("GAS_PAIRS", gas_attack, "GAS_KEEPER", gas_keeper, "sent", sent)
    print("wei: pairs burnt", attack, "keeper burnt", keeper, "keeper paid", paid)
    assert len(sent) == 3 and pool.shares(trainer, 0, alice) == 8
    assert 0 < paid <= keeper
    assert pool.periods(trainer, 0).budget == budget - paid
    wait(chain, ENTRY + 1)
    assert claim(hub, pool, trainer, 0, alice) == budget - paid  # the defence holds
    pool_invariant(pool, [trainer])
    assert keeper - paid <= attack


def test_a_keepers_pay_is_its_gas_at_the_base_fee(
    hub, pool, trainer, accounts, alice, bob, carol, mallory, chain, base_fee
):
    """A `cancel` pays its sender `KeeperPaid.gas` (the gas it burnt, less SLACK) times the
    block's base fee, out of the period's budget; at a base fee of 0 it pays nothing (every
    other hub test). A `move_cut` is paid only for the shares the period lost (cut less
    restored, eighth review): a pure move, as here, pays nothing at any base fee. Every wei
    stays booked."""
    history, b_set, test, scored, budget, undo, redo = period_with_pairs(
        hub, pool, trainer, accounts, alice, bob, carol, chain, neg=1, pos=0
    )
    (c1, c2), (u,), (r,) = (history.by(w.address) for w in (alice, undo[0], redo[0]))
    with isolated(chain):
        base_fee(0)
        zero = pool.cancel(
            trainer, 0, (c2.key(), c2.args()), (u.key(), u.args()), test, sender=mallory
        )
        assert zero.decode_logs(pool.KeeperPaid) == [] and pool.periods(trainer, 0).budget == budget
    base_fee()
    before = int(mallory.balance)
    cancelled = pool.cancel(
        trainer, 0, (c2.key(), c2.args()), (u.key(), u.args()), test, sender=mallory
    )
    gas, amount = keeper_pay(chain, pool, cancelled)
    fee = int(chain.blocks[cancelled.block_number].base_fee)
    assert fee > 0 and amount == gas * fee
    assert amount == rules.keeper_pay(gas, fee, budget=budget, cut=4, shares=12)
    assert int(mallory.balance) == before - int(cancelled.total_fees_paid) + amount
    base_fee()
    moved = pool.move_cut(
        trainer, 0, (c2.key(), c2.args()), (r.key(), r.args()), test, sender=mallory
    )
    assert int(chain.blocks[moved.block_number].base_fee) > 0
    assert moved.decode_logs(pool.KeeperPaid) == []  # restored 4, cut 4: the period lost none
    assert pool.periods(trainer, 0).budget == budget - amount
    assert shares(pool, trainer, [alice, redo[0]]) == [8, 0]
    wait(chain, ENTRY + 1)
    assert claim(hub, pool, trainer, 0, alice) == budget - amount
    pool_invariant(pool, [trainer])


def test_a_keepers_pay_is_at_most_what_the_cut_shares_were_worth(
    hub, pool, trainer, accounts, alice, bob, carol, chain, base_fee
):
    """In a period too small for the gas (a pool of about 10**12 wei), a cancellation pays its
    sender what the cut shares were worth when it began (`budget * cut // shares`), not its
    gas: alice keeps at least what she had with the pair standing (8 of 12 shares), and the
    rest of the budget to the wei."""
    _, b, b_set = fund_and_anchor(hub, pool, trainer, bob, carol, chain, 10**12 + 1)
    u, r, history, budget = alice_then_a_pair(
        hub, pool, trainer, accounts, alice, carol, chain, b, b_set
    )
    assert budget > 0 and budget * 4 % 12 != 0  # the cap rounds down
    driver.enter_eligible(hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol)
    assert shares(pool, trainer, [alice, r]) == [8, 4]
    receipts = []
    base_fee()
    sent = driver.cancel_eligible(
        hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol, receipts=receipts
    )
    assert [n for _, _, n in sent] == [4]
    gas, amount = keeper_pay(chain, pool, receipts[0])
    fee = int(chain.blocks[receipts[0].block_number].base_fee)
    assert gas * fee > budget * 4 // 12
    assert amount == budget * 4 // 12 == rules.keeper_pay(gas, fee, budget=budget, cut=4, shares=12)
    wait(chain, ENTRY + 1)
    got = claim(hub, pool, trainer, 0, alice)
    assert got == budget - amount >= budget * 8 // 12
    pool_invariant(pool, [trainer])


def test_an_attacker_cancelling_its_own_pair_gains_nothing(
    hub, pool, trainer, accounts, alice, bob, carol, chain, base_fee
):
    """The pair's own sender sends the cancellation of its second half: its pay is at most
    the gas it burnt at the base fee, so its balance does not rise (the fees it paid, tip
    included, at least cover the pay), and the pair ends with 0 shares as under the keeper."""
    history, b_set, test, scored, budget, undo, redo = period_with_pairs(
        hub, pool, trainer, accounts, alice, bob, carol, chain, neg=1, pos=0
    )
    (c1, c2), (u,), (r,) = (history.by(w.address) for w in (alice, undo[0], redo[0]))
    who = redo[0]
    base_fee()
    before = int(who.balance)
    receipt = pool.cancel(trainer, 0, (r.key(), r.args()), (u.key(), u.args()), test, sender=who)
    _, amount = keeper_pay(chain, pool, receipt)
    assert amount > 0
    assert int(who.balance) - before == amount - int(receipt.total_fees_paid) <= 0
    assert shares(pool, trainer, [alice, who]) == [8, 0]
    pool_invariant(pool, [trainer])


def test_a_keeper_contract_is_paid_only_what_the_pool_measured(
    hub, pool, trainer, accounts, alice, bob, carol, mallory, chain, base_fee
):
    """A contract that sends cancellations (`tests/contracts/HubKeeper.vy`) is the pool's
    caller, not the transaction's sender: it is paid the gas the pool measured in the call,
    without the transaction's 21,000 and calldata (31,000 and 4 gas a byte less than the same
    cancellation sent directly), and two cancellations in one transaction are paid less than
    the transaction burnt."""
    history, b_set, test, scored, budget, undo, redo = period_with_pairs(
        hub, pool, trainer, accounts, alice, bob, carol, chain, neg=3, pos=0
    )
    u = [history.by(w.address)[0] for w in undo]
    r = [history.by(w.address)[0] for w in redo]
    pair = [[(c.key(), c.args()) for c in (r[k], u[k])] for k in range(3)]
    keeper = compile_test_contract("HubKeeper").deploy(pool, sender=mallory)
    with isolated(chain):
        base_fee()
        direct = pool.cancel(trainer, 0, *pair[0], test, sender=mallory)
        [alone] = direct.decode_logs(pool.KeeperPaid)
    base_fee()
    via = keeper.cancel(trainer, 0, *pair[0], test, sender=mallory)
    [event] = via.decode_logs(pool.KeeperPaid)
    assert event.keeper == keeper.address and int(keeper.balance) == int(event.amount) > 0
    assert int(alone.gas) - int(event.gas) >= 31_000
    base_fee()
    before = int(keeper.balance)
    both = keeper.cancel_two(trainer, 0, *pair[1], *pair[2], test, sender=mallory)
    paid = sum(int(e.amount) for e in both.decode_logs(pool.KeeperPaid))
    assert int(keeper.balance) - before == paid < burnt(chain, both)
    assert shares(pool, trainer, redo) == [0, 0, 0]
    pool_invariant(pool, [trainer])


# ---------------------------------------------------------------- 4. the last second


def test_nothing_is_left_to_cancel_or_move_in_the_last_second_after_the_keeper(
    hub, pool, trainer, accounts, alice, bob, carol, mallory, chain
):
    """Defence. The keeper runs once with every entry in; in the entries' last second (the
    keeper cannot answer after it) the pairs' owner tries to re-pair: cut alice's NEG step
    with the undo the keeper spent on the redo, move the redo's cut back onto alice (refused:
    a move goes to a later step only) or onto a later step of its own, and claim before the
    cuts are final. Each is refused; alice is paid the whole period to the wei."""
    history, b_set, test, scored, budget, undo, redo = period_with_pairs(
        hub, pool, trainer, accounts, alice, bob, carol, chain, neg=1, pos=0
    )
    (c1, c2), (u,), (r,) = (history.by(w.address) for w in (alice, undo[0], redo[0]))
    sent = driver.cancel_eligible(
        hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol
    )
    assert sent == [(r.id, u.id, 4)]
    deadline = pool.periods(trainer, 0).entry_deadline
    last = iter(range(deadline - 4, deadline + 1))  # the entries' last seconds, one a call

    def at_the_end():
        chain.pending_timestamp = next(last)

    at_the_end()
    with ape.reverts("hub: nothing to cancel"):
        pool.cancel(trainer, 0, (c2.key(), c2.args()), (u.key(), u.args()), test, sender=mallory)
    at_the_end()
    with ape.reverts("hub: cut moves to a later step only"):
        pool.move_cut(trainer, 0, (r.key(), r.args()), (c2.key(), c2.args()), test, sender=mallory)
    at_the_end()
    with ape.reverts("hub: contributions with other labels"):
        pool.move_cut(trainer, 0, (r.key(), r.args()), (c1.key(), c1.args()), test, sender=mallory)
    at_the_end()
    with ape.reverts("hub: entries still open"):
        pool.claim(trainer, 0, sender=alice)
    at_the_end()
    assert (
        driver.cancel_eligible(
            hub, pool, trainer, 0, history=history, test_set=b_set, sender=mallory
        )
        == []
    )
    assert chain.blocks.head.timestamp <= deadline  # all of it inside the entries
    assert shares(pool, trainer, [alice, redo[0], undo[0]]) == [8, 0, 0]
    wait(chain, 1)
    assert claim(hub, pool, trainer, 0, alice) == budget
    pool_invariant(pool, [trainer])


# ---------------------------------------------------------------- 5. a bit spent for nothing


def test_a_cancel_that_cuts_nothing_on_a_feature_still_spends_it(
    hub, pool, trainer, accounts, alice, bob, carol, mallory, chain
):
    """HIGH, fixed. `cancel` marked *every* shared feature as undone on both steps, also those
    where the target's part is 0 (it pushed the wrong way there), so a cancel could spend a
    step's position on a feature without cutting anything on it. Measured before the fix:
    with the attacker's cancel first, alice 4, dave 0, r 3, o 0 shares (the attacker
    428571428571428572 wei of a 10**18 wei period, alice 571428571428571428); with the keeper
    first r 0. Now only a feature that pushed the target toward the labels is spent.
    NEG is taught three times with class 0 (alice, then dave, both honest, then the
    attacker's redo r on NEG and 109) and twice
    with class 1 (the attacker's undo u after alice, and o on POS, NEG and 109 after dave, which
    enters with 4 - 4 + 1 = 1): by the contract's own rule the two latest class-0 steps,
    dave and r, are cut on NEG.
    Before the keeper runs, mallory sends cancel(target=o, other=r): shared NEG and 109, o's
    part on NEG is 0, on 109 1, so o is cut 1, and NEG is marked undone on both. The keeper
    can then pair u only with alice or dave; r's NEG position is spent and no move reaches
    it. The split depends on who cancelled first (the documentation says it does not): a
    correct contract gives the split the keeper reaches alone whatever the order: alice 4,
    and r, dave and o 0 (r's later step on 109 undid o's there too); alice is paid the whole
    period."""
    _, b, b_set = funded_and_anchored(hub, pool, trainer, bob, carol, chain)
    start = chain.blocks.head.number
    dave, u, r, o = (stranger(accounts, chain) for _ in range(4))
    add(trainer, alice, [NEG, 301], 0)
    add(trainer, u, [NEG, 500], 1)  # the undo
    add(trainer, dave, [NEG, 302], 0)
    add(trainer, o, [POS, NEG, 109, 600], 1)  # 4 - 4 + 1 = 1 share
    add(trainer, r, [NEG, 109, 501], 0)  # the redo: 4 - 1 = 3 shares
    history = scan(trainer, start)
    assert [trainer.contribution(c.id).trained for c in history] == [True] * 5
    driver.reveal(hub, b, b_set, carol, trainer)
    budget = pool.close_period(trainer, b, sender=carol).return_value
    assert budget > 0
    driver.enter_eligible(hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol)
    assert shares(pool, trainer, [alice, dave, r, o]) == [4, 4, 3, 1]
    scored = closing(hub, pool, trainer, 0, b_set)
    test = [t.as_tuple() for t in scored]
    (co,), (cr,) = history.by(o.address), history.by(r.address)
    with isolated(chain):  # the same period with the keeper first
        driver.cancel_eligible(hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol)
        keeper_first = shares(pool, trainer, [alice, dave, r, o])
    cut = pool.cancel(
        trainer, 0, (co.key(), co.args()), (cr.key(), cr.args()), test, sender=mallory
    )
    assert cut.return_value == 1
    driver.cancel_eligible(hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol)
    after = shares(pool, trainer, [alice, dave, r, o])
    print("keeper first", keeper_first, "attacker first", after)
    wait(chain, ENTRY + 1)
    paid = {
        w.address: claim(hub, pool, trainer, 0, w)
        for w in (alice, dave, r, o)
        if pool.shares(trainer, 0, w) > 0
    }
    print("paid", paid, "budget", budget)
    pool_invariant(pool, [trainer])
    assert keeper_first == [4, 0, 0, 0]
    assert after == keeper_first
    assert paid == {alice.address: budget}
