"""Front-runners against the hub, with a public mempool (``tests/mempool.py``): the attacker
reads the pending call, decodes it and sends its own with a higher tip. Each attack must
leave the attacker no richer and the hub's records and books true."""

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
    make_set,
    pool_invariant,
    steps_after_pin,
    wait,
)
from test_review_hub import add, hub, kinds, pool, trainer  # noqa: F401 (fixtures)

from sharedmodels.hub import driver
from sharedmodels.trainers.client import scan


def test_training_on_a_piece_seen_in_the_mempool_fails_the_reveal(
    mempool, hub, trainer, carol, mallory, chain
):
    ts = make_set(8)
    i = driver.commit(hub, trainer.address, ts, carol, chain.chain_id)
    wait(chain, DELAY)
    with mempool.paused():
        mine = mempool.send(
            hub.reveal_sparse,
            i,
            *driver.reveal_args(ts, 0, 2),
            trainer.update_count(),
            sender=carol,
        )
        (seen,) = mempool.calls(hub, "reveal_sparse")
        x, y = seen.args[3][0]  # (id, salts, sizes, samples, updates)
        wrong = 1 - trainer.predict(list(x))  # a label the model does not give: it trains
        theirs = mempool.send(
            trainer.addData,
            list(x),
            wrong,
            sender=mallory,
            value=trainer.next_deposit() * 2,
            tip=2 * seen.tip,
        )
        block = mempool.mine()
    assert block.order(mine, theirs) == [theirs, mine]
    assert block[theirs].ok and not block[mine].ok
    assert block[mine].reason == "hub: model changed"
    assert hub.evaluations(i).revealed == 0 and hub.record_count(trainer) == 0


def test_a_copied_reveal_or_commit_earns_the_copier_nothing(
    mempool, hub, trainer, carol, mallory, chain
):
    ts = make_set(8)
    with mempool.paused():
        mine = mempool.send(
            hub.commit,
            trainer.address,
            ts.commitments(chain.chain_id, hub.address, carol.address),
            sender=carol,
        )
        (seen,) = mempool.calls(hub, "commit")
        theirs = mempool.copy(seen, sender=mallory)
        block = mempool.mine()
    assert block[mine].ok and block[theirs].ok  # both commit; ids differ
    ids = {hub.evaluations(n).evaluator: n for n in (1, 2)}
    wait(chain, DELAY)
    with mempool.paused():
        reveal = mempool.send(
            hub.reveal_sparse, ids[carol.address], *driver.reveal_args(ts, 0, 2), 0, sender=carol
        )
        (seen,) = mempool.calls(hub, "reveal_sparse")
        as_evaluator = mempool.copy(seen, sender=mallory)
        on_copy = mempool.copy(seen, sender=mallory, args=(ids[mallory.address], *seen.args[1:]))
        block = mempool.mine()
    assert block[reveal].ok
    assert block[as_evaluator].reason == "hub: evaluator only"
    assert block[on_copy].reason == "hub: piece does not match its commitment"


def test_copied_enter_and_claim(mempool, hub, pool, trainer, alice, carol, mallory, chain):
    pool.fund(trainer, carol, value=10**9, sender=carol)
    a_set, b_set = make_set(8), make_set(8, start=8)
    a = driver.commit(hub, trainer.address, a_set, carol, chain.chain_id)
    b = driver.commit(hub, trainer.address, b_set, carol, chain.chain_id)
    wait(chain, DELAY)
    driver.reveal(hub, a, a_set, carol, trainer)
    pool.close_period(trainer, a, sender=carol)
    start = chain.blocks.head.number
    for x, y in (([POS, 300], 1), ([NEG, 301], 0)):
        trainer.addData(x, y, value=trainer.next_deposit(), sender=alice)
    wait(chain, STAKE.refund_wait)
    history = scan(trainer, start)
    for c in history:
        trainer.refund(c.key(), c.args(), sender=alice)
    driver.reveal(hub, b, b_set, carol, trainer)
    budget = pool.close_period(trainer, b, sender=carol).return_value
    c = history.by(alice.address)[0]
    with mempool.paused():
        test = [t.as_tuple() for t in driver.scored_test(hub, b, b_set, trainer.n_features())]
        entrants = [(c.key(), c.args())]
        mine = mempool.send(pool.enter, trainer.address, 0, entrants, test, sender=alice)
        (seen,) = mempool.calls(pool, "enter")
        theirs = mempool.copy(seen, sender=mallory)
        block = mempool.mine()
    assert block[theirs].ok and block[mine].ok  # the second skips what the first entered
    assert pool.shares(trainer, 0, alice) == 4 and pool.shares(trainer, 0, mallory) == 0
    wait(chain, ENTRY + 1)
    with mempool.paused():
        mine = mempool.send(pool.claim, trainer.address, 0, sender=alice)
        (seen,) = mempool.calls(pool, "claim")
        theirs = mempool.copy(seen, sender=mallory)
        block = mempool.mine()
    assert block[theirs].reason == "hub: no shares" and block[mine].ok
    assert block.gain(mallory) == 0 and block.gain(alice) == budget
    pool_invariant(pool, [trainer])
    with ape.reverts("hub: already claimed"):
        pool.claim(trainer, 0, sender=alice)


# ---------------------------------------------------------------- pinned reveals


def test_pin_and_the_steps_a_reveal_takes_back_refuse_what_they_must(
    hub, pool, trainer, alice, carol, mallory, chain
):
    """`pin` fixes the moment an evaluation measures; a reveal of a pinned packed model lists
    every step the model took since, and the hub takes them back. Each refusal, and the
    boundaries: a second pin before the first piece moves the moment, none after it."""
    ts = make_set(8)
    i = driver.commit(hub, trainer.address, ts, carol, chain.chain_id)
    with ape.reverts("hub: reveal too early"):
        hub.pin(i, sender=carol)
    wait(chain, DELAY)
    with ape.reverts("hub: evaluator only"):
        hub.pin(i, sender=mallory)
    with ape.reverts("hub: no such evaluation"):
        hub.pin(99, sender=carol)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)  # trains (the model answered 0)
    [before] = scan(trainer, start)
    n = trainer.update_count()
    with ape.reverts("hub: steps need a pin on a packed model"):  # not pinned yet
        hub.reveal_sparse(
            i, *driver.reveal_args(ts, 0, 1), n - 1, [(before.key(), before.args())], sender=carol
        )
    pin = hub.pin(i, sender=carol)
    print("gas pin", pin.gas_used)
    e = hub.evaluations(i)
    assert (e.pinned, e.updates, e.contributions) == (pin.block_number, n, before.id)
    assert e.intercept == trainer.intercept()
    [log] = pin.decode_logs(hub.EvaluationPinned)
    assert log.event_arguments["block"] == pin.block_number  # (`log.block` is Ape's)
    assert (log.updates, log.contributions) == (n, before.id)
    add(trainer, alice, [NEG, 301], 0)  # trains
    add(trainer, alice, [NEG, 301], 0)  # the model agrees already: no step
    add(trainer, mallory, [POS, 302], 0)  # trains
    s1, idle, s2 = scan(trainer, pin.block_number)
    assert not trainer.contribution(idle.id).trained
    one, two = (s1.key(), s1.args()), (s2.key(), s2.args())

    def reveal(steps, updates=n, piece=0):
        return hub.reveal_sparse(
            i, *driver.reveal_args(ts, piece, piece + 1), updates, steps, sender=carol
        )

    with ape.reverts("hub: model changed"):
        reveal([])  # both steps left out
    with ape.reverts("hub: model changed"):
        reveal([one])
    with ape.reverts("hub: steps not after the pin, in order"):
        reveal([two, one])
    with ape.reverts("hub: steps not after the pin, in order"):
        reveal([one, one])
    with ape.reverts("hub: steps not after the pin, in order"):
        reveal([(before.key(), before.args()), two])  # trained, but before the pin
    with ape.reverts("hub: not a step of the model"):
        reveal([one, (idle.key(), idle.args())])  # after the pin, but it did not train
    with ape.reverts("hub: not a step of the model"):
        reveal([one, (s2.key(), s1.args())])  # another step's features
    with ape.reverts("hub: model changed during the evaluation"):
        reveal([two], updates=n + 1)  # the count adds up, but it is not the pinned one
    assert driver.steps_since_pin(hub, i, trainer) == [one, two]
    hub.pin(i, sender=carol)  # no piece out yet: the moment moves to now
    assert hub.evaluations(i).updates == n + 2
    with ape.reverts("hub: model changed"):
        reveal([one, two], updates=n + 2)  # both before the new pin now
    first = reveal([], updates=n + 2)
    print("gas reveal 4 samples pinned, no step", first.gas_used)
    with ape.reverts("hub: pin before the first piece"):
        hub.pin(i, sender=carol)
    add(trainer, alice, [POS, 303], 1)  # trains
    [three] = scan(trainer, first.block_number)
    with ape.reverts("hub: model changed"):
        reveal([], updates=n + 2, piece=1)
    last = reveal([(three.key(), three.args())], updates=n + 2, piece=1)
    print("gas reveal 4 samples pinned, one step", last.gas_used)
    e = hub.evaluations(i)
    assert e.block == last.block_number and e.contributions == idle.id + 1
    with ape.reverts("hub: evaluation finished"):
        hub.pin(i, sender=carol)


def test_a_pool_takes_only_pinned_records(hub, pool, trainer, bob, carol, chain):
    """A record revealed without a pin scores the model as the reveal found it, which a step
    sent ahead of the reveal decides: no pool anchors or closes on it."""
    pool.fund(trainer, carol, value=10**9, sender=bob)
    a_set = make_set(8)
    a = driver.commit(hub, trainer.address, a_set, carol, chain.chain_id)
    wait(chain, DELAY)
    driver.reveal(hub, a, a_set, carol, trainer, pin=False)
    assert hub.evaluations(a).pinned == 0 and hub.evaluations(a).block != 0
    with ape.reverts("hub: record not pinned"):
        pool.close_period(trainer, a, sender=carol)


@settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    steps=steps_after_pin(max_size=5),
    split=st.booleans(),
)
def test_a_pinned_record_is_the_model_at_the_pin(hub, trainer, alice, carol, chain, steps, split):
    """Whatever the model learns after the pin (steps on the set's own features or not, either
    label, some that do not train), revealed in one transaction or two with steps between,
    every logged score and the record's count are the model's at the pin, to the unit."""
    ts = make_set(8, start=len(steps))
    i = driver.commit(hub, trainer.address, ts, carol, chain.chain_id)
    wait(chain, DELAY)
    hub.pin(i, sender=carol)
    samples = [(list(x), y) for p in ts.pieces for x, y in p]
    at_pin = [trainer.score(x) for x, _ in samples]
    half = len(steps) // 2 if split else len(steps)
    for x, y in steps[:half]:
        add(trainer, alice, sorted(set(x)), y)
    if split:  # piece 0, more steps, then piece 1
        fn, args = driver.reveal_calls(hub, i, ts, trainer, batch=1)[0]
        fn(*args, sender=carol)
        for x, y in steps[half:]:
            add(trainer, alice, sorted(set(x)), y)
    driver.reveal(hub, i, ts, carol, trainer)
    e = hub.evaluations(i)
    assert e.block != 0 and e.samples == 8
    assert [t.s for t in driver.scored_test(hub, i, ts, trainer.n_features())] == at_pin
    assert e.correct == sum((s > 0) == (y == 1) for s, (_, y) in zip(at_pin, samples, strict=True))
