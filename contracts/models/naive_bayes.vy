# pragma version 0.4.3
"""
@title Multinomial Naive Bayes over sparse features
@license MIT
@notice Predicts the class with the highest posterior under a multinomial model of feature
        counts with additive (Laplace/Lidstone) smoothing `alpha`.
@dev Input: sorted, unique feature indices, each below `n_features`; each present
     feature counts once. Per class c: n_c samples, N_c[j] occurrences of feature j and
     N_c = sum_j N_c[j]. scikit-learn's `MultinomialNB(alpha)` scores
       log(n_c) + sum_{j in x} log((N_c[j] + alpha) / (N_c + alpha * n_features))
     (minus log(sum n), the same for every class). Everything is in log space, so long inputs
     cannot overflow. With alpha in units of 10**-9 (A = alpha * 10**9), the contract scores
       score_c = L(n_c) + sum_{j in x} L(N_c[j] * 10**9 + A) - len(x) * L(N_c * 10**9 + A * n_features)
     where L(v) = `numeric._log2(v)`, log2 in 2**-32 units; base 2 and the common 10**9 factor
     do not change the argmax. The log of every count is computed once, when the count changes,
     and stored beside it, so a prediction only reads. Classes without samples are skipped
     (which keeps a class added after the seal out of predictions until the step with its
     label, as `base.vy` requires); ties go to the lower index; with no samples at all the
     prediction is 0.
     Storage: per feature, two classes per slot, 128 bits each (count in the low 64 bits, its L
     in the high 64), class c in slot j * 8 + c // 2; per class one slot: n_c (bits 0..63),
     N_c (64..127), L(n_c) (128..191), L(N_c * 10**9 + A * n_features) (192..255).
     Mirror: `sharedmodels.mirrors.multiclass.IntNaiveBayes`.
"""

from . import base
from . import numeric

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
_MASK: constant(uint256) = 2**64 - 1
_LIMIT: constant(uint256) = 2**64
_LOW: constant(uint256) = 2**128 - 1
_SLOTS: constant(uint256) = base.MAX_CLASSES // 2

# ---------------------------------------------------------------- STORAGE

# @dev Feature count of the hashing encoder; indices must be below it.
n_features: public(immutable(uint256))
# @dev Smoothing in units of 10**-9 (scikit-learn's `alpha` times 10**9).
alpha: public(immutable(uint256))
# @dev L(alpha): the log of a count of zero.
_log_alpha: immutable(uint256)
# @dev alpha * n_features, the smoothing of a class total.
_alpha_total: immutable(uint256)
_counts: HashMap[uint256, uint256]
_classes: HashMap[uint8, uint256]

# ---------------------------------------------------------------- CONSTRUCTOR

@deploy
def __init__(n_features_: uint256, alpha_: uint256):
    assert n_features_ > 0 and n_features_ <= 2**32, "naive bayes: n_features out of range"
    assert alpha_ > 0 and alpha_ < _LIMIT, "naive bayes: alpha out of range"
    n_features = n_features_
    alpha = alpha_
    _log_alpha = numeric._log2(alpha_)
    _alpha_total = alpha_ * n_features_

# ---------------------------------------------------------------- VIEW

@external
@view
def predict(x: DynArray[uint32, MAX_FEATURES]) -> uint8:
    """
    @notice Class index with the highest posterior; free to call.
    @param x Sorted, unique feature indices, each below `n_features`.
    """
    return self._predict(x)


@external
@view
def class_size(k: uint8) -> uint256:
    """
    @notice Number of samples class `k` was trained on.
    """
    return self._classes[k] & _MASK


@external
@view
def class_total(k: uint8) -> uint256:
    """
    @notice Number of feature occurrences over class `k`'s samples.
    """
    return (self._classes[k] >> 64) & _MASK


@external
@view
def counts_of(k: uint8, indices: DynArray[uint32, MAX_UPLOAD]) -> DynArray[uint256, MAX_UPLOAD]:
    """
    @notice How many samples of class `k` have each of the given features.
    """
    out: DynArray[uint256, MAX_UPLOAD] = []
    c: uint256 = convert(k, uint256)
    if c >= base.MAX_CLASSES:
        # No class has these counts (read further, the slot would be another feature's).
        for j: uint32 in indices:
            out.append(0)
        return out
    for j: uint32 in indices:
        out.append((self._counts[convert(j, uint256) * _SLOTS + c // 2] >> (128 * (c % 2))) & _MASK)
    return out


@external
@view
def log_scores(x: DynArray[uint32, MAX_FEATURES]) -> DynArray[int256, base.MAX_CLASSES]:
    """
    @notice Every class's score (log2, 2**-32 units); classes without samples get the smallest int256.
    """
    return self._scores(x)

# ---------------------------------------------------------------- ADMIN

@external
def upload_counts(k: uint8, indices: DynArray[uint32, MAX_UPLOAD], counts: DynArray[uint256, MAX_UPLOAD]):
    """
    @notice Set pre-trained feature counts of class `k`, one chunk per call (owner only, before
            sealing). The class total follows.
    """
    base._check_upload()
    assert convert(k, uint256) < base._n_classes(), "model: unknown class"
    assert len(indices) == len(counts), "naive bayes: length mismatch"
    c: uint256 = convert(k, uint256)
    lane_at: uint256 = 128 * (c % 2)
    word: uint256 = self._classes[k]
    total: uint256 = (word >> 64) & _MASK
    for i: uint256 in range(len(indices), bound=MAX_UPLOAD):
        j: uint256 = convert(indices[i], uint256)
        assert j < n_features, "sparse: feature index out of range"
        slot: uint256 = j * _SLOTS + c // 2
        lanes: uint256 = self._counts[slot]
        assert counts[i] < _LIMIT, "naive bayes: count out of range"
        total = total + counts[i] - ((lanes >> lane_at) & _MASK)
        assert total < _LIMIT, "naive bayes: count out of range"
        self._counts[slot] = (lanes & ~(_MASK << lane_at) & ~(_MASK << (lane_at + 64))) | (self._lane(counts[i]) << lane_at)
    self._classes[k] = self._class_word(word & _MASK, total)
    log CountsUploaded(label=k, count=len(indices))


@external
def upload_class_size(k: uint8, size: uint256):
    """
    @notice Set the pre-trained number of samples of class `k` (owner only, before sealing).
    """
    base._check_upload()
    assert convert(k, uint256) < base._n_classes(), "model: unknown class"
    assert size < _LIMIT, "naive bayes: count out of range"
    self._classes[k] = self._class_word(size, (self._classes[k] >> 64) & _MASK)
    log ClassSizeUploaded(label=k, size=size)

# ---------------------------------------------------------------- INTERNAL

@internal
@view
def _scores(x: DynArray[uint32, MAX_FEATURES]) -> DynArray[int256, base.MAX_CLASSES]:
    n_classes: uint256 = base._n_classes()
    slots: uint256 = (n_classes + 1) // 2
    sums: uint256[base.MAX_CLASSES] = empty(uint256[base.MAX_CLASSES])
    prev: uint256 = 0
    for i: uint256 in range(len(x), bound=MAX_FEATURES):
        j: uint256 = convert(x[i], uint256)
        assert i == 0 or j > prev, "sparse: features not sorted and unique"
        prev = j
        for s: uint256 in range(slots, bound=_SLOTS):
            lanes: uint256 = self._counts[j * _SLOTS + s]
            for h: uint256 in range(2):
                c: uint256 = 2 * s + h
                lane: uint256 = lanes >> (128 * h)
                if lane & _MASK == 0:
                    sums[c] += _log_alpha
                else:
                    sums[c] += (lane >> 64) & _MASK
    assert len(x) == 0 or prev < n_features, "sparse: feature index out of range"
    out: DynArray[int256, base.MAX_CLASSES] = []
    length: int256 = convert(len(x), int256)
    for c: uint256 in range(n_classes, bound=base.MAX_CLASSES):
        word: uint256 = self._classes[convert(c, uint8)]
        if word & _MASK == 0:
            out.append(min_value(int256))
        else:
            prior: uint256 = (word >> 128) & _MASK
            out.append(convert(prior + sums[c], int256) - length * convert(word >> 192, int256))
    return out


@internal
@view
def _predict(x: DynArray[uint32, MAX_FEATURES]) -> uint8:
    return self._best(self._scores(x))


@internal
@view
def _predict_without(x: DynArray[uint32, MAX_FEATURES], y: uint8) -> uint8:
    """
    @dev The prediction of the model with one of its training samples, (x, y), taken out
         (leave-one-out judging): class y's score is recomputed with each of x's counts less
         one, n_y - 1 samples and N_y - |x| in total; exact, because the counts are sums. The
         caller guarantees that the model trained on (x, y) (a trainer checks the
         contribution's record first), so no count goes below zero.
    """
    s: DynArray[int256, base.MAX_CLASSES] = self._scores(x)
    c: uint256 = convert(y, uint256)
    word: uint256 = self._classes[y]
    size: uint256 = (word & _MASK) - 1
    if size == 0:
        s[c] = min_value(int256)
        return self._best(s)
    lane_at: uint256 = 128 * (c % 2)
    sum_logs: uint256 = 0
    for j32: uint32 in x:
        count: uint256 = ((self._counts[convert(j32, uint256) * _SLOTS + c // 2] >> lane_at) & _MASK) - 1
        if count == 0:
            sum_logs += _log_alpha
        else:
            sum_logs += self._lane(count) >> 64
    smaller: uint256 = self._class_word(size, ((word >> 64) & _MASK) - len(x))
    length: int256 = convert(len(x), int256)
    s[c] = convert(((smaller >> 128) & _MASK) + sum_logs, int256) - length * convert(smaller >> 192, int256)
    return self._best(s)


@internal
@pure
def _best(s: DynArray[int256, base.MAX_CLASSES]) -> uint8:
    """
    @dev The index of the highest score; ties go to the lower index.
    """
    best: uint256 = 0
    for c: uint256 in range(1, len(s), bound=base.MAX_CLASSES):
        if s[c] > s[best]:
            best = c
    return convert(best, uint8)


@internal
def _train(x: DynArray[uint32, MAX_FEATURES], y: uint8) -> bool:
    """
    @dev Count `x` into class `y` and refresh the logs of every count that changed; checks `x`
         and `y`.
    @return True (every step changes the model).
    """
    base._begin_step(y)
    c: uint256 = convert(y, uint256)
    lane_at: uint256 = 128 * (c % 2)
    keep: uint256 = ~(_LOW << lane_at)
    half: uint256 = c // 2
    after: uint256 = 0  # the smallest index the next feature may have
    for j32: uint32 in x:
        j: uint256 = convert(j32, uint256)
        assert j >= after, "sparse: features not sorted and unique"
        after = unsafe_add(j, 1)
        # Unchecked: j < 2**32, and a count is at most its class total (below 2**64), so one
        # more cannot overflow 256 bits; a count reaching 2**64 would push the class total
        # past its limit, which is checked below, and the step reverts.
        slot: uint256 = unsafe_add(unsafe_mul(j, _SLOTS), half)
        lanes: uint256 = self._counts[slot]
        count: uint256 = unsafe_add((lanes >> lane_at) & _MASK, 1)
        self._counts[slot] = (lanes & keep) | (self._lane(count) << lane_at)
    assert after <= n_features, "sparse: feature index out of range"
    word: uint256 = self._classes[y]
    size: uint256 = (word & _MASK) + 1
    total: uint256 = ((word >> 64) & _MASK) + len(x)
    assert size < _LIMIT and total < _LIMIT, "naive bayes: count out of range"
    self._classes[y] = self._class_word(size, total)
    return True


@internal
@view
def _lane(count: uint256) -> uint256:
    """
    @dev A 128-bit lane: the count in the low 64 bits, L(count * 10**9 + alpha) in the high 64.
    """
    if count == 0:
        return 0
    return (numeric._log2(count * convert(numeric.SCALE, uint256) + alpha) << 64) | count


@internal
@view
def _class_word(size: uint256, total: uint256) -> uint256:
    log_size: uint256 = 0
    if size > 0:
        log_size = numeric._log2(size)
    log_total: uint256 = numeric._log2(total * convert(numeric.SCALE, uint256) + _alpha_total)
    return (log_total << 192) | (log_size << 128) | (total << 64) | size
