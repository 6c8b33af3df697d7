"""Front-runners on a model bounty, with a public mempool (``tests/mempool.py``): the attacker
reads a pending `submit`, `upload`, `seal` or `step` from the pool and sends a copy with a
higher tip, which lands first in the same block. A model commitment binds the submitter's
address, so a copied submission can never be sealed (its stake is burned); `upload` and
`seal` are the submitter's alone; and a copied `step` only does the keeper's work, for the
same share of the same fee. Each test checks the landing order, every reason and what each
address gained in wei (gas added back)."""

import random

from bounty_helpers import PRIZE, TERMS, good_perceptron, groups, open_bounty

from sharedmodels.bounty.driver import Entrant, withdraw_all
from sharedmodels.bounty.models import PERCEPTRON


def _opened(project, chain, owner):
    run = open_bounty(project, chain, owner, groups(random.Random(21), 4, 6))
    run.open()
    return run


def test_a_copied_submission_never_seals_and_burns_the_copiers_stake(
    project, chain, accounts, owner, alice, bob, mempool
):
    """Mallory copies alice's submission (the same commitment and stake, twice the tip), then
    in the upload window copies her upload onto her own id, salt and all, landing first each
    time. The chain of hashes starts from the submitter's address, so mallory's copy does not
    match the commitment and never seals; alice's model wins as if nobody had copied it, and
    mallory's stake goes to nobody."""
    mallory = accounts[9]
    run = _opened(project, chain, owner)
    c = run.contract
    e = Entrant(good_perceptron())
    with mempool.paused():
        mine = mempool.send(
            c.submit,
            PERCEPTRON,
            0,
            0,
            e.commitment(c, alice.address),
            sender=alice,
            value=TERMS.min_stake,
        )
        (seen,) = mempool.calls(c, "submit")
        theirs = mempool.copy(seen, sender=mallory)
        block = mempool.mine()
    assert block.order(mine, theirs) == [theirs, mine]
    assert block[theirs].ok and block[mine].ok
    assert block.gain(mallory) == block.gain(alice) == -TERMS.min_stake
    assert [str(c.submissions(i).submitter) for i in range(2)] == [mallory.address, alice.address]
    e.id = 1
    run.entrants = [(mallory, Entrant(e.model, e.salt, 0), TERMS.min_stake)]
    run.entrants.append((alice, e, TERMS.min_stake))
    run.to_uploads()
    with mempool.paused():
        mine = mempool.send(c.upload, 1, e.salt, 0, list(e.model.params), sender=alice)
        (seen,) = mempool.calls(c, "upload")
        theirs = mempool.copy(seen, sender=mallory, args=(0, *seen.args[1:]))
        stolen = mempool.copy(seen, sender=accounts[8])  # onto alice's own id
        block = mempool.mine()
    assert block[theirs].ok and block[mine].ok
    assert block[stolen].reason == "bounty: submitter only"
    with mempool.paused():
        mine = mempool.send(c.seal, 1, sender=alice)
        theirs = mempool.send(c.seal, 0, sender=mallory, tip=10**10)
        block = mempool.mine()
    assert block.order(mine, theirs) == [theirs, mine]
    assert block[theirs].reason == "bounty: model does not match its hash"
    assert block[mine].ok and not c.submissions(0).sealed
    run.to_reveal()
    run.reveal_tests()
    run.evaluate(keeper=bob)
    c.finalize(sender=bob)
    assert int(c.winner()) == 1 and run.dues() == run.expected().dues
    paid = withdraw_all(c, accounts, owner)
    fee = run.fee(e.model, True, len(run.test_set()[0]))
    assert paid == {str(alice.address): PRIZE + TERMS.min_stake - fee, str(bob.address): fee}
    assert c.balance == int(c.burned()) == TERMS.min_stake  # mallory's stake, to nobody


def test_a_copied_seal_is_refused(project, chain, owner, alice, mempool):
    """Only the submitter seals: a copy from anyone else (here the organiser) is refused."""
    run = _opened(project, chain, owner)
    c = run.contract
    e = run.submit(alice, good_perceptron())
    run.to_uploads()
    run.upload(alice, e, seal=False)
    with mempool.paused():
        mine = mempool.send(c.seal, e.id, sender=alice)
        (seen,) = mempool.calls(c, "seal")
        theirs = mempool.copy(seen, sender=owner)
        block = mempool.mine()
    assert block.order(mine, theirs) == [theirs, mine]
    assert block[theirs].reason == "bounty: submitter only"
    assert block[mine].ok and c.submissions(e.id).sealed


def test_a_copied_step_earns_the_same_fee_once(
    project, chain, accounts, owner, alice, bob, mempool
):
    """Bob sends a step; mallory copies it with twice the tip and scores those samples first.
    Bob's step then scores the next ones (or, once the model is done, is refused). Between
    them they earn the model's fee exactly once; alice's due does not move."""
    mallory = accounts[9]
    run = _opened(project, chain, owner)
    c = run.contract
    e = run.submit(alice, good_perceptron())
    run.to_uploads()
    run.upload(alice, e)
    run.to_reveal()
    run.reveal_tests()
    t = len(run.test_set()[0])
    fee = run.fee(e.model, True, t)
    with mempool.paused():
        mine = mempool.send(c.step, e.id, 10_000_000, sender=bob)
        (seen,) = mempool.calls(c, "step")
        theirs = mempool.copy(seen, sender=mallory)
        block = mempool.mine()
    assert block.order(mine, theirs) == [theirs, mine]
    assert block[theirs].ok and block[theirs].return_value is True  # all of it in one step
    assert block[mine].reason == "bounty: already scored"
    assert int(c.fees_due(mallory)) == fee and int(c.fees_due(bob)) == 0
    assert block.gain(mallory) == block.gain(bob) == 0  # fees are pulled later
    c.finalize(sender=bob)
    assert int(c.due(e.id)) == PRIZE + TERMS.min_stake - fee == run.expected().dues[e.id]
