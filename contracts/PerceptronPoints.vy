# pragma version 0.4.3
"""
@title Collaborative sparse Perceptron with Points
@license MIT
@notice Anyone predicts for free and anyone trains the model with free contributions. After
        `refund_wait` a contributor whose sample the model agrees with claims a point; anyone
        else may mark a sample the model disagrees with as bad (SPEC §4, §5.2).
@dev Composes the same model and data handler as `PerceptronStake`, with the Points incentive.
"""

from .auth import ownable
from .models import sparse_perceptron as model
from .data import data_handler as data
from .incentives import points as incentive

initializes: ownable
initializes: model[ownable := ownable]
initializes: data
initializes: incentive[data := data]

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
    data.contribution,
    data.contribution_count,
    data.last_contribution_time,
    incentive.refund_wait,
    incentive.points,
    incentive.good_count,
    incentive.bad_count,
    incentive.leaderboard,
)

# ---------------------------------------------------------------- CONSTRUCTOR

@deploy
def __init__(n_features: uint256, learning_rate: uint256, class0: String[32], class1: String[32],
             encoder: String[256], refund_wait: uint256):
    ownable.__init__()
    model.__init__(n_features, learning_rate, class0, class1, encoder)
    data.__init__()
    incentive.__init__(refund_wait)

# ---------------------------------------------------------------- PERMISSIONLESS

@external
@payable
@nonreentrant
def addData(x: DynArray[uint32, model.MAX_FEATURES], y: uint8) -> uint256:
    """
    @notice Contribute one labelled sample, for free; the model trains on it at once.
    @param x Sorted, unique feature indices, each below `n_features`.
    @param y Class index, 0 or 1.
    @return The contribution's id.
    """
    incentive._accept()
    id: uint256 = data._add(msg.sender, y, 0, keccak256(abi_encode(x)))
    model._step(x, y, model._checked_score(x))
    return id


@external
@nonreentrant
def refund(c: data.Contribution, x: DynArray[uint32, model.MAX_FEATURES]) -> uint256:
    """
    @notice Claim a point for your contribution after `refund_wait` if the model agrees with
            its label. Once per contribution (named like the staked trainer's for one client).
    @param c The contribution as recorded (from its `ContributionAdded` event).
    @param x Its features, as sent.
    @return Your points after this one.
    """
    word: uint256 = data._load(c, keccak256(abi_encode(x)))
    return incentive._validate(c, word, model._class_of(model._checked_score(x)))


@external
@nonreentrant
def report(c: data.Contribution, x: DynArray[uint32, model.MAX_FEATURES]) -> uint256:
    """
    @notice Mark someone else's contribution bad after `refund_wait` if the model disagrees
            with its label. Earns nothing. Once per contribution.
    @return Always 0 (no money moves under Points).
    """
    word: uint256 = data._load(c, keccak256(abi_encode(x)))
    incentive._report(c, word, model._class_of(model._checked_score(x)))
    return 0
