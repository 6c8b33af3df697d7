"""The contract library (`contracts/lib/`), each module on its own through a test contract
(`tests/contracts/LibHarness.vy`): paying the caller (`pay`), the seed from a block hash
(`seed`) and tagged hash-chain commitments (`hash_chain`). The contracts that use them have
their own tests of the same rules in context (market, bounty, federated, stake)."""

import ape
import pytest
from conftest import compile_test_contract
from eth_abi import encode
from eth_utils import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from sharedmodels.bounty.rules import group_commitment
from sharedmodels.market.rules import commitment as piece_commitment

FUND = 10**18
REFUSE = 1


@pytest.fixture(scope="module")
def harness(owner):
    return compile_test_contract("LibHarness").deploy(sender=owner, value=FUND)


@pytest.fixture(scope="module")
def wallet(owner):
    return compile_test_contract("MarketWallet").deploy(sender=owner)


# ---------------------------------------------------------------- pay


def test_pay_sends_the_exact_amount_to_the_caller(harness, alice):
    before, held = alice.balance, harness.balance
    receipt = harness.pay_caller(12345, sender=alice)
    assert alice.balance == before + 12345 - receipt.total_fees_paid
    assert harness.balance == held - 12345


def test_pay_gives_a_contract_wallet_all_the_gas(harness, wallet, owner):
    """The wallet writes storage on receipt, which a transfer's 2,300 gas would not allow."""
    wallet.set_mode(0, harness, b"", sender=owner)
    held = harness.balance
    wallet.execute(harness, harness.pay_caller.encode_input(777), 0, sender=owner)
    assert wallet.received() == 777 and wallet.payments() == 1
    assert harness.balance == held - 777


def test_pay_reverts_with_its_reason_when_the_recipient_refuses(harness, wallet, owner):
    wallet.set_mode(REFUSE, harness, b"", sender=owner)
    held, received = harness.balance, wallet.received()
    with ape.reverts("pay: payment failed"):
        wallet.execute(harness, harness.pay_caller.encode_input(1), 0, sender=owner)
    assert harness.balance == held and wallet.received() == received


def test_pay_of_zero_never_calls_the_recipient(harness, wallet, owner):
    """A refusing wallet is not even called for 0 wei, so a zero payment cannot fail."""
    wallet.set_mode(REFUSE, harness, b"", sender=owner)
    held = harness.balance
    wallet.execute(harness, harness.pay_caller.encode_input(0), 0, sender=owner)
    assert harness.balance == held


def test_pay_cannot_send_more_than_the_contract_holds(harness, alice):
    with ape.reverts("pay: payment failed"):
        harness.pay_caller(harness.balance + 1, sender=alice)


# ---------------------------------------------------------------- seed


def arm(harness, chain, sender) -> int:
    receipt = harness.arm(sender=sender)
    s = harness.seed_block()
    assert s == receipt.block_number + 2  # SEED_DELAY blocks ahead of the arming block
    return s


def mine_to(chain, height: int):
    """Mine until the chain's head is `height` (the next transaction lands in `height + 1`)."""
    if chain.blocks.height < height:
        chain.mine(height - chain.blocks.height)
    assert chain.blocks.height == height


def test_seed_is_not_there_in_the_seed_block(harness, chain, alice):
    s = arm(harness, chain, alice)
    mine_to(chain, s - 1)
    with ape.reverts("seed: seed block not mined yet"):
        harness.draw(sender=alice)


def test_seed_is_the_hash_of_the_seed_block_from_the_next_block(harness, chain, alice):
    s = arm(harness, chain, alice)
    mine_to(chain, s)
    receipt = harness.draw(sender=alice)
    assert receipt.block_number == s + 1
    assert harness.drawn() == bytes(chain.blocks[s].hash)


def test_seed_is_readable_256_blocks_later(harness, chain, alice):
    s = arm(harness, chain, alice)
    mine_to(chain, s + 255)
    receipt = harness.draw(sender=alice)
    assert receipt.block_number == s + 256
    assert harness.drawn() == bytes(chain.blocks[s].hash)


def test_seed_is_lost_257_blocks_later(harness, chain, alice):
    s = arm(harness, chain, alice)
    mine_to(chain, s + 255)
    assert harness.check_lapsed(sender=alice).block_number == s + 256
    assert not harness.lapsed()
    with ape.reverts("seed: draw lost"):
        harness.draw(sender=alice)  # block s + 257 (or later)
    assert harness.check_lapsed(sender=alice).block_number >= s + 257
    assert harness.lapsed()


# ---------------------------------------------------------------- hash_chain

TAG = keccak(text="sharedmodels.test.tag")


def test_start_binds_tag_chain_id_salt_and_length(harness, chain):
    salt = keccak(b"salt")
    want = keccak(
        encode(["bytes32", "uint256", "bytes32", "uint256"], [TAG, chain.chain_id, salt, 3])
    )
    assert harness.start(TAG, salt, 3) == want
    assert harness.start(TAG, salt, 4) != want
    assert harness.start(keccak(b"other tag"), salt, 3) != want


def test_start_here_binds_the_contract_too(harness, chain):
    salt = keccak(b"salt")
    want = keccak(
        encode(
            ["bytes32", "uint256", "address", "bytes32", "uint256"],
            [TAG, chain.chain_id, harness.address, salt, 3],
        )
    )
    assert harness.start_here(TAG, salt, 3) == want
    assert harness.start_here(TAG, salt, 3) != harness.start(TAG, salt, 3)


@settings(max_examples=10, deadline=None, derandomize=True)
@given(acc=st.binary(min_size=32, max_size=32), item=st.binary(min_size=32, max_size=32))
def test_link_hashes_the_chain_then_the_item(harness, acc, item):
    assert harness.link(acc, item) == keccak(acc + item)
    assert harness.link(item, acc) == keccak(item + acc)


def test_the_market_and_bounty_commitments_are_these_chains(harness, chain):
    """The off-chain commitments the market's provider and the bounty's organiser make are
    the library's chains over their sample hashes."""
    salt = keccak(b"piece salt")
    piece = [([1, 5, 9], 1), ([2], 0)]
    acc = harness.start_here(keccak(text="sharedmodels.market.piece"), salt, len(piece))
    for x, y in piece:
        acc = harness.link(acc, keccak(encode(["uint32[]", "uint8"], [x, y])))
    assert acc == piece_commitment(salt, piece, harness.address, chain.chain_id)

    group = [([-3, 4], 2), ([7, -1], 0), ([0, 0], 1)]
    acc = harness.start(keccak(text="sharedmodels.bounty.group"), salt, len(group))
    for x, y in group:
        acc = harness.link(acc, keccak(encode(["int64[]", "uint8"], [x, y])))
    assert acc == group_commitment(chain.chain_id, salt, group)
