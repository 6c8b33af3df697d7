"""Attacks on a staked trainer, each shown to revert with its reason or to be harmless.

A contributor that is a contract and re-enters on receiving ETH (stopped by the re-entrancy
lock, and only by it) or refuses it; ETH forced into the trainer; a report front-run by another
reporter; the heaviest legal input; ownership misuse. The contracts these tests deploy are in
tests/contracts/.
"""

import ape
import pytest
from ape import chain
from conftest import STAKE, compile_test_contract, reverts_without_reason
from eth_abi import decode

from sharedmodels.encoding.packed import pack
from sharedmodels.trainers.client import Contribution, features_hash
from sharedmodels.trainers.sponsor import sign

pytestmark = pytest.mark.usefixtures("wei_invariant")

WEIGHTS = {1: 1000, 2: -1000}
POS, NEG = [1], [2]
#: ReentrantContributor's modes: what it does with a payment.
KEEP, ADD, REFUND, REPORT, REFUSE, TAKE, RELAY = range(7)
ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string), how a reason string is encoded


@pytest.fixture(scope="module")
def attacker_container():
    return compile_test_contract("ReentrantContributor")


@pytest.fixture
def trainer(deploy_trainer, deployed):
    t = deploy_trainer(weights=WEIGHTS)
    deployed.append(t)
    return t


def recorded(trainer, receipt, who, row, label):
    (log,) = receipt.decode_logs(trainer.ContributionAdded)
    c = Contribution(
        id=int(log.id),
        contributor=str(who),
        time=int(log.time),
        label=label,
        deposit=int(log.deposit),
    )
    c.features = tuple(row)
    return c


def outcome(call) -> str:
    """A ReentrantContributor's recorded call, in words: "ok", "reverted: <reason>", or
    "reverted without a reason" (empty revert data)."""
    assert call.done, "the call was never made"
    data = bytes(call.data)
    if call.success:
        return "ok"
    if not data:
        return "reverted without a reason"
    if data[:4] == ERROR_STRING:
        return f"reverted: {decode(['string'], data[4:])[0]}"
    return f"reverted with data 0x{data.hex()}"


def assert_stopped_by_the_lock(attacker):
    """The re-entering call failed on the lock. Vyper's re-entrancy lock is an ``assert``
    without a reason, so its revert data is empty; every check of the trainer's own gives a
    reason string."""
    assert outcome(attacker.reentry()) == "reverted without a reason"


def assert_replay(attacker, expected, sender):
    """The same call, made again from outside any trainer call, gets ``expected``: proof that
    it was well formed and reached the trainer's checks, so the lock alone stopped it."""
    attacker.set_mode(KEEP, sender=sender)
    attacker.replay(sender=sender)
    assert outcome(attacker.replayed()) == expected


def test_reentry_on_the_excess_return_hits_the_lock(trainer, attacker_container, alice):
    """The excess of a deposit is returned after every state change. A contributor re-entering
    addData from there, with enough for the same-second deposit (so nothing but the lock could
    stop it), is refused by the lock; it keeps the excess and its one contribution stands."""
    attacker = attacker_container.deploy(trainer, sender=alice)
    attacker.set_mode(ADD, sender=alice)
    sent = 2 * STAKE.max_deposit
    receipt = attacker.add(POS, 1, sender=alice, value=sent)
    assert_stopped_by_the_lock(attacker)
    c = recorded(trainer, receipt, attacker.address, POS, 1)
    assert trainer.contribution_count() == 1 and trainer.balance == c.deposit
    assert attacker.balance == sent - c.deposit
    assert_replay(attacker, "ok", sender=alice)
    assert trainer.contribution_count() == 2  # the replayed addData, a contribution of its own


def test_reentry_on_the_refund_hits_the_lock(trainer, attacker_container, alice):
    attacker = attacker_container.deploy(trainer, sender=alice)
    receipt = attacker.add(POS, 1, sender=alice, value=trainer.next_deposit())
    c = recorded(trainer, receipt, attacker.address, POS, 1)
    chain.pending_timestamp = c.time + STAKE.refund_wait
    attacker.set_mode(REFUND, sender=alice)
    before = attacker.balance
    receipt = attacker.refund(c.key(), POS, sender=alice)
    assert_stopped_by_the_lock(attacker)
    assert len(receipt.decode_logs(trainer.DepositRefunded)) == 1
    assert attacker.balance - before == c.deposit  # paid once
    assert trainer.contribution(c.id).claimable == 0 and trainer.num_good(attacker) == 1
    assert_replay(attacker, "reverted: refund: already refunded", sender=alice)


def test_reentry_on_the_report_payment_hits_the_lock(trainer, attacker_container, alice, mallory):
    attacker = attacker_container.deploy(trainer, sender=alice)
    receipt = attacker.add(POS, 1, sender=alice, value=trainer.next_deposit())
    good = recorded(trainer, receipt, attacker.address, POS, 1)
    chain.pending_timestamp = good.time + STAKE.refund_wait
    attacker.refund(good.key(), POS, sender=alice)  # one good point for the attacker
    receipt = trainer.addData(POS, 0, sender=mallory, value=trainer.next_deposit())
    bad = recorded(trainer, receipt, mallory.address, POS, 0)
    chain.pending_timestamp = bad.time + STAKE.refund_wait
    attacker.set_mode(REPORT, sender=alice)
    before = attacker.balance
    receipt = attacker.report(bad.key(), POS, sender=alice)
    assert_stopped_by_the_lock(attacker)
    (log,) = receipt.decode_logs(trainer.DepositReported)
    assert log.amount == bad.deposit  # the only good point: the whole deposit, once
    assert attacker.balance - before == log.amount
    assert trainer.contribution(bad.id).claimable == 0
    assert_replay(attacker, "reverted: report: already reported", sender=alice)


def test_reentry_on_the_take_payment_hits_the_lock(trainer, attacker_container, alice, mallory):
    receipt = trainer.addData(POS, 1, sender=mallory, value=trainer.next_deposit())
    c = recorded(trainer, receipt, mallory.address, POS, 1)
    chain.pending_timestamp = c.time + STAKE.any_wait
    attacker = attacker_container.deploy(trainer, sender=alice)
    attacker.set_mode(TAKE, sender=alice)
    receipt = attacker.take(c.key(), features_hash(POS), sender=alice)
    assert_stopped_by_the_lock(attacker)
    assert len(receipt.decode_logs(trainer.DepositTaken)) == 1
    assert attacker.balance == c.deposit and trainer.contribution(c.id).claimable == 0
    assert_replay(attacker, "reverted: take: nothing left to take", sender=alice)


def test_reentry_on_the_batch_excess_return_hits_the_lock(trainer, attacker_container, alice):
    """A sponsor contract's batch gets its excess back after every state change; re-entering
    addDataBatch from there with a second batch (the signer's next nonce, enough for the
    same-second deposit, so nothing but the lock could stop it) is refused by the lock."""
    attacker = attacker_container.deploy(trainer, sender=alice)
    deadline = int(chain.pending_timestamp) + 3600
    first, second = (
        trainer.addDataBatch.encode_input(
            [
                sign(
                    alice,
                    trainer.address,
                    chain.chain_id,
                    row=POS,
                    label=1,
                    nonce=nonce,
                    deadline=deadline,
                )
            ]
        )
        for nonce in (0, 1)
    )
    attacker.set_mode(RELAY, sender=alice)
    sent = 2 * STAKE.max_deposit
    receipt = attacker.relay(first, second, sender=alice, value=sent)
    assert_stopped_by_the_lock(attacker)
    c = recorded(trainer, receipt, alice.address, POS, 1)
    assert trainer.contribution_count() == 1 and trainer.nonces(alice) == 1
    assert attacker.balance == sent - c.deposit
    assert_replay(attacker, "ok", sender=alice)
    assert trainer.contribution_count() == 2 and trainer.nonces(alice) == 2


def test_a_contributor_that_refuses_payment_gets_the_reason(trainer, attacker_container, alice):
    """A payment that its recipient refuses reverts the whole call with "stake: payment
    failed": nothing changes and the deposit stays claimable. A recipient that does work on
    receipt (here a storage write, more than a transfer's 2300 gas) is paid: the payment
    forwards all gas."""
    wallet = attacker_container.deploy(trainer, sender=alice)
    wallet.set_mode(REFUSE, sender=alice)
    with ape.reverts("pay: payment failed"):  # the excess return is refused
        wallet.add(POS, 1, sender=alice, value=2 * STAKE.max_deposit)
    assert trainer.contribution_count() == 0 and trainer.balance == 0
    wallet.set_mode(KEEP, sender=alice)
    receipt = wallet.add(POS, 1, sender=alice, value=2 * STAKE.max_deposit)
    c = recorded(trainer, receipt, wallet.address, POS, 1)
    assert wallet.received() == wallet.balance == 2 * STAKE.max_deposit - c.deposit
    chain.pending_timestamp = c.time + STAKE.refund_wait
    wallet.set_mode(REFUSE, sender=alice)
    record = trainer.contribution(c.id)
    with ape.reverts("pay: payment failed"):
        wallet.refund(c.key(), POS, sender=alice)
    assert trainer.contribution(c.id) == record and record.claimable == c.deposit
    assert trainer.num_good(wallet) == trainer.total_good() == 0
    assert trainer.balance == c.deposit
    wallet.set_mode(KEEP, sender=alice)
    wallet.refund(c.key(), POS, sender=alice)
    assert wallet.received() == wallet.balance == 2 * STAKE.max_deposit
    assert trainer.num_good(wallet) == 1 and trainer.balance == 0


def test_second_address_cannot_report_its_own_bad_deposit(trainer, owner, mallory, bob):
    """A bad contributor's other address has no good contributions, so it cannot report; the
    owner takes the deposit at `owner_wait`, before anyone may at `any_wait`. (An absent owner
    leaves it to whoever comes first after `any_wait`, the second address included: the rules'
    abandoned tier excludes only the contributor itself.)"""
    receipt = trainer.addData(POS, 0, sender=mallory, value=trainer.next_deposit())
    bad = recorded(trainer, receipt, mallory.address, POS, 0)
    bad.features = tuple(POS)
    chain.pending_timestamp = bad.time + STAKE.refund_wait
    with ape.reverts("report: reporter has no good contributions"):
        trainer.report(bad.key(), list(POS), sender=bob)
    chain.pending_timestamp = bad.time + STAKE.owner_wait
    with ape.reverts("take: too early"):
        trainer.take(bad.key(), features_hash(POS), sender=bob)
    trainer.take(bad.key(), features_hash(POS), sender=owner)
    assert trainer.contribution(bad.id).claimable == 0


def test_plain_ether_is_refused(trainer, alice):
    with reverts_without_reason():  # no default function
        alice.transfer(trainer, 1)


def test_forced_ether_changes_no_claim(trainer, deployed, alice, bob, mallory):
    """SELFDESTRUCT can push ETH into any contract. It only adds to the balance: every
    claimable amount, refund and take stays as recorded (the surplus is simply stranded)."""
    receipt = trainer.addData(POS, 1, sender=alice, value=trainer.next_deposit())
    c = recorded(trainer, receipt, alice.address, POS, 1)
    forcer = compile_test_contract("Forcer")
    forcer.deploy(trainer, sender=mallory, value=12345)
    assert trainer.balance == c.deposit + 12345
    chain.pending_timestamp = c.time + STAKE.refund_wait
    trainer.refund(c.key(), list(POS), sender=alice)
    assert trainer.balance == 12345 and trainer.contribution(c.id).claimable == 0
    deployed.remove(trainer)  # the wei check is balance == owed; here balance == owed + 12345


def test_front_run_report_still_pays_by_share(trainer, alice, bob, carol, mallory):
    """Two reporters race for one deposit: each gets deposit * its good // all good, whoever
    lands first. Being first buys nothing the rules did not give; the rounding remainder stays
    claimable for the owner or anyone later."""
    for who in (alice, bob):  # one good contribution each
        r = trainer.addData(POS, 1, sender=who, value=trainer.next_deposit())
        g = recorded(trainer, r, who.address, POS, 1)
        chain.pending_timestamp = g.time + STAKE.refund_wait
        trainer.refund(g.key(), list(POS), sender=who)
    receipt = trainer.addData(POS, 0, sender=mallory, value=trainer.next_deposit())
    bad = recorded(trainer, receipt, mallory.address, POS, 0)
    chain.pending_timestamp = bad.time + STAKE.refund_wait
    first = trainer.report(bad.key(), list(POS), sender=bob)
    second = trainer.report(bad.key(), list(POS), sender=alice)
    (a,) = first.decode_logs(trainer.DepositReported)
    (b,) = second.decode_logs(trainer.DepositReported)
    assert a.amount == b.amount == bad.deposit // 2
    assert trainer.contribution(bad.id).claimable == bad.deposit - 2 * (bad.deposit // 2)


def test_largest_input_fits_easily_in_a_block(deploy_trainer, deployed, alice):
    trainer = deploy_trainer(n_features=2**20)
    deployed.append(trainer)
    row = list(range(0, 2**20, 2**20 // 512))
    assert len(row) == 512
    words = pack(row, 2**20)  # 64 words of eight 32-bit indices: the bound
    receipt = trainer.addData(words, 1, sender=alice, value=trainer.next_deposit())
    # The worst case: 512 weights never written before, each a new slot (22,100 gas). Even
    # that fits twice in a 30M-gas block, so no legal input can be made to exceed a block.
    assert trainer.update_count() == 1
    assert receipt.gas_used < 15_000_000
    with reverts_without_reason():  # 65 words do not even decode (the DynArray bound)
        trainer.addData(words + [2**20 - 1], 1, sender=alice, value=trainer.next_deposit())


def test_ownership_misuse(trainer, owner, mallory):
    with ape.reverts("ownable: caller is not the owner"):
        trainer.transfer_ownership(mallory, sender=mallory)
    with ape.reverts("ownable: caller is not the owner"):
        trainer.upload_intercept(0, sender=mallory)
    with ape.reverts("ownable: new owner is the zero address"):
        trainer.transfer_ownership("0x" + "00" * 20, sender=owner)
    # An owner cannot rewrite a live model: the first contribution seals the upload.
    trainer.addData(POS, 1, sender=mallory, value=trainer.next_deposit())
    with ape.reverts("perceptron: upload sealed"):
        trainer.upload_weights([1], [-1000], sender=owner)
    assert features_hash(POS)  # (the features stay bound: see test_stake's binding tests)
