"""Dataset slices encoded for the contracts, and the encoder a new deployment fixes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sharedmodels.encoding import datasets
from sharedmodels.encoding.features import DenseEncoder, Encoder, VocabEncoder, VocabularyError
from sharedmodels.registry import spec


@dataclass
class Encoded:
    """A dataset slice encoded for the contract; ``dropped`` counts samples skipped by policy.

    ``class_names`` come with dense datasets (text datasets are neg/pos)."""

    rows: list[list[int]]
    labels: list[int]
    dropped: int = 0
    class_names: list[str] = field(default_factory=lambda: ["neg", "pos"])

    def __len__(self) -> int:
        return len(self.rows)


def majority(labels: Sequence[int]) -> float:
    """Accuracy of always answering the most common label: the baseline every accuracy the
    project prints stands beside."""
    if not labels:
        return 0.0
    counts: dict[int, int] = {}
    for y in labels:
        counts[y] = counts.get(y, 0) + 1
    return max(counts.values()) / len(labels)


#: The ``--encoder`` forms of a text model.
ENCODER_FORMS = ("hash:BITS", "vocab:K")


def parse_encoder(text: str) -> tuple[str, int]:
    """``hash:BITS`` (hashing into 2**BITS columns, BITS 1..32) or ``vocab:K`` (the K most
    frequent words of the pre-training texts, K >= 1) → (kind, number)."""
    kind, _, number = text.partition(":")
    limits = {"hash": (1, 32), "vocab": (1, 2**32)}
    if kind not in limits or not number.strip().isdigit():
        raise VocabularyError(
            f"unknown encoder {text!r}: give {' or '.join(ENCODER_FORMS)}, "
            "e.g. hash:16 or vocab:1000"
        )
    value = int(number)
    low, high = limits[kind]
    if not low <= value <= high:
        what = "BITS" if kind == "hash" else "K (words)"
        raise VocabularyError(f"encoder {text!r}: {what} must be in [{low}, {high}]")
    return kind, value


def make_encoder(
    model: str,
    fit_spec: str | None = None,
    n_features: int | None = None,
    overflow: str = "truncate",
    encoder: str | None = None,
    fit_limit: int | None = None,
    fit_offset: int = 0,
) -> Encoder | DenseEncoder | VocabEncoder:
    """The encoder a new deployment of ``model`` fixes.

    Text models hash with ``n_features`` columns, or as ``encoder`` says (``hash:BITS``, or
    ``vocab:K``: the K most frequent words of the ``fit_spec`` slice ``fit_offset``/``fit_limit``,
    the pre-training data). Dense models scale each column by its largest magnitude in the whole
    of ``fit_spec`` (before any offset/limit), so every slice of that dataset encodes inside
    the contracts' range."""
    if encoder is not None:
        kind, value = parse_encoder(encoder)
        if spec(model).dense:
            raise VocabularyError(f"--encoder is for text models; {model} reads numeric features")
        if kind == "hash":
            if n_features is not None and n_features != 2**value:
                raise VocabularyError(f"--encoder {encoder} and --n-features {n_features} disagree")
            return Encoder(n_features=2**value, overflow=overflow)
        if not fit_spec:
            raise VocabularyError(f"--encoder {encoder} builds its words from --pretrain: give one")
        samples = datasets.load(fit_spec, limit=fit_limit, offset=fit_offset)
        return VocabEncoder.fit([s.text for s in samples], value, overflow)
    if not spec(model).dense:
        return Encoder(n_features=n_features or spec(model).n_features, overflow=overflow)
    if not fit_spec:
        raise ValueError(f"{model} needs a numeric dataset to fix its encoder's column scales")
    return DenseEncoder.fit(datasets.load_dense(fit_spec).features)


def encode_dataset(
    spec: str, encoder: Encoder | DenseEncoder, limit: int | None = None, offset: int = 0
) -> Encoded:
    if isinstance(encoder, DenseEncoder):
        data = datasets.load_dense(spec, limit=limit, offset=offset)
        if data.dim != encoder.dim:
            raise ValueError(f"{spec} has {data.dim} features, the model takes {encoder.dim}")
        return Encoded(encoder.encode(data.features), list(data.labels), 0, data.class_names)
    samples = datasets.load(spec, limit=limit, offset=offset)
    return encode_samples(samples, encoder)


def encode_samples(samples: Sequence[datasets.Sample], encoder: Encoder | VocabEncoder) -> Encoded:
    encoded = encoder.encode([s.text for s in samples])
    out = Encoded([], [])
    for sample, row in zip(samples, encoded, strict=True):
        if row is None:
            out.dropped += 1
            continue
        out.rows.append(row)
        out.labels.append(sample.label)
    return out
