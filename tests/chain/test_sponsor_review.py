"""Edges of sponsored batches (`auth/signed.vy`, `PerceptronStake.addDataBatch`,
`cancel_nonces`) an adversarial review checked and found safe, kept as tests."""

import ape
import pytest
from ape import chain
from conftest import STAKE, assert_wei_invariant, compile_test_contract

from sharedmodels.trainers.sponsor import cancel, sign, sign_many

pytestmark = pytest.mark.usefixtures("wei_invariant")

WEIGHTS = {1: 1000, 2: -1000}
POS, NEG = [1, 7], [2, 9]


@pytest.fixture
def trainer(deploy_trainer, deployed):
    t = deploy_trainer(weights=WEIGHTS)
    deployed.append(t)
    return t


@pytest.fixture(scope="module")
def wallet_type():
    return compile_test_contract("MarketWallet")


def later(seconds=3600):
    return int(chain.pending_timestamp) + seconds


def signed(trainer, account, row, label, nonce=None):
    nonce = int(trainer.nonces(account.address)) if nonce is None else nonce
    return sign(
        account,
        str(trainer.address),
        chain.chain_id,
        row=row,
        label=label,
        nonce=nonce,
        deadline=later(),
    )


def test_an_empty_sample_signs_and_lands_like_addData(trainer, alice, carol):
    """Safe: EIP-712 hashes an empty `uint32[]` as keccak256(""); the contract's zero-length
    slice gives the same digest as eth_account, and the record binds the same features hash
    as `addData([])`."""
    item = signed(trainer, alice, [], 1)
    receipt = trainer.addDataBatch([item], sender=carol, value=STAKE.max_deposit)
    assert receipt.return_value == [1]
    assert trainer.nonces(alice) == 1
    trainer.addData([], 0, sender=alice, value=STAKE.max_deposit)
    assert trainer.contribution_count() == 2


@pytest.mark.parametrize("how", ["v=0", "v=1", "r=0", "s=0", "v=29"])
def test_degenerate_signatures_are_refused(trainer, alice, carol, how):
    """Safe: ecrecover's failure value (address 0) never passes for a contributor, and a
    degenerate v, r or s cannot be used to pass, nor to be skipped instead of refused."""
    contributor, x, y, nonce, deadline, v, r, s = signed(trainer, alice, POS, 1)
    field, value = how.split("=")
    if field == "v":
        v = int(value)
    elif field == "r":
        r = bytes(32)
    else:
        s = bytes(32)
    with ape.reverts("signed: bad signature"):
        trainer.addDataBatch(
            [(contributor, x, y, nonce, deadline, v, r, s)], sender=carol, value=STAKE.max_deposit
        )
    # The same for an item whose nonce is already used: refused, never skipped.
    trainer.addDataBatch([signed(trainer, alice, POS, 1)], sender=carol, value=STAKE.max_deposit)
    with ape.reverts("signed: bad signature"):
        trainer.addDataBatch(
            [(contributor, x, y, nonce, deadline, v, r, s)], sender=carol, value=STAKE.max_deposit
        )


@pytest.mark.parametrize("reentry", ["cancel_nonces", "addDataBatch"])
def test_a_sponsor_wallet_cannot_reenter_from_its_refund(
    trainer, alice, owner, wallet_type, reentry
):
    """Safe: the excess of a batch goes back to the sponsor with all gas, after every state
    change; a sponsor contract that re-enters `cancel_nonces` or `addDataBatch` from that
    payment hits the shared non-reentrancy lock (a revert with no data)."""
    wallet = wallet_type.deploy(sender=owner)
    data = (
        trainer.cancel_nonces.encode_input(5)
        if reentry == "cancel_nonces"
        else trainer.addDataBatch.encode_input([])
    )
    wallet.set_mode(2, trainer, data, sender=owner)
    items = sign_many(trainer, alice, [POS, NEG], [1, 0], later())
    value = 3 * STAKE.max_deposit
    wallet.execute(
        trainer, trainer.addDataBatch.encode_input(items), value, sender=owner, value=value
    )
    assert wallet.reentered() and wallet.reentry_failed()
    assert bytes(wallet.reentry_error()) == b""
    assert trainer.nonces(wallet) == 0 and trainer.nonces(alice) == 2
    paid = sum(int(trainer.contribution(i).claimable) for i in (1, 2))
    assert int(wallet.received()) == value - paid
    assert assert_wei_invariant(trainer) == paid


def test_a_front_run_contribution_raising_the_deposit_does_not_sink_a_full_batch(
    trainer, alice, bob, carol, mallory
):
    """Safe (with `submit`'s value): a front-runner's `addData` in the batch's block raises the
    first item's deposit to the maximum; a batch sent with `max_deposit` per item still lands,
    and the sponsor gets the excess back."""
    items = sign_many(trainer, alice, [POS, NEG], [1, 0], later(7200))
    chain.pending_timestamp += 3600
    trainer.addData(NEG, 0, sender=mallory, value=STAKE.max_deposit)
    chain.pending_timestamp = int(trainer.last_contribution_time())  # same second
    before = carol.balance
    receipt = trainer.addDataBatch(items, sender=carol, value=2 * STAKE.max_deposit)
    assert receipt.return_value == [2, 3]
    assert carol.balance == before - 2 * STAKE.max_deposit - receipt.total_fees_paid


def test_a_signer_past_nonce_2_64_can_still_cancel(trainer, alice, carol):
    """A signer that cancelled up to 2**64 and then had one item used sits at 2**64 + 1. The
    cap applies to the step, not the value, so it can still cancel what it gives out next."""
    cancel(trainer, alice, until=2**64)
    trainer.addDataBatch([signed(trainer, alice, POS, 1)], sender=carol, value=STAKE.max_deposit)
    assert trainer.nonces(alice) == 2**64 + 1
    cancel(trainer, alice, until=2**64 + 2)
    assert trainer.nonces(alice) == 2**64 + 2
    with ape.reverts("signed: nonce too large"):
        trainer.cancel_nonces(2**65 + 3, sender=alice)
