# pragma version 0.4.3
"""
@title Model base: class names, encoder descriptor, upload seal and update counter
@license MIT
@notice What every multi-class model shares. A model starts with at least two named classes;
        the owner may add more (up to MAX_CLASSES) at any time, and may upload a pre-trained
        state in chunks until the upload is sealed, by `seal` or by the first training step.
        Adding a class never changes a prediction. A class given to the constructor, or added
        before the seal, takes part in predictions from the start (so a model deployed with
        all its classes predicts exactly as its scikit-learn counterpart); a class added after
        the seal takes part only once a training step has had its label. Until then it is
        "dormant": it is trained like any other class (one-vs-rest models update it on other
        labels' steps) but never predicted. Without this rule the owner of a trainer could
        add an untrained class just before a contribution's refund window and, where an
        untrained class wins (a one-vs-rest Perceptron's zero score beats all-negative
        scores), make the refund fail and take the deposit.
@dev One slot holds the counters every training step reads: bit 0 the seal flag, bits 1..63
     the number of training steps, bits 64..71 the number of classes, bits 72..79 the most
     classes the model allows (0: MAX_CLASSES), which a model whose training step writes to
     every class may lower so that one step always fits in a block, and bits 80..95 the live
     classes (bit 80 + k: class k takes part in predictions), set by `_add_class` while
     unsealed and by `_begin_step` for its label.
     Each model applies the rule in its prediction: the dense Perceptron through
     `_live_classes`; the Nearest Centroid and Naive Bayes models by skipping classes without
     samples, which covers every dormant class (uploads are closed once sealed, so a dormant
     class has no samples until the step that makes it live).
"""

from ..auth import ownable

# @dev Adding classes, uploads and sealing are owner-only.
uses: ownable

# ---------------------------------------------------------------- EVENTS

event ClassAdded:
    index: uint8
    name: String[32]

event UploadSealed:
    pass

# ---------------------------------------------------------------- CONSTANTS

# @dev Most classes a model may have.
MAX_CLASSES: constant(uint256) = 16
_SEALED: constant(uint256) = 1
_STEP_ONE: constant(uint256) = 2
_STEP_MASK: constant(uint256) = 2**64 - 2
_CLASS_SHIFT: constant(uint256) = 64
_LIMIT_SHIFT: constant(uint256) = 72
_LIVE_SHIFT: constant(uint256) = 80
_LIVE_MASK: constant(uint256) = 2**MAX_CLASSES - 1
_BYTE: constant(uint256) = 255

# ---------------------------------------------------------------- STORAGE

# @dev Class names by index.
class_names: public(HashMap[uint8, String[32]])
# @dev Encoder descriptor, so any client can reproduce the input encoding.
encoder: public(String[256])
_state: uint256

# ---------------------------------------------------------------- CONSTRUCTOR

@deploy
def __init__(names: DynArray[String[32], MAX_CLASSES], encoder_: String[256]):
    assert len(names) >= 2, "model: need at least two classes"
    for name: String[32] in names:
        self._add_class(name)
    self.encoder = encoder_

# ---------------------------------------------------------------- VIEW

@external
@view
def n_classes() -> uint256:
    """
    @notice Number of classes; labels are 0 .. n_classes() - 1.
    """
    return self._n_classes()


@external
@view
def max_classes() -> uint256:
    """
    @notice Most classes this model may have (`add_class` stops there).
    """
    return self._max_classes(self._state)


@external
@view
def sealed() -> bool:
    """
    @notice Whether pre-trained uploads are closed (by `seal` or the first training step).
    """
    return self._state & _SEALED != 0


@external
@view
def update_count() -> uint256:
    """
    @notice Number of training steps taken.
    """
    return (self._state & _STEP_MASK) >> 1

# ---------------------------------------------------------------- ADMIN

@external
def add_class(name: String[32]) -> uint8:
    """
    @notice Add a class after deployment (owner only). It starts with no training data. Added
            after the seal, it takes part in predictions only once a training step has had
            its label, so adding it changes no prediction.
    @param name Its name; must not be empty.
    @return The new class's index.
    """
    ownable._check_owner()
    return self._add_class(name)


@external
def seal():
    """
    @notice Close the pre-trained upload for good (owner only). The first training step also seals.
    """
    ownable._check_owner()
    state: uint256 = self._state
    assert state & _SEALED == 0, "model: upload sealed"
    self._state = state | _SEALED
    log UploadSealed()

# ---------------------------------------------------------------- INTERNAL

@internal
@view
def _n_classes() -> uint256:
    return (self._state >> _CLASS_SHIFT) & _BYTE


@internal
@view
def _live_classes() -> uint256:
    """
    @dev The classes that take part in predictions, one bit per class (bit k: class k).
    """
    return (self._state >> _LIVE_SHIFT) & _LIVE_MASK


@internal
@pure
def _max_classes(state: uint256) -> uint256:
    limit: uint256 = (state >> _LIMIT_SHIFT) & _BYTE
    if limit == 0:
        return MAX_CLASSES
    return limit


@internal
def _limit_classes(limit: uint256):
    """
    @dev Lower the class limit (a model's constructor calls this after the names are set).
         The caller guarantees 1 <= limit <= MAX_CLASSES: the only one, `dense_perceptron`,
         passes min(16, 512 // ceil(dim / 2)), between 4 and 16 for every dim it accepts
         (1..256). A range check here could never fail, so there is none (a revert reason
         that no call can reach cannot be tested).
    """
    state: uint256 = self._state
    assert (state >> _CLASS_SHIFT) & _BYTE <= limit, "model: too many classes"
    self._state = (state & ~(_BYTE << _LIMIT_SHIFT)) | (limit << _LIMIT_SHIFT)


@internal
def _check_upload():
    """
    @dev Owner only, before sealing.
    """
    ownable._check_owner()
    assert self._state & _SEALED == 0, "model: upload sealed"


@internal
def _begin_step(y: uint8) -> uint256:
    """
    @dev A training step on label `y`: check it, count the step, seal the upload, and make
         class `y` take part in predictions (from the next one on).
    @return The number of classes.
    """
    state: uint256 = self._state
    n: uint256 = (state >> _CLASS_SHIFT) & _BYTE
    assert convert(y, uint256) < n, "model: unknown class"
    self._state = (state + _STEP_ONE) | _SEALED | (1 << (_LIVE_SHIFT + convert(y, uint256)))
    return n


@internal
def _add_class(name: String[32]) -> uint8:
    state: uint256 = self._state
    n: uint256 = (state >> _CLASS_SHIFT) & _BYTE
    assert n < self._max_classes(state), "model: too many classes"
    assert len(name) > 0, "model: empty class name"
    index: uint8 = convert(n, uint8)
    self.class_names[index] = name
    state += 1 << _CLASS_SHIFT
    if state & _SEALED == 0:
        # Before the seal a class takes part at once; after it, from its first step on.
        state |= 1 << (_LIVE_SHIFT + n)
    self._state = state
    log ClassAdded(index=index, name=name)
    return index
