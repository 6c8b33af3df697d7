"""The keeper's pay to the gas (`HubPool._pay_keeper`): the `gas` of every `KeeperPaid` is
checked exactly, not within a slack.

The pool counts `start - msg.gas` (the gas its own frame spent between the call's first
statement and the pay), adds the transaction's fixed part (`_KEEPER_GAS` and 4 gas a byte of
calldata) once a transaction and only when the pool's caller is the transaction's sender, and
takes `_REFUND` off for each storage slot the call may have emptied. Both `msg.gas` reads are
GAS opcodes of the pool's frame, so a step trace of the transaction shows them: the first GAS
of the frame is `start`, the last one before the `KeeperPaid` log is the pay's `msg.gas` (the
only GAS after that log is the payment's call). Each GAS pushes what is left after its own 2
gas, so the difference of the two steps' `gas` values is the counted gas, to the unit: a count
one gas off (issue 27's mutation survivor `credit = 1`) or one emptied slot off fails here,
where `test_review_hub7.SLACK` accepts any count in a 2,000-gas range.

What a keeper sees: a direct cancel, a keeper contract (no transaction part, on its first call
or its second in one transaction) and a `move_cut` that takes shares, whose count takes off
two slots per 256 of `source`'s features (its bitmap words) besides three: a source of 255,
256 and 257 features, either side of a word's edge.
"""

# ruff: noqa: F811 (fixtures shared with the other hub review files are imported by name)

import pytest
from conftest import compile_test_contract, isolated
from test_hub import NEG, pool_invariant
from test_hub_pairing import period_with_pairs
from test_review_hub2 import funded_and_anchored, hub, kinds, pool, trainer  # noqa: F401
from test_review_hub6 import pack16
from test_review_hub7 import base_fee, shares, stranger  # noqa: F401 (base_fee is a fixture)
from test_review_hub8 import entrant, undo_and_redo_of_a_neg_step

from sharedmodels.hub import rules

#: `HubPool._KEEPER_GAS` (the transaction's 21,000 and 10,000 after the count) and `_REFUND`.
KEEPER_GAS, REFUND = 21_000 + 10_000, 4_800


def frames(chain, receipt, depth):
    """The pool's frames in a transaction, in order, when the pool runs at call depth `depth`
    (1: called by the transaction's sender; 2: by a contract it called, which calls nothing
    else): for each, the (step index, gas) of its GAS steps and of its LOG4 steps. A frame is
    a run of steps at depth `depth` or deeper (its own calls out), ended by a shallower one.

    The steps come from `debug_traceCall` of the same transaction (sender, receiver, calldata,
    gas) on the state before its block, with that block's base fee: this project's Anvil keeps
    no steps of mined transactions (`bin/anvil` drops `--steps-tracing`, whose snapshots of
    every step used up the memory), so `debug_traceTransaction` returns none. The replay must
    use exactly the gas the transaction used, or it is not the same execution."""
    tx = chain.provider.web3.eth.get_transaction(receipt.txn_hash)
    fee = int(chain.blocks[receipt.block_number].base_fee)
    call = {
        "from": tx["from"],
        "to": tx["to"],
        "data": "0x" + bytes(tx["input"]).hex(),
        "gas": hex(tx["gas"]),
    }
    options = {
        "disableStack": True,
        "disableMemory": True,
        "disableStorage": True,
        "blockOverrides": {"baseFee": hex(fee)},
    }
    trace = chain.provider.make_request(
        "debug_traceCall", [call, hex(receipt.block_number - 1), options]
    )
    assert not trace["failed"] and int(trace["gas"]) == int(receipt.gas_used)
    out = []
    inside = False
    for k, step in enumerate(trace["structLogs"]):
        if step["depth"] < depth:
            inside = False
            continue
        if not inside:
            out.append(([], []))
            inside = True
        if step["depth"] == depth and step["op"] in ("GAS", "LOG4"):
            out[-1][0 if step["op"] == "GAS" else 1].append((k, int(step["gas"])))
    return out


def counted(gas, log4):
    """`start - msg.gas` of one pool frame: its first GAS less its last GAS before the
    `KeeperPaid` log (the frame's last LOG4); after that log only the payment reads GAS."""
    pay_log = log4[-1][0]
    before = [g for j, g in gas if j < pay_log]
    after = [j for j, _ in gas if j > pay_log]
    assert len(after) == 1  # `pay._pay`'s call: the keeper is paid
    return before[0] - before[-1]


def calldata(chain, receipt):
    return len(bytes(chain.provider.web3.eth.get_transaction(receipt.txn_hash)["input"]))


def test_a_cancel_is_paid_exactly_what_it_counted(
    hub, pool, trainer, accounts, alice, bob, carol, mallory, chain, base_fee
):
    """A direct cancel's `KeeperPaid.gas` is the pool's own count plus 31,000 and 4 gas a
    byte of the transaction's calldata, less 4,800 for each of the two slots it empties (the
    redo's entry shares and its contributor's); the same cancellation sent through a keeper
    contract is the pool's count alone, less the same refunds, and so is each of two cancels
    the contract sends in one transaction (not even one gas of the transaction's part). The
    keeper is paid that gas at the base fee, and the budget falls by the pay."""
    history, b_set, test, scored, budget, undo, redo = period_with_pairs(
        hub, pool, trainer, accounts, alice, bob, carol, chain, neg=3, pos=0
    )
    u = [history.by(w.address)[0] for w in undo]
    r = [history.by(w.address)[0] for w in redo]
    pair = [[entrant(c) for c in (r[k], u[k])] for k in range(3)]
    keeper = compile_test_contract("HubKeeper").deploy(pool, sender=mallory)
    assert shares(pool, trainer, redo) == [4, 4, 4]
    emptied = 2  # the redo's entry (4 of 4 shares cut) and its contributor's 4: not the period's

    with isolated(chain):  # not `chain.isolate()`, which swallows a failed assert
        base_fee()
        direct = pool.cancel(trainer, 0, *pair[0], test, sender=mallory, max_priority_fee=0)
        [event] = direct.decode_logs(pool.KeeperPaid)
        [frame] = frames(chain, direct, 1)
        own = counted(*frame)
        extra = KEEPER_GAS + 4 * calldata(chain, direct)
        print("direct: counted", own, "calldata part", extra, "event", event.gas)
        assert event.keeper == mallory.address
        assert int(event.gas) == own + extra - REFUND * emptied
        fee = int(chain.blocks[direct.block_number].base_fee)
        assert int(event.amount) == int(event.gas) * fee > 0
        assert pool.periods(trainer, 0).budget == budget - int(event.amount)
        # The two slots: the entry's shares and its contributor's are 0, the period's are not.
        assert pool.entry_shares(trainer, 0, r[0].id) == shares(pool, trainer, [redo[0]])[0] == 0
        assert pool.periods(trainer, 0).shares > 0

    base_fee()
    via = keeper.cancel(trainer, 0, *pair[0], test, sender=mallory, max_priority_fee=0)
    [event] = via.decode_logs(pool.KeeperPaid)
    [frame] = frames(chain, via, 2)
    print("via a contract: counted", counted(*frame), "event", event.gas)
    assert event.keeper == keeper.address
    assert int(event.gas) == counted(*frame) - REFUND * emptied
    paid = int(event.amount)
    fee = int(chain.blocks[via.block_number].base_fee)
    assert paid == int(event.gas) * fee == int(keeper.balance) > 0

    base_fee()
    both = keeper.cancel_two(trainer, 0, *pair[1], *pair[2], test, sender=mallory)
    events = both.decode_logs(pool.KeeperPaid)
    found = frames(chain, both, 2)
    assert len(events) == len(found) == 2
    fee = int(chain.blocks[both.block_number].base_fee)
    for e, frame in zip(events, found, strict=True):
        print("second transaction: counted", counted(*frame), "event", e.gas)
        assert int(e.gas) == counted(*frame) - REFUND * emptied
        assert int(e.amount) == int(e.gas) * fee
        paid += int(e.amount)
    assert int(keeper.balance) == paid
    assert shares(pool, trainer, redo) == [0, 0, 0]
    assert pool.periods(trainer, 0).budget == budget - paid
    pool_invariant(pool, [trainer])


def move_emptied(features):
    """Slots a `move_cut` counts as emptied: `source`'s cut, `dest`'s entry shares and its
    contributor's, and two bitmap words (undone, cut) for each 256 of `source`'s features,
    a part of 256 counting whole."""
    return 3 + 2 * -(-features // 256)


@pytest.mark.parametrize("width", [255, 256, 257])
def test_a_move_that_takes_shares_is_paid_exactly_what_it_counted(
    hub, pool, trainer, accounts, alice, bob, carol, mallory, chain, base_fee, width
):
    """`test_review_hub8`'s move that takes a net share (alice's NEG step entered with 3
    shares and was cut 4; the move gives her 3 back and cuts the redo's 4), with alice's step
    widened to `width` features by ones no closing sample carries (its shares and the cut do
    not change). The move's `KeeperPaid.gas` is the pool's own count plus the transaction's
    part, less 4,800 for each slot the documented rule counts: 5 for 255 and 256 features,
    7 for 257. The keeper is paid that at the base fee (below the share's cap here)."""
    _, b, b_set = funded_and_anchored(hub, pool, trainer, bob, carol, chain)
    wide = [NEG, 109, 301, *range(1000, 1000 + width - 3)]
    # Enters with 3 shares: NEG pushes 4 class-0 samples, 109 one class-1 (1000 on: none).
    budget, test, a, cu, cr, r = undo_and_redo_of_a_neg_step(
        hub, pool, trainer, accounts, alice, carol, chain, b, b_set, pack16(wide)
    )
    assert len(a.features) == width and pool.entry_shares(trainer, 0, a.id) == 3
    pool.cancel(trainer, 0, entrant(a), entrant(cu), test, sender=mallory)  # base fee 0: unpaid
    total = pool.periods(trainer, 0).shares
    base_fee()
    moved = pool.move_cut(
        trainer, 0, entrant(a), entrant(cr), test, sender=mallory, max_priority_fee=0
    )
    [cut] = moved.decode_logs(pool.CutMoved)
    assert (cut.restored, cut.shares) == (3, 4)
    [event] = moved.decode_logs(pool.KeeperPaid)
    [frame] = frames(chain, moved, 1)
    own = counted(*frame)
    extra = KEEPER_GAS + 4 * calldata(chain, moved)
    print(width, "features: counted", own, "calldata part", extra, "event", event.gas)
    assert move_emptied(width) == (5 if width <= 256 else 7)
    assert int(event.gas) == own + extra - REFUND * move_emptied(width)
    fee = int(chain.blocks[moved.block_number].base_fee)
    amount = rules.keeper_pay(int(event.gas), fee, budget=budget, cut=1, shares=total)
    assert int(event.amount) == amount == int(event.gas) * fee > 0
    assert shares(pool, trainer, [r]) == [0]
    assert pool.periods(trainer, 0).shares == total - 1
    assert pool.periods(trainer, 0).budget == budget - amount
    pool_invariant(pool, [trainer])
