"""The fast path's own transaction signing matches eth_account's byte for byte."""

from coincurve import PrivateKey
from eth_account import Account
from eth_utils import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from sharedmodels.fastpath import _rlp, sign_1559

#: secp256k1 private keys: 1 to the group order minus one.
KEYS = st.integers(1, 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364140).map(
    lambda k: k.to_bytes(32, "big")
)
ADDRESSES = st.one_of(st.none(), st.binary(min_size=20, max_size=20).map(to_checksum_address))


@settings(max_examples=150, deadline=None)
@given(
    key=KEYS,
    chain_id=st.integers(1, 2**32),
    nonce=st.integers(0, 2**40),
    max_fee=st.integers(0, 10**12),
    gas=st.integers(21_000, 30_000_000),
    to=ADDRESSES,
    value=st.integers(0, 10**24),
    data=st.binary(max_size=300),
)
def test_sign_1559_matches_eth_account(key, chain_id, nonce, max_fee, gas, to, value, data):
    tx = {
        "type": 2,
        "chainId": chain_id,
        "nonce": nonce,
        "maxFeePerGas": max_fee,
        "maxPriorityFeePerGas": 0,
        "gas": gas,
        "value": value,
        "data": data,
    }
    if to is not None:
        tx["to"] = to
    want = "0x" + bytes(Account.sign_transaction(tx, key).raw_transaction).hex()
    assert sign_1559(PrivateKey(key), chain_id, nonce, max_fee, gas, to, value, data) == want


def test_rlp_lengths():
    # The short and long forms of strings and lists, and the single-byte rule.
    assert _rlp(0) == b"\x80" and _rlp(0x7F) == b"\x7f" and _rlp(0x80) == b"\x81\x80"
    assert _rlp(b"a" * 55)[:1] == b"\xb7" and _rlp(b"a" * 56)[:2] == b"\xb8\x38"
    assert _rlp([]) == b"\xc0" and _rlp([b"a" * 60])[:2] == b"\xf8\x3e"
