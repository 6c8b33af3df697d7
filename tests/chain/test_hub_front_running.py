"""Front-runners against the hub, with a public mempool (``tests/mempool.py``): the attacker
reads the pending call, decodes it and sends its own with a higher tip. Each attack must
leave the attacker no richer and the hub's records and books true."""

# ruff: noqa: F811 (fixtures shared with the other hub review files are imported by name)

import ape
from conftest import STAKE
from test_hub import (
    DELAY,
    ENTRY,
    NEG,
    POS,
    make_set,
    pool_invariant,
    wait,
)
from test_review_hub import hub, kinds, pool, trainer  # noqa: F401 (fixtures)

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
