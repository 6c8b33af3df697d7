"""Held reveals and ``unwind`` (``ModelHub.reveal_sparse(..., hold=True)``): a pinned set is
revealed whatever the model learnt since the pin, the contributions since are taken back in
chunks anyone may send, and the record is the model at the pin. Every refusal, a front-run
that can no longer fail a held reveal, two unwinds in one transaction, and a Hypothesis
property over steps and chunkings."""

# ruff: noqa: F811 (fixtures shared with the other hub review files are imported by name)

import ape
import pytest
from conftest import STAKE, compile_test_contract
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hub import DELAY, NEG, POS, make_set, steps_after_pin, wait
from test_review_hub import add, hub, kinds, pool, trainer  # noqa: F401 (fixtures)

from sharedmodels.encoding import packed
from sharedmodels.hub import driver
from sharedmodels.trainers.client import scan

ZERO = "0x" + "00" * 20
MOST_DEPOSIT = STAKE.cost_weight * 3600


def pinned_set(hub, trainer, carol, chain, n=8, start=0):
    ts = make_set(n, start=start)
    i = driver.commit(hub, trainer.address, ts, carol, chain.chain_id)
    wait(chain, DELAY)
    hub.pin(i, sender=carol)
    return i, ts


def hold(hub, i, ts, carol, first=0, last=None):
    """Reveal pieces ``first`` to ``last - 1`` of ``ts`` held (no step listed)."""
    e = hub.evaluations(i)
    last = len(ts.pieces) if last is None else last
    return hub.reveal_sparse(
        i, *driver.reveal_args(ts, first, last), e.updates, [], True, sender=carol
    )


def restated(hub, i, ts, trainer):
    return driver.held(hub, i, ts, int(trainer.n_features()))


def step_of(trainer, c):
    """``c`` as ``unwind`` takes it: restated if it trained, else its id alone."""
    if trainer.contribution(c.id).trained:
        return (c.key(), c.args())
    return ((c.id, ZERO, 0, 0, 0), [])


def test_unwind_refuses_what_it_must(hub, trainer, alice, carol, mallory, chain):
    """Each refusal of a held reveal and of `unwind`, and the boundaries: steps run without a
    gap from the pin up to the count at the held reveal, untrained ones skipped, trained ones
    the trainer's records; a later reveal waits until the held pieces are scored."""
    i, ts = pinned_set(hub, trainer, carol, chain)
    e = hub.evaluations(i)
    with ape.reverts("hub: nothing to unwind"):
        hub.unwind(i, [4], [], [], [], [], sender=mallory)
    add(trainer, alice, [POS, 300], 1)  # trains
    [one] = scan(trainer, e.pinned)
    with ape.reverts("hub: hold needs a pin and no steps"):  # a step listed with hold
        hub.reveal_sparse(
            i,
            *driver.reveal_args(ts, 0, 1),
            e.updates,
            [(one.key(), one.args())],
            True,
            sender=carol,
        )
    add(trainer, alice, [POS, 300], 1)  # the model agrees now: no step
    add(trainer, mallory, [NEG, 301], 0)  # trains (the model answers 1)
    s1, idle, s2 = scan(trainer, e.pinned)
    assert not trainer.contribution(idle.id).trained
    held = hold(hub, i, ts, carol, 0, 1)
    [log] = held.decode_logs(hub.StepsPending)
    assert (log.after, log.last) == (e.contributions, s2.id)
    assert hub.evaluations(i).revealed == 1 and hub.evaluations(i).block == 0
    with ape.reverts("hub: pieces wait for their steps"):
        hold(hub, i, ts, carol, 1, 2)
    with ape.reverts("hub: pin before the first piece"):
        hub.pin(i, sender=carol)
    add(trainer, alice, [NEG, 302], 1)  # after the held reveal (trains): not taken back
    [late] = scan(trainer, held.block_number + 1)
    state = restated(hub, i, ts, trainer)
    one, two, three = step_of(trainer, s1), step_of(trainer, idle), step_of(trainer, s2)
    with ape.reverts("hub: steps not after the pin, in order"):
        hub.unwind(i, *state, [one, three], sender=mallory)  # a gap (the idle one)
    with ape.reverts("hub: steps not after the pin, in order"):
        hub.unwind(i, *state, [two], sender=mallory)  # not the first after the pin
    with ape.reverts("hub: steps not after the pin, in order"):
        hub.unwind(i, *state, [one, two, three, step_of(trainer, late)], sender=mallory)
    with ape.reverts("hub: not a step of the model"):
        hub.unwind(i, *state, [(s1.key(), s2.args())], sender=mallory)  # other features
    sizes, words, labels, scores = state
    with ape.reverts("hub: not the pieces waiting"):
        hub.unwind(i, sizes, words, labels, [scores[0] + 1, *scores[1:]], [one], sender=mallory)
    with ape.reverts("hub: not the pieces waiting"):
        hub.unwind(i, sizes, words, [1 - labels[0], *labels[1:]], scores, [one], sender=mallory)
    with ape.reverts("hub: not the pieces waiting"):
        hub.unwind(i, [*sizes, 1], words, labels, scores, [one], sender=mallory)
    first = hub.unwind(i, *state, [one, two], sender=mallory)  # anyone, in chunks
    [log] = first.decode_logs(hub.StepsPending)
    assert (log.after, log.last) == (idle.id, s2.id)
    with ape.reverts("hub: not the pieces waiting"):
        hub.unwind(i, *state, [three], sender=mallory)  # the scores before the first chunk
    last = hub.unwind(i, *restated(hub, i, ts, trainer), [three], sender=mallory)
    assert not last.decode_logs(hub.StepsPending)
    [scored] = last.decode_logs(hub.PieceScored)
    assert (scored.piece, scored.samples) == (0, 4)
    assert hub.pending(i).after == 0 and bytes(hub.pending(i).state) == bytes(32)
    with ape.reverts("hub: nothing to unwind"):
        hub.unwind(i, *state, [three], sender=mallory)
    driver.reveal(hub, i, ts, carol, trainer)  # the rest, listing the three trained steps
    e = hub.evaluations(i)
    assert e.block != 0 and e.samples == 8 and e.correct == 4  # the model at the pin: 50 %


def test_hold_needs_a_pin_and_unwind_the_window(hub, trainer, alice, carol, mallory, chain):
    """An unpinned set cannot be held; pieces held near the end of the reveal window must be
    unwound within it (a record written later would not be the window's)."""
    ts = make_set(8)
    i = driver.commit(hub, trainer.address, ts, carol, chain.chain_id)
    wait(chain, DELAY)
    with ape.reverts("hub: hold needs a pin and no steps"):
        hub.reveal_sparse(
            i, *driver.reveal_args(ts, 0, 1), trainer.update_count(), [], True, sender=carol
        )
    hub.pin(i, sender=carol)
    add(trainer, alice, [POS, 300], 1)
    hold(hub, i, ts, carol)
    state = restated(hub, i, ts, trainer)
    [c] = scan(trainer, hub.evaluations(i).pinned)
    wait(chain, hub.reveal_window() + 1)
    with ape.reverts("hub: reveal window passed"):
        hub.unwind(i, *state, [step_of(trainer, c)], sender=mallory)


def test_nothing_since_the_pin_scores_a_held_reveal_at_once(hub, trainer, carol, chain):
    """With no contribution since the pin a held reveal is an ordinary one: scored at once,
    nothing waits."""
    i, ts = pinned_set(hub, trainer, carol, chain)
    receipt = hold(hub, i, ts, carol)
    assert not receipt.decode_logs(hub.StepsPending)
    assert len(receipt.decode_logs(hub.PieceScored)) == 2
    assert hub.evaluations(i).block == receipt.block_number


def test_a_front_run_cannot_fail_a_held_reveal(mempool, hub, trainer, alice, carol, mallory, chain):
    """A held reveal takes back whatever lands before it: mallory reads it from the mempool and
    sends, with twice its tip, 17 steps, the last one memorising the class-0 samples. The
    reveal is mined after them and succeeds; the unwinds take back all 19 contributions since
    the pin (alice's two as well) and the record is the model at the pin (all zeros: 50 %),
    not 19 steps later (alice's steps alone would make it 100 %)."""
    i, ts = pinned_set(hub, trainer, carol, chain, n=16)
    add(trainer, alice, [POS, 300], 1)
    add(trainer, alice, [NEG, 301], 0)
    e = hub.evaluations(i)
    with mempool.paused():
        mine = mempool.send(
            hub.reveal_sparse,
            i,
            *driver.reveal_args(ts, 0, 4),
            e.updates,
            [],
            True,
            sender=carol,
        )
        (seen,) = mempool.calls(hub, "reveal_sparse")
        theirs = []
        for k in range(16):
            f = 2000 + k
            theirs.append(
                mempool.send(
                    trainer.addData,
                    [f],
                    1 - trainer.predict([f]),
                    sender=mallory,
                    value=MOST_DEPOSIT,
                    tip=2 * seen.tip,
                    gas=600_000,
                )
            )
        neg = sorted({j for x, y in seen.args[3] if y == 0 for j in x})
        theirs.append(
            mempool.send(
                trainer.addData,
                neg,
                0,
                sender=mallory,
                value=MOST_DEPOSIT,
                tip=2 * seen.tip,
                gas=600_000,
            )
        )
        block = mempool.mine()
    assert block.order(mine, theirs[0]) == [theirs[0], mine]
    assert block[mine].ok and all(block[t].ok for t in theirs)
    assert hub.evaluations(i).block == 0
    receipts = driver.reveal(hub, i, ts, carol, trainer)  # nothing left to reveal: unwind
    assert [r.method_called.name for r in receipts] == ["unwind"]
    e = hub.evaluations(i)
    assert e.block != 0 and e.correct == 8 and e.samples == 16  # alice's steps taken back: 50 %
    shown = driver.revealed_set(hub, chain.provider, i)  # read back from the held reveal
    assert shown.salts == ts.salts
    assert [[(list(x), y) for x, y in p] for p in shown.pieces] == [
        [(list(x), y) for x, y in p] for p in ts.pieces
    ]


@pytest.fixture(scope="module")
def batch(accounts):
    return compile_test_contract("HubBatch").deploy(sender=accounts[0])


def test_two_unwinds_in_one_transaction(hub, trainer, alice, carol, mallory, chain, batch):
    """The per-feature moves live in transient storage, which lasts the whole transaction: a
    wallet that sends two unwinds in one transaction must get each chunk's own moves. Alice
    teaches POS and NEG after the pin; the two unwinds, one step each, take both back: every
    score is the model's at the pin."""
    i, ts = pinned_set(hub, trainer, carol, chain)
    samples = [(list(x), y) for p in ts.pieces for x, y in p]
    n = int(trainer.n_features())
    at_pin = [trainer.score(packed.pack(x, n)) for x, _ in samples]
    add(trainer, alice, [POS, 300], 1)
    add(trainer, alice, [NEG, 301], 0)
    a, b = scan(trainer, hub.evaluations(i).pinned)
    hold(hub, i, ts, carol)
    state = restated(hub, i, ts, trainer)
    snap = chain.snapshot()
    hub.unwind(i, *state, [step_of(trainer, a)], sender=mallory)
    middle = restated(hub, i, ts, trainer)
    chain.restore(snap)
    first = hub.unwind.encode_input(i, *state, [step_of(trainer, a)])
    second = hub.unwind.encode_input(i, *middle, [step_of(trainer, b)])
    batch.both(hub, first, second, sender=mallory)
    e = hub.evaluations(i)
    assert e.block != 0
    assert [t.s for t in driver.scored_test(hub, i, ts, n)] == at_pin


@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    steps=steps_after_pin(min_size=1, max_size=7),
    chunk=st.integers(1, 4),
    split=st.booleans(),
)
def test_a_held_record_is_the_model_at_the_pin(
    hub, trainer, alice, carol, mallory, chain, steps, chunk, split
):
    """Whatever the model learns after the pin (steps on the set's own features or not, either
    label, some that do not train), held in one reveal or two with steps between, unwound in
    chunks of any size by anyone: every logged score, the scored chain and the record's count
    are the model's at the pin, to the unit."""
    i, ts = pinned_set(hub, trainer, carol, chain, start=len(steps))
    samples = [(list(x), y) for p in ts.pieces for x, y in p]
    n = int(trainer.n_features())
    at_pin = [trainer.score(packed.pack(x, n)) for x, _ in samples]
    half = len(steps) // 2 if split else len(steps)
    pieces = [(0, 1), (1, 2)] if split else [(0, 2)]
    for k, (first, last) in enumerate(pieces):
        for x, y in steps[:half] if k == 0 else steps[half:]:
            add(trainer, alice, sorted(set(x)), y)
        hold(hub, i, ts, carol, first, last)
        while bytes(hub.pending(i).state) != bytes(32):
            p = hub.pending(i)
            history = {c.id: c for c in scan(trainer, hub.evaluations(i).pinned)}
            ids = range(p.after + 1, min(p.after + chunk, p.last) + 1)
            hub.unwind(
                i,
                *restated(hub, i, ts, trainer),
                [step_of(trainer, history[j]) for j in ids],
                sender=mallory,
            )
    e = hub.evaluations(i)
    assert e.block != 0 and e.samples == 8
    assert [t.s for t in driver.scored_test(hub, i, ts, n)] == at_pin
    assert e.correct == sum((s > 0) == (y == 1) for s, (_, y) in zip(at_pin, samples, strict=True))


def test_gas_of_a_held_reveal_and_its_unwinds(hub, trainer, carol, mallory, chain):
    """Printed for docs/hub.md: a piece of 16 samples of 20 features, pinned, then 17
    one-feature steps; held, then unwound 16 steps and 1 (which writes the record), and the 17
    in one call. What the flood adds to the evaluator's gas is below what it cost the
    flooder."""
    from test_review_hub6 import flood, reveal_gas

    from sharedmodels.hub.rules import TestSet

    light = TestSet.make(
        [list(range(k * 20, k * 20 + 20)) for k in range(16)],
        [k % 2 for k in range(16)],
        dense=False,
    )
    i = driver.commit(hub, trainer.address, light, carol, chain.chain_id)
    wait(chain, DELAY)
    pin = hub.pin(i, sender=carol)
    plain = reveal_gas(hub, trainer, i, light, 1, [], carol)
    sent = flood(trainer, mallory, 17)
    held = hold(hub, i, light, carol)
    [chunk] = driver.unwind_chunks(hub, i, trainer)
    assert len(chunk) == 17
    snap = chain.snapshot()
    whole = hub.unwind(i, *restated(hub, i, light, trainer), chunk, sender=mallory)
    assert hub.evaluations(i).block == whole.block_number
    chain.restore(snap)
    first = hub.unwind(i, *restated(hub, i, light, trainer), chunk[:16], sender=mallory)
    last = hub.unwind(i, *restated(hub, i, light, trainer), chunk[16:], sender=mallory)
    assert hub.evaluations(i).block == last.block_number
    answer = held.gas_used + whole.gas_used - plain
    print(
        f"gas pin {pin.gas_used}, reveal 16x20 {plain} (no step), held {held.gas_used}, "
        f"unwind 17 steps + record {whole.gas_used}; or 16 steps {first.gas_used} then 1 "
        f"step + record {last.gas_used}; 17 steps sent {sent}, answered with {answer}: "
        f"{sent / answer:.2f}x"
    )
    assert answer < sent
