# pragma version 0.4.3
"""
@title Sparse Perceptron (standalone, owner-trained)
@license MIT
@notice A deployable sparse binary Perceptron: anyone predicts for free, the owner trains it
        one sample at a time or uploads pre-trained weights in chunks before sealing.
@dev Composes `auth/ownable` and `models/sparse_perceptron`. The collaborative trainer of
     SPEC §4 composes the same model module behind its incentive rules.
"""

from .auth import ownable
from .models import sparse_perceptron as model

initializes: ownable
initializes: model[ownable := ownable]

exports: (
    ownable.owner,
    ownable.transfer_ownership,
    ownable.renounce_ownership,
    model.predict,
    model.score,
    model.weights,
    model.weights_of,
    model.intercept,
    model.intercept_step,
    model.learning_rate,
    model.n_features,
    model.class_names,
    model.encoder,
    model.sealed,
    model.update_count,
    model.upload_weights,
    model.upload_intercept,
    model.seal,
)

# ---------------------------------------------------------------- EVENTS

event ModelTrained:
    label: uint8
    prediction: uint8
    changed: bool

# ---------------------------------------------------------------- CONSTRUCTOR

@deploy
def __init__(n_features: uint256, learning_rate: uint256, class0: String[32], class1: String[32],
             encoder: String[256]):
    ownable.__init__()
    model.__init__(n_features, learning_rate, class0, class1, encoder)

# ---------------------------------------------------------------- ADMIN

@external
def update(x: DynArray[uint32, model.MAX_FEATURES], y: uint8) -> uint8:
    """
    @notice Train on one labelled sample (owner only). Seals the pre-trained upload.
    @param x Sorted, unique feature indices, each below `n_features`.
    @param y Class index, 0 or 1.
    @return The prediction the model gave the sample before this step.
    """
    ownable._check_owner()
    prediction: uint8 = 0
    changed: bool = False
    prediction, changed = model._step(x, y, model._checked_score(x))
    log ModelTrained(label=y, prediction=prediction, changed=changed)
    return prediction

