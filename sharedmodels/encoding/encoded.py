"""Dataset slices encoded for the contracts, and the encoder a new deployment fixes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sharedmodels.encoding import datasets
from sharedmodels.encoding.features import DenseEncoder, Encoder
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


def make_encoder(
    model: str,
    fit_spec: str | None = None,
    n_features: int | None = None,
    overflow: str = "truncate",
) -> Encoder | DenseEncoder:
    """The encoder a new deployment of ``model`` fixes.

    Text models hash with ``n_features`` columns. Dense models scale each column by its largest
    magnitude in the whole of ``fit_spec`` (before any offset/limit), so every slice of that
    dataset encodes inside the contracts' range."""
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


def encode_samples(samples: Sequence[datasets.Sample], encoder: Encoder) -> Encoded:
    encoded = encoder.encode([s.text for s in samples])
    out = Encoded([], [])
    for sample, row in zip(samples, encoded, strict=True):
        if row is None:
            out.dropped += 1
            continue
        out.rows.append(row)
        out.labels.append(sample.label)
    return out
