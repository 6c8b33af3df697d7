"""Sponsored batches (`addDataBatch`): users sign EIP-712 contributions, a sponsor submits them
and pays. Forged, tampered, replayed, expired, cross-contract and cross-chain signatures are
refused; the record, and so the refund, belongs to the signer."""

import ape
import pytest
from ape import chain
from conftest import STAKE
from eth_account.messages import encode_typed_data

from sharedmodels.sponsor import sign, sign_many, submit, typed_data
from sharedmodels.trainer import export_csv, read_export, scan

#: After every test: the wei invariant for every trainer it deployed (conftest).
pytestmark = pytest.mark.usefixtures("wei_invariant")

WEIGHTS = {1: 1000, 2: -1000}
POS, NEG = [1, 7], [2, 9]
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@pytest.fixture
def trainer(deploy_trainer, deployed):
    t = deploy_trainer(weights=WEIGHTS)
    deployed.append(t)
    return t


def later(seconds=3600):
    return int(chain.pending_timestamp) + seconds


def signed(trainer, account, row, label, nonce=None, deadline=None, chain_id=None, to=None):
    nonce = int(trainer.nonces(account.address)) if nonce is None else nonce
    return sign(
        account,
        str(to or trainer.address),
        chain.chain_id if chain_id is None else chain_id,
        row,
        label,
        nonce,
        later() if deadline is None else deadline,
    )


def value_for(n):
    return STAKE.max_deposit * n


def test_domain_separator_matches_eip712(trainer):
    message = encode_typed_data(
        full_message=typed_data(str(trainer.address), chain.chain_id, trainer.address, [], 0, 0, 0)
    )
    assert message.version == b"\x01"
    assert trainer.DOMAIN_SEPARATOR() == message.header


def test_sponsored_batch_records_the_signers(trainer, alice, bob, carol):
    items = sign_many(trainer, alice, [POS, NEG], [1, 0], later(7200)) + sign_many(
        trainer, bob, [POS], [1], later(7200)
    )
    chain.pending_timestamp += 3600
    last = trainer.last_contribution_time()
    before = carol.balance
    added = submit(trainer, carol, items)
    receipt = added[0].receipt
    assert [a.id for a in added] == [1, 2, 3]
    # The first pays for the quiet hour, the others land in the same second.
    first = STAKE.deposit(trainer.last_contribution_time() - last)
    assert [a.deposit for a in added] == [first, STAKE.max_deposit, STAKE.max_deposit]
    assert carol.balance == before - sum(a.deposit for a in added) - receipt.total_fees_paid
    assert trainer.nonces(alice) == 2 and trainer.nonces(bob) == 1
    history = scan(trainer, 0)
    assert [(c.contributor, c.features, c.label) for c in history] == [
        (alice.address, tuple(POS), 1),
        (alice.address, tuple(NEG), 0),
        (bob.address, tuple(POS), 1),
    ]
    logs = list(receipt.decode_logs(trainer.NonceUsed))
    assert [(g.contributor, g.nonce, g.sponsor) for g in logs] == [
        (alice.address, 0, carol.address),
        (alice.address, 1, carol.address),
        (bob.address, 0, carol.address),
    ]


def test_refunds_go_to_the_signer_not_the_sponsor(trainer, alice, carol, tmp_path):
    (added,) = submit(trainer, carol, sign_many(trainer, alice, [POS], [1], later()))
    c = scan(trainer, 0).contributions[added.id]
    chain.pending_timestamp = c.time + STAKE.refund_wait
    with ape.reverts("refund: not the contributor"):
        trainer.refund(c.key(), list(c.features), sender=carol)
    before = alice.balance
    receipt = trainer.refund(c.key(), list(c.features), sender=alice)
    assert alice.balance == before + c.deposit - receipt.total_fees_paid
    assert trainer.num_good(alice) == 1 and trainer.num_good(carol) == 0
    path = tmp_path / "crowd.csv"
    export_csv(scan(trainer, 0), path, ["neg", "pos"], 0, STAKE.refund_wait)
    assert [(r["contributor"], r["features"]) for r in read_export(path)] == [
        (alice.address, tuple(POS))
    ]


def test_forged_signature(trainer, alice, mallory, carol):
    forged = list(signed(trainer, mallory, POS, 1))
    forged[0] = alice.address  # mallory signs, claiming to be alice
    with ape.reverts("batch: bad signature"):
        trainer.addDataBatch([tuple(forged)], sender=carol, value=value_for(1))


@pytest.mark.parametrize("field,value", [(1, NEG), (2, 0), (3, 10**12)])
def test_tampered_item(trainer, alice, carol, field, value):
    item = list(signed(trainer, alice, POS, 1))
    item[field] = value
    with ape.reverts("batch: bad signature"):
        trainer.addDataBatch([tuple(item)], sender=carol, value=value_for(1))


def test_replayed_signature(trainer, alice, carol):
    item = signed(trainer, alice, POS, 1)
    trainer.addDataBatch([item], sender=carol, value=value_for(1))
    with ape.reverts("batch: bad signature"):
        trainer.addDataBatch([item], sender=carol, value=value_for(1))
    with ape.reverts("batch: bad signature"):  # twice in one batch: the second is a replay
        trainer.addDataBatch([signed(trainer, alice, POS, 1)] * 2, sender=carol, value=value_for(2))
    assert trainer.contribution_count() == 1 and trainer.nonces(alice) == 1


def test_expired_signature_at_the_exact_second(trainer, alice, carol):
    deadline = later(600)
    item = signed(trainer, alice, POS, 1, deadline=deadline)
    chain.pending_timestamp = deadline + 1
    with ape.reverts("batch: signature expired"):
        trainer.addDataBatch([item], sender=carol, value=value_for(1))
    ok = signed(trainer, alice, POS, 1, deadline=deadline + 5)
    chain.pending_timestamp = deadline + 5
    trainer.addDataBatch([ok], sender=carol, value=value_for(1))  # deadline == now: valid
    assert trainer.nonces(alice) == 1


def test_signature_for_another_contract(deploy_trainer, deployed, trainer, alice, carol):
    other = deploy_trainer(weights=WEIGHTS)
    deployed.append(other)
    item = signed(trainer, alice, POS, 1)  # signed for `trainer`
    with ape.reverts("batch: bad signature"):
        other.addDataBatch([item], sender=carol, value=value_for(1))
    trainer.addDataBatch([item], sender=carol, value=value_for(1))


def test_signature_for_another_chain(trainer, alice, carol):
    item = signed(trainer, alice, POS, 1, chain_id=chain.chain_id + 1)
    with ape.reverts("batch: bad signature"):
        trainer.addDataBatch([item], sender=carol, value=value_for(1))


def test_malleable_twin_is_refused(trainer, alice, carol):
    contributor, x, y, deadline, v, r, s = signed(trainer, alice, POS, 1)
    twin_s = (SECP256K1_N - int.from_bytes(s, "big")).to_bytes(32, "big")
    twin = (contributor, x, y, deadline, 55 - v, r, twin_s)  # same signer, high s
    with ape.reverts("batch: bad signature"):
        trainer.addDataBatch([twin], sender=carol, value=value_for(1))


def test_sponsor_must_pay_every_deposit(trainer, alice, carol):
    items = sign_many(trainer, alice, [POS, NEG], [1, 0], later(7200))
    chain.pending_timestamp += 3600
    with ape.reverts("addData: deposit too low"):
        trainer.addDataBatch(items, sender=carol, value=STAKE.deposit(3600) + STAKE.max_deposit - 1)
    assert trainer.contribution_count() == 0 and trainer.nonces(alice) == 0


def test_model_input_errors_still_revert(trainer, alice, carol):
    item = signed(trainer, alice, [9, 2], 1)
    with ape.reverts("perceptron: features not sorted and unique"):
        trainer.addDataBatch([item], sender=carol, value=value_for(1))
