"""The provider's side of the prediction market: split, salt, commit, verify, keep secrets.

The commitment scheme is checked against Vyper itself
(``tests/chain/test_market_commitment.py``): a contract chaining
``keccak256(concat(acc, keccak256(abi_encode(s.x, s.y))))`` from the first link
``keccak256(abi_encode(PIECE_TAG, salt, len(piece)))`` over a ``DynArray[Sample, N]`` gives the
same hash as ``sharedmodels.market.rules.commitment``; the market contract's reveal does the
same (its own tests check real reveals, and the attacks on them)."""

import os
import stat

import pytest
from eth_utils import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from sharedmodels.market.rules import (
    MarketError,
    ProviderSecrets,
    commit_test_set,
    commitment,
    first_link,
    load_secrets,
    sample_hash,
    save_secrets,
    split,
    verify,
)

ROWS = [[1, 5, 9], [2], [], [3, 4], [7, 8, 100], [0, 2**32 - 1]]
#: The market the test commitments name (any address; chain id 1).
M = "0x" + "cd" * 20
LABELS = [1, 0, 1, 1, 0, 1]


def test_split_deals_round_robin_keeping_order():
    parts = split(ROWS, LABELS, 3)
    assert parts == [
        [((1, 5, 9), 1), ((3, 4), 1)],
        [((2,), 0), ((7, 8, 100), 0)],
        [((), 1), ((0, 2**32 - 1), 1)],
    ]


@pytest.mark.parametrize(
    "rows,labels,k,message",
    [
        (ROWS, LABELS, 1, "at least 2 pieces"),
        (ROWS, LABELS[:-1], 2, "6 rows but 5 labels"),
        (ROWS[:2], LABELS[:2], 3, "2 samples cannot fill 3 pieces"),
    ],
)
def test_split_refuses(rows, labels, k, message):
    with pytest.raises(MarketError, match=message):
        split(rows, labels, k)


def test_commit_checks_samples_like_the_contracts():
    with pytest.raises(MarketError, match="test sample 1: features must be sorted and unique"):
        commit_test_set([[1], [3, 2]], [0, 1], 2)
    with pytest.raises(MarketError, match="test sample 0: feature index 9 out of range"):
        commit_test_set([[9], [1]], [0, 1], 2, n_features=8)


def test_commitments_hide_the_piece_and_bind_it():
    a = commit_test_set(ROWS, LABELS, 2, market=M, chain_id=1)
    b = commit_test_set(ROWS, LABELS, 2, market=M, chain_id=1)
    assert a.pieces == b.pieces and a.salts != b.salts
    assert set(a.commitments).isdisjoint(b.commitments)  # fresh salts: nothing to compare
    salt, piece = a.reveal(1)
    assert verify(a.commitments[1], salt, piece, M, 1)
    assert not verify(a.commitments[1], b.salts[1], piece, M, 1)  # wrong salt
    assert not verify(a.commitments[1], salt, a.pieces[0], M, 1)  # another piece
    assert not verify(a.commitments[1], salt, piece[::-1], M, 1)  # reordered
    assert not verify(a.commitments[1], salt, [(x, 1 - y) for x, y in piece], M, 1)  # relabelled
    assert not verify(a.commitments[1], salt, piece[:-1], M, 1)  # a prefix
    assert not verify(a.commitments[1], salt, piece + piece[:1], M, 1)  # one sample more
    with pytest.raises(MarketError, match="no piece 2"):
        a.reveal(2)
    with pytest.raises(MarketError, match="a salt is 32 bytes"):
        commitment(b"short", piece, M, 1)


def test_only_the_whole_piece_matches_not_a_suffix_from_a_chain_value():
    """The hole this scheme closes: with the chain starting from the bare salt, the value after
    k samples was a valid "salt" for the rest of the piece, so a provider could reveal any
    suffix it liked after seeing the contributions. Every suffix, with every chain value of the
    real piece as its salt, now fails."""
    secrets = commit_test_set(
        [[j] for j in range(12)], [j % 2 for j in range(12)], 2, market=M, chain_id=1
    )
    salt, piece = secrets.reveal(0)
    links = [first_link(salt, len(piece), M, 1)]
    for x, y in piece:
        links.append(keccak(links[-1] + sample_hash(x, y)))
    assert links[-1] == secrets.commitments[0]
    for k in range(1, len(piece)):
        for start in (links[k], salt):
            assert not verify(secrets.commitments[0], start, piece[k:], M, 1)


def test_secrets_file_round_trip_is_private_and_never_overwritten(tmp_path):
    secrets = commit_test_set(ROWS, LABELS, 3, market=M, chain_id=1)
    path = save_secrets(secrets, tmp_path / "market.json")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    back = load_secrets(path)
    assert back.pieces == secrets.pieces and back.commitments == secrets.commitments
    with pytest.raises(MarketError, match="exists"):
        save_secrets(commit_test_set(ROWS, LABELS, 2, market=M, chain_id=1), path)
    assert load_secrets(path).commitments == secrets.commitments


def test_secrets_file_errors(tmp_path):
    with pytest.raises(MarketError, match="no secrets file"):
        load_secrets(tmp_path / "missing.json")
    (tmp_path / "junk.json").write_text("{}")
    with pytest.raises(MarketError, match="not a secrets file"):
        load_secrets(tmp_path / "junk.json")
    secrets = commit_test_set(ROWS, LABELS, 2, market=M, chain_id=1)
    # Pieces swapped but the recorded commitments kept: the file no longer binds.
    edited = ProviderSecrets([secrets.pieces[1], secrets.pieces[0]], secrets.salts, M, 1)
    text = edited.to_json().replace(
        edited.to_json().split('"commitments"')[1], secrets.to_json().split('"commitments"')[1]
    )
    (tmp_path / "swapped.json").write_text(text)
    with pytest.raises(MarketError, match="inconsistent"):
        load_secrets(tmp_path / "swapped.json")
    # A file from an earlier commitment scheme (version 2: no market, no chain) is refused by
    # name.
    (tmp_path / "old.json").write_text(secrets.to_json().replace('"version": 3', '"version": 2'))
    with pytest.raises(MarketError, match="version 2 is not 3"):
        load_secrets(tmp_path / "old.json")


SAMPLE = st.tuples(
    st.lists(st.integers(0, 2**32 - 1), max_size=6, unique=True).map(sorted),
    st.integers(0, 255),
)


@settings(max_examples=50, deadline=None)
@given(
    # At least k samples for k pieces (fewer is a MarketError, tested above): drawn that way,
    # so no example is wasted.
    k_samples=st.integers(2, 6).flatmap(
        lambda k: st.tuples(st.just(k), st.lists(SAMPLE, min_size=k, max_size=30))
    ),
)
def test_split_is_a_partition(k_samples):
    k, samples = k_samples
    rows, labels = [s[0] for s in samples], [s[1] for s in samples]
    parts = split(rows, labels, k)
    merged = [parts[j % k][j // k] for j in range(len(rows))]
    assert merged == [(tuple(x), y) for x, y in samples]


def test_commitments_bind_the_market_and_the_chain():
    """The same piece and salt commit differently in another market or on another chain, so a
    reveal made in one market matches nothing in another; secrets not bound yet have no
    commitments, and bound ones refuse another market."""
    a = commit_test_set(ROWS, LABELS, 2, market=M, chain_id=1)
    salt, piece = a.reveal(0)
    other = "0x" + "ce" * 20
    assert not verify(a.commitments[0], salt, piece, other, 1)
    assert not verify(a.commitments[0], salt, piece, M, 2)
    with pytest.raises(MarketError, match="bind the secrets first"):
        _ = commit_test_set(ROWS, LABELS, 2).commitments
    with pytest.raises(MarketError, match="committed to market"):
        a.bind(other, 1)
    assert a.bind(M.upper().replace("0X", "0x"), 1).commitments[0] == commitment(salt, piece, M, 1)
