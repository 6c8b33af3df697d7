"""Dataset slices encoded for the contracts, and the encoder a new deployment fixes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sharedmodels.encoding import datasets
from sharedmodels.encoding.features import DenseEncoder, Encoder, VocabEncoder, VocabularyError
from sharedmodels.errors import InputError


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


def encode_dataset(
    spec: str, encoder: Encoder | DenseEncoder, limit: int | None = None, offset: int = 0
) -> Encoded:
    if isinstance(encoder, DenseEncoder):
        data = datasets.load_dense(spec, limit=limit, offset=offset)
        if data.dim != encoder.dim:
            raise InputError(f"{spec} has {data.dim} features, the model takes {encoder.dim}")
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
