# pragma version 0.4.3
"""
@title Sparse Nearest Centroid
@license MIT
@notice Predicts the class whose mean training sample is closest (Euclidean) to the input,
        over sparse binary features (text).
@dev Input: sorted, unique feature indices, each below `n_features`; feature j is 1
     when present. Per class k the contract keeps n_k (samples), S_k[j] (how many of its samples
     have feature j) and Q_k = sum_j S_k[j]**2, so it never iterates over the feature space:
     with T_k = sum_{j in x} S_k[j], the prediction is the class minimising
       f_k = (Q_k - 2 * n_k * T_k) / n_k**2
     (the squared distance minus |x|, which is the same for every class), compared exactly by
     cross-multiplying as in `nearest_centroid.vy`. Classes without samples are skipped (which
     keeps a class added after the seal out of predictions until the step with its label, as
     `base.vy` requires); ties go to the lower index; with no samples at all the prediction is
     0. Training adds 1 to S_y[j] for each j in x and 2 * S_y[j] + 1 to Q_y.
     Storage: a slot holds eight classes' counts of one feature as uint32 lanes (class k of
     feature j in slot j * 2 + k // 8, bits 32 * (k % 8) and up), so up to eight classes a
     prediction reads one slot per feature; one slot per class holds n_k (bits 0..63) and Q_k
     (bits 64..255). Counts stay below 2**32.
     Mirror: `sharedmodels.mirrors.multiclass.IntSparseNearestCentroid`.
"""

from . import base

uses: base

# ---------------------------------------------------------------- EVENTS

event CountsUploaded:
    label: uint8
    count: uint256

event ClassSizeUploaded:
    label: uint8
    size: uint256

# ---------------------------------------------------------------- CONSTANTS

# @dev Most distinct features one sample may carry (at least 512).
MAX_FEATURES: constant(uint256) = 512
# @dev Most counts one upload call may set.
MAX_UPLOAD: constant(uint256) = 512
_LIMIT: constant(uint256) = 2**32
_LANE_MASK: constant(uint256) = 2**32 - 1
_COUNT_MASK: constant(uint256) = 2**64 - 1
_PER_SLOT: constant(uint256) = 8
_SLOTS: constant(uint256) = base.MAX_CLASSES // _PER_SLOT
# @dev Lanes 0, 2, 4 and 6 of a slot (a count in the low 32 bits of each 64-bit field).
_EVEN: constant(uint256) = _LANE_MASK * (1 + 2**64 + 2**128 + 2**192)

# ---------------------------------------------------------------- STORAGE

# @dev Feature count of the hashing encoder; indices must be below it.
n_features: public(immutable(uint256))
_counts: HashMap[uint256, uint256]
# @dev A fixed array rather than a map: a slot is its index, with no keccak per access.
_classes: uint256[base.MAX_CLASSES]

# ---------------------------------------------------------------- CONSTRUCTOR

@deploy
def __init__(n_features_: uint256):
    assert n_features_ > 0 and n_features_ <= 2**32, "ncc: n_features out of range"
    n_features = n_features_

# ---------------------------------------------------------------- VIEW

@external
@view
def predict(x: DynArray[uint32, MAX_FEATURES]) -> uint8:
    """
    @notice Class index of the nearest centroid; free to call.
    @param x Sorted, unique feature indices, each below `n_features`.
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
def counts_of(k: uint8, indices: DynArray[uint32, MAX_UPLOAD]) -> DynArray[uint256, MAX_UPLOAD]:
    """
    @notice How many samples of class `k` have each of the given features.
    """
    out: DynArray[uint256, MAX_UPLOAD] = []
    c: uint256 = convert(k, uint256)
    lane_at: uint256 = 32 * (c % _PER_SLOT)
    if c >= base.MAX_CLASSES:
        # No class has these counts (read further, the slot would be another feature's).
        for j: uint32 in indices:
            out.append(0)
        return out
    for j: uint32 in indices:
        out.append((self._counts[convert(j, uint256) * _SLOTS + c // _PER_SLOT] >> lane_at) & _LANE_MASK)
    return out

# ---------------------------------------------------------------- ADMIN

@external
def upload_counts(k: uint8, indices: DynArray[uint32, MAX_UPLOAD], counts: DynArray[uint256, MAX_UPLOAD]):
    """
    @notice Set pre-trained feature counts of class `k`, one chunk per call (owner only, before
            sealing).
    """
    base._check_upload()
    assert convert(k, uint256) < base._n_classes(), "model: unknown class"
    assert len(indices) == len(counts), "ncc: length mismatch"
    lane_at: uint256 = 32 * (convert(k, uint256) % _PER_SLOT)
    group: uint256 = convert(k, uint256) // _PER_SLOT
    word: uint256 = self._classes[convert(k, uint256)]
    q: uint256 = word >> 64
    for i: uint256 in range(len(indices), bound=MAX_UPLOAD):
        j: uint256 = convert(indices[i], uint256)
        assert j < n_features, "sparse: feature index out of range"
        c: uint256 = counts[i]
        assert c < _LIMIT, "ncc: class full"
        slot: uint256 = j * _SLOTS + group
        lanes: uint256 = self._counts[slot]
        old: uint256 = (lanes >> lane_at) & _LANE_MASK
        q = q + c * c - old * old
        self._counts[slot] = (lanes & ~(_LANE_MASK << lane_at)) | (c << lane_at)
    self._classes[convert(k, uint256)] = (q << 64) | (word & _COUNT_MASK)
    log CountsUploaded(label=k, count=len(indices))


@external
def upload_class_size(k: uint8, size: uint256):
    """
    @notice Set the pre-trained number of samples of class `k` (owner only, before sealing).
    """
    base._check_upload()
    assert convert(k, uint256) < base._n_classes(), "model: unknown class"
    assert size < _LIMIT, "ncc: class full"
    self._classes[convert(k, uint256)] = (self._classes[convert(k, uint256)] & ~_COUNT_MASK) | size
    log ClassSizeUploaded(label=k, size=size)

# ---------------------------------------------------------------- INTERNAL

@internal
@view
def _predict(x: DynArray[uint32, MAX_FEATURES]) -> uint8:
    return self._nearest(x, base.MAX_CLASSES)


@internal
@view
def _predict_without(x: DynArray[uint32, MAX_FEATURES], y: uint8) -> uint8:
    """
    @dev The prediction of the model with one of its training samples, (x, y), taken out
         (leave-one-out judging): exact, because the counts are sums. The caller guarantees
         that the model trained on (x, y) (a trainer checks the contribution's record first).
    """
    return self._nearest(x, convert(y, uint256))


@internal
@view
def _nearest(x: DynArray[uint32, MAX_FEATURES], left_out: uint256) -> uint8:
    """
    @dev The nearest class to `x`; when `left_out` is a class index, with the sample `x` taken
         out of that class: n - 1 samples, T - |x| (each of x's features lost one count) and
         Q - 2 * T + |x| (each such count c became c - 1: (c - 1)**2 = c**2 - 2 * c + 1).
    """
    n_classes: uint256 = base._n_classes()
    # T of every class, summed lane-wise: a slot's even lanes (classes 8g, 8g + 2, ...) and its
    # odd lanes each go into 64-bit fields of one accumulator. A count is below 2**32 and a
    # sample has at most 512 features, so a field's sum stays below 2**41 and never carries
    # into the next: unchecked adds.
    even: uint256[_SLOTS] = empty(uint256[_SLOTS])
    odd: uint256[_SLOTS] = empty(uint256[_SLOTS])
    wide: bool = n_classes > _PER_SLOT
    after: uint256 = 0  # the smallest index the next feature may have
    for j32: uint32 in x:
        j: uint256 = convert(j32, uint256)
        assert j >= after, "sparse: features not sorted and unique"
        after = unsafe_add(j, 1)
        slot: uint256 = unsafe_mul(j, _SLOTS)
        lanes: uint256 = self._counts[slot]
        even[0] = unsafe_add(even[0], lanes & _EVEN)
        odd[0] = unsafe_add(odd[0], (lanes >> 32) & _EVEN)
        if wide:
            lanes = self._counts[unsafe_add(slot, 1)]
            even[1] = unsafe_add(even[1], lanes & _EVEN)
            odd[1] = unsafe_add(odd[1], (lanes >> 32) & _EVEN)
    assert after <= n_features, "sparse: feature index out of range"
    best: uint256 = 0
    best_f: int256 = 0
    best_n2: int256 = 0
    size: int256 = convert(len(x), int256)
    # Unchecked below: n < 2**32, T < 2**41 and Q, a sum of at most 2**32 squares of counts
    # below 2**32, below 2**96; so |f| < 2**98 and f * n**2 stays below 2**162.
    for k: uint256 in range(n_classes, bound=base.MAX_CLASSES):
        word: uint256 = self._classes[k]
        n: int256 = convert(word & _COUNT_MASK, int256)
        q: int256 = convert(word >> 64, int256)
        field: uint256 = 64 * ((k % _PER_SLOT) >> 1)
        tk: int256 = 0
        if k & 1 == 0:
            tk = convert((even[k // _PER_SLOT] >> field) & _COUNT_MASK, int256)
        else:
            tk = convert((odd[k // _PER_SLOT] >> field) & _COUNT_MASK, int256)
        if k == left_out:
            n = unsafe_sub(n, 1)
            q = unsafe_add(q, unsafe_sub(size, unsafe_mul(2, tk)))
            tk = unsafe_sub(tk, size)
        if n == 0:
            continue
        f: int256 = unsafe_sub(q, unsafe_mul(unsafe_mul(2, n), tk))
        n2: int256 = unsafe_mul(n, n)
        if best_n2 == 0 or unsafe_mul(f, best_n2) < unsafe_mul(best_f, n2):
            best = k
            best_f = f
            best_n2 = n2
    return convert(best, uint8)


@internal
def _train(x: DynArray[uint32, MAX_FEATURES], y: uint8) -> bool:
    """
    @dev Add `x` to class `y` (see the module docstring); checks `x` and `y`.
    @return True (every step changes the model).
    """
    base._begin_step(y)
    c: uint256 = convert(y, uint256)
    word: uint256 = self._classes[c]
    n: uint256 = (word & _COUNT_MASK) + 1
    assert n < _LIMIT, "ncc: class full"
    q: uint256 = word >> 64
    lane_at: uint256 = 32 * (c % _PER_SLOT)
    one: uint256 = 1 << lane_at
    group: uint256 = c // _PER_SLOT
    after: uint256 = 0  # the smallest index the next feature may have
    for j32: uint32 in x:
        j: uint256 = convert(j32, uint256)
        assert j >= after, "sparse: features not sorted and unique"
        after = unsafe_add(j, 1)
        slot: uint256 = unsafe_add(unsafe_mul(j, _SLOTS), group)
        lanes: uint256 = self._counts[slot]
        count: uint256 = (lanes >> lane_at) & _LANE_MASK
        assert count < _LIMIT - 1, "ncc: class full"
        # Unchecked: count + 1 < 2**32 (just checked), so adding one to the lane stays in it,
        # and Q, a sum of at most 2**32 squares below 2**64, stays below 2**96.
        q = unsafe_add(q, unsafe_add(unsafe_add(count, count), 1))
        self._counts[slot] = unsafe_add(lanes, one)
    assert after <= n_features, "sparse: feature index out of range"
    self._classes[c] = (q << 64) | n
    return True
