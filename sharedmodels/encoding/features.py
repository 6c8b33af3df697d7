"""Feature encoding shared by every client of a model.

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

Dense features (embeddings, tabular columns) are :class:`DenseEncoder`'s: a row of floats
becomes a list of int64 fixed-point numbers, ``value / divisor × 10^9`` rounded, with one
divisor per column fitted on the training data (max-abs scaling). Its settings (the divisors)
go into the deployment manifest; the contract's ``encoder()`` string holds only the short
:meth:`DenseEncoder.descriptor`.

The two encoders are told apart by ``kind``: ``"sparse"`` (:class:`Encoder`) or ``"dense"``
(:class:`DenseEncoder`). :func:`encoder_from_settings` rebuilds either from its settings; a
settings dict without ``kind`` is a sparse one (``Encoder.settings()`` has no ``kind`` key, so
the on-chain descriptor of text models and every existing manifest stay as they are).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np

from sharedmodels.errors import InputError, SharedModelsError

if TYPE_CHECKING:
    from scipy import sparse
    from sklearn.feature_extraction.text import HashingVectorizer

# scikit-learn and SciPy are imported where they are used: every `ape run <script>` imports
# every script to list the commands, and this module through them, so importing them here cost
# each command about a second of start-up (scikit-learn pulls in SciPy and pandas) even when it
# encodes nothing (`--help`, status, refusals).

DEFAULT_N_FEATURES = 2**20
#: Must equal ``MAX_FEATURES`` in ``contracts/models/sparse_perceptron.vy``.
MAX_FEATURES = 512
Overflow = Literal["truncate", "error", "skip"]
OVERFLOW_POLICIES: tuple[str, ...] = ("truncate", "error", "skip")

#: Fixed-point scale of dense inputs: a feature ``x`` travels as ``round(x × 10^9)``. This is
#: the one Python place; the one Vyper place is ``SCALE`` in ``contracts/models/numeric.vy``.
FIXED_POINT_SCALE = 10**9
#: The contracts reject an encoded dense value ``v`` with ``|v| > MAX_ABS`` ("dense: value out
#: of range"), so :class:`DenseEncoder` refuses to produce one. Must equal ``MAX_ABS`` in
#: ``contracts/models/numeric.vy``.
MAX_ABS = 2**40
#: The largest dense dimension the contracts accept; must equal ``MAX_DIM`` in ``numeric.vy``.
MAX_DIM = 256


class TooManyFeatures(SharedModelsError, ValueError):
    """A sample has more distinct features than the contract accepts (policy ``"error"``)."""


@dataclass(frozen=True)
class Encoder:
    """The encoder settings a deployment records so that any client can reproduce inputs."""

    kind: ClassVar[str] = "sparse"

    n_features: int = DEFAULT_N_FEATURES
    max_features: int = MAX_FEATURES
    overflow: str = "truncate"

    def __post_init__(self) -> None:
        if not 1 <= self.n_features <= 2**32:
            raise InputError(f"n_features must be in [1, 2**32], got {self.n_features}")
        if not 1 <= self.max_features <= MAX_FEATURES:
            raise InputError(f"max_features must be in [1, {MAX_FEATURES}]")
        if self.overflow not in OVERFLOW_POLICIES:
            raise InputError(f"overflow must be one of {OVERFLOW_POLICIES}, got {self.overflow!r}")

    def vectorizer(self) -> HashingVectorizer:
        from sklearn.feature_extraction.text import HashingVectorizer

        return HashingVectorizer(
            n_features=self.n_features, binary=True, alternate_sign=False, norm=None
        )

    @classmethod
    def from_settings(cls, data: dict) -> Encoder:
        """Inverse of :meth:`settings` (extra keys, such as the vectorizer name, are ignored).

        A ``kind`` key is optional; if present it must be ``"sparse"``.
        """
        kind = data.get("kind", "sparse")
        if kind != "sparse":
            raise InputError(f"not sparse encoder settings (kind {kind!r})")
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
        if not len(texts):
            return []  # scikit-learn's transform cannot take an empty input
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
    from scipy import sparse

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
    from scipy import sparse

    rows = list(rows)
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(r) for r in rows])
    indices = np.fromiter((j for r in rows for j in r), dtype=np.int32, count=int(indptr[-1]))
    data = np.ones(len(indices), dtype=np.float64)
    return sparse.csr_matrix((data, indices, indptr), shape=(len(rows), n_features))


def check_indices(row: Sequence[int], n_features: int, max_features: int = MAX_FEATURES) -> None:
    """Raise ValueError for the inputs the contract rejects (same rules, same order)."""
    if len(row) > max_features:
        raise InputError(f"too many features: {len(row)} > {max_features}")
    prev = -1
    for j in row:
        if j <= prev:
            raise InputError("features must be sorted and unique")
        prev = j
    if row and row[-1] >= n_features:
        raise InputError(f"feature index {row[-1]} out of range (n_features={n_features})")


# --------------------------------------------------------------------------- dense inputs


class DenseEncodingError(SharedModelsError, ValueError):
    """A dense input the contracts would reject, or bad dense encoder settings (one line)."""


@dataclass(frozen=True)
class DenseEncoder:
    """Centred, max-abs fixed-point encoding of dense rows; the settings a dense deployment
    records.

    Value ``v`` of column ``j`` becomes
    ``int(np.rint((v - offsets[j]) / divisors[j] * FIXED_POINT_SCALE))``: one float64
    subtraction, division and multiplication each, then round half to even. IEEE 754 float64
    arithmetic is correctly rounded, so every machine gets the same integers.

    Why divide at all: an int64 at scale 10^9 holds only ``|x| < 9.22``, and the contracts
    accept ``|v| <= MAX_ABS`` (``|x| <= 1099.5``), while raw tabular columns are larger (the
    breast_cancer "worst area" column reaches 4254). :meth:`fit` takes each column's mean in the
    training data as its offset and its largest ``|value - mean|`` as its divisor (a constant
    column gets 1.0), so training values land in ``[-1, 1]`` (``[-10^9, 10^9]`` encoded) and
    later values may exceed the training range about a thousandfold before :meth:`encode`
    refuses them.

    Why centre: a linear model without a well-trained intercept separates classes through the
    origin, and raw tabular columns are all positive (wine: every column). The one-pass dense
    Perceptron scored 33% on wine's held-out rows with max-abs scaling alone and 96% centred;
    Nearest Centroid, which compares distances, is unmoved (98%). Offsets default to zeros
    (what manifests written before centring hold).

    Rules (each violation raises :class:`DenseEncodingError`): ``1 <= dim <= MAX_DIM``; every
    divisor is a finite float ``> 0``; a row has exactly ``dim`` values; every value is finite;
    every encoded value satisfies ``|v| <= MAX_ABS``.
    """

    kind: ClassVar[str] = "dense"

    divisors: tuple[float, ...]
    #: Subtracted from each column before dividing; empty means zeros.
    offsets: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        try:
            divisors = tuple(float(d) for d in self.divisors)
            offsets = tuple(float(o) for o in self.offsets) or (0.0,) * len(divisors)
        except (TypeError, ValueError) as e:
            raise DenseEncodingError(f"divisors and offsets must be numbers: {e}") from e
        _check_dim(len(divisors))
        for j, d in enumerate(divisors):
            if not (math.isfinite(d) and d > 0):
                raise DenseEncodingError(f"divisor {j} must be a finite number > 0, got {d!r}")
        if len(offsets) != len(divisors):
            raise DenseEncodingError(
                f"{len(offsets)} offsets for {len(divisors)} divisors: give one per column"
            )
        for j, o in enumerate(offsets):
            if not math.isfinite(o):
                raise DenseEncodingError(f"offset {j} must be a finite number, got {o!r}")
        object.__setattr__(self, "divisors", divisors)
        object.__setattr__(self, "offsets", offsets)

    @property
    def dim(self) -> int:
        return len(self.divisors)

    @classmethod
    def fit(cls, matrix: object, center: bool = True) -> DenseEncoder:
        """Settings from training rows: each column's mean as its offset (zeros unless
        ``center``), and its max ``|value - offset|`` as its divisor, or 1.0 if that is 0."""
        arr = _as_rows(matrix)
        if arr.shape[0] == 0:
            raise DenseEncodingError("cannot fit a dense encoder on zero rows")
        _check_dim(arr.shape[1])
        _check_finite(arr, single=False)
        offsets = np.mean(arr, axis=0) if center else np.zeros(arr.shape[1])
        peak = np.max(np.abs(arr - offsets), axis=0)
        return cls(
            tuple(float(p) if p > 0 else 1.0 for p in peak), tuple(float(o) for o in offsets)
        )

    def encode(self, matrix: object) -> list[list[int]]:
        """Rows of ``dim`` floats (shape ``(n, dim)``) → rows of fixed-point ints."""
        arr = _as_rows(matrix)
        return self._encode(arr, single=False) if arr.shape[0] else []

    def encode_one(self, values: object) -> list[int]:
        """One row of ``dim`` floats → its fixed-point ints (errors name the column only)."""
        try:
            arr = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise DenseEncodingError(f"values are not a flat sequence of numbers: {e}") from e
        if arr.ndim != 1:
            raise DenseEncodingError(
                f"expected a flat sequence of {self.dim} values, got shape {arr.shape}"
            )
        return self._encode(arr.reshape(1, -1), single=True)[0]

    def _encode(self, arr: np.ndarray, *, single: bool) -> list[list[int]]:
        if arr.shape[1] != self.dim:
            raise DenseEncodingError(f"expected {self.dim} values, got {arr.shape[1]}")
        _check_finite(arr, single=single)
        divisors = np.asarray(self.divisors, dtype=np.float64)
        offsets = np.asarray(self.offsets, dtype=np.float64)
        with np.errstate(over="ignore"):
            rounded = np.rint((arr - offsets) / divisors * FIXED_POINT_SCALE)
        bad = ~(np.abs(rounded) <= MAX_ABS)
        if bad.any():
            i, j = (int(k) for k in np.argwhere(bad)[0])
            r = rounded[i, j]
            got = f"{int(r)}" if abs(r) < 1e18 else f"{r:.3e}" if math.isfinite(r) else "infinity"
            shifted = f" - offset {self.offsets[j]!r}" if self.offsets[j] else ""
            raise DenseEncodingError(
                f"{_where(i, j, single)}: value {float(arr[i, j])!r}{shifted} / divisor "
                f"{self.divisors[j]!r} encodes to {got}, outside the contracts' range |v| <= 2**40"
            )
        return rounded.astype(np.int64).tolist()

    def settings(self) -> dict:
        """What a manifest records: ``{"kind": "dense", "scale": 10**9, "divisors": [...]}``,
        plus ``"offsets": [...]`` when any is not zero.

        The numbers are plain floats; JSON writes them with ``repr``, so they read back exactly.
        """
        out = {"kind": self.kind, "scale": FIXED_POINT_SCALE, "divisors": list(self.divisors)}
        if any(self.offsets):
            out["offsets"] = list(self.offsets)
        return out

    @classmethod
    def from_settings(cls, data: dict) -> DenseEncoder:
        """Inverse of :meth:`settings`; rejects another kind or another fixed-point scale."""
        if data.get("kind") != "dense":
            raise DenseEncodingError(f"not dense encoder settings (kind {data.get('kind')!r})")
        if data.get("scale") != FIXED_POINT_SCALE:
            raise DenseEncodingError(
                f"dense encoder scale {data.get('scale')!r} is not this client's 10**9"
            )
        divisors = data.get("divisors")
        if not isinstance(divisors, list | tuple):
            raise DenseEncodingError("dense encoder settings have no list of divisors")
        offsets = data.get("offsets", [])
        if not isinstance(offsets, list | tuple):
            raise DenseEncodingError("dense encoder offsets must be a list")
        return cls(tuple(divisors), tuple(offsets))

    def descriptor(self) -> str:
        """The compact JSON for the contract's String[256] ``encoder()`` (divisors excluded)."""
        return json.dumps(
            {"dim": self.dim, "kind": self.kind, "scale": FIXED_POINT_SCALE},
            separators=(",", ":"),
            sort_keys=True,
        )


class VocabularyError(SharedModelsError, ValueError):
    """A vocabulary that is empty, too large, malformed, or not the one a model was built on."""


#: scikit-learn's default tokenisation (``CountVectorizer``/``HashingVectorizer``): lowercase,
#: then runs of two or more word characters.
TOKEN_PATTERN = r"(?u)\b\w\w+\b"


def vocabulary_hash(words: Sequence[str]) -> str:
    """keccak256 of the words joined by newlines (UTF-8), as 0x-hex: what a model stores."""
    from eth_utils import keccak

    return "0x" + keccak("\n".join(words).encode("utf-8")).hex()


@dataclass(frozen=True)
class VocabEncoder:
    """A fixed vocabulary: a text becomes the sorted indices of the vocabulary's words it
    contains (binary presence), tokenised as scikit-learn's ``CountVectorizer`` does. Word ``i``
    of the sorted ``words`` is feature ``i``. The model stores only the vocabulary's hash
    (:meth:`descriptor`); the word list travels in the manifest and the export, and any client
    checks it against the hash (:meth:`check_hash`)."""

    kind: ClassVar[str] = "vocab"

    words: tuple[str, ...]
    max_features: int = MAX_FEATURES
    overflow: str = "truncate"

    def __post_init__(self) -> None:
        words = tuple(self.words)
        if not words:
            raise VocabularyError("a vocabulary needs at least one word")
        if list(words) != sorted(set(words)):
            raise VocabularyError("vocabulary words must be sorted and unique")
        if any(not w or "\n" in w or w != w.lower() for w in words):
            raise VocabularyError("vocabulary words must be non-empty lowercase single tokens")
        if not 1 <= self.max_features <= MAX_FEATURES:
            raise InputError(f"max_features must be in [1, {MAX_FEATURES}]")
        if self.overflow not in OVERFLOW_POLICIES:
            raise InputError(f"overflow must be one of {OVERFLOW_POLICIES}, got {self.overflow!r}")
        object.__setattr__(self, "words", words)

    @property
    def n_features(self) -> int:
        return len(self.words)

    @property
    def hash(self) -> str:
        return vocabulary_hash(self.words)

    @classmethod
    def fit(cls, texts: Sequence[str], size: int, overflow: str = "truncate") -> VocabEncoder:
        """The ``size`` most frequent words of ``texts`` (scikit-learn's ``CountVectorizer``
        with ``max_features=size``, binary; fewer if the texts hold fewer distinct words)."""
        from sklearn.feature_extraction.text import CountVectorizer

        if size < 1:
            raise VocabularyError(f"a vocabulary of {size} words: give 1 or more")
        if not len(texts):
            raise VocabularyError("no texts to build a vocabulary from")
        cv = CountVectorizer(max_features=size, binary=True, token_pattern=TOKEN_PATTERN)
        try:
            cv.fit(texts)
        except ValueError as exc:  # "empty vocabulary; perhaps the documents only contain..."
            raise VocabularyError(f"no vocabulary in these texts: {exc}") from None
        return cls(tuple(sorted(cv.vocabulary_)), overflow=overflow)

    def _vectorizer(self):
        from sklearn.feature_extraction.text import CountVectorizer

        return CountVectorizer(
            vocabulary={w: i for i, w in enumerate(self.words)},
            binary=True,
            token_pattern=TOKEN_PATTERN,
        )

    def encode(self, texts: Sequence[str]) -> list[list[int] | None]:
        """Texts → sorted unique index lists (``None`` for a sample skipped by policy)."""
        if not len(texts):
            return []
        matrix = self._vectorizer().transform(texts)
        return rows_to_indices(matrix, self.max_features, self.overflow)

    def encode_one(self, text: str) -> list[int]:
        row = self.encode([text])[0]
        if row is None:
            raise TooManyFeatures(f"text has more than {self.max_features} distinct features")
        return row

    def descriptor(self) -> str:
        """What the contract's ``encoder()`` holds: the settings with the hash, not the words."""
        return json.dumps(
            {
                "kind": self.kind,
                "max_features": self.max_features,
                "overflow": self.overflow,
                "size": self.n_features,
                "tokens": "sklearn CountVectorizer, binary",
                "words_keccak": self.hash,
            },
            separators=(",", ":"),
            sort_keys=True,
        )

    def settings(self) -> dict:
        """The manifest's record: the descriptor's fields plus the word list."""
        return {**json.loads(self.descriptor()), "words": list(self.words)}

    @classmethod
    def from_settings(cls, data: dict) -> VocabEncoder:
        """Inverse of :meth:`settings`; refuses a word list whose hash is not the recorded one."""
        words = data.get("words")
        if not isinstance(words, list):
            raise VocabularyError("vocabulary settings carry no word list")
        enc = cls(
            tuple(str(w) for w in words),
            int(data.get("max_features", MAX_FEATURES)),
            str(data.get("overflow", "truncate")),
        )
        if "words_keccak" in data:
            enc.check_hash(str(data["words_keccak"]))
        return enc

    def check_hash(self, expected: str, where: str = "the recorded one") -> None:
        if self.hash.lower() != expected.lower():
            raise VocabularyError(
                f"vocabulary hash {self.hash} does not match {where} ({expected}): this word "
                "list is not the one the model was built on"
            )


def check_descriptor(encoder: object, on_chain: str) -> None:
    """Refuse a vocabulary encoder whose words are not the ones the model's ``encoder()``
    string commits to (other encoders carry no word list to check)."""
    if not isinstance(encoder, VocabEncoder):
        return
    try:
        recorded = json.loads(on_chain)
    except ValueError:
        raise VocabularyError(f"the model's encoder() is not JSON: {on_chain[:60]!r}") from None
    if recorded.get("kind") != "vocab":
        raise VocabularyError(
            f"the manifest holds a vocabulary, the model's encoder is {recorded.get('kind')!r}"
        )
    encoder.check_hash(str(recorded.get("words_keccak", "")), "the model's on-chain hash")


def encoder_from_settings(data: dict) -> Encoder | DenseEncoder | VocabEncoder:
    """Rebuild any encoder from its settings; a dict without ``kind`` is a sparse one."""
    kind = data.get("kind", "sparse")
    if kind == "sparse":
        return Encoder.from_settings(data)
    if kind == "dense":
        return DenseEncoder.from_settings(data)
    if kind == "vocab":
        return VocabEncoder.from_settings(data)
    raise InputError(f"unknown encoder kind {kind!r} (expected 'sparse', 'dense' or 'vocab')")


def _check_dim(dim: int) -> None:
    if not 1 <= dim <= MAX_DIM:
        raise DenseEncodingError(f"dense dimension must be in [1, {MAX_DIM}], got {dim}")


def _as_rows(matrix: object) -> np.ndarray:
    """A 2-D float64 array of rows; an empty sequence is zero rows."""
    try:
        arr = np.asarray(matrix, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise DenseEncodingError(f"rows are not a rectangular array of numbers: {e}") from e
    if arr.ndim == 1 and arr.size == 0:
        return arr.reshape(0, 0)
    if arr.ndim != 2:
        raise DenseEncodingError(f"expected a 2-D array of rows, got shape {arr.shape}")
    return arr


def _where(i: int, j: int, single: bool) -> str:
    return f"column {j}" if single else f"row {i}, column {j}"


def _check_finite(arr: np.ndarray, *, single: bool) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        i, j = (int(k) for k in np.argwhere(bad)[0])
        raise DenseEncodingError(
            f"{_where(i, j, single)}: {float(arr[i, j])} is not a finite number"
        )
