"""The sparse Perceptron's packed calldata (sharedmodels.encoding.packed) and the L2 columns of
the benchmark (sharedmodels.runs.l2): round trips, the rules the contract applies, sizes."""

import random

import pytest

from sharedmodels.encoding.packed import lane_bits, pack, unpack
from sharedmodels.runs.l2 import arbitrum_l1_fee, brotli_len, fastlz_len, op_l1_fee


@pytest.mark.parametrize("n_features", [1000, 2**16, 2**16 + 1, 2**20, 2**32])
def test_pack_round_trips_and_fills_words(n_features):
    rnd = random.Random(n_features)
    per_word = 256 // lane_bits(n_features)
    for size in (0, 1, per_word - 1, per_word, per_word + 1, 100, 512):
        row = sorted(rnd.sample(range(min(n_features, 10**6)), size))
        words = pack(row, n_features)
        assert len(words) == -(-size // per_word)
        assert unpack(words, n_features) == row


def test_lane_width_follows_n_features():
    assert [lane_bits(n) for n in (1, 2**16, 2**16 + 1, 2**32)] == [16, 16, 32, 32]


def test_index_zero_first_and_plain_words():
    assert pack([0], 1000) == [0] and unpack([0], 1000) == [0]
    assert pack([0, 5], 1000) == [5 << 16]
    # One index per word is the plain ABI array; the contract reads it the same way.
    assert unpack([3, 17, 999], 1000) == [3, 17, 999]
    assert unpack([3 | 4 << 16, 9], 1000) == [3, 4, 9]


@pytest.mark.parametrize(
    "words",
    [
        [5, 0],  # an empty word after the first
        [5 | 7 << 32],  # a gap: a zero lane with an index above it
        [5 << 16],  # index 0, then 5: fine, but 0 again below is a repeat
        [9, 4],  # not increasing across words
        [1000],  # out of range
    ],
)
def test_unpack_refuses_what_the_contract_refuses(words):
    if words == [5 << 16]:
        assert unpack(words, 1000) == [0, 5]
        return
    with pytest.raises(ValueError):
        unpack(words, 1000)


@pytest.mark.parametrize("row", [[2, 1], [1, 1], [1000]])
def test_pack_refuses_bad_rows(row):
    with pytest.raises(ValueError):
        pack(row, 1000)


def test_fastlz_sizes():
    """Known shapes: short input is all literals; long runs of one byte compress to a few
    bytes per 262; random bytes do not compress."""
    assert fastlz_len(b"") == 0
    assert fastlz_len(b"abc") == 4  # one literal run: 1 control byte + 3
    # 2 literals (3 bytes), one match to 4 bytes before the end (3), 5 literals (6).
    assert fastlz_len(bytes(40)) == 12
    assert fastlz_len(bytes(10_000)) < 200
    noise = random.Random(1).randbytes(4000)
    assert 4000 < fastlz_len(noise) <= 4000 + 4000 // 32 + 1
    assert brotli_len(bytes(10_000)) < 30


def test_l2_fees_follow_the_stated_rules():
    # OP Stack: the estimated size never goes below 100 bytes.
    assert op_l1_fee(0) == op_l1_fee(100)
    assert op_l1_fee(1000) > op_l1_fee(500) > 0
    assert arbitrum_l1_fee(10) == 16 * 10 * 5 * 10**9
