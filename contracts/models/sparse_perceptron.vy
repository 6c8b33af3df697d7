# pragma version 0.4.3
"""
@title Sparse binary Perceptron
@license MIT
@notice A linear classifier over sparse binary features that reproduces, bit for bit,
        scikit-learn's `Perceptron(eta0=k, penalty=None).partial_fit` on sparse input.
@dev Input: the sorted, unique feature indices of one sample.
     Weights are integers. The intercept is an integer in units of 2**-59: scikit-learn damps
     sparse intercept updates by 0.01 and rounds the float64 sum after every update, so every
     intercept it can reach is a multiple of 2**-59 (the float64 spacing at 0.01). After each
     update the intercept is rounded to 53 significant bits, ties to even, as the FPU does.
     score = sum(weights) * 2**59 + intercept; class 1 iff score > 0; a mistake (and an update)
     iff y * score <= 0 with y in {-1, +1}, so a tie updates for both labels.
     Mirror: `sharedmodels.mirrors.perceptron.IntPerceptron`.
"""

from ..auth import ownable
from . import numeric

# @dev Pre-trained uploads and sealing are owner-only.
uses: ownable

# ---------------------------------------------------------------- EVENTS

event WeightsUploaded:
    count: uint256
    first_index: uint32
    last_index: uint32

event InterceptUploaded:
    intercept: int256

event UploadSealed:
    pass

# ---------------------------------------------------------------- CONSTANTS

# @dev Most distinct features one sample may carry (at least 512).
MAX_FEATURES: constant(uint256) = 512
# @dev A sample is its sorted, unique indices in lanes of 256-bit words, lowest lane first:
#      16-bit lanes when `n_features` <= 2**16 and 32-bit lanes otherwise. A word holds one
#      index up to a full word of them (16 or 8): its indices end at its first zero lane that
#      is not the sample's very first index (indices strictly increase, so 0 can only come
#      first), and every lane above that one is zero. So one index per word is the plain ABI
#      array of indices, and a full word of 16 costs 2 bytes of calldata per index instead
#      of 32. At most 64 words: 512 indices at 32-bit lanes, 1,024 at 16-bit ones (64 plain).
#      The bound sizes the memory frames the array is copied into (2 KB each, not 16 KB).
#      Mirror and packer: `sharedmodels.encoding.packed`.
MAX_WORDS: constant(uint256) = 64
_NARROW_LIMIT: constant(uint256) = 2**16
# @dev Most weights one upload call may set.
MAX_UPLOAD: constant(uint256) = 512
# @dev Most feature indices one `weights_of` call may read.
MAX_READ: constant(uint256) = 1024
INTERCEPT_BITS: constant(uint256) = 59
# @dev 2**INTERCEPT_BITS as a signed factor.
_INTERCEPT_ONE: constant(int256) = 2**59
# @dev float64(0.01) == 0x147AE147AE147B * 2**-59 exactly.
_DECAY_UNITS: constant(uint256) = 5764607523034235
_MANTISSA_BITS: constant(uint256) = 53
_MANTISSA_LIMIT: constant(uint256) = 2**53
_SEALED: constant(uint256) = 1
_COUNT_ONE: constant(uint256) = 2
_COUNT_MASK: constant(uint256) = 2**63 - 2
# @dev Set in the state word once any weight has been stored wide (behind the escape); while
#      it is clear no lane holds the escape, and scoring skips the test for it.
_WIDE: constant(uint256) = 2**63
_LOW_MASK: constant(uint256) = 2**64 - 1
# @dev The intercept is stored as an int192.
_INTERCEPT_LIMIT: constant(int256) = 2**191
# @dev A weight is an integer in [-2**39, 2**39); outside it an update or upload reverts
#      rather than wrap (2**23 mistakes on one feature at the largest rate, 2**39 at rate 1).
_WEIGHT_LIMIT: constant(int256) = 2**39
# @dev Weights live in 16-bit lanes, sixteen to a slot: weight j is lane j % 16 (bits
#      16 * (j % 16) and up, two's complement) of slot j // 16 of `_weights`. A weight in
#      [-_LANE_MAX, _LANE_MAX] is its lane's value. A weight outside it is stored exactly in
#      `_wide[j]` and its lane holds the escape value -2**15, which no weight in a lane takes.
_LANES: constant(uint256) = 16
_LANE_SHIFT: constant(uint256) = 4
_LANE_INDEX: constant(uint256) = 15
_LANE_BITS: constant(uint256) = 16
_LANE_MASK: constant(uint256) = 2**16 - 1
_LANE_MAX: constant(int256) = 2**15 - 1
_ESCAPE: constant(int256) = -(2**15)
_ESCAPE_BITS: constant(uint256) = 2**15
# @dev The lane-wise update (`_step`): bit 15 of every lane, the other bits, and where bit 15
#      of a lane selected at bit 16 * lane is. A lane whose bits 15 and 14 agree holds a weight
#      in [-2**14, 2**14); a step below _FAST_STEP_LIMIT keeps it inside its lane.
_LANE_ONES: constant(uint256) = max_value(uint256) // _LANE_MASK
_HIGH_BITS: constant(uint256) = _LANE_ONES * 2**15
_LOW_BITS: constant(uint256) = _LANE_ONES * (2**15 - 1)
_LANE_TOP: constant(uint256) = 15
_FAST_STEP_LIMIT: constant(int256) = 2**14
# @dev A full word of sixteen 16-bit indices checked at once (`_checked_score`): bits 0-15 of
#      every 32-bit block (the even lanes), and bit 16 of every block. For the even lanes of a
#      word w (block k: lanes 2k and 2k + 1 of w), `((w >> 16) & _EVEN) + _EVEN - (w & _EVEN)`
#      holds, per block, lane 2k+1 + 0xffff - lane 2k, in [0, 2**17 - 2]: no block borrows from
#      or carries into the next, and bit 16 is set exactly when lane 2k+1 > lane 2k.
_EVEN: constant(uint256) = max_value(uint256) // (2**32 - 1) * (2**16 - 1)
_EVEN_TOPS: constant(uint256) = max_value(uint256) // (2**32 - 1) * 2**16
# @dev The top block of the odd lanes compares lane 15 with nothing: it always passes.
_ODD_LAST: constant(uint256) = 2**240
# @dev The slot of a 16-bit lane's index, once shifted down by 4.
_SLOT_BITS: constant(uint256) = 2**12 - 1
_SLOT_LANES: constant(uint256) = _LANE_ONES * _SLOT_BITS
# @dev The low four bits of every 16-bit lane.
_LOW_NIBBLES: constant(uint256) = _LANE_ONES * 15
# @dev Slots of `_weights`: enough for 2**32 features (the largest `n_features`).
_SLOTS: constant(uint256) = 2**28
# @dev Learning rates stay below this: a step moves a weight by less than 2**16.
_LEARNING_RATE_LIMIT: constant(uint256) = 2**16

# ---------------------------------------------------------------- STORAGE

# @dev Feature count of the hashing encoder; indices must be below it.
n_features: public(immutable(uint256))
# @dev Integer learning rate (scikit-learn's `eta0`).
learning_rate: public(immutable(int256))
# @dev fl(learning_rate * 0.01) in 2**-59 units: the intercept move of one mistake.
intercept_step: public(immutable(int256))
# @dev Sixteen 16-bit weight lanes per slot (see `_LANES`), in a fixed array: the slot of a
#      weight is an offset, not a hash. A 1,000-weight upload writes 63 new slots.
_weights: uint256[_SLOTS]
# @dev The weights whose lane holds the escape value (outside the 16-bit lane range).
_wide: HashMap[uint256, int256]
# @dev Class names, index 0 and 1.
class_names: public(HashMap[uint8, String[32]])
# @dev Encoder descriptor so any client can reproduce the input encoding.
encoder: public(String[256])
# @dev The intercept, the update counter and the seal flag, in one slot that every update reads
#      anyway: bits 64..255 the intercept in 2**-59 units (int192, two's complement),
#      bit 63 `_WIDE`, bits 1..62 the number of updates that changed the model (2**62 updates
#      would be needed to reach bit 63), bit 0 set once sealed.
_state: uint256

# ---------------------------------------------------------------- CONSTRUCTOR

@deploy
def __init__(n_features_: uint256, learning_rate_: uint256, class0: String[32],
             class1: String[32], encoder: String[256]):
    assert n_features_ > 0 and n_features_ <= 2**32, "perceptron: n_features out of range"
    assert learning_rate_ > 0 and learning_rate_ < _LEARNING_RATE_LIMIT, "perceptron: learning rate out of range"
    n_features = n_features_
    learning_rate = convert(learning_rate_, int256)
    intercept_step = convert(self._round_to_double(learning_rate_ * _DECAY_UNITS), int256)
    self.class_names[0] = class0
    self.class_names[1] = class1
    self.encoder = encoder

# ---------------------------------------------------------------- VIEW

@external
@view
def predict(x: DynArray[uint256, MAX_WORDS]) -> uint8:
    """
    @notice Class index (0 or 1) the model gives the sample; free to call.
    @param x The sample's sorted, unique feature indices, packed (see `MAX_WORDS`).
    @return 1 when the score is strictly positive, else 0.
    """
    return self._class_of(self._checked_score(x))


@external
@view
def intercept() -> int256:
    """
    @notice The intercept in units of 2**-59 (see the module docstring).
    """
    return self._intercept_of(self._state)


@external
@view
def sealed() -> bool:
    """
    @notice Whether pre-trained uploads are closed (by `seal` or the first update).
    """
    return self._state & _SEALED != 0


@external
@view
def update_count() -> uint256:
    """
    @notice Number of updates that changed the model.
    """
    return (self._state & _COUNT_MASK) >> 1


@external
@view
def score(x: DynArray[uint256, MAX_WORDS]) -> int256:
    """
    @notice The raw decision value, in 2**-59 units (weights sum * 2**59 + intercept).
    @param x The sample's sorted, unique feature indices, packed (see `MAX_WORDS`).
    """
    return self._checked_score(x)


@external
@view
def weights_of(indices: DynArray[uint32, MAX_READ]) -> DynArray[int256, MAX_READ]:
    """
    @notice Batch read of weights, for clients syncing or checking the model.
    @param indices Any feature indices, in any order.
    """
    out: DynArray[int256, MAX_READ] = []
    for j32: uint32 in indices:
        out.append(self._weight(convert(j32, uint256)))
    return out


@external
@view
def weights(j: uint256) -> int256:
    """
    @notice The weight of feature `j` (0 for any `j` without one).
    """
    if j >= _SLOTS * _LANES:
        return 0
    return self._weight(j)

# ---------------------------------------------------------------- ADMIN

@external
def upload_weights(indices: DynArray[uint32, MAX_UPLOAD], values: DynArray[int256, MAX_UPLOAD]):
    """
    @notice Set pre-trained weights, one chunk per call (owner only, before sealing).
    @param indices Feature indices, each below `n_features`.
    @param values Integer weights, same length as `indices`.
    """
    ownable._check_owner()
    self._upload_weights(indices, values)


@external
def upload_intercept(intercept: int256):
    """
    @notice Set the pre-trained intercept in 2**-59 units (owner only, before sealing).
    @param intercept Must be a float64 value, i.e. already rounded to 53 significant bits.
    """
    ownable._check_owner()
    self._upload_intercept(intercept)


@external
def seal():
    """
    @notice Close the pre-trained upload for good (owner only). The first update also seals.
    """
    ownable._check_owner()
    self._seal()

# ---------------------------------------------------------------- INTERNAL

@internal
@view
def _checked_score(x: DynArray[uint256, MAX_WORDS]) -> int256:
    """
    @dev One pass: the input rules (the lanes of `MAX_WORDS`, strictly increasing indices,
         the last one below `n_features`) and the score, sum(weights) * 2**59 + intercept.
         Checking while summing reads each index once.
    """
    state: uint256 = self._state
    # The lane width, lanes per word and lane mask (see `MAX_WORDS`).
    bits: uint256 = 16
    per_word: uint256 = 16
    mask: uint256 = 2**16 - 1
    # A word with a non-zero top lane (`packed >> full != 0`) is a full word of sixteen 16-bit
    # indices, scored without a test per lane when no weight is wide. At 32 bits, or with a
    # wide weight, `full` is 256 and every word takes the lane loop.
    full: uint256 = 240
    if n_features > _NARROW_LIMIT:
        bits = 32
        per_word = 8
        mask = 2**32 - 1
        full = 256
    if state & _WIDE != 0:
        full = 256
    total: int256 = 0
    # The least value the next index may take: one above the last index (0 at the start).
    nxt: uint256 = 0
    slot: uint256 = max_value(uint256)
    word: uint256 = 0
    j: uint256 = 0
    for k: uint256 in range(len(x), bound=MAX_WORDS):
        packed: uint256 = x[k]
        if packed >> full != 0:
            # A full word is valid exactly when its lowest index is at least `nxt` and each lane
            # is above the one below it (see `_EVEN`: the even lanes' blocks, then the odd
            # lanes'), which makes every lane but the lowest non-zero. An invalid one goes on to
            # the lane loop, which reverts at its first bad lane with that lane's reason.
            if packed & _LANE_MASK >= nxt and (
                unsafe_sub(unsafe_add((packed >> 16) & _EVEN, _EVEN), packed & _EVEN)
                & (
                    unsafe_sub(unsafe_add((packed >> 32) & _EVEN, _EVEN), (packed >> 16) & _EVEN)
                    | _ODD_LAST
                )
                & _EVEN_TOPS
            ) == _EVEN_TOPS:
                # No weight is wide (`_WIDE` clear), so no lane holds the escape: each term is
                # a lane weight, |w| <= _LANE_MAX, and there are at most 2**10 (MAX_WORDS words
                # of 16 lanes), so |total| < 2**25. The top lane is above every index before it
                # (and below 2**16: no overflow).
                nxt = unsafe_add(packed >> 240, 1)
                # Lane by lane, (15 - j % 16) * 16 in the low byte of the lane: the shift that
                # puts the weight's sign bit at the top of the word.
                ups: uint256 = ((~packed) & _LOW_NIBBLES) << _LANE_SHIFT
                # Each lane's slot (its index >> 4, 12 bits), and where the slot changes:
                # lane i of `moved` is lane i + 1's slot exclusive-or lane i's, non-zero exactly
                # when lane i + 1 starts a new slot.
                slots: uint256 = (packed >> _LANE_SHIFT) & _SLOT_LANES
                moved: uint256 = (slots ^ (slots << 16)) >> 16
                # Lane 0 against the slot before the word.
                if slots & _SLOT_BITS != slot:
                    slot = slots & _SLOT_BITS
                    word = self._weights[slot]
                total = unsafe_add(
                    total, convert(convert(word << (ups & 255), bytes32), int256) >> 240
                )
                packed = packed >> 16
                ups = ups >> 16
                # Lanes 1 to 15, five per turn.
                for q: uint256 in range(3):
                    if moved & _SLOT_BITS != 0:
                        slot = (packed >> 4) & _SLOT_BITS
                        word = self._weights[slot]
                    total = unsafe_add(
                        total, convert(convert(word << (ups & 255), bytes32), int256) >> 240
                    )
                    if moved & (_SLOT_BITS << 16) != 0:
                        slot = (packed >> 20) & _SLOT_BITS
                        word = self._weights[slot]
                    total = unsafe_add(
                        total, convert(convert(word << ((ups >> 16) & 255), bytes32), int256) >> 240
                    )
                    if moved & (_SLOT_BITS << 32) != 0:
                        slot = (packed >> 36) & _SLOT_BITS
                        word = self._weights[slot]
                    total = unsafe_add(
                        total, convert(convert(word << ((ups >> 32) & 255), bytes32), int256) >> 240
                    )
                    if moved & (_SLOT_BITS << 48) != 0:
                        slot = (packed >> 52) & _SLOT_BITS
                        word = self._weights[slot]
                    total = unsafe_add(
                        total, convert(convert(word << ((ups >> 48) & 255), bytes32), int256) >> 240
                    )
                    if moved & (_SLOT_BITS << 64) != 0:
                        slot = (packed >> 68) & _SLOT_BITS
                        word = self._weights[slot]
                    total = unsafe_add(
                        total, convert(convert(word << ((ups >> 64) & 255), bytes32), int256) >> 240
                    )
                    packed = packed >> 80
                    ups = ups >> 80
                    moved = moved >> 80
                continue
        for lane: uint256 in range(per_word, bound=16):
            j = packed & mask
            if j < nxt:
                # Only the end of this word's indices goes back: a zero lane, not the first of
                # its word (no empty word), with nothing above it.
                assert j == 0, "perceptron: features not sorted and unique"
                assert lane != 0 and packed == 0, "perceptron: bad packed features"
                break
            # j < 2**32: no overflow.
            nxt = unsafe_add(j, 1)
            packed = packed >> bits
            # Sorted indices visit each slot in one run: one SLOAD per slot. j < 2**32, so the
            # slot is below _SLOTS.
            if j >> _LANE_SHIFT != slot:
                slot = j >> _LANE_SHIFT
                word = self._weights[slot]
            # The lane, sign-extended: shift it to the top, then back down (arithmetic). The
            # lane's offset is at most 240.
            w: int256 = convert(
                convert(word << unsafe_sub(240, (j & _LANE_INDEX) << _LANE_SHIFT), bytes32),
                int256,
            ) >> 240
            if w == _ESCAPE:
                w = self._wide[j]
            # Invariant: |w| < 2**39 and at most 2**10 terms (MAX_WORDS words of at most 16
            # lanes), so |total| < 2**49.
            total = unsafe_add(total, w)
    assert nxt <= n_features, "perceptron: feature index out of range"
    # |total| < 2**49 (2**25 while no weight is wide), so total * 2**59 < 2**108 and the
    # intercept is an int192: no overflow.
    # The intercept: `_intercept_of(state)`, inline.
    return unsafe_add(
        unsafe_mul(total, _INTERCEPT_ONE), convert(convert(state, bytes32), int256) >> 64
    )


@internal
@pure
def _class_of(s: int256) -> uint8:
    if s > 0:
        return 1
    return 0


@internal
def _step(x: DynArray[uint256, MAX_WORDS], y: uint8, s: int256) -> (uint8, bool):
    """
    @dev One Perceptron step on `x`, given `s = _checked_score(x)` for the current state (which
         also checked `x`). Callers compute `s` in a sibling call, `_step(x, y, _checked_score(x))`,
         so the input array sits in one memory frame at a time.
    @return (prediction before the step, whether the model changed)
    """
    assert y < 2, "perceptron: label out of range"
    state: uint256 = self._state
    # `_class_of(s)`, inline.
    prediction: uint8 = 0
    if s > 0:
        prediction = 1
    # With the label as sign (+1 for class 1, -1 for class 0), a mistake iff sign * s <= 0;
    # the weights then move by sign * learning_rate and the intercept by sign * intercept_step.
    # Both are below 2**70 in magnitude: negating them cannot overflow.
    delta: int256 = learning_rate
    intercept_delta: int256 = intercept_step
    if y == 1:
        if s > 0:
            if state & _SEALED == 0:
                self._state = state | _SEALED
            return prediction, False
    else:
        if s < 0:
            if state & _SEALED == 0:
                self._state = state | _SEALED
            return prediction, False
        delta = unsafe_sub(0, delta)
        intercept_delta = unsafe_sub(0, intercept_delta)
    # The lane width and mask (see `MAX_WORDS`; this pass needs no lane count).
    bits: uint256 = 16
    mask: uint256 = 2**16 - 1
    if n_features > _NARROW_LIMIT:
        bits = 32
        mask = 2**32 - 1
    # The step as a 16-bit lane (two's complement); `sel * step16` puts it in every selected
    # lane. `fast` is 1 when the step is below 2**14, so that the lane-wise path applies (see
    # `_HIGH_BITS`), else 0 and every slot goes lane by lane.
    step16: uint256 = convert(convert(delta, bytes32), uint256) & _LANE_MASK
    fast: uint256 = 0
    if learning_rate < _FAST_STEP_LIMIT:
        fast = 1
    # The slot being updated, its word and its selected lanes (bit 16 * lane per weight).
    slot: uint256 = 0
    word: uint256 = 0
    sel: uint256 = 0
    # `_WIDE` once a weight of this step is stored wide.
    wide: uint256 = 0
    if len(x) != 0:
        # j < 2**32: the slot is below _SLOTS.
        slot = (x[0] & mask) >> _LANE_SHIFT
        word = self._weights[slot]
    for k: uint256 in range(len(x), bound=MAX_WORDS):
        packed: uint256 = x[k]
        # `x` was checked by `_checked_score`: a word holds at least one index, every index
        # but the sample's first is non-zero and every lane above a word's last index is zero,
        # so the word's indices end exactly when what is left of it is 0 (at the latest after
        # 16 lanes of 16 bits or 8 of 32). Two lanes per turn of the loop (the loop's own
        # bookkeeping costs about as much as a lane's work).
        for lane: uint256 in range(8):
            # `x` is sorted: each slot is read and written once. j = packed & mask.
            if (packed & mask) >> _LANE_SHIFT != slot:
                if (word ^ (word << 1)) & (sel << _LANE_TOP) < fast:
                    # Every selected lane holds a weight in [-2**14, 2**14) (its bits 15 and 14
                    # agree; the escape's do not) and |delta| < 2**14, so each moves to
                    # w + delta in [-_LANE_MAX, _LANE_MAX - 1]: add lane-wise, no lane carries
                    # into the next. sel * step16 < 2**256: one 16-bit copy per lane.
                    d: uint256 = unsafe_mul(sel, step16)
                    word = unsafe_add(word & _LOW_BITS, d & _LOW_BITS) ^ ((word ^ d) & _HIGH_BITS)
                else:
                    went: uint256 = 0
                    word, went = self._step_lanes(slot, word, sel, delta)
                    wide |= went
                self._weights[slot] = word
                slot = (packed & mask) >> _LANE_SHIFT
                word = self._weights[slot]
                # The mask keeps at least the low 16 bits: packed & 15 == j & 15.
                sel = 1 << ((packed & _LANE_INDEX) << _LANE_SHIFT)
            else:
                sel |= 1 << ((packed & _LANE_INDEX) << _LANE_SHIFT)
            packed = packed >> bits
            if packed == 0:
                break
            if (packed & mask) >> _LANE_SHIFT != slot:
                if (word ^ (word << 1)) & (sel << _LANE_TOP) < fast:
                    # As above.
                    d: uint256 = unsafe_mul(sel, step16)
                    word = unsafe_add(word & _LOW_BITS, d & _LOW_BITS) ^ ((word ^ d) & _HIGH_BITS)
                else:
                    went: uint256 = 0
                    word, went = self._step_lanes(slot, word, sel, delta)
                    wide |= went
                self._weights[slot] = word
                slot = (packed & mask) >> _LANE_SHIFT
                word = self._weights[slot]
                sel = 1 << ((packed & _LANE_INDEX) << _LANE_SHIFT)
            else:
                sel |= 1 << ((packed & _LANE_INDEX) << _LANE_SHIFT)
            packed = packed >> bits
            if packed == 0:
                break
    if sel != 0:
        if (word ^ (word << 1)) & (sel << _LANE_TOP) < fast:
            # As in the loop.
            d: uint256 = unsafe_mul(sel, step16)
            word = unsafe_add(word & _LOW_BITS, d & _LOW_BITS) ^ ((word ^ d) & _HIGH_BITS)
        else:
            went: uint256 = 0
            word, went = self._step_lanes(slot, word, sel, delta)
            wide |= went
        self._weights[slot] = word
    # `_intercept_of(state)`, inline.
    moved: int256 = self._round_signed(
        (convert(convert(state, bytes32), int256) >> 64) + intercept_delta
    )
    self._state = self._pack(moved, ((state & _LOW_MASK) + _COUNT_ONE) | _SEALED | wide)
    return prediction, True


@internal
def _step_lanes(slot: uint256, word: uint256, sel: uint256, delta: int256) -> (uint256, uint256):
    """
    @dev `word`, slot `slot` of `_weights`, with `delta` added to each lane selected in `sel`
         (bit 16 * lane), one lane at a time: through the escape and `_wide` when a weight is
         or becomes wide. The path of the slots `_step` cannot move lane-wise.
    @return The new word, and `_WIDE` if a weight was stored wide (else 0).
    """
    out: uint256 = word
    wide: uint256 = 0
    for lane: uint256 in range(_LANES):
        offset: uint256 = lane << _LANE_SHIFT
        if sel & (1 << offset) == 0:
            continue
        # slot < _SLOTS = 2**28: j < 2**32, no overflow.
        j: uint256 = unsafe_add(slot << _LANE_SHIFT, lane)
        w: int256 = convert(
            convert(out << unsafe_sub(240, offset), bytes32), int256
        ) >> 240
        if w == _ESCAPE:
            # |_wide[j]| < 2**39 and |delta| < 2**16: no overflow; the range is checked.
            w = unsafe_add(self._wide[j], delta)
            assert -_WEIGHT_LIMIT <= w and w < _WEIGHT_LIMIT, "perceptron: weight out of range"
        else:
            # A lane weight: |w| <= _LANE_MAX and |delta| < 2**16, so |w + delta| < 2**17,
            # inside the weight range.
            w = unsafe_add(w, delta)
        # w + _LANE_MAX read as unsigned (a negative sum wraps far above) is at most
        # 2 * _LANE_MAX exactly when w is in [-_LANE_MAX, _LANE_MAX].
        bits_w: uint256 = convert(convert(w, bytes32), uint256)
        if unsafe_add(bits_w, convert(_LANE_MAX, uint256)) <= convert(2 * _LANE_MAX, uint256):
            # In (or back in) its lane; a stale `_wide[j]` is never read again.
            out = (out & ~(_LANE_MASK << offset)) | ((bits_w & _LANE_MASK) << offset)
        else:
            self._wide[j] = w
            wide = _WIDE
            out = (out & ~(_LANE_MASK << offset)) | (_ESCAPE_BITS << offset)
    return out, wide


@internal
def _upload_weights(indices: DynArray[uint32, MAX_UPLOAD], values: DynArray[int256, MAX_UPLOAD]):
    assert self._state & _SEALED == 0, "perceptron: upload sealed"
    n: uint256 = len(indices)
    assert n == len(values), "perceptron: length mismatch"
    assert n > 0, "perceptron: empty upload"
    # A memory copy: reading the immutable costs a CODECOPY on every iteration (+12k gas
    # for 1,000 weights, measured).
    limit: uint256 = n_features
    for i: uint256 in range(n, bound=MAX_UPLOAD):
        j: uint256 = convert(indices[i], uint256)
        assert j < limit, "perceptron: feature index out of range"
        self._put(j, values[i])
    log WeightsUploaded(count=n, first_index=indices[0], last_index=indices[n - 1])


@internal
def _upload_intercept(intercept: int256):
    state: uint256 = self._state
    assert state & _SEALED == 0, "perceptron: upload sealed"
    assert self._round_signed(intercept) == intercept, "perceptron: intercept not a float64"
    self._state = self._pack(intercept, state & _LOW_MASK)
    log InterceptUploaded(intercept=intercept)


@internal
def _seal():
    assert self._state & _SEALED == 0, "perceptron: upload sealed"
    self._state |= _SEALED
    log UploadSealed()


@internal
@view
def _weight(j: uint256) -> int256:
    """
    @dev Weight j (j < _SLOTS * _LANES): its lane, or `_wide[j]` when the lane holds the escape.
    """
    w: int256 = convert(
        convert(self._weights[j >> _LANE_SHIFT] << (240 - ((j & _LANE_INDEX) << _LANE_SHIFT)), bytes32),
        int256,
    ) >> 240
    if w == _ESCAPE:
        return self._wide[j]
    return w


@internal
def _put(j: uint256, w: int256):
    """
    @dev Set weight j to w: in its lane when it fits, else in `_wide[j]` behind the escape.
    """
    assert -_WEIGHT_LIMIT <= w and w < _WEIGHT_LIMIT, "perceptron: weight out of range"
    slot: uint256 = j >> _LANE_SHIFT
    offset: uint256 = (j & _LANE_INDEX) << _LANE_SHIFT
    bits: uint256 = _ESCAPE_BITS
    if w >= -_LANE_MAX and w <= _LANE_MAX:
        bits = convert(convert(w, bytes32), uint256) & _LANE_MASK
    else:
        self._wide[j] = w
        self._state |= _WIDE
    self._weights[slot] = (self._weights[slot] & ~(_LANE_MASK << offset)) | (bits << offset)


@internal
@pure
def _lane(word: uint256, j: uint256) -> int256:
    """
    @dev Weight j out of a word of six int40 lanes (lane j % 6): the layout of the prediction
         market's stored weights, which keep this module's arithmetic but not its storage.
    """
    return convert(convert(word << (216 - (j % 6) * 40), bytes32), int256) >> 216


@internal
@pure
def _set_lane(word: uint256, j: uint256, w: int256) -> uint256:
    """
    @dev `word` with lane j % 6 (int40) set to w; reverts outside the int40 range.
    """
    assert -_WEIGHT_LIMIT <= w and w < _WEIGHT_LIMIT, "perceptron: weight out of range"
    offset: uint256 = (j % 6) * 40
    bits: uint256 = convert(convert(w, bytes32), uint256) & (2**40 - 1)
    return (word & ~((2**40 - 1) << offset)) | (bits << offset)


@internal
@pure
def _intercept_of(state: uint256) -> int256:
    return convert(convert(state, bytes32), int256) >> 64


@internal
@pure
def _pack(intercept: int256, low: uint256) -> uint256:
    """
    @dev The state word for `intercept` and the low 64 bits `low` (counter and seal flag).
    """
    assert -_INTERCEPT_LIMIT <= intercept and intercept < _INTERCEPT_LIMIT, "perceptron: intercept out of range"
    return convert(convert(intercept << 64, bytes32), uint256) | low


@internal
@pure
def _round_signed(units: int256) -> int256:
    if units >= 0:
        return convert(self._round_to_double(convert(units, uint256)), int256)
    return -convert(self._round_to_double(convert(-units, uint256)), int256)


@internal
@pure
def _round_to_double(mag: uint256) -> uint256:
    """
    @dev Round `mag` to 53 significant bits, ties to even (IEEE-754 round-to-nearest).
    """
    if mag < _MANTISSA_LIMIT:
        return mag
    drop: uint256 = numeric._msb(mag) + 1 - _MANTISSA_BITS
    q: uint256 = mag >> drop
    r: uint256 = mag & ((1 << drop) - 1)
    half: uint256 = 1 << (drop - 1)
    if r > half or (r == half and q & 1 == 1):
        q += 1
    return q << drop
