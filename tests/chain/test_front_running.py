"""Front-runners on a staked trainer, with a public mempool (``tests/mempool.py``): the attacker
reads each pending call from the pool, decodes it, and sends a copy or a counter-move with a
higher tip, which lands first in the same block.

A copied refund, report or take, and a copied contribution, gain the copier nothing the rules
did not already give it; each test checks the order the block landed in, every reason and what
each address gained in wei (gas excluded). The last test is a limit the rules allow (the
current model decides refunds), measured: docs/security.md.
"""

import pytest
from ape import chain
from conftest import STAKE

from sharedmodels.trainers.client import Contribution

pytestmark = pytest.mark.usefixtures("wei_invariant")

WEIGHTS = {1: 1000, 2: -1000}
POS, NEG = [1], [2]


@pytest.fixture
def trainer(deploy_trainer, deployed):
    t = deploy_trainer(weights=WEIGHTS)
    deployed.append(t)
    return t


def contribute(trainer, who, row, label) -> Contribution:
    receipt = trainer.addData(row, label, sender=who, value=trainer.next_deposit())
    (log,) = receipt.decode_logs(trainer.ContributionAdded)
    return Contribution.from_log(log, row)


def good_points(trainer, who, n) -> None:
    """``who`` earns ``n`` good points: n correct contributions, each refunded."""
    for _ in range(n):
        c = contribute(trainer, who, POS, 1)
        chain.pending_timestamp = c.time + STAKE.refund_wait
        trainer.refund(c.key(), list(POS), sender=who)


def test_a_copied_refund_lands_first_and_fails(trainer, mempool, alice, mallory):
    c = contribute(trainer, alice, POS, 1)
    with mempool.paused():
        mine = mempool.send(trainer.refund, c.key(), list(POS), sender=alice)
        (seen,) = mempool.calls(trainer)
        assert (seen.method, seen.sender, list(seen.args[1])) == ("refund", alice.address, POS)
        theirs = mempool.copy(seen, sender=mallory)
        block = mempool.mine(c.time + STAKE.refund_wait)
    assert block.order(mine, theirs) == [theirs, mine]
    assert block[theirs].reason == "refund: not the contributor"
    assert block[mine].ok and block[mine].return_value == c.deposit
    assert (block.gain(alice), block.gain(mallory)) == (c.deposit, 0)


def test_a_copied_report_takes_its_own_share_not_the_victims(
    trainer, mempool, alice, bob, carol, mallory
):
    """Alice (2 good points) reports a bad contribution; carol (1 point) copies the report, a
    stranger without points and the bad contributor herself copy it too. Carol lands first
    and takes deposit * 1 // 3, what she could take alone; alice still gets deposit * 2 // 3;
    the others revert with their reasons. The remainder of the rounding stays claimable."""
    good_points(trainer, alice, 2)
    good_points(trainer, carol, 1)
    bad = contribute(trainer, mallory, POS, 0)
    d = bad.deposit
    with mempool.paused():
        mine = mempool.send(trainer.report, bad.key(), list(POS), sender=alice)
        (seen,) = mempool.calls(trainer, "report")
        copies = {who: mempool.copy(seen, sender=who) for who in (carol, bob, mallory)}
        copies[carol] = mempool.copy(seen, sender=carol, tip=4 * seen.tip)
        block = mempool.mine(bad.time + STAKE.refund_wait)
    assert block.order(mine, copies[carol])[0] == copies[carol]
    assert block[copies[bob]].reason == "report: reporter has no good contributions"
    assert block[copies[mallory]].reason == "report: own contribution"
    gains = {who.address: block.gain(who) for who in (alice, carol, bob, mallory)}
    assert gains == {alice.address: d * 2 // 3, carol.address: d // 3, bob.address: 0,
                     mallory.address: 0}  # fmt: skip
    assert trainer.contribution(bad.id).claimable == d - d // 3 - d * 2 // 3


def test_a_copied_owner_take_fails_until_anyone_may_take(trainer, mempool, owner, alice, mallory):
    """Between `owner_wait` and `any_wait` only the owner may take: a copy by a stranger or by
    the contributor itself reverts and the owner gets all of it. From `any_wait` on, the
    deposit is abandoned and the first taker gets it, by the rules (docs/security.md)."""
    bad = contribute(trainer, alice, POS, 0)
    with mempool.paused():
        mine = mempool.send(trainer.take, bad.key(), bad.features_hash, sender=owner)
        (seen,) = mempool.calls(trainer, "take")
        theirs = mempool.copy(seen, sender=mallory)
        own = mempool.copy(seen, sender=alice, tip=3 * seen.tip)
        block = mempool.mine(bad.time + STAKE.owner_wait)
    assert block.order(mine, theirs, own) == [own, theirs, mine]
    assert block[theirs].reason == "take: too early"
    assert block[own].reason == "take: contributor cannot take its own deposit"
    assert (block.gain(owner), block.gain(mallory), block.gain(alice)) == (bad.deposit, 0, 0)

    late = contribute(trainer, alice, POS, 0)
    with mempool.paused():
        mine = mempool.send(trainer.take, late.key(), late.features_hash, sender=owner)
        theirs = mempool.copy(mempool.calls(trainer, "take")[0], sender=mallory)
        block = mempool.mine(late.time + STAKE.any_wait)
    assert block[mine].reason == "take: nothing left to take"
    assert (block.gain(owner), block.gain(mallory)) == (0, late.deposit)


def test_a_copied_contribution_costs_the_victim_only_gas(trainer, mempool, alice, bob, mallory):
    """Mallory copies alice's contribution with the same value (what the client sends:
    `next_deposit()`). Hers lands first; alice's, in the same second, owes the largest
    deposit (cost_weight * 3600) and reverts: alice loses gas, no wei. Mallory holds a record
    she paid for, refunded exactly its deposit when the model agrees: the copy earned her a
    good point, as sending the sample herself would have."""
    contribute(trainer, bob, NEG, 0)
    chain.pending_timestamp = int(chain.blocks.head.timestamp) + 600
    chain.mine()
    value = int(trainer.next_deposit())
    with mempool.paused():
        mine = mempool.send(trainer.addData, POS, 1, sender=alice, value=value)
        (seen,) = mempool.calls(trainer, "addData")
        theirs = mempool.copy(seen, sender=mallory)
        block = mempool.mine(int(chain.blocks.head.timestamp) + 1)
    assert block.order(mine, theirs) == [theirs, mine]
    assert block[mine].reason == "addData: deposit too low"
    (log,) = chain.provider.get_receipt(theirs.hash).decode_logs(trainer.ContributionAdded)
    assert block.gain(mallory) == -int(log.deposit) and block.gain(alice) == 0
    assert trainer.contribution_count() == 2
    copy = Contribution(
        id=int(log.id),
        contributor=mallory.address,
        time=int(log.time),
        label=1,
        deposit=int(log.deposit),
        features=(1,),
    )
    chain.pending_timestamp = copy.time + STAKE.refund_wait
    assert trainer.refund(copy.key(), POS, sender=mallory).return_value == copy.deposit
    assert trainer.num_good(mallory) == 1 and trainer.num_good(alice) == 0


def test_limit_a_refund_sandwiched_by_a_flip_and_a_report(deploy_trainer, deployed, mempool,
                                                          alice, mallory):  # fmt: skip
    """What the as-is rule allows (docs/security.md, "The current model decides refunds"),
    measured. Alice taught a fresh model her sample; when she sends her refund, mallory (one
    good point) reads it in the pool and lands, before it, a contribution with the opposite
    label (the Perceptron learns it: the model now disagrees with alice) and a report of
    alice's contribution. Alice's refund reverts; mallory takes alice's whole deposit (she
    holds every good point) and later refunds her own flip, which the model still agrees
    with. Mallory ends richer by alice's deposit; alice loses it."""
    t = deploy_trainer()
    deployed.append(t)
    good_points(t, mallory, 1)
    chain.pending_timestamp = int(chain.blocks.head.timestamp) + 3600
    x = [7]
    victim = contribute(t, alice, x, 1)
    assert int(t.predict(x)) == 1
    with mempool.paused():
        mine = mempool.send(t.refund, victim.key(), x, sender=alice)
        (seen,) = mempool.calls(t, "refund")
        flip_value = int(t.next_deposit())
        flip = mempool.send(t.addData, x, 0, sender=mallory, value=flip_value, tip=3 * seen.tip)
        report = mempool.send(t.report, victim.key(), x, sender=mallory, tip=2 * seen.tip)
        block = mempool.mine(victim.time + STAKE.refund_wait)
    assert block.order(mine, flip, report) == [flip, report, mine]
    # The report took the whole deposit first, so the refund finds nothing left.
    assert block[mine].reason == "refund: deposit reported or taken"
    (log,) = chain.provider.get_receipt(flip.hash).decode_logs(t.ContributionAdded)
    assert block.gain(mallory) == victim.deposit - int(log.deposit)
    # docs/security.md's figures: 0.06 ETH taken after a quiet hour, 0.51 ETH locked for 60 s
    assert (victim.deposit, int(log.deposit)) == (6 * 10**16, 10**15 * 3600 // 7)
    assert block.gain(alice) == 0 and t.contribution(victim.id).claimable == 0
    own = Contribution(
        id=int(log.id),
        contributor=mallory.address,
        time=int(log.time),
        label=0,
        deposit=int(log.deposit),
        features=(7,),
    )
    chain.pending_timestamp = own.time + STAKE.refund_wait
    assert t.refund(own.key(), x, sender=mallory).return_value == own.deposit
