"""The packed calldata of the sparse Perceptron: feature indices in lanes of 256-bit words.

A sample's sorted, unique feature indices travel as ``uint256[]``. Each word holds one or more
indices in ``width``-bit lanes, lowest lane first, where ``width`` is 16 when the model's
``n_features`` is at most 2**16 and 32 otherwise (:func:`lane_bits`): up to 16 or 8 per word.
A word's indices end at its first zero lane that is not the sample's very first index (indices
strictly increase, so 0 can only come first), and every lane above it is zero. One index per
word is therefore the plain ABI array of indices, which the contract still accepts for samples
of up to 64 indices (it takes at most 64 words, which keeps its memory frames at 2 KB).
:func:`pack` fills every word, so a set of indices has one packed form (up to 512 indices at
32-bit lanes). The contract binds a contribution to the words as sent (their hash), so a refund
restates the same words: :func:`pack` again, or what the ``addData`` calldata carried.

At 16 bits an index costs 2 bytes of calldata instead of a 32-byte ABI word (about 32 gas
instead of 150), and the contract decodes it with a shift and a mask.

``contracts/models/sparse_perceptron.vy`` decodes this format; ``web/src/packed.js`` is the
page's copy of :func:`pack`. Every caller that sends indices to a sparse Perceptron contract
(trainers, the standalone model) goes through :func:`as_x`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from eth_abi import encode
from eth_utils import keccak

from sharedmodels.errors import InputError

#: The model's bound on the number of indices of one sample.
MAX_FEATURES = 512
#: The contract's bound on the words of one sample (``MAX_WORDS``).
MAX_WORDS = 64
#: The ABI type of a packed sample.
ABI_TYPE = "uint256[]"


def lane_bits(n_features: int) -> int:
    """The lane width of a model with ``n_features`` features."""
    return 16 if n_features <= 2**16 else 32


def pack(row: Sequence[int], n_features: int) -> list[int]:
    """The words of ``row`` (sorted, unique indices below ``n_features``) for a model with
    ``n_features`` features. Raises ``ValueError`` on a row the contract would reject for its
    shape (order, range, length), so nothing is sent."""
    bits = lane_bits(n_features)
    per_word = 256 // bits
    if len(row) > MAX_FEATURES:
        raise InputError(f"{len(row)} feature indices, more than {MAX_FEATURES}")
    words: list[int] = []
    prev = -1
    for i, j in enumerate(row):
        j = int(j)
        if j <= prev:
            raise InputError("feature indices must be sorted and unique")
        if not 0 <= j < n_features:
            raise InputError(f"feature index {j} out of range (n_features={n_features})")
        prev = j
        if i % per_word == 0:
            words.append(0)
        words[-1] |= j << (bits * (i % per_word))
    return words


def unpack(words: Sequence[int], n_features: int) -> list[int]:
    """The indices a contract reads from ``words`` (packed or one per word); raises
    ``ValueError`` on words the contract would reject."""
    bits = lane_bits(n_features)
    per_word = 256 // bits
    mask = (1 << bits) - 1
    if len(words) > MAX_WORDS:
        raise InputError(f"more than {MAX_WORDS} words")
    out: list[int] = []
    for word in words:
        word = int(word)
        if not 0 <= word < 2**256:
            raise InputError("a packed word must be a uint256")
        for lane in range(per_word):
            j = (word >> (bits * lane)) & mask
            if j == 0 and out:
                if lane == 0 or word >> (bits * lane):
                    raise InputError("bad packed features")
                break
            out.append(j)
    return _checked(out, n_features)


def _checked(out: list[int], n_features: int) -> list[int]:
    if any(b <= a for a, b in zip(out, out[1:], strict=False)):
        raise InputError("packed features: not sorted and unique")
    if out and out[-1] >= n_features:
        raise InputError("packed features: index out of range")
    return out


def is_packed(contract: Any) -> bool:
    """Whether ``contract`` takes packed samples (its ``predict`` takes ``uint256[]``)."""
    try:
        abi = contract.predict.abis[0]
    except (AttributeError, IndexError):
        return False
    return bool(abi.inputs) and abi.inputs[0].canonical_type == ABI_TYPE


def packer(contract: Any) -> Callable[[Sequence[int]], list[int]]:
    """``row -> x`` for ``contract`` (:func:`as_x` with the model's ``n_features`` read once):
    for loops over many rows."""
    if is_packed(contract):
        n_features = int(contract.n_features())
        return lambda row: pack(row, n_features)
    return lambda row: [int(j) for j in row]


def as_x(contract: Any, row: Sequence[int]) -> list[int]:
    """What to pass as ``x`` to ``contract``: the packed words for a sparse Perceptron
    contract, the indices themselves for any other sparse model (and a dense model's values)."""
    return packer(contract)(row)


def x_hash(x: Sequence[int]) -> bytes:
    """keccak256 of the ABI-encoded ``x`` as sent: the features hash a trainer's record binds
    (``take`` restates it). Packed words and sparse ``uint32[]`` encode as ``uint256[]``, dense
    ``int64[]`` as ``int256[]`` (one sign-extended word per value): the same bytes whenever no
    value is negative."""
    values = [int(v) for v in x]
    return keccak(encode(["uint256[]" if min(values, default=0) >= 0 else "int256[]"], [values]))
