"""Attacks on a staked trainer, each shown to revert with its reason or to be harmless.

A contributor that is a contract and re-enters on receiving ETH; ETH forced into the trainer;
a report front-run by another reporter; the heaviest legal input; ownership misuse.
"""

import ape
import pytest
from ape import chain, compilers
from conftest import STAKE

from sharedmodels.trainer import Contribution, features_hash

pytestmark = pytest.mark.usefixtures("wei_invariant")

WEIGHTS = {1: 1000, 2: -1000}
POS, NEG = [1], [2]

ATTACKER = """
# pragma version 0.4.3

struct Contribution:
    id: uint256
    contributor: address
    time: uint256
    label: uint8
    deposit: uint256

interface Trainer:
    def addData(x: DynArray[uint32, 512], y: uint8) -> uint256: payable
    def refund(c: Contribution, x: DynArray[uint32, 512]) -> uint256: nonpayable
    def report(c: Contribution, x: DynArray[uint32, 512]) -> uint256: nonpayable

trainer: public(address)
mode: public(uint8)      # 0: accept quietly, 1: re-enter addData, 2: refund, 3: report
saved: Contribution
saved_x: DynArray[uint32, 512]

@deploy
def __init__(trainer: address):
    self.trainer = trainer

@external
def set_mode(mode: uint8):
    self.mode = mode

@external
@payable
def add(x: DynArray[uint32, 512], y: uint8) -> uint256:
    return extcall Trainer(self.trainer).addData(x, y, value=msg.value)

@external
def refund(c: Contribution, x: DynArray[uint32, 512]) -> uint256:
    self.saved = c
    self.saved_x = x
    return extcall Trainer(self.trainer).refund(c, x)

@external
def report(c: Contribution, x: DynArray[uint32, 512]) -> uint256:
    self.saved = c
    self.saved_x = x
    return extcall Trainer(self.trainer).report(c, x)

@external
@payable
def __default__():
    if self.mode == 1:
        extcall Trainer(self.trainer).addData([1], 1, value=msg.value)
    elif self.mode == 2:
        extcall Trainer(self.trainer).refund(self.saved, self.saved_x)
    elif self.mode == 3:
        extcall Trainer(self.trainer).report(self.saved, self.saved_x)
"""

FORCER = """
# pragma version 0.4.3

@deploy
@payable
def __init__(target: address):
    selfdestruct(target)
"""


@pytest.fixture(scope="module")
def attacker_container():
    return compilers.compile_source("vyper", ATTACKER, contractName="Attacker")


@pytest.fixture
def trainer(deploy_trainer, deployed):
    t = deploy_trainer(weights=WEIGHTS)
    deployed.append(t)
    return t


def recorded(trainer, receipt, who, row, label):
    (log,) = receipt.decode_logs(trainer.ContributionAdded)
    c = Contribution(int(log.id), str(who), int(log.time), label, int(log.deposit))
    c.features = tuple(row)
    return c


def test_reentry_on_the_excess_return_reverts_the_whole_call(trainer, attacker_container, alice):
    attacker = attacker_container.deploy(trainer, sender=alice)
    attacker.set_mode(1, sender=alice)
    with ape.reverts():  # the nested addData hits the lock; the excess return fails; all undone
        attacker.add(POS, 1, sender=alice, value=STAKE.max_deposit + 1)
    assert trainer.contribution_count() == 0 and trainer.balance == 0


def test_reentry_on_the_refund_cannot_pay_twice(trainer, attacker_container, alice):
    attacker = attacker_container.deploy(trainer, sender=alice)
    receipt = attacker.add(POS, 1, sender=alice, value=trainer.next_deposit())
    c = recorded(trainer, receipt, attacker.address, POS, 1)
    chain.pending_timestamp = c.time + STAKE.refund_wait
    attacker.set_mode(2, sender=alice)
    with ape.reverts():  # the second refund inside the payment hits the lock
        attacker.refund(c.key(), POS, sender=alice)
    assert trainer.contribution(c.id).claimable == c.deposit and trainer.num_good(attacker) == 0
    attacker.set_mode(0, sender=alice)
    attacker.refund(c.key(), POS, sender=alice)  # an honest refund still works, once
    assert attacker.balance == c.deposit and trainer.num_good(attacker) == 1
    with ape.reverts("refund: already refunded"):
        attacker.refund(c.key(), POS, sender=alice)


def test_reentry_on_the_report_payment_cannot_take_twice(
    trainer, attacker_container, alice, mallory
):
    attacker = attacker_container.deploy(trainer, sender=alice)
    receipt = attacker.add(POS, 1, sender=alice, value=trainer.next_deposit())
    good = recorded(trainer, receipt, attacker.address, POS, 1)
    chain.pending_timestamp = good.time + STAKE.refund_wait
    attacker.refund(good.key(), POS, sender=alice)  # one good point for the attacker
    receipt = trainer.addData(POS, 0, sender=mallory, value=trainer.next_deposit())
    bad = recorded(trainer, receipt, mallory.address, POS, 0)
    chain.pending_timestamp = bad.time + STAKE.refund_wait
    attacker.set_mode(3, sender=alice)
    with ape.reverts():  # the nested report hits the lock
        attacker.report(bad.key(), POS, sender=alice)
    assert trainer.contribution(bad.id).claimable == bad.deposit
    attacker.set_mode(0, sender=alice)
    attacker.report(bad.key(), POS, sender=alice)
    with ape.reverts("report: already reported"):
        attacker.report(bad.key(), POS, sender=alice)


def test_second_address_cannot_report_its_own_bad_deposit(trainer, owner, mallory, bob):
    """A bad contributor's other address has no good contributions, so it cannot report; the
    owner takes the deposit at `owner_wait`, before anyone may at `any_wait`. (An absent owner
    leaves it to whoever comes first after `any_wait`, the second address included: SPEC §5.1's
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
    with ape.reverts():
        alice.transfer(trainer, 1)


def test_forced_ether_changes_no_claim(trainer, deployed, alice, bob, mallory):
    """SELFDESTRUCT can push ETH into any contract. It only adds to the balance: every
    claimable amount, refund and take stays as recorded (the surplus is simply stranded)."""
    receipt = trainer.addData(POS, 1, sender=alice, value=trainer.next_deposit())
    c = recorded(trainer, receipt, alice.address, POS, 1)
    forcer = compilers.compile_source("vyper", FORCER, contractName="Forcer")
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
    receipt = trainer.addData(row, 1, sender=alice, value=trainer.next_deposit())
    # The worst case: 512 weights never written before, each a new slot (22,100 gas). Even
    # that fits twice in a 30M-gas block, so no legal input can be made to exceed a block.
    assert trainer.update_count() == 1
    assert receipt.gas_used < 15_000_000
    with ape.reverts():  # 513 indices do not even decode (the DynArray bound)
        trainer.addData(row + [2**20 - 1], 1, sender=alice, value=trainer.next_deposit())


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
