"""Sixth adversarial review of the hub: the pin and the steps a reveal takes back
(`ModelHub.pin`, `reveal_sparse(..., steps)`), pools that take only pinned records read at
their pin, and `HubPool.enter` asking no judgement of the trainer.

Each test plays one attack end to end on a real chain and asserts what a correct contract must
produce, in wei. An attack that works today is a strict xfail whose reason gives the measured
numbers; one that fails at the contract is a normal test (it documents a defence).
"""

# ruff: noqa: F811 (fixtures shared with the other hub review files are imported by name)

import ape
import pytest
from conftest import STAKE
from test_hub import DELAY, ENTRY, NEG, POS, make_set, pool_invariant, wait
from test_review_hub import add, claim, closing, enter_one
from test_review_hub2 import POOL, hub, kinds, pool, trainer  # noqa: F401 (fixtures)

from sharedmodels.encoding import packed
from sharedmodels.hub import driver
from sharedmodels.hub.rules import TestSet
from sharedmodels.trainers.client import scan

#: The most steps one reveal takes back (ModelHub.MAX_STEPS).
MAX_STEPS = 16
#: Gas limit of one flooding step in the mempool (a one-feature `addData` uses far less).
STEP_GAS = 600_000
#: A stake deposit in a block that already has a contribution (the most it can be).
MOST_DEPOSIT = STAKE.cost_weight * 3600
#: Features nobody else uses: the flood's steps touch no test sample.
FRESH = 2000


def closing_sets(hub, pool, trainer, funder, evaluator, chain, *sets):
    """A pool of POOL for ``evaluator``'s records, anchored by an 8-sample set at 50 % (the
    model is all zeros); ``sets`` committed before the anchor's pin (each can close the
    period); returns their ids."""
    pool.fund(trainer, evaluator, value=POOL, sender=funder)
    a_set = make_set(8)
    a = driver.commit(hub, trainer.address, a_set, evaluator, chain.chain_id)
    ids = [driver.commit(hub, trainer.address, t, evaluator, chain.chain_id) for t in sets]
    wait(chain, DELAY)
    driver.reveal(hub, a, a_set, evaluator, trainer)
    assert pool.close_period(trainer, a, sender=evaluator).return_value == 0
    return ids


def two_sets(hub, pool, trainer, funder, evaluator, chain, closing_size=8):
    """``closing_sets`` with one closing set of ``closing_size``: its id and the set."""
    b_set = make_set(closing_size, start=8)
    (b,) = closing_sets(hub, pool, trainer, funder, evaluator, chain, b_set)
    return b, b_set


def teach_both(trainer, alice):
    """Alice's two steps take the model from 50 % to 100 % on every set of `make_set`."""
    add(trainer, alice, [POS, 300], 1)
    add(trainer, alice, [NEG, 301], 0)


def flood(trainer, who, n, first=FRESH):
    """``n`` steps that each change the model (a label the model does not give, on a fresh
    feature) and touch no test sample; returns the gas they used."""
    gas = 0
    for k in range(n):
        f = first + k
        gas += add(trainer, who, [f], 1 - trainer.predict([f])).gas_used
    return gas


def pay_out(hub, pool, trainer, b, b_set, people, chain):
    """Close the period with record ``b``, enter every trained step of ``people`` in it that
    helped, wait for the entries to close and claim; returns (budget, {address: wei})."""
    budget = pool.close_period(trainer, b, sender=people[0]).return_value
    p = pool.periods(trainer, 0)
    test = closing(hub, pool, trainer, 0, b_set)
    for c in scan(trainer, 0):
        if p.first_id <= c.id <= p.last_id and trainer.contribution(c.id).trained:
            try:
                enter_one(hub, pool, trainer, 0, c, test, people[0])
            except ape.exceptions.ContractLogicError:
                pass  # did not help the closing set
    wait(chain, ENTRY + 1)
    paid = {}
    for who in people:
        paid[who.address] = claim(hub, pool, trainer, 0, who) if pool.shares(trainer, 0, who) else 0
    return budget, paid


# ---------------------------------------------------------------- 1. flooding the steps


def test_seventeen_steps_between_two_reveal_transactions_lock_the_set(
    hub, pool, trainer, alice, bob, carol, mallory, chain
):
    """MEDIUM before the fix (a lock; the honest period's pay was lost, nobody gained). A
    closing set of more than 64 samples takes more than one reveal transaction. Once its first
    is mined the pin cannot move, and every later reveal had to list every step since the pin,
    at most 16. Mallory sends 17 trained steps on features no test sample has (each a label
    the model does not give): the rest of the set could never be revealed (measured before:
    17 steps, 1,189,550 gas; 4 of 8 pieces for good, alice's 10**18 wei period unpaid).
    Now the driver reveals the rest with `hold` and one `unwind` takes the 17 steps back:
    the set finishes as the model was at the pin (100 %), alice is paid the whole pool, and
    what the flood adds to carol's gas (her reveals and unwinds less the same reveal with no
    step, estimated before the flood) is below what the flood cost mallory."""
    b, b_set = two_sets(hub, pool, trainer, bob, carol, chain, closing_size=32)
    assert len(b_set.pieces) == 8  # two transactions of 4 pieces
    teach_both(trainer, alice)
    hub.pin(b, sender=carol)
    pinned = hub.evaluations(b)
    hub.reveal_sparse(b, *driver.reveal_args(b_set, 0, 4), pinned.updates, [], sender=carol)
    plain = reveal_gas(hub, trainer, b, b_set, 4, [], carol)  # the rest, nothing to take back
    gas = flood(trainer, mallory, MAX_STEPS + 1)
    assert trainer.update_count() == pinned.updates + MAX_STEPS + 1
    assert len(driver.steps_since_pin(hub, b, trainer)) == MAX_STEPS + 1
    with ape.reverts("hub: pin before the first piece"):
        hub.pin(b, sender=carol)
    receipts = driver.reveal(hub, b, b_set, carol, trainer)  # held, then one unwind
    assert [r.method_called.name for r in receipts] == ["reveal_sparse", "unwind"]
    answer = sum(r.gas_used for r in receipts) - plain
    print(
        f"flood between reveal transactions: {MAX_STEPS + 1} steps, {gas} gas; carol's answer "
        f"{answer} gas ({[r.gas_used for r in receipts]} less {plain}): {gas / answer:.2f}x"
    )
    assert 0 < answer < gas
    record = hub.evaluations(b)
    print(f"revealed {record.revealed} of {record.pieces} pieces")
    assert record.block != 0, "the set can no longer be revealed"
    budget, paid = pay_out(hub, pool, trainer, b, b_set, [alice, mallory], chain)
    assert record.correct == record.samples  # the model at the pin
    assert budget == POOL and paid == {alice.address: POOL, mallory.address: 0}


def test_sixteen_steps_between_two_reveal_transactions_are_taken_back(
    hub, pool, trainer, alice, bob, carol, mallory, chain
):
    """The boundary of the lock above (a defence): 16 trained steps after the first reveal
    transaction, the most a reveal lists, are all taken back; the record is the model at the
    pin and alice is paid the whole pool, mallory nothing."""
    b, b_set = two_sets(hub, pool, trainer, bob, carol, chain, closing_size=32)
    teach_both(trainer, alice)
    hub.pin(b, sender=carol)
    pinned = hub.evaluations(b)
    hub.reveal_sparse(b, *driver.reveal_args(b_set, 0, 4), pinned.updates, [], sender=carol)
    flood(trainer, mallory, MAX_STEPS)
    driver.reveal(hub, b, b_set, carol, trainer)
    record = hub.evaluations(b)
    assert record.block != 0 and record.correct == record.samples == 32
    assert record.contributions == pinned.contributions
    budget, paid = pay_out(hub, pool, trainer, b, b_set, [alice, mallory], chain)
    assert budget == POOL and paid == {alice.address: POOL, mallory.address: 0}
    pool_invariant(pool, [trainer])


def test_a_flood_before_the_first_piece_is_met_by_a_spare_set(
    hub, pool, trainer, alice, bob, carol, mallory, chain
):
    """A defence (attrition): mallory floods 17 steps right after carol's pin, before any
    sample is shown, so the set's reveal cannot take them back. A second pin of that set would
    make its record pay nobody (`hub: record pinned more than once`: the hub cannot tell a
    failed public reveal from none), so carol closes the period with a spare set committed
    with it: pinned once, its record is the model at that pin (100 %), mallory's steps are in
    the period but touch no closing sample, so they earn nothing; alice is paid the whole
    pool. Each round costs mallory 17 trained steps, carol one pin."""
    b_set, spare_set = make_set(8, start=8), make_set(8, start=24)
    b, spare = closing_sets(hub, pool, trainer, bob, carol, chain, b_set, spare_set)
    teach_both(trainer, alice)
    pin_gas = hub.pin(b, sender=carol).gas_used
    flood_gas = flood(trainer, mallory, MAX_STEPS + 1)
    assert len(driver.steps_since_pin(hub, b, trainer)) == MAX_STEPS + 1
    hub.pin(b, sender=carol)  # nothing shown yet: the set still reveals, but pays no pool
    driver.reveal(hub, b, b_set, carol, trainer)
    assert hub.evaluations(b).pins == 2
    with ape.reverts("hub: record pinned more than once"):
        pool.close_period(trainer, b, sender=carol)
    driver.reveal(hub, spare, spare_set, carol, trainer)
    record = hub.evaluations(spare)
    assert record.correct == record.samples and record.pins == 1
    print(f"a round of the flood: mallory {flood_gas} gas, carol's pin {pin_gas} gas")
    budget, paid = pay_out(hub, pool, trainer, spare, spare_set, [alice, mallory], chain)
    assert budget == POOL and paid == {alice.address: POOL, mallory.address: 0}
    pool_invariant(pool, [trainer])


def front_run_with_a_flood(mempool, hub, trainer, b, b_set, carol, mallory, memorise):
    """Carol sends the reveal of pinned evaluation ``b`` (one transaction); mallory reads it
    from the mempool and sends, with twice its tip, 16 steps on fresh features (eight pairs:
    each feature taught the label the model does not give, then back) and a 17th: if
    ``memorise`` one that teaches the class-0 samples' features as 0 (the model gives them 1),
    else one more fresh feature. Returns
    the mined block and the two sides' sends."""
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
        tip = 2 * seen.tip
        y0 = 1 - trainer.predict([FRESH])  # the intercept alone decides a fresh feature
        theirs = []
        for k in range(MAX_STEPS // 2):
            for y in (y0, 1 - y0):
                theirs.append(
                    mempool.send(
                        trainer.addData,
                        [FRESH + k],
                        y,
                        sender=mallory,
                        value=MOST_DEPOSIT,
                        tip=tip,
                        gas=STEP_GAS,
                    )
                )
        if not memorise:  # a 17th step on a fresh feature (the pairs left the intercept)
            theirs.append(
                mempool.send(
                    trainer.addData,
                    [FRESH + MAX_STEPS],
                    y0,
                    sender=mallory,
                    value=MOST_DEPOSIT,
                    tip=tip,
                    gas=STEP_GAS,
                )
            )
        else:
            neg = sorted({j for x, y in seen.args[3] if y == 0 for j in x})  # read in clear
            assert trainer.predict(neg) == 1
            theirs.append(
                mempool.send(
                    trainer.addData,
                    neg,
                    0,
                    sender=mallory,
                    value=MOST_DEPOSIT,
                    tip=tip,
                    gas=STEP_GAS,
                )
            )
        block = mempool.mine()
    return block, mine, theirs


def test_seventeen_steps_front_run_the_first_reveal_and_spoil_the_set(
    mempool, hub, pool, trainer, alice, bob, carol, mallory, chain
):
    """MEDIUM before the fix (one transaction's worth of steps spoilt any pinned closing set;
    honest period lost). The pin saves a set from one front-run step: the reveal fails, and
    is sent again listing the step. It did not from 17: the reveal failed with its samples in
    clear, the retry could not list 17 steps (measured before: alice 0 of a 10**18 wei
    period). Now the retry holds the pieces and `unwind` takes the 17 steps back: the record
    is the model at the pin (100 %) and alice is paid the whole pool. Stronger than before:
    the flood costs mallory more gas than it adds to carol's (the failed reveal, the retry
    and its unwinds, less the same reveal with no step estimated before)."""
    b, b_set = two_sets(hub, pool, trainer, bob, carol, chain)
    teach_both(trainer, alice)
    hub.pin(b, sender=carol)
    pinned = hub.evaluations(b)
    plain = reveal_gas(hub, trainer, b, b_set, len(b_set.pieces), [], carol)
    block, mine, theirs = front_run_with_a_flood(
        mempool, hub, trainer, b, b_set, carol, mallory, memorise=False
    )
    assert all(block[t].ok for t in theirs), [block[t].reason for t in theirs]
    assert block[mine].reason == "hub: model changed"
    assert trainer.update_count() == pinned.updates + MAX_STEPS + 1
    receipts = driver.reveal(hub, b, b_set, carol, trainer)  # the honest evaluator's retry
    assert [r.method_called.name for r in receipts] == ["reveal_sparse", "unwind"]
    flood_gas = sum(block[t].gas_used for t in theirs)
    answer = block[mine].gas_used + sum(r.gas_used for r in receipts) - plain
    print(
        f"front-run flood: {len(theirs)} steps, {flood_gas} gas; carol's answer {answer} gas "
        f"(failed reveal {block[mine].gas_used}, then {[r.gas_used for r in receipts]}, less "
        f"{plain}): {flood_gas / answer:.2f}x"
    )
    assert answer < flood_gas
    record = hub.evaluations(b)
    assert record.block != 0, "the set can no longer be revealed at its pin"
    budget, paid = pay_out(hub, pool, trainer, b, b_set, [alice, mallory], chain)
    assert budget == POOL and paid == {alice.address: POOL, mallory.address: 0}


def test_a_second_pin_after_a_flooded_reveal_pays_nobody(
    mempool, hub, pool, trainer, alice, bob, carol, mallory, chain
):
    """HIGH before the fix, if the evaluator took the way out the contract leaves it (pin again
    while no piece is out; the failed reveal is no piece). The third review's front-run
    memoriser came back: alice's step makes the model answer 1 everywhere (50 %), mallory's
    flood hides one step that teaches the closing set's class-0 samples read from the failed
    reveal. Pinned again, the record counted it (50 % -> 100 %, budget 10**18 wei) and the
    period paid mallory 666666666666666667 wei (8 shares) for the test set she copied, alice
    333333333333333333. The hub cannot tell a failed public reveal from none, so a record
    pinned twice stays in the accuracy history marked with its pin count, and no pool takes
    it: mallory gets nothing and the pool keeps its wei."""
    b, b_set = two_sets(hub, pool, trainer, bob, carol, chain)
    add(trainer, alice, [POS, 300], 1)  # the model now answers 1 everywhere: 50 %
    hub.pin(b, sender=carol)
    block, mine, theirs = front_run_with_a_flood(
        mempool, hub, trainer, b, b_set, carol, mallory, memorise=True
    )
    assert all(block[t].ok for t in theirs) and block[mine].reason == "hub: model changed"
    hub.pin(b, sender=carol)  # allowed: no piece is out
    driver.reveal(hub, b, b_set, carol, trainer)
    record = hub.evaluations(b)
    assert record.correct == record.samples and record.pins == 2  # the copy counted, marked
    (last,) = (r for r in driver.history(hub, trainer.address) if r.evaluation == b)
    assert last.pins == 2
    with ape.reverts("hub: record pinned more than once"):
        pool.close_period(trainer, b, sender=alice)
    assert pool.pools(trainer, carol).available == POOL
    assert pool.shares(trainer, 0, mallory) == 0


# ---------------------------------------------------------------- 2. wide steps, wide samples


def wide_set(n, width=128, n_features=2**12, piece=16):
    """``n`` samples of ``width`` indices each (the most a test sample holds), labels
    alternating."""
    rows = [sorted({(k * 131 + i * 29) % n_features for i in range(width)}) for k in range(n)]
    return TestSet.make(rows, [k % 2 for k in range(n)], dense=False, piece=piece)


def pack16(indices):
    """Sorted indices below 2**16 in 16-bit lanes, sixteen to a word (the model takes up to
    1,024 so; `packed.pack` stops at 512)."""
    indices = list(indices)
    return [
        sum(j << (16 * lane) for lane, j in enumerate(indices[w : w + 16]))
        for w in range(0, len(indices), 16)
    ]


def reveal_gas(hub, trainer, i, ts, j, steps, carol):
    """Gas the node estimates for revealing the next ``j`` pieces of ``ts`` listing ``steps``
    (a plain `eth_estimateGas`), or None when it runs out of gas in a 30M block."""
    e = hub.evaluations(i)
    args = (i, *driver.reveal_args(ts, e.revealed, e.revealed + j), e.updates, steps)
    data = hub.reveal_sparse.encode_input(*args)
    call = {"from": carol.address, "to": hub.address, "data": "0x" + bytes(data).hex()}
    try:
        return int(hub.provider.web3.eth.estimate_gas(call))
    except Exception as err:  # noqa: BLE001 (web3 raises several kinds for out of gas)
        # out of gas: above the block, or so near it that a call's 63/64 ran short (no data)
        assert "gas" in str(err).lower() or "'0x')" in repr(err), err
        return None


@pytest.mark.parametrize("held", [False, True], ids=["listed", "held"])
def test_seven_wide_steps_after_the_first_piece_lock_a_set_of_wide_samples(
    hub, trainer, carol, mallory, chain, held
):
    """MEDIUM before the fix (a lock with fewer steps than the flood of 17). Each step a reveal
    took back was walked against every index of every sample: a step of 1,024 indices (the
    widest a contribution may be) against samples of 128 indices (the widest a test sample may
    be) added 2-6M gas to a reveal of one piece, and 7 such steps (11,396,386 gas to send) put
    the rest of the set above a 30M block for good (measured before: the next piece listing
    1..6 steps 5,376,092 / 8,940,018 / 13,736,368 / 19,752,165 / 21,878,419 / 25,442,517 gas,
    with 7 out of gas). Now the steps' moves are summed per feature once (transient storage)
    and each sample index is looked up once: the cost is the steps' indices plus the samples',
    not their product. Both ways of taking them back are played: listed in the reveal (the
    driver's choice for up to 16 steps) and held, then `unwind`. Stronger than "the rest fits
    in a block": the set finishes, every transaction is under a third of a 30M block, each
    score of the second piece is the model's score at the pin (read before the flood), and
    what the flood adds to carol's gas is below what it cost mallory."""
    n = trainer.n_features()
    ts = wide_set(32, n_features=n)
    i = driver.commit(hub, trainer.address, ts, carol, chain.chain_id)
    wait(chain, DELAY)
    hub.pin(i, sender=carol)
    whole = [reveal_gas(hub, trainer, i, ts, j, [], carol) for j in (1, 2)]
    first = hub.reveal_sparse(
        i, *driver.reveal_args(ts, 0, 1), hub.evaluations(i).updates, [], sender=carol
    )
    plain = reveal_gas(hub, trainer, i, ts, 1, [], carol)  # the second piece, no step
    at_pin = [trainer.score(packed.pack(x, n)) for x, _ in ts.pieces[1]]
    sent = 0
    for k in range(7):
        x = pack16(range((k % 4) * 1024, (k % 4 + 1) * 1024))
        sent += add(trainer, mallory, x, 1 - trainer.predict(x)).gas_used
    assert [trainer.score(packed.pack(x, n)) for x, _ in ts.pieces[1]] != at_pin
    if held:
        e = hub.evaluations(i)
        receipts = [
            hub.reveal_sparse(i, *driver.reveal_args(ts, 1, 2), e.updates, [], True, sender=carol)
        ]
        assert hub.evaluations(i).block == 0  # the piece waits for its steps
        receipts += driver.unwind_all(hub, i, ts, trainer, mallory)  # anyone may unwind
        assert [r.method_called.name for r in receipts] == ["reveal_sparse", "unwind"]
    else:
        receipts = driver.reveal(hub, i, ts, carol, trainer)
        assert [r.method_called.name for r in receipts] == ["reveal_sparse"]
    gas = [r.gas_used for r in receipts]
    answer = sum(gas) - plain
    print(
        f"7 steps of 1024 indices: {sent} gas to send; revealing 1 / 2 pieces of 16 samples "
        f"of 128 indices with no step: {whole} (the first: {first.gas_used}); the second "
        f"piece ({'held, unwound' if held else 'listing the steps'}): {gas}; the answer "
        f"{answer} gas: {sent / answer:.2f}x"
    )
    assert max(gas) < 10_000_000 and answer < sent
    e = hub.evaluations(i)
    assert e.block != 0 and e.samples == 32
    (log,) = (
        log
        for log in hub.PieceScored.range(
            e.commit_block, e.block + 1, search_topics={"evaluation": i}
        )
        if log.piece == 1
    )
    assert [int(v) for v in log.scores] == at_pin
