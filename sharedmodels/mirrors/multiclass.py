"""Integer-exact references for the multi-class models, and their float scikit-learn twins.

Each ``Int*`` class repeats its contract's arithmetic on Python integers, step for step, so its
predictions and state equal the chain's on every sample (the contracts' docstrings state the
rules; the names below match theirs). Each has the same small interface:

- ``predict(x) -> int`` and ``update(x, y) -> Step`` (the prediction before the step and whether
  it changed the model: :class:`sharedmodels.mirrors.protocol.Mirror`);
- ``add_class()``; ``n_classes``; ``seal()``, ``sealed`` and ``live`` (see :class:`_Classes`).

Dense inputs are the fixed-point integers of :class:`sharedmodels.encoding.features.DenseEncoder`;
sparse inputs are sorted feature-index lists. The scikit-learn estimator each one is compared
with for accuracy is its registry entry's ``float_model`` (it sees the same decoded inputs).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from sharedmodels.encoding.features import FIXED_POINT_SCALE as SCALE
from sharedmodels.errors import InputError
from sharedmodels.mirrors.protocol import Step

#: Fractional bits of the on-chain log2 (``numeric.LOG_BITS``).
LOG_BITS = 32
#: The score the contracts give a class that cannot be predicted (``min_value(int256)``).
INT256_MIN = -(2**255)


@lru_cache(maxsize=1 << 20)
def log2_fixed(v: int) -> int:
    """``numeric._log2``: log2(v) in 2**-32 units by truncated repeated squaring (v >= 1)."""
    if v < 1:
        raise InputError("log2_fixed needs v >= 1")
    top = v.bit_length() - 1
    y = v << (127 - top) if top <= 127 else v >> (top - 127)
    result = top << LOG_BITS
    for i in range(LOG_BITS):
        y = (y * y) >> 127
        if y >= 1 << 128:
            y >>= 1
            result |= 1 << (LOG_BITS - 1 - i)
    return result


def _argmax(scores: Sequence[int]) -> int:
    best = 0
    for k in range(1, len(scores)):
        if scores[k] > scores[best]:
            best = k
    return best


class _Classes:
    """``base.vy``'s class bookkeeping: the upload seal and which classes take part.

    A class given to the constructor or added before the seal takes part in predictions from
    the start; one added after the seal (``seal()`` or the first ``update``) only once an
    ``update`` has had its label, so adding a class never changes a prediction. The dense
    Perceptron consults ``live``; the counting models skip classes without samples, which
    every dormant class is. A reference trained off-chain for an upload has taken steps the
    chain has not: set ``sealed`` to the chain's (``ModelSpec.set_sealed``).
    """

    def __init__(self, n_classes: int) -> None:
        self.sealed = False
        self.live = [True] * n_classes

    def seal(self) -> None:
        self.sealed = True

    def _new_class(self) -> None:
        self.live.append(not self.sealed)

    def _step(self, y: int) -> None:
        self.sealed = True
        self.live[y] = True


def _nearest(sizes: Sequence[int], f: Sequence[int]) -> int:
    """The class minimising f_k / n_k**2 among classes with n_k > 0; ties to the lower index."""
    best, best_f, best_n2 = 0, 0, 0
    for k, n in enumerate(sizes):
        if n == 0:
            continue
        if best_n2 == 0 or f[k] * best_n2 < best_f * n * n:
            best, best_f, best_n2 = k, f[k], n * n
    return best


class IntDensePerceptron(_Classes):
    """Mirror of ``models/dense_perceptron.vy`` (one-vs-rest, exact 10**-18 scores)."""

    def __init__(self, dim: int, n_classes: int = 2, eta: int = 1) -> None:
        super().__init__(n_classes)
        self.dim, self.eta = dim, eta
        self.w = [[0] * dim for _ in range(n_classes)]
        self.b = [0] * n_classes

    @property
    def n_classes(self) -> int:
        return len(self.b)

    def add_class(self) -> None:
        self._new_class()
        self.w.append([0] * self.dim)
        self.b.append(0)

    def raw_scores(self, x: Sequence[int]) -> list[int]:
        """Every class's score, dormant ones included (what a training step compares)."""
        return [
            sum(a * v for a, v in zip(wk, x, strict=False)) + bk * SCALE
            for wk, bk in zip(self.w, self.b, strict=False)
        ]

    def scores(self, x: Sequence[int]) -> list[int]:
        """The contract's ``scores``: the smallest int256 for a class that does not take part."""
        return self._mask(self.raw_scores(x))

    def _mask(self, raw: Sequence[int]) -> list[int]:
        return [s if live else INT256_MIN for s, live in zip(raw, self.live, strict=True)]

    def predict(self, x: Sequence[int]) -> int:
        return _argmax(self.scores(x))

    def update(self, x: Sequence[int], y: int) -> Step:
        """Every class whose score disagrees with its one-vs-rest target moves (its intercept
        always does): the step changed the model when any class moved."""
        s = self.raw_scores(x)
        before = _argmax(self._mask(s))
        self._step(y)
        changed = False
        for k, sk in enumerate(s):
            t = 1 if k == y else -1
            if t * sk > 0:
                continue
            d = t * self.eta
            self.w[k] = [a + d * v for a, v in zip(self.w[k], x, strict=False)]
            self.b[k] += d * SCALE
            changed = True
        return Step(before, changed)


class _Centroids(_Classes):
    """What both Nearest Centroid mirrors share: per class n_k samples and Q_k = |S_k|², the
    prediction minimising f_k = Q_k - 2 n_k T_k (T_k = x · S_k, from ``_dot``), and leave-one-out
    judging, which takes the sample out of its class: n - 1, T - |x|², Q - 2T + |x|²."""

    n: list[int]
    q: list[int]

    def _dot(self, k: int, x: Sequence[int]) -> int:
        raise NotImplementedError

    def _square(self, x: Sequence[int]) -> int:
        raise NotImplementedError

    def predict(self, x: Sequence[int]) -> int:
        return self._nearest(x, None)

    def predict_without(self, x: Sequence[int], y: int) -> int:
        """Leave-one-out judging: the prediction with the training sample (x, y) taken out."""
        return self._nearest(x, y)

    def _nearest(self, x: Sequence[int], left_out: int | None) -> int:
        n, f = list(self.n), []
        for k in range(len(n)):
            t, q = self._dot(k, x), self.q[k]
            if k == left_out:
                xx = self._square(x)
                n[k] -= 1
                q, t = q + xx - 2 * t, t - xx
            f.append(q - 2 * n[k] * t)
        return _nearest(n, f)


class IntNearestCentroid(_Centroids):
    """Mirror of ``models/nearest_centroid.vy`` (dense, exact cross-multiplied distances)."""

    def __init__(self, dim: int, n_classes: int = 2) -> None:
        super().__init__(n_classes)
        self.dim = dim
        self.n = [0] * n_classes
        self.s = [[0] * dim for _ in range(n_classes)]
        self.q = [0] * n_classes

    @property
    def n_classes(self) -> int:
        return len(self.n)

    def add_class(self) -> None:
        self._new_class()
        self.n.append(0)
        self.s.append([0] * self.dim)
        self.q.append(0)

    def _dot(self, k: int, x: Sequence[int]) -> int:
        return sum(a * v for a, v in zip(self.s[k], x, strict=False))

    def _square(self, x: Sequence[int]) -> int:
        return sum(v * v for v in x)

    def update(self, x: Sequence[int], y: int) -> Step:
        before = self.predict(x)
        self._step(y)
        sy = self.s[y]
        for j, v in enumerate(x):
            self.q[y] += (2 * sy[j] + v) * v
            sy[j] += v
        self.n[y] += 1
        return Step(before, True)


class IntSparseNearestCentroid(_Centroids):
    """Mirror of ``models/sparse_nearest_centroid.vy`` (binary features, counts per class)."""

    def __init__(self, n_features: int, n_classes: int = 2) -> None:
        super().__init__(n_classes)
        self.n_features = n_features
        self.n = [0] * n_classes
        self.counts: list[dict[int, int]] = [{} for _ in range(n_classes)]
        self.q = [0] * n_classes

    @property
    def n_classes(self) -> int:
        return len(self.n)

    def add_class(self) -> None:
        self._new_class()
        self.n.append(0)
        self.counts.append({})
        self.q.append(0)

    def _dot(self, k: int, x: Sequence[int]) -> int:
        counts = self.counts[k]
        return sum(counts.get(j, 0) for j in x)

    def _square(self, x: Sequence[int]) -> int:
        return len(x)  # binary features

    def update(self, x: Sequence[int], y: int) -> Step:
        before = self.predict(x)
        self._step(y)
        cy = self.counts[y]
        for j in x:
            c = cy.get(j, 0)
            self.q[y] += 2 * c + 1
            cy[j] = c + 1
        self.n[y] += 1
        return Step(before, True)

    def set_counts(self, k: int, counts: dict[int, int]) -> None:
        """The state an upload of ``counts`` for class ``k`` leaves (Q follows the counts)."""
        for j, c in counts.items():
            old = self.counts[k].get(j, 0)
            self.q[k] += c * c - old * old
            self.counts[k][j] = c


class IntNaiveBayes(_Classes):
    """Mirror of ``models/naive_bayes.vy``: log2 scores in 2**-32 units, cached per count.

    ``alpha`` is in units of 10**-9 (scikit-learn's alpha times 10**9).
    """

    def __init__(self, n_features: int, alpha: int = SCALE, n_classes: int = 2) -> None:
        if not 0 < alpha < 2**64:
            raise InputError("alpha (in 10**-9 units) must be in [1, 2**64)")
        super().__init__(n_classes)
        self.n_features, self.alpha = n_features, alpha
        self.n = [0] * n_classes
        self.total = [0] * n_classes
        self.counts: list[dict[int, int]] = [{} for _ in range(n_classes)]
        self._log_alpha = log2_fixed(alpha)

    @property
    def n_classes(self) -> int:
        return len(self.n)

    def add_class(self) -> None:
        self._new_class()
        self.n.append(0)
        self.total.append(0)
        self.counts.append({})

    def scores(self, x: Sequence[int], left_out: int | None = None) -> list[int | None]:
        """Each class's log score (None: no samples); with ``left_out`` a class, the scores
        with the training sample (x, left_out) taken out of it."""
        out: list[int | None] = []
        for c in range(self.n_classes):
            less = 1 if c == left_out else 0
            n, total = self.n[c] - less, self.total[c] - less * len(x)
            if n == 0:
                out.append(None)
                continue
            cc = self.counts[c]
            s = log2_fixed(n)
            for j in x:
                count = cc.get(j, 0) - less
                s += log2_fixed(count * SCALE + self.alpha) if count else self._log_alpha
            s -= len(x) * log2_fixed(total * SCALE + self.alpha * self.n_features)
            out.append(s)
        return out

    def predict(self, x: Sequence[int]) -> int:
        return _argmax([INT256_MIN if s is None else s for s in self.scores(x)])

    def predict_without(self, x: Sequence[int], y: int) -> int:
        """Leave-one-out judging: the prediction with the training sample (x, y) taken out."""
        return _argmax([INT256_MIN if s is None else s for s in self.scores(x, y)])

    def update(self, x: Sequence[int], y: int) -> Step:
        before = self.predict(x)
        self._step(y)
        cy = self.counts[y]
        for j in x:
            cy[j] = cy.get(j, 0) + 1
        self.n[y] += 1
        self.total[y] += len(x)
        return Step(before, True)

    def set_counts(self, k: int, counts: dict[int, int]) -> None:
        """The state an upload of ``counts`` for class ``k`` leaves (the total follows)."""
        for j, c in counts.items():
            self.total[k] += c - self.counts[k].get(j, 0)
            self.counts[k][j] = c


def alpha_units(alpha: float) -> int:
    """scikit-learn's ``alpha`` in the contract's 10**-9 units (rounded to nearest)."""
    units = round(alpha * SCALE)
    if not 0 < units < 2**64:
        raise InputError(f"alpha {alpha} is out of range (needs 1e-9 <= alpha < 1.8e10)")
    return units
