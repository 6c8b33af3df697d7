"""The bounty's model kinds in Python integers, and their quantisation from scikit-learn.

``scores`` repeats ``contracts/models/bounty_forward.vy`` step for step, so a model's
prediction here equals the contract's on every input. ``quantise`` turns a fitted
``Perceptron``, ``NearestCentroid`` or ``MLPClassifier`` into a ``Model``: the kind, the hidden
sizes and the flat parameter list in the contract's layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sharedmodels.encoding.features import FIXED_POINT_SCALE, MAX_ABS
from sharedmodels.errors import InputError

SCALE = FIXED_POINT_SCALE
#: Must equal the constants of ``bounty_forward.vy``.
MAX_DIM = 32
MAX_CLASSES = 8
MAX_HIDDEN = 32
MAX_PARAM = MAX_ABS

PERCEPTRON, CENTROID, MLP = 0, 1, 2
KINDS = {"perceptron": PERCEPTRON, "centroid": CENTROID, "mlp": MLP}
KIND_NAMES = {v: k for k, v in KINDS.items()}


def n_params(kind: int, d: int, c: int, h1: int = 0, h2: int = 0) -> int:
    """The contract's ``_n_params``: 0 for a shape the kind does not allow."""
    if kind in (PERCEPTRON, CENTROID):
        if h1 or h2:
            return 0
        return c * d + c if kind == PERCEPTRON else c * d
    if kind == MLP:
        if h1 == 0 or h1 > MAX_HIDDEN or h2 > MAX_HIDDEN:
            return 0
        if h2 == 0:
            return h1 * d + h1 + c * h1 + c
        return h1 * d + h1 + h2 * h1 + h2 + c * h2 + c
    return 0


def macs(kind: int, d: int, c: int, h1: int = 0, h2: int = 0) -> int:
    """Multiply-adds of one forward pass (the contract's ``_macs``)."""
    if kind == MLP:
        return h1 * d + c * h1 if h2 == 0 else h1 * d + h2 * h1 + c * h2
    return c * d


@dataclass(frozen=True, kw_only=True)
class Model:
    """One submission's model: kind, hidden sizes and parameters in the contract's layout."""

    kind: int
    dim: int
    n_classes: int
    params: tuple[int, ...]
    h1: int = 0
    h2: int = 0

    def __post_init__(self) -> None:
        want = n_params(self.kind, self.dim, self.n_classes, self.h1, self.h2)
        if want == 0 or len(self.params) != want:
            raise InputError(f"model shape does not fit: {len(self.params)} params, want {want}")
        if any(abs(v) > MAX_PARAM for v in self.params):
            raise InputError("a parameter is out of range (|v| > 2**40)")

    def scores(self, x: Sequence[int]) -> list[int]:
        return scores(
            self.kind, self.dim, self.n_classes, h1=self.h1, h2=self.h2, p=self.params, x=x
        )

    def predict(self, x: Sequence[int]) -> int:
        return argmax(self.scores(x))

    def correct(self, xs: Sequence[Sequence[int]], ys: Sequence[int]) -> int:
        return sum(1 for x, y in zip(xs, ys, strict=True) if self.predict(x) == y)


def _layer(
    p: Sequence[int], off: int, a: Sequence[int], *, n: int, h: int, relu: bool
) -> list[int]:
    out = []
    for i in range(h):
        z = sum(p[off + i * n + j] * a[j] for j in range(n)) + p[off + h * n + i] * SCALE
        out.append(max(z, 0) // SCALE if relu else z)
    return out


def scores(
    kind: int, d: int, c: int, *, h1: int, h2: int, p: Sequence[int], x: Sequence[int]
) -> list[int]:
    """The contract's ``_scores``: one integer per class."""
    if kind == PERCEPTRON:
        return [sum(p[k * d + j] * x[j] for j in range(d)) + p[c * d + k] * SCALE for k in range(c)]
    if kind == CENTROID:
        return [-sum((x[j] - p[k * d + j]) ** 2 for j in range(d)) for k in range(c)]
    a = _layer(p, 0, x, n=d, h=h1, relu=True)
    off, n = h1 * d + h1, h1
    if h2:
        a = _layer(p, off, a, n=h1, h=h2, relu=True)
        off, n = off + h2 * h1 + h2, h2
    return _layer(p, off, a, n=n, h=c, relu=False)


def argmax(s: Sequence[int]) -> int:
    """The first index of the highest score."""
    best = 0
    for k in range(1, len(s)):
        if s[k] > s[best]:
            best = k
    return best


# ---------------------------------------------------------------- quantisation


def to_fixed(values: Any) -> list[int]:
    """Real values to the contract's fixed point (``round(v * 10**9)``), checked in range."""
    out = [round(float(v) * SCALE) for v in values]
    if any(abs(v) > MAX_PARAM for v in out):
        raise InputError("a value is out of range for the fixed point (|v| > ~1,100)")
    return out


def _rows(matrix: Any) -> list[list[float]]:
    return [[float(v) for v in row] for row in matrix]


def _linear_scale(rows: list[list[float]], bias: list[float]) -> float:
    """A factor that brings a linear layer's weights and biases within range; argmax does
    not change when one layer's scores all scale by the same positive factor."""
    top = max([abs(v) for r in rows for v in r] + [abs(b) for b in bias] + [1e-12])
    limit = MAX_PARAM / SCALE * 0.99
    return min(1.0, limit / top)


def quantise(estimator: Any, n_classes: int) -> Model:
    """A fitted scikit-learn ``Perceptron``, ``NearestCentroid`` or ``MLPClassifier`` (trained on
    labels 0..n_classes-1, every label present) as a ``Model`` in the contract's layout."""
    name = type(estimator).__name__
    classes = [int(c) for c in estimator.classes_]
    if classes != list(range(n_classes)):
        raise InputError(f"the estimator saw classes {classes}, not 0..{n_classes - 1}")
    if name == "NearestCentroid":
        # The contract's centroid is euclidean with equal priors; scikit-learn's other settings
        # predict by another rule (other distances, or spread-scaled distances plus log priors).
        metric = getattr(estimator, "metric", "euclidean")
        if metric != "euclidean":
            raise InputError(
                f"only metric='euclidean' Nearest Centroids fit the contract, not {metric!r}"
            )
        priors = getattr(estimator, "priors", "uniform")
        if not (isinstance(priors, str) and priors == "uniform"):
            raise InputError("only priors='uniform' Nearest Centroids fit the contract")
        rows = _rows(estimator.centroids_)
        return Model(
            kind=CENTROID,
            dim=len(rows[0]),
            n_classes=n_classes,
            params=tuple(v for r in rows for v in to_fixed(r)),
        )
    if name == "Perceptron":
        rows, bias = _rows(estimator.coef_), [float(b) for b in estimator.intercept_]
        if n_classes == 2:  # binary: class 1 iff w.x + b > 0; two rows -w, w keep that (tie -> 0)
            rows, bias = [[-v for v in rows[0]], rows[0]], [-bias[0], bias[0]]
        f = _linear_scale(rows, bias)
        params = [v for r in rows for v in to_fixed([w * f for w in r])] + to_fixed(
            [b * f for b in bias]
        )
        return Model(kind=PERCEPTRON, dim=len(rows[0]), n_classes=n_classes, params=tuple(params))
    if name == "MLPClassifier":
        if estimator.activation != "relu":
            raise InputError("only activation='relu' MLPs fit the contract")
        layers = list(zip(estimator.coefs_, estimator.intercepts_, strict=True))
        if not 2 <= len(layers) <= 3:
            raise InputError("the contract takes one or two hidden layers")
        params: list[int] = []
        hidden = []
        for k, (coef, bias) in enumerate(layers):
            rows = [list(col) for col in zip(*_rows(coef), strict=True)]  # (out, in)
            b = [float(v) for v in bias]
            if k < len(layers) - 1:
                hidden.append(len(rows))
            elif n_classes == 2:  # logistic output: class 1 iff z > 0
                rows, b = [[-v for v in rows[0]], rows[0]], [-b[0], b[0]]
            # Hidden layers are not rescaled: ReLU then carries the values into the next
            # layer, so a factor would have to be undone there; the range check refuses instead.
            f = _linear_scale(rows, b) if k == len(layers) - 1 else 1.0
            for r in rows:
                params += to_fixed([w * f for w in r])
            params += to_fixed([v * f for v in b])
        h1, h2 = hidden[0], (hidden[1] if len(hidden) > 1 else 0)
        return Model(
            kind=MLP,
            dim=len(estimator.coefs_[0]),
            n_classes=n_classes,
            params=tuple(params),
            h1=h1,
            h2=h2,
        )
    raise InputError(f"no bounty kind for {name}")
