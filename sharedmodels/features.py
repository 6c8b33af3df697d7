"""Feature encoding shared by every client of a model (SPEC §2).

A text becomes the sorted list of its distinct non-zero column indices under scikit-learn's
``HashingVectorizer(n_features=N, binary=True, alternate_sign=False, norm=None)``. Any client
that knows the encoder settings (recorded in the deployment manifest and on-chain) reproduces
the exact input the contract saw.

Overflow policy (a sample with more distinct features than the contract accepts):
- ``"truncate"`` (default) keeps the ``max_features`` *smallest* indices. It is deterministic,
  needs nothing but the index list, and keeps the sample usable; the dropped features are the
  ones a user could recompute from the manifest. The same truncated list is what the contract
  and the reference model both train on, so parity is unaffected.
- ``"error"`` raises :class:`TooManyFeatures` naming the sample.
- ``"skip"`` drops the sample (the caller gets ``None`` in its place).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

DEFAULT_N_FEATURES = 2**20
#: Must equal ``MAX_FEATURES`` in ``contracts/models/sparse_perceptron.vy``.
MAX_FEATURES = 512
Overflow = Literal["truncate", "error", "skip"]
OVERFLOW_POLICIES: tuple[str, ...] = ("truncate", "error", "skip")


class TooManyFeatures(ValueError):
    """A sample has more distinct features than the contract accepts (policy ``"error"``)."""


@dataclass(frozen=True)
class Encoder:
    """The encoder settings a deployment records so that any client can reproduce inputs."""

    n_features: int = DEFAULT_N_FEATURES
    max_features: int = MAX_FEATURES
    overflow: str = "truncate"

    def __post_init__(self) -> None:
        if not 1 <= self.n_features <= 2**32:
            raise ValueError(f"n_features must be in [1, 2**32], got {self.n_features}")
        if not 1 <= self.max_features <= MAX_FEATURES:
            raise ValueError(f"max_features must be in [1, {MAX_FEATURES}]")
        if self.overflow not in OVERFLOW_POLICIES:
            raise ValueError(f"overflow must be one of {OVERFLOW_POLICIES}, got {self.overflow!r}")

    def vectorizer(self) -> HashingVectorizer:
        return HashingVectorizer(
            n_features=self.n_features, binary=True, alternate_sign=False, norm=None
        )

    @classmethod
    def from_settings(cls, data: dict) -> Encoder:
        """Inverse of :meth:`settings` (extra keys, such as the vectorizer name, are ignored)."""
        return cls(
            n_features=int(data["n_features"]),
            max_features=int(data["max_features"]),
            overflow=str(data["overflow"]),
        )

    def settings(self) -> dict:
        """Everything needed to rebuild the encoding, including the vectorizer parameters."""
        return {
            **asdict(self),
            "vectorizer": "sklearn.feature_extraction.text.HashingVectorizer",
            "binary": True,
            "alternate_sign": False,
            "norm": None,
        }

    def encode(self, texts: Sequence[str]) -> list[list[int] | None]:
        """Texts → sorted unique index lists (``None`` for a sample skipped by policy)."""
        return rows_to_indices(self.vectorizer().transform(texts), self.max_features, self.overflow)

    def encode_one(self, text: str) -> list[int]:
        row = self.encode([text])[0]
        if row is None:
            raise TooManyFeatures(f"text has more than {self.max_features} distinct features")
        return row


def rows_to_indices(
    matrix: sparse.spmatrix, max_features: int = MAX_FEATURES, overflow: str = "truncate"
) -> list[list[int] | None]:
    """CSR rows → sorted unique index lists, applying the overflow policy."""
    csr = sparse.csr_matrix(matrix)
    csr.sum_duplicates()
    csr.sort_indices()
    out: list[list[int] | None] = []
    for i in range(csr.shape[0]):
        start, end = csr.indptr[i], csr.indptr[i + 1]
        idx = csr.indices[start:end][csr.data[start:end] != 0]
        if len(idx) > max_features:
            if overflow == "error":
                raise TooManyFeatures(
                    f"sample {i} has {len(idx)} distinct features, the limit is {max_features}"
                )
            if overflow == "skip":
                out.append(None)
                continue
            idx = idx[:max_features]
        out.append([int(j) for j in idx])
    return out


def indices_to_csr(rows: Iterable[Sequence[int]], n_features: int) -> sparse.csr_matrix:
    """Index lists → a binary float64 CSR matrix, the exact input scikit-learn trains on."""
    rows = list(rows)
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(r) for r in rows])
    indices = np.fromiter((j for r in rows for j in r), dtype=np.int32, count=int(indptr[-1]))
    data = np.ones(len(indices), dtype=np.float64)
    return sparse.csr_matrix((data, indices, indptr), shape=(len(rows), n_features))


def check_indices(row: Sequence[int], n_features: int, max_features: int = MAX_FEATURES) -> None:
    """Raise ValueError for the inputs the contract rejects (same rules, same order)."""
    if len(row) > max_features:
        raise ValueError(f"too many features: {len(row)} > {max_features}")
    prev = -1
    for j in row:
        if j <= prev:
            raise ValueError("features must be sorted and unique")
        prev = j
    if row and row[-1] >= n_features:
        raise ValueError(f"feature index {row[-1]} out of range (n_features={n_features})")
