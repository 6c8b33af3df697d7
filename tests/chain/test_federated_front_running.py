"""Front-runners on a federated task, with a public mempool (``tests/mempool.py``): a
participant or a stranger reads a commitment or a reveal in the pool and sends a copy with a
higher tip. Commitments bind the sender (and the task and chain), so a copy lands first and
still gains nothing: a copied commitment cannot be opened, its copier forfeits its stake, and
a copied reveal matches no commitment but the victim's."""

import os
import random

from federated_helpers import SMALL, honest_update, open_task

from sharedmodels.federated.rules import commitment


def commit_in_pool(mempool, task, who, update, samples=10):
    """Send ``who``'s commitment to ``update`` to the pool; (salt, samples, update, sent)."""
    salt = os.urandom(32)
    h = commitment(
        task.contract.address,
        task.chain.chain_id,
        salt,
        round_=0,
        who=str(who.address),
        samples=samples,
        update=update,
    )
    return salt, samples, update, mempool.send(task.contract.commit, 0, h, sender=who)


def test_a_copied_commitment_cannot_be_opened_and_costs_the_copier_its_stake(
    project, chain, owner, accounts, mempool
):
    """Mallory (a participant) copies alice's commitment, then her reveal, each landing first.
    The commitment lands (it is only a hash) but her copy of the reveal does not match it,
    since the hash binds alice's address; a stranger's copy has no commitment at all. Alice is
    paid as if nobody had copied her, and mallory forfeits her stake to the pool."""
    alice, bob, carol, mallory, stranger = (accounts[i] for i in range(1, 6))
    task = open_task(project, chain, owner)
    for who in (alice, bob, carol, mallory):
        task.join(who)
    rng = random.Random(11)
    for who in (bob, carol):
        task.commit(who, honest_update(SMALL, rng))
    with mempool.paused():
        salt, samples, update, mine = commit_in_pool(
            mempool, task, alice, honest_update(SMALL, rng)
        )
        (seen,) = mempool.calls(task.contract, "commit")
        theirs = mempool.copy(seen, sender=mallory)
        block = mempool.mine()
    assert block.order(mine, theirs) == [theirs, mine]
    assert block[theirs].ok and block[mine].ok
    for who in (alice, mallory):
        task.mirror.commit(str(who.address))

    task.to_reveal()
    for who in (bob, carol):
        task.reveal(who)
    with mempool.paused():
        mine = mempool.send(task.contract.reveal, salt, samples, update, sender=alice)
        (seen,) = mempool.calls(task.contract, "reveal")
        assert (seen.sender, list(seen.args[2])) == (alice.address, update)
        theirs = mempool.copy(seen, sender=mallory)
        strangers = mempool.copy(seen, sender=stranger, tip=3 * seen.tip)
        block = mempool.mine()
    assert block.order(mine, theirs, strangers) == [strangers, theirs, mine]
    assert block[strangers].reason == "federated: no commitment this round"
    assert block[theirs].reason == "federated: reveal does not match the commitment"
    assert block[mine].ok
    task.mirror.reveal(str(alice.address), samples, update)

    result = task.close(owner)  # checks the books, parameters and balances against the mirror
    assert result.forfeited == [str(mallory.address)]
    assert str(alice.address) in result.accepted
    assert int(task.contract.participants(mallory).stake) == 0
    assert int(task.contract.participants(mallory).balance) == 0


def test_a_copied_reveal_cannot_replace_the_copiers_own_update(
    project, chain, owner, accounts, mempool
):
    """Mallory committed an update of her own; in the reveal window she sees alice's update
    and tries to reveal it instead, ahead of alice: it does not match her commitment. She can
    still reveal her own in the same block, and is paid for it by the rule like anyone."""
    alice, bob, mallory = (accounts[i] for i in range(1, 4))
    task = open_task(project, chain, owner)
    for who in (alice, bob, mallory):
        task.join(who)
    rng = random.Random(12)
    for who in (alice, bob, mallory):
        task.commit(who, honest_update(SMALL, rng))
    task.to_reveal()
    task.reveal(bob)
    alices = task.pending.pop(str(alice.address))
    own = task.pending.pop(str(mallory.address))
    with mempool.paused():
        mine = mempool.send(
            task.contract.reveal, alices.salt, alices.samples, alices.update, sender=alice
        )
        (seen,) = mempool.calls(task.contract, "reveal")
        theirs = mempool.copy(seen, sender=mallory)
        honest = mempool.send(
            task.contract.reveal, own.salt, own.samples, own.update, sender=mallory, tip=seen.tip
        )
        block = mempool.mine()
    assert block.order(mine, theirs, honest)[0] == theirs
    assert block[theirs].reason == "federated: reveal does not match the commitment"
    assert block[mine].ok and block[honest].ok
    assert list(task.contract.update_of(mallory)) == own.update
    task.mirror.reveal(str(alice.address), alices.samples, alices.update)
    task.mirror.reveal(str(mallory.address), own.samples, own.update)
    result = task.close(owner)
    assert result.forfeited == []
