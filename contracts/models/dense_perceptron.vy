# pragma version 0.4.3
"""
@title Dense multi-class Perceptron (one-vs-rest)
@license MIT
@notice A linear classifier over dense fixed-point inputs, one weight vector per class.
@dev Input: `dim` int64 values, each the real value times SCALE = 10**9 (`numeric.vy`).
     Weights are in input units; the intercept of class k is in input units too, so
       score_k = sum_j w[k][j] * x[j] + b[k] * SCALE
     is the real-valued score times 10**18, exactly, with no rounding anywhere.
     Training is scikit-learn's one-vs-rest `Perceptron(eta0=learning_rate)`: for each class k,
     t = +1 if y == k else -1, and when t * score_k <= 0 (a tie counts as a mistake)
       w[k] += learning_rate * t * x,  b[k] += learning_rate * t * SCALE.
     Prediction is the first class with the highest score among the classes that take part
     (`base.vy`: every class given to the constructor or added before the seal; one added
     after it from the first step with its label on). A dormant class is still trained on
     the other labels' steps as above, but `scores` gives it the smallest int256 and
     `predict` never picks it: with its zero weights and intercept it would otherwise score 0
     and win every sample whose other scores are all negative (common in one-vs-rest), so
     adding a class could flip predictions. With two classes the two vectors stay exact
     negatives of each other, so this equals scikit-learn's binary Perceptron (class 1 iff
     its score > 0). Mirror: `sharedmodels.mirrors.multiclass.IntDensePerceptron`.
     Storage: two int128 weights per slot (class k, features 2i and 2i+1 in slot k * 128 + i).
     A step may change every class (on a fresh model all scores are 0, so every class errs),
     writing up to n_classes * ceil(dim / 2) new slots at 22,100 gas each; the class count is
     capped so that this stays within MAX_STEP_SLOTS (about 13M gas, under half a block):
     min(16, MAX_STEP_SLOTS // ceil(dim / 2)) classes: 16 up to 64 dimensions, 8 at 128, 4 at 256.
"""

from . import base
from . import numeric

uses: base

# ---------------------------------------------------------------- EVENTS

event WeightsUploaded:
    label: uint8
    start: uint256
    count: uint256

event InterceptsUploaded:
    count: uint256

# ---------------------------------------------------------------- CONSTANTS

MAX_DIM: constant(uint256) = numeric.MAX_DIM
_HALF: constant(uint256) = MAX_DIM // 2
_LEARNING_RATE_LIMIT: constant(uint256) = 2**16
_WEIGHT_LIMIT: constant(int256) = 2**127
# @dev Most weight slots one training step may write (see the module docstring).
MAX_STEP_SLOTS: constant(uint256) = 512
_LOW: constant(uint256) = 2**128 - 1

# ---------------------------------------------------------------- STORAGE

# @dev Number of input values per sample.
dim: public(immutable(uint256))
# @dev Integer learning rate (scikit-learn's `eta0`).
learning_rate: public(immutable(int256))
# @dev Fixed arrays rather than maps: a slot is its index, with no keccak per access.
_weights: uint256[base.MAX_CLASSES * _HALF]
_intercepts: int256[base.MAX_CLASSES]

# ---------------------------------------------------------------- CONSTRUCTOR

@deploy
def __init__(dim_: uint256, learning_rate_: uint256):
    assert dim_ > 0 and dim_ <= MAX_DIM, "dense perceptron: dim out of range"
    assert learning_rate_ > 0 and learning_rate_ < _LEARNING_RATE_LIMIT, "dense perceptron: learning rate out of range"
    dim = dim_
    learning_rate = convert(learning_rate_, int256)
    base._limit_classes(min(base.MAX_CLASSES, MAX_STEP_SLOTS // ((dim_ + 1) // 2)))

# ---------------------------------------------------------------- VIEW

@external
@view
def predict(x: DynArray[int64, MAX_DIM]) -> uint8:
    """
    @notice Class index the model gives the sample; free to call.
    @param x `dim` fixed-point values (value * 10**9), each within +-2**40.
    """
    return self._predict(x)


@external
@view
def scores(x: DynArray[int64, MAX_DIM]) -> DynArray[int256, base.MAX_CLASSES]:
    """
    @notice Every class's score, in units of 10**-18; a class that does not take part in
            predictions yet (added after the seal, never a training label) gets the smallest
            int256.
    """
    return self._scores(x, False)


@external
@view
def weights_of(k: uint8) -> DynArray[int256, MAX_DIM]:
    """
    @notice The weight vector of class `k`, in input units.
    """
    out: DynArray[int256, MAX_DIM] = []
    base_slot: uint256 = convert(k, uint256) * _HALF
    known: bool = convert(k, uint256) < base.MAX_CLASSES
    for j: uint256 in range(dim, bound=MAX_DIM):
        if known:
            out.append(self._lane(self._weights[base_slot + j // 2], j % 2))
        else:
            out.append(0)
    return out


@external
@view
def intercepts() -> DynArray[int256, base.MAX_CLASSES]:
    """
    @notice Every class's intercept, in input units (10**-9).
    """
    out: DynArray[int256, base.MAX_CLASSES] = []
    for k: uint256 in range(base._n_classes(), bound=base.MAX_CLASSES):
        out.append(self._intercepts[k])
    return out

# ---------------------------------------------------------------- ADMIN

@external
def upload_weights(k: uint8, start: uint256, values: DynArray[int256, MAX_DIM]):
    """
    @notice Set pre-trained weights of class `k` from feature `start` on (owner only, before
            sealing); a vector may come in several chunks.
    """
    base._check_upload()
    assert convert(k, uint256) < base._n_classes(), "model: unknown class"
    assert start <= dim and len(values) <= dim - start, "dense perceptron: upload out of range"
    base_slot: uint256 = convert(k, uint256) * _HALF
    for i: uint256 in range(len(values), bound=MAX_DIM):
        j: uint256 = start + i
        slot: uint256 = base_slot + j // 2
        self._weights[slot] = self._set_lane(self._weights[slot], j % 2, values[i])
    log WeightsUploaded(label=k, start=start, count=len(values))


@external
def upload_intercepts(values: DynArray[int256, base.MAX_CLASSES]):
    """
    @notice Set pre-trained intercepts (input units), class 0 first (owner only, before sealing).
    """
    base._check_upload()
    assert len(values) <= base._n_classes(), "model: unknown class"
    for k: uint256 in range(len(values), bound=base.MAX_CLASSES):
        # Two comparisons, not abs(): abs() of the smallest int256 reverts without a reason.
        assert -_WEIGHT_LIMIT < values[k] and values[k] < _WEIGHT_LIMIT, "dense perceptron: weight out of range"
        self._intercepts[k] = values[k]
    log InterceptsUploaded(count=len(values))

# ---------------------------------------------------------------- INTERNAL

@internal
@view
def _scores(x: DynArray[int64, MAX_DIM], every: bool) -> DynArray[int256, base.MAX_CLASSES]:
    """
    @dev Every class's score if `every` (training), else the smallest int256 for the classes
         that do not take part yet (prediction).
    """
    numeric._check_dense(x, dim)
    out: DynArray[int256, base.MAX_CLASSES] = []
    full: uint256 = len(x) // 2
    odd: bool = len(x) % 2 == 1
    live: uint256 = max_value(uint256)
    if not every:
        live = base._live_classes()
    for k: uint256 in range(base._n_classes(), bound=base.MAX_CLASSES):
        if live & (1 << k) == 0:
            out.append(min_value(int256))
            continue
        # Unchecked: |weight| < 2**127 and |x[j]| <= 2**40 (`numeric._check_dense`), so each
        # product is below 2**167 in magnitude and a sum of at most 256 of them (plus the
        # intercept term, below 2**157) below 2**176: far inside int256.
        base_slot: uint256 = unsafe_mul(k, _HALF)
        total: int256 = 0
        for i: uint256 in range(full, bound=_HALF):
            word: uint256 = self._weights[unsafe_add(base_slot, i)]
            if word == 0:
                continue
            total = unsafe_add(total, unsafe_add(
                unsafe_mul(convert(convert(word << 128, bytes32), int256) >> 128, convert(x[unsafe_mul(i, 2)], int256)),
                unsafe_mul(convert(convert(word, bytes32), int256) >> 128, convert(x[unsafe_add(unsafe_mul(i, 2), 1)], int256))))
        if odd:
            word: uint256 = self._weights[unsafe_add(base_slot, full)]
            total = unsafe_add(total, unsafe_mul(convert(convert(word << 128, bytes32), int256) >> 128, convert(x[unsafe_mul(full, 2)], int256)))
        out.append(unsafe_add(total, unsafe_mul(self._intercepts[k], numeric.SCALE)))
    return out


@internal
@view
def _predict(x: DynArray[int64, MAX_DIM]) -> uint8:
    # Class 0 always takes part and no real score is min_value(int256) (|score| < 2**176),
    # so a dormant class never wins.
    return self._argmax(self._scores(x, False))


@internal
@pure
def _argmax(s: DynArray[int256, base.MAX_CLASSES]) -> uint8:
    best: uint256 = 0
    for k: uint256 in range(1, len(s), bound=base.MAX_CLASSES):
        if s[k] > s[best]:
            best = k
    return convert(best, uint8)


@internal
def _train(x: DynArray[int64, MAX_DIM], y: uint8) -> bool:
    """
    @dev One one-vs-rest step (see the module docstring); checks `x` and `y`.
    @return Whether any class's weights changed.
    """
    base._begin_step(y)
    s: DynArray[int256, base.MAX_CLASSES] = self._scores(x, True)
    changed: bool = False
    for k: uint256 in range(len(s), bound=base.MAX_CLASSES):
        t: int256 = -1
        if k == convert(y, uint256):
            t = 1
        if t * s[k] > 0:
            continue
        changed = True
        # |delta| < 2**16 and |x[j]| <= 2**40: each step below 2**56, unchecked; the sums are
        # checked against the weight range (every weight stays within int128).
        delta: int256 = unsafe_mul(t, learning_rate)
        base_slot: uint256 = unsafe_mul(k, _HALF)
        full: uint256 = len(x) // 2
        for i: uint256 in range(full, bound=_HALF):
            slot: uint256 = unsafe_add(base_slot, i)
            word: uint256 = self._weights[slot]
            lo: int256 = unsafe_add(convert(convert(word << 128, bytes32), int256) >> 128, unsafe_mul(delta, convert(x[unsafe_mul(i, 2)], int256)))
            hi: int256 = unsafe_add(convert(convert(word, bytes32), int256) >> 128, unsafe_mul(delta, convert(x[unsafe_add(unsafe_mul(i, 2), 1)], int256)))
            self._weights[slot] = self._pair(lo, hi)
        if len(x) % 2 == 1:
            slot: uint256 = unsafe_add(base_slot, full)
            word: uint256 = self._weights[slot]
            self._weights[slot] = self._set_lane(word, 0, (convert(convert(word << 128, bytes32), int256) >> 128) + delta * convert(x[unsafe_mul(full, 2)], int256))
        b: int256 = self._intercepts[k] + delta * numeric.SCALE
        assert abs(b) < _WEIGHT_LIMIT, "dense perceptron: weight out of range"
        self._intercepts[k] = b
    return changed


@internal
@pure
def _lane(word: uint256, lane: uint256) -> int256:
    """
    @dev The signed int128 in the low (lane 0) or high (lane 1) half of `word`.
    """
    if lane == 0:
        return convert(convert(word << 128, bytes32), int256) >> 128
    return convert(convert(word, bytes32), int256) >> 128


@internal
@pure
def _pair(lo: int256, hi: int256) -> uint256:
    """
    @dev Two weights in one slot (lo in the low half), each checked to be within int128: a
         value outside it, seen as 256 bits after adding 2**127, is at least 2**128, and so
         is the OR of the two.
    """
    lo_bits: uint256 = convert(convert(unsafe_add(lo, _WEIGHT_LIMIT), bytes32), uint256)
    hi_bits: uint256 = convert(convert(unsafe_add(hi, _WEIGHT_LIMIT), bytes32), uint256)
    assert lo_bits | hi_bits <= _LOW, "dense perceptron: weight out of range"
    return ((lo_bits ^ 2**127) & _LOW) | ((hi_bits ^ 2**127) << 128)


@internal
@pure
def _set_lane(word: uint256, lane: uint256, w: int256) -> uint256:
    assert -_WEIGHT_LIMIT <= w and w < _WEIGHT_LIMIT, "dense perceptron: weight out of range"
    bits: uint256 = convert(convert(w, bytes32), uint256) & _LOW
    if lane == 0:
        return (word & ~_LOW) | bits
    return (word & _LOW) | (bits << 128)
