# pragma version 0.4.3
"""
@title Integer helpers shared by the models
@license MIT
@notice The dense fixed-point encoding, the input rules for dense samples, and an
        integer base-2 logarithm. Stateless: any module may import it without `initializes`.
@dev Mirror: `sharedmodels.encoding.features` (FIXED_POINT_SCALE, MAX_DIM, MAX_ABS) and
     `sharedmodels.mirrors.multiclass.log2_fixed`.
"""

# ---------------------------------------------------------------- CONSTANTS

# @dev Dense values are `round(value * SCALE)` as int64 (`sharedmodels.encoding.features.FIXED_POINT_SCALE`).
SCALE: constant(int256) = 10**9
# @dev Largest dense dimension a model accepts.
MAX_DIM: constant(uint256) = 256
# @dev Largest |value| of one encoded dense entry (about 1,100 in real units). The bound keeps
#      every sum and cross-product of the dense models far inside 256 bits, so no input can
#      make a later prediction overflow.
MAX_ABS: constant(int256) = 2**40
# @dev Fractional bits of `_log2`.
LOG_BITS: constant(uint256) = 32

# ---------------------------------------------------------------- INTERNAL

@internal
@pure
def _check_dense(x: DynArray[int64, MAX_DIM], dim: uint256):
    """
    @dev A dense sample has exactly `dim` entries, each within +-MAX_ABS.
    """
    assert len(x) == dim, "dense: wrong dimension"
    for v: int64 in x:
        assert abs(convert(v, int256)) <= MAX_ABS, "dense: value out of range"


@internal
@pure
def _msb(v: uint256) -> uint256:
    """
    @dev Index of the highest set bit of a non-zero value.
    """
    x: uint256 = v
    r: uint256 = 0
    if x >= 2**128:
        x >>= 128
        r += 128
    if x >= 2**64:
        x >>= 64
        r += 64
    if x >= 2**32:
        x >>= 32
        r += 32
    if x >= 2**16:
        x >>= 16
        r += 16
    if x >= 2**8:
        x >>= 8
        r += 8
    if x >= 2**4:
        x >>= 4
        r += 4
    if x >= 2**2:
        x >>= 2
        r += 2
    if x >= 2:
        r += 1
    return r


@internal
@pure
def _log2(v: uint256) -> uint256:
    """
    @dev log2(v) for v >= 1 in units of 2**-LOG_BITS, by repeated squaring: the integer part is
         the top bit's index; the mantissa, normalised to [2**127, 2**128), is squared and
         truncated to 128 bits once per fractional bit, which is 1 when the square reaches 2.
         Each step truncates, so the result is at most a few units below floor(log2(v) * 2**32);
         the Python mirror repeats the same steps, so both sides agree exactly.
    """
    top: uint256 = self._msb(v)
    y: uint256 = 0
    if top <= 127:
        y = v << (127 - top)
    else:
        y = v >> (top - 127)
    # Each step squares y (normalised to [2**127, 2**128), so y * y < 2**256 cannot overflow:
    # unchecked) and truncates it back to 128 bits. The square's top bit says whether it
    # reached 2 (y * y >= 2**255): that is the step's bit of the result, and the square is
    # then shifted right by 128 rather than 127, which equals truncating to 128 bits and
    # halving, as the Python mirror does. Branch-free and eight steps per loop pass: about
    # a fifth cheaper than one conditional step per pass, with the same result bit for bit.
    bits: uint256 = 0
    for i: uint256 in range(LOG_BITS // 8):
        y = unsafe_mul(y, y)
        bits = (bits << 1) | (y >> 255)
        y = (y >> 127) >> (y >> 255)
        y = unsafe_mul(y, y)
        bits = (bits << 1) | (y >> 255)
        y = (y >> 127) >> (y >> 255)
        y = unsafe_mul(y, y)
        bits = (bits << 1) | (y >> 255)
        y = (y >> 127) >> (y >> 255)
        y = unsafe_mul(y, y)
        bits = (bits << 1) | (y >> 255)
        y = (y >> 127) >> (y >> 255)
        y = unsafe_mul(y, y)
        bits = (bits << 1) | (y >> 255)
        y = (y >> 127) >> (y >> 255)
        y = unsafe_mul(y, y)
        bits = (bits << 1) | (y >> 255)
        y = (y >> 127) >> (y >> 255)
        y = unsafe_mul(y, y)
        bits = (bits << 1) | (y >> 255)
        y = (y >> 127) >> (y >> 255)
        y = unsafe_mul(y, y)
        bits = (bits << 1) | (y >> 255)
        y = (y >> 127) >> (y >> 255)
    return (top << LOG_BITS) | bits
