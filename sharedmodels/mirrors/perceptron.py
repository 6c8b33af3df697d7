"""Reference models: the scikit-learn Perceptron the contract reproduces bit for bit, and an
integer mirror of the contract's arithmetic.

Why the contract can be bit-identical to a float64 model
--------------------------------------------------------
``Perceptron(eta0=k, penalty=None)`` trained with ``partial_fit`` on sparse binary input runs
scikit-learn's plain SGD loop with the hinge loss at threshold 0:

* score ``p = w·x + b``; a sample is a mistake when ``y·p <= 0`` with ``y ∈ {-1, +1}`` (so a
  tie, ``p == 0``, is a mistake for both classes);
* on a mistake ``w[j] += k·y`` for every feature ``j`` of the sample — integers, exact in float64
  while below 2**53;
* the intercept moves by ``fl(k·y · 0.01)``: for sparse input scikit-learn damps intercept updates
  by ``SPARSE_INTERCEPT_DECAY = 0.01``, and the sum is rounded to float64 after every update.

Every intercept this loop can produce is an integer multiple of 2**-59, the spacing of float64
around 0.01 (sums of multiples of 2**-59 stay multiples; a result below 2**-6 is exact, a larger
one is rounded onto a coarser grid that is still a multiple). So the contract stores the
intercept as an integer ``B`` in units of 2**-59 and, after each update, rounds ``B`` to 53
significant bits with ties to even — exactly what the FPU does. Prediction compares
``W·2**59 + B`` with 0, the exact sign of the float sum (float addition never flips a sign and is
zero only for exact opposites). ``predict`` returns class 1 only for a strictly positive score,
as scikit-learn's ``decision_function > 0`` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction

import numpy as np

from sharedmodels.encoding.features import indices_to_csr
from sharedmodels.errors import InputError
from sharedmodels.mirrors.protocol import Step

#: The intercept is stored in units of 2**-INTERCEPT_BITS.
INTERCEPT_BITS = 59
#: float64(0.01) in units of 2**-59 (0.01 == 0x147AE147AE147B * 2**-59 exactly as a double).
DECAY_UNITS = 0x147AE147AE147B
SPARSE_INTERCEPT_DECAY = 0.01
_MANTISSA_BITS = 53


def round_to_double(units: int) -> int:
    """Round an integer (in 2**-59 units) to 53 significant bits, ties to even (IEEE-754)."""
    mag = abs(units)
    shift = mag.bit_length() - _MANTISSA_BITS
    if shift <= 0:
        return units
    q, r = divmod(mag, 1 << shift)
    half = 1 << (shift - 1)
    if r > half or (r == half and q & 1):
        q += 1
    mag = q << shift
    return mag if units >= 0 else -mag


def intercept_step(eta: int) -> int:
    """``fl(eta * 0.01)`` in 2**-59 units: the intercept move of one mistake."""
    if eta < 1:
        raise InputError("learning rate must be a positive integer")
    return round_to_double(eta * DECAY_UNITS)


def float_to_units(value: float) -> int:
    """A float64 intercept → its exact integer value in 2**-59 units (raises if not a multiple)."""
    frac = Fraction(float(value)) * (1 << INTERCEPT_BITS)
    if frac.denominator != 1:
        raise InputError(f"{value!r} is not a multiple of 2**-{INTERCEPT_BITS}")
    return int(frac)


def units_to_float(units: int) -> float:
    value = Fraction(units, 1 << INTERCEPT_BITS)
    as_float = float(value)
    if Fraction(as_float) != value:
        raise InputError(f"{units} units is not a float64 value")
    return as_float


class IntPerceptron:
    """The contract's arithmetic in Python integers: same state, same rules, same rounding."""

    n_classes = 2

    def __init__(self, n_features: int, eta: int = 1) -> None:
        self.n_features = n_features
        self.eta = eta
        self.step = intercept_step(eta)
        self.weights: dict[int, int] = {}
        self.intercept = 0  # 2**-59 units

    def score(self, row: Sequence[int]) -> int:
        total = sum(self.weights.get(j, 0) for j in row)
        return (total << INTERCEPT_BITS) + self.intercept

    def predict(self, row: Sequence[int]) -> int:
        return 1 if self.score(row) > 0 else 0

    def update(self, row: Sequence[int], label: int) -> Step:
        """Train on one sample: a mistake (``y·score <= 0``) moves the weights and intercept."""
        s = self.score(row)
        sign = 1 if label == 1 else -1
        before = 1 if s > 0 else 0
        if sign * s > 0:
            return Step(before, False)
        delta = sign * self.eta
        for j in row:
            self.weights[j] = self.weights.get(j, 0) + delta
        self.intercept = round_to_double(self.intercept + sign * self.step)
        return Step(before, True)


class SklearnPerceptron:
    """``sklearn.linear_model.Perceptron`` configured for bit-identical on-chain parity.

    ``penalty=None`` (no weight decay), ``fit_intercept=True``, ``eta0`` a positive integer, no
    class weights; trained with ``partial_fit`` one sparse sample at a time. ``shuffle`` is off so
    a multi-sample ``partial_fit`` (used for pre-training) visits samples in the given order.
    Before its first update the model is all zeros, whose score is 0, so it predicts class 0 —
    what scikit-learn's ``decision_function > 0`` rule gives for zero weights.
    """

    n_classes = 2

    def __init__(self, n_features: int, eta: int = 1) -> None:
        self.n_features = n_features
        self.eta = eta
        # Imported here, not at the top: see sharedmodels/encoding/features.py.
        from sklearn.linear_model import Perceptron

        self.clf = Perceptron(
            penalty=None,
            eta0=float(eta),
            fit_intercept=True,
            shuffle=False,
            random_state=0,
            max_iter=1,
            tol=None,
            class_weight=None,
        )
        self._fitted = False

    def predict(self, row: Sequence[int]) -> int:
        if not self._fitted:
            return 0
        return int(self.clf.predict(indices_to_csr([row], self.n_features))[0])

    def partial_fit(self, rows: Sequence[Sequence[int]], labels: Sequence[int]) -> None:
        X = indices_to_csr(rows, self.n_features)
        self.clf.partial_fit(X, np.asarray(labels, dtype=np.int64), classes=np.array([0, 1]))
        self._fitted = True

    def set_state(self, weights: dict[int, int], intercept_units: int) -> None:
        """Start from a given state (e.g. one read from a chain) instead of zeros."""
        self.clf.partial_fit(indices_to_csr([[]], self.n_features), [0], classes=np.array([0, 1]))
        self.clf.coef_[:] = 0.0
        for j, w in weights.items():
            self.clf.coef_[0, j] = float(w)
        self.clf.intercept_[:] = units_to_float(intercept_units)
        self._fitted = True

    def score(self, row: Sequence[int]) -> int:
        """The contract's integer score: sum of the weights * 2**59 + the intercept's units."""
        return (sum(self.weights(row).values()) << INTERCEPT_BITS) + self.intercept_units()

    def update(self, row: Sequence[int], label: int) -> Step:
        """One ``partial_fit`` step; it changes the model on a mistake (``y·score <= 0``)."""
        s = self.score(row)
        before = 1 if s > 0 else 0
        self.partial_fit([row], [label])
        return Step(before, (1 if label == 1 else -1) * s <= 0)

    def weights(self, indices: Iterable[int]) -> dict[int, int]:
        if not self._fitted:
            return {j: 0 for j in indices}
        coef = self.clf.coef_[0]
        out = {}
        for j in indices:
            w = float(coef[j])
            if w != int(w):
                raise InputError(f"weight {j} = {w!r} is not an integer")
            out[j] = int(w)
        return out

    def intercept_units(self) -> int:
        return float_to_units(self.clf.intercept_[0]) if self._fitted else 0

    def nonzero_weights(self) -> dict[int, int]:
        if not self._fitted:
            return {}
        coef = self.clf.coef_[0]
        nz = np.flatnonzero(coef)
        return {int(j): int(coef[j]) for j in nz}


def pretrain(
    rows: Sequence[Sequence[int]], labels: Sequence[int], n_features: int, eta: int = 1
) -> SklearnPerceptron:
    """One in-order pass of scikit-learn's own loop over the pre-training samples.

    The resulting state (integer weights, an intercept that is a multiple of 2**-59) is what
    gets uploaded on-chain; the returned model keeps training as the parity reference.
    """
    ref = SklearnPerceptron(n_features, eta)
    if rows:
        ref.partial_fit(rows, labels)
    return ref
