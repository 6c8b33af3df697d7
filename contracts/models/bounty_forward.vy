# pragma version 0.4.3
"""
@title Forward passes of the bounty's model kinds
@license MIT
@notice Stateless: the parameters come in memory, the scores go out. `ModelBounty.vy` uses it
        to score submissions and to answer `predict`.
@dev Inputs are `dim` fixed-point values (real value * SCALE, SCALE = 10**9, as in `numeric.vy`);
     every parameter is an integer within +-MAX_PARAM. Each kind returns one score per class,
     and the prediction is the first class with the highest score.
     Layout of the flat parameter list (D inputs, C classes):
       PERCEPTRON: W[k][j] at k * D + j, then b[k] at C * D + k;
                   score_k = sum_j W[k][j] * x[j] + b[k] * SCALE.
       CENTROID:   M[k][j] at k * D + j (a centroid in input units);
                   score_k = -sum_j (x[j] - M[k][j])**2 (nearest first, ties to the lower k).
       MLP:        for each hidden layer of h units over the previous layer's n values:
                   W[i][j] at i * n + j, then b[i]; then the output layer the same way.
                   z_i = sum_j W[i][j] * a[j] + b[i] * SCALE; a_i = max(z_i, 0) // SCALE
                   (ReLU, then back to input units: the division sees no negative value, so it
                   rounds the same way in Vyper and Python); score_k = the output z_k.
     Bounds: |x| <= 2**40 and |param| <= 2**40 with at most 32 values summed per unit keep every
     hidden activation below 2**56 and every output below 2**120: no input can overflow.
     Mirror: `sharedmodels.bounty.models`.
"""

# ---------------------------------------------------------------- CONSTANTS

SCALE: constant(int256) = 10**9
# @dev Sizes: inputs, classes, units in a hidden layer (at most two hidden layers).
MAX_DIM: constant(uint256) = 32
MAX_CLASSES: constant(uint256) = 8
MAX_HIDDEN: constant(uint256) = 32
# @dev The largest parameter list: an MLP 32 -> 32 -> 32 -> 8.
MAX_PARAMS: constant(uint256) = MAX_HIDDEN * MAX_DIM + MAX_HIDDEN + MAX_HIDDEN * MAX_HIDDEN + MAX_HIDDEN + MAX_CLASSES * MAX_HIDDEN + MAX_CLASSES
MAX_PARAM: constant(int256) = 2**40

KIND_PERCEPTRON: constant(uint8) = 0
KIND_CENTROID: constant(uint8) = 1
KIND_MLP: constant(uint8) = 2

# ---------------------------------------------------------------- INTERNAL

@internal
@pure
def _n_params(kind: uint8, d: uint256, c: uint256, h1: uint256, h2: uint256) -> uint256:
    """
    @dev Parameters of a model of this kind and shape (0 for a shape the kind does not allow).
    """
    if kind == KIND_PERCEPTRON:
        if h1 != 0 or h2 != 0:
            return 0
        return c * d + c
    if kind == KIND_CENTROID:
        if h1 != 0 or h2 != 0:
            return 0
        return c * d
    if kind == KIND_MLP:
        if h1 == 0 or h1 > MAX_HIDDEN or h2 > MAX_HIDDEN:
            return 0
        if h2 == 0:
            return h1 * d + h1 + c * h1 + c
        return h1 * d + h1 + h2 * h1 + h2 + c * h2 + c
    return 0


@internal
@pure
def _macs(kind: uint8, d: uint256, c: uint256, h1: uint256, h2: uint256) -> uint256:
    """
    @dev Multiply-adds of one forward pass (what a scoring step is charged for).
    """
    if kind == KIND_MLP:
        if h2 == 0:
            return h1 * d + c * h1
        return h1 * d + h2 * h1 + c * h2
    return c * d


@internal
@pure
def _layer(p: DynArray[int256, MAX_PARAMS], off: uint256, a: DynArray[int256, MAX_HIDDEN], n: uint256, h: uint256, relu: bool) -> DynArray[int256, MAX_HIDDEN]:
    out: DynArray[int256, MAX_HIDDEN] = []
    w: uint256 = off
    for i: uint256 in range(h, bound=MAX_HIDDEN):
        z: int256 = 0
        for j: uint256 in range(n, bound=MAX_HIDDEN):
            z += p[w + j] * a[j]
        w += n
        z += p[off + h * n + i] * SCALE
        if relu:
            z = max(z, 0) // SCALE
        out.append(z)
    return out


@internal
@pure
def _scores(kind: uint8, d: uint256, c: uint256, h1: uint256, h2: uint256, p: DynArray[int256, MAX_PARAMS], x: DynArray[int256, MAX_DIM]) -> DynArray[int256, MAX_CLASSES]:
    """
    @dev One score per class; `x` has `d` values, `p` the kind's layout (see the docstring).
    """
    out: DynArray[int256, MAX_CLASSES] = []
    if kind == KIND_PERCEPTRON:
        for k: uint256 in range(c, bound=MAX_CLASSES):
            s: int256 = 0
            for j: uint256 in range(d, bound=MAX_DIM):
                s += p[k * d + j] * x[j]
            out.append(s + p[c * d + k] * SCALE)
        return out
    if kind == KIND_CENTROID:
        for k: uint256 in range(c, bound=MAX_CLASSES):
            s: int256 = 0
            for j: uint256 in range(d, bound=MAX_DIM):
                diff: int256 = x[j] - p[k * d + j]
                s += diff * diff
            out.append(-s)
        return out
    # MLP: the input widened to MAX_HIDDEN lanes (MAX_DIM == MAX_HIDDEN).
    a: DynArray[int256, MAX_HIDDEN] = []
    for j: uint256 in range(d, bound=MAX_DIM):
        a.append(x[j])
    a = self._layer(p, 0, a, d, h1, True)
    off: uint256 = h1 * d + h1
    n: uint256 = h1
    if h2 > 0:
        a = self._layer(p, off, a, h1, h2, True)
        off += h2 * h1 + h2
        n = h2
    z: DynArray[int256, MAX_HIDDEN] = self._layer(p, off, a, n, c, False)
    for k: uint256 in range(c, bound=MAX_CLASSES):
        out.append(z[k])
    return out


@internal
@pure
def _argmax(s: DynArray[int256, MAX_CLASSES]) -> uint8:
    best: uint256 = 0
    for k: uint256 in range(1, len(s), bound=MAX_CLASSES):
        if s[k] > s[best]:
            best = k
    return convert(best, uint8)
