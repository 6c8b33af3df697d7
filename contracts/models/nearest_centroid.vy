# pragma version 0.4.3
"""
@title Dense Nearest Centroid
@license MIT
@notice Predicts the class whose mean training sample is closest (Euclidean) to the input.
@dev Input: `dim` int64 fixed-point values (value * 10**9, `numeric.vy`). Per class k the
     contract keeps n_k (samples), S_k[j] (sum of feature j) and Q_k = sum_j S_k[j]**2. With
     T_k = sum_j x[j] * S_k[j], the squared distance to the centroid S_k / n_k is
       |x|**2 + (Q_k - 2 * n_k * T_k) / n_k**2,
     and |x|**2 is the same for every class, so the prediction is the class minimising
     f_k = (Q_k - 2 * n_k * T_k) / n_k**2. Two classes are compared by cross-multiplying,
     f_a < f_b  <=>  (Q_a - 2 n_a T_a) * n_b**2 < (Q_b - 2 n_b T_b) * n_a**2,
     so the choice is exact: no division, no rounding. Classes without samples are skipped;
     ties go to the lower index; with no samples at all the prediction is 0. Skipping empty
     classes is what `base.vy`'s rule for added classes needs here: a class added after the
     seal has no samples (uploads are closed) until the step with its label, the one that
     makes it take part, so adding a class changes no prediction.
     Bounds: |x[j]| <= 2**40, n_k < 2**32 and |S_k[j]| <= n_k * 2**40 (checked on upload,
     kept by training) put every product below 2**220. Mirror: `sharedmodels.mirrors.multiclass.IntNearestCentroid`.
     Storage: two int128 sums per slot (class k, features 2i and 2i+1 in slot k * 128 + i);
     one slot per class for n_k (bits 0..63) and Q_k (bits 64..255).
"""

from . import base
from . import numeric

uses: base

# ---------------------------------------------------------------- EVENTS

event ClassUploaded:
    label: uint8
    count: uint256

# ---------------------------------------------------------------- CONSTANTS

MAX_DIM: constant(uint256) = numeric.MAX_DIM
_HALF: constant(uint256) = MAX_DIM // 2
_COUNT_LIMIT: constant(uint256) = 2**32
_COUNT_MASK: constant(uint256) = 2**64 - 1
_LOW: constant(uint256) = 2**128 - 1

# ---------------------------------------------------------------- STORAGE

# @dev Number of input values per sample.
dim: public(immutable(uint256))
# @dev Fixed arrays rather than maps: a slot is its index, with no keccak per access.
_sums: uint256[base.MAX_CLASSES * _HALF]
_classes: uint256[base.MAX_CLASSES]

# ---------------------------------------------------------------- CONSTRUCTOR

@deploy
def __init__(dim_: uint256):
    assert dim_ > 0 and dim_ <= MAX_DIM, "ncc: dim out of range"
    dim = dim_

# ---------------------------------------------------------------- VIEW

@external
@view
def predict(x: DynArray[int64, MAX_DIM]) -> uint8:
    """
    @notice Class index of the nearest centroid; free to call.
    @param x `dim` fixed-point values (value * 10**9), each within +-2**40.
    """
    return self._predict(x)


@external
@view
def class_size(k: uint8) -> uint256:
    """
    @notice Number of samples class `k` was trained on.
    """
    if convert(k, uint256) >= base.MAX_CLASSES:
        return 0
    return self._classes[convert(k, uint256)] & _COUNT_MASK


@external
@view
def sums_of(k: uint8) -> DynArray[int256, MAX_DIM]:
    """
    @notice The per-feature sums of class `k` (its centroid times `class_size(k)`).
    """
    out: DynArray[int256, MAX_DIM] = []
    base_slot: uint256 = convert(k, uint256) * _HALF
    known: bool = convert(k, uint256) < base.MAX_CLASSES
    for j: uint256 in range(dim, bound=MAX_DIM):
        if known:
            out.append(self._lane(self._sums[base_slot + j // 2], j % 2))
        else:
            out.append(0)
    return out

# ---------------------------------------------------------------- ADMIN

@external
def upload_class(k: uint8, count: uint256, sums: DynArray[int256, MAX_DIM]):
    """
    @notice Set a pre-trained class: its sample count and per-feature sums (owner only, before
            sealing). One class per call.
    """
    base._check_upload()
    assert convert(k, uint256) < base._n_classes(), "model: unknown class"
    assert count < _COUNT_LIMIT, "ncc: class full"
    assert len(sums) == dim, "ncc: wrong dimension"
    limit: int256 = convert(count, int256) * numeric.MAX_ABS
    q: uint256 = 0
    base_slot: uint256 = convert(k, uint256) * _HALF
    for i: uint256 in range((len(sums) + 1) // 2, bound=_HALF):
        lo: int256 = sums[2 * i]
        hi: int256 = 0
        if 2 * i + 1 < len(sums):
            hi = sums[2 * i + 1]
        # Comparisons, not abs(): abs() of the smallest int256 reverts without a reason.
        assert -limit <= lo and lo <= limit and -limit <= hi and hi <= limit, "ncc: sum out of range"
        q += convert(lo * lo + hi * hi, uint256)
        self._sums[base_slot + i] = self._pack(lo, hi)
    self._classes[convert(k, uint256)] = (q << 64) | count
    log ClassUploaded(label=k, count=count)

# ---------------------------------------------------------------- INTERNAL

@internal
@view
def _predict(x: DynArray[int64, MAX_DIM]) -> uint8:
    return self._nearest(x, base.MAX_CLASSES)


@internal
@view
def _predict_without(x: DynArray[int64, MAX_DIM], y: uint8) -> uint8:
    """
    @dev The prediction of the model with one of its training samples, (x, y), taken out
         (leave-one-out judging): exact, because the state is sums. The caller guarantees that
         the model trained on (x, y) (a trainer checks the contribution's record first).
    """
    return self._nearest(x, convert(y, uint256))


@internal
@view
def _nearest(x: DynArray[int64, MAX_DIM], left_out: uint256) -> uint8:
    """
    @dev The nearest class to `x`; when `left_out` is a class index, with the sample `x` taken
         out of that class: n - 1 samples, sums S - x, so T - |x|**2 and Q - 2 * T + |x|**2.
    """
    numeric._check_dense(x, dim)
    best: uint256 = 0
    best_f: int256 = 0
    best_n2: int256 = 0
    full: uint256 = len(x) // 2
    odd: bool = len(x) % 2 == 1
    # Unchecked arithmetic below: |x[j]| <= 2**40 (`numeric._check_dense`), n < 2**32 and
    # |S[j]| <= n * 2**40 < 2**72, so |T| < 2**120, Q <= 256 * 2**144 = 2**152, |f| < 2**154
    # and every cross product f * n**2 stays below 2**218: far inside int256.
    for k: uint256 in range(base._n_classes(), bound=base.MAX_CLASSES):
        word: uint256 = self._classes[k]
        n: int256 = convert(word & _COUNT_MASK, int256)
        if n == 0 or (k == left_out and n == 1):
            continue
        t: int256 = 0
        base_slot: uint256 = unsafe_mul(k, _HALF)
        for i: uint256 in range(full, bound=_HALF):
            s: uint256 = self._sums[unsafe_add(base_slot, i)]
            if s == 0:
                continue
            t = unsafe_add(t, unsafe_add(
                unsafe_mul(convert(convert(s << 128, bytes32), int256) >> 128, convert(x[unsafe_mul(i, 2)], int256)),
                unsafe_mul(convert(convert(s, bytes32), int256) >> 128, convert(x[unsafe_add(unsafe_mul(i, 2), 1)], int256))))
        if odd:
            s: uint256 = self._sums[unsafe_add(base_slot, full)]
            t = unsafe_add(t, unsafe_mul(convert(convert(s << 128, bytes32), int256) >> 128, convert(x[unsafe_mul(full, 2)], int256)))
        q: int256 = convert(word >> 64, int256)
        if k == left_out:
            xx: int256 = 0
            for v: int64 in x:
                xx = unsafe_add(xx, unsafe_mul(convert(v, int256), convert(v, int256)))
            n = unsafe_sub(n, 1)
            q = unsafe_add(q, unsafe_sub(xx, unsafe_mul(2, t)))
            t = unsafe_sub(t, xx)
        f: int256 = unsafe_sub(q, unsafe_mul(unsafe_mul(2, n), t))
        n2: int256 = unsafe_mul(n, n)
        if best_n2 == 0 or unsafe_mul(f, best_n2) < unsafe_mul(best_f, n2):
            best = k
            best_f = f
            best_n2 = n2
    return convert(best, uint8)


@internal
def _train(x: DynArray[int64, MAX_DIM], y: uint8) -> bool:
    """
    @dev Add `x` to class `y`: n += 1, S[j] += x[j], Q += 2 * S[j] * x[j] + x[j]**2.
    @return True (every step changes the model).
    """
    base._begin_step(y)
    numeric._check_dense(x, dim)
    c: uint256 = convert(y, uint256)
    word: uint256 = self._classes[c]
    n: uint256 = (word & _COUNT_MASK) + 1
    assert n < _COUNT_LIMIT, "ncc: class full"
    q: int256 = convert(word >> 64, int256)
    base_slot: uint256 = unsafe_mul(c, _HALF)
    full: uint256 = len(x) // 2
    # Unchecked: |x[j]| <= 2**40 and |S[j]| <= n * 2**40 < 2**72 before and after the step (n
    # below 2**32, checked above), so each (2 * S + x) * x is below 2**114 and Q, a sum of
    # squares, stays below 2**152; the int128 lanes never overflow.
    for i: uint256 in range(full, bound=_HALF):
        slot: uint256 = unsafe_add(base_slot, i)
        s: uint256 = self._sums[slot]
        lo: int256 = convert(convert(s << 128, bytes32), int256) >> 128
        hi: int256 = convert(convert(s, bytes32), int256) >> 128
        v: int256 = convert(x[unsafe_mul(i, 2)], int256)
        w: int256 = convert(x[unsafe_add(unsafe_mul(i, 2), 1)], int256)
        q = unsafe_add(q, unsafe_add(unsafe_mul(unsafe_add(unsafe_add(lo, lo), v), v), unsafe_mul(unsafe_add(unsafe_add(hi, hi), w), w)))
        self._sums[slot] = self._pack(unsafe_add(lo, v), unsafe_add(hi, w))
    if len(x) % 2 == 1:
        slot: uint256 = unsafe_add(base_slot, full)
        s: uint256 = self._sums[slot]
        lo: int256 = convert(convert(s << 128, bytes32), int256) >> 128
        v: int256 = convert(x[unsafe_mul(full, 2)], int256)
        q = unsafe_add(q, unsafe_mul(unsafe_add(unsafe_add(lo, lo), v), v))
        self._sums[slot] = self._pack(unsafe_add(lo, v), convert(convert(s, bytes32), int256) >> 128)
    self._classes[c] = (convert(q, uint256) << 64) | n
    return True


@internal
@pure
def _lane(word: uint256, lane: uint256) -> int256:
    if lane == 0:
        return convert(convert(word << 128, bytes32), int256) >> 128
    return convert(convert(word, bytes32), int256) >> 128


@internal
@pure
def _pack(lo: int256, hi: int256) -> uint256:
    return (convert(convert(lo, bytes32), uint256) & _LOW) | (convert(convert(hi, bytes32), uint256) << 128)
