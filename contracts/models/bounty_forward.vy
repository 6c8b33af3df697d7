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
     Bounds: |x| <= 2**40 and |param| <= 2**40 with at most 32 values summed per unit keep the
     first hidden layer's activations below 2**57, the second's below 2**73, every output
     below 2**119 and every centroid distance below 2**88: no input can overflow, which is why
     the loops may use unchecked arithmetic.
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
# @dev Most samples one `_scores` call takes.
MAX_BATCH: constant(uint256) = 128

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
def _scores(kind: uint8, d: uint256, c: uint256, h1: uint256, h2: uint256, p: DynArray[int256, MAX_PARAMS], xs: DynArray[DynArray[int256, MAX_DIM], MAX_BATCH]) -> DynArray[DynArray[int256, MAX_CLASSES], MAX_BATCH]:
    """
    @dev One score per class for each sample of `xs` (`d` values each); `p` has the kind's
         layout (module docstring). A batch, so that the parameters are copied once per call.
         A Perceptron is the MLP's output layer alone. Unchecked arithmetic: the bounds in the
         module docstring keep every product and sum far inside int256.
    """
    sizes: uint256[3] = [h1, h2, c]
    layers: uint256 = 3
    if kind == KIND_PERCEPTRON:
        sizes = [c, 0, 0]
        layers = 1
    elif h2 == 0:
        sizes = [h1, c, 0]
        layers = 2
    out: DynArray[DynArray[int256, MAX_CLASSES], MAX_BATCH] = []
    for x: DynArray[int256, MAX_DIM] in xs:
        row: DynArray[int256, MAX_CLASSES] = []
        if kind == KIND_CENTROID:
            for k: uint256 in range(c, bound=MAX_CLASSES):
                s: int256 = 0
                for j: uint256 in range(d, bound=MAX_DIM):
                    diff: int256 = unsafe_sub(x[j], p[k * d + j])
                    s = unsafe_add(s, unsafe_mul(diff, diff))
                row.append(-s)
            out.append(row)
            continue
        # MLP (and Perceptron): the input widened to MAX_HIDDEN lanes (MAX_DIM == MAX_HIDDEN).
        a: DynArray[int256, MAX_HIDDEN] = x
        n_in: uint256 = d
        off: uint256 = 0
        for l: uint256 in range(3):
            if l == layers:
                break
            h: uint256 = sizes[l]
            relu: bool = l + 1 < layers
            z_out: DynArray[int256, MAX_HIDDEN] = []
            for i: uint256 in range(h, bound=MAX_HIDDEN):
                w: uint256 = off + i * n_in
                z: int256 = unsafe_mul(p[off + h * n_in + i], SCALE)
                for j: uint256 in range(n_in, bound=MAX_HIDDEN):
                    z = unsafe_add(z, unsafe_mul(p[w + j], a[j]))
                if relu:
                    z = max(z, 0) // SCALE
                z_out.append(z)
            a = z_out
            off += h * n_in + h
            n_in = h
        for k: uint256 in range(c, bound=MAX_CLASSES):
            row.append(a[k])
        out.append(row)
    return out


@internal
@pure
def _argmax(s: DynArray[int256, MAX_CLASSES]) -> uint8:
    best: uint256 = 0
    for k: uint256 in range(1, len(s), bound=MAX_CLASSES):
        if s[k] > s[best]:
            best = k
    return convert(best, uint8)
