# pragma version 0.4.3
"""
@title Collaborative sparse Perceptron with deposit, refund and take
@license MIT
@notice Anyone predicts for free and anyone trains the model by sending a labelled sample with
        a deposit. The deposit comes back if the model still agrees with the sample after
        `refund_wait`; if it does not, reporters with good contributions, then the owner, then
        anyone may take it (SPEC §4, §5.1).
@dev One contract composes the model, the data handler and the incentive (no external calls
     between them). Every state-changing entry point is non-reentrant.
"""

from .auth import ownable
from .models import sparse_perceptron as model
from .data import data_handler as data
from .incentives import stake
from .auth import signed

initializes: ownable
initializes: model[ownable := ownable]
initializes: data
initializes: stake[ownable := ownable, data := data]
initializes: signed

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
    data.reported,
    stake.next_deposit,
    stake.num_good,
    stake.total_good,
    stake.refund_wait,
    stake.owner_wait,
    stake.any_wait,
    stake.cost_weight,
    signed.nonces,
    signed.DOMAIN_SEPARATOR,
)

# ---------------------------------------------------------------- CONSTANTS

# @dev Most signed contributions one sponsored batch may carry.
MAX_BATCH: constant(uint256) = 8

# ---------------------------------------------------------------- CONSTRUCTOR

@deploy
def __init__(n_features: uint256, learning_rate: uint256, class0: String[32], class1: String[32],
             encoder: String[256], refund_wait: uint256, owner_wait: uint256, any_wait: uint256,
             cost_weight: uint256):
    ownable.__init__()
    model.__init__(n_features, learning_rate, class0, class1, encoder)
    data.__init__()
    stake.__init__(refund_wait, owner_wait, any_wait, cost_weight)

# ---------------------------------------------------------------- PERMISSIONLESS

@external
@payable
@nonreentrant
def addData(x: DynArray[uint32, model.MAX_FEATURES], y: uint8) -> uint256:
    """
    @notice Contribute one labelled sample; send at least `next_deposit()` wei (the excess is
            returned). The model trains on it in the same transaction.
    @param x Sorted, unique feature indices, each below `n_features`.
    @param y Class index, 0 or 1.
    @return The contribution's id.
    """
    deposit: uint256 = stake._accept()
    id: uint256 = data._add(msg.sender, y, deposit, keccak256(abi_encode(x)))
    model._step(x, y, model._checked_score(x))
    stake._return_excess(deposit)
    return id


@external
@payable
@nonreentrant
def addDataBatch(items: DynArray[signed.SignedContribution, MAX_BATCH]) -> DynArray[uint256, MAX_BATCH]:
    """
    @notice Submit contributions their contributors signed (EIP-712, see `auth/signed.vy`) and
            pay their deposits: the sponsored path for apps that carry their users' fees. Each
            record belongs to its signer, who alone can refund it. Every contribution after the
            first in a batch lands in the same second as the one before, so it owes the largest
            deposit (cost_weight * 3600); the excess of `msg.value` comes back to the sponsor.
    @param items The signed contributions, in the order to train on them.
    @return The contributions' ids.
    """
    ids: DynArray[uint256, MAX_BATCH] = []
    paid: uint256 = 0
    for item: signed.SignedContribution in items:
        features_hash: bytes32 = signed._use(item)
        deposit: uint256 = stake._deposit()
        paid += deposit
        assert msg.value >= paid, "addData: deposit too low"
        ids.append(data._add(item.contributor, item.y, deposit, features_hash))
        model._step(item.x, item.y, model._checked_score(item.x))
    stake._return_excess(paid)
    return ids


@external
@nonreentrant
def refund(c: data.Contribution, x: DynArray[uint32, model.MAX_FEATURES]) -> uint256:
    """
    @notice Take back your deposit after `refund_wait` if the model now agrees with your label;
            earns one good point. Once per contribution.
    @param c The contribution as recorded (from its `ContributionAdded` event).
    @param x Its features, as sent.
    @return Wei refunded.
    """
    word: uint256 = data._load(c, keccak256(abi_encode(x)))
    return stake._refund(c, word, model._class_of(model._checked_score(x)))


@external
@nonreentrant
def report(c: data.Contribution, x: DynArray[uint32, model.MAX_FEATURES]) -> uint256:
    """
    @notice Take a share of someone else's deposit after `refund_wait` when the model disagrees
            with its label. Needs good points; the share is deposit * yours // all of them.
    @param c The contribution as recorded (from its `ContributionAdded` event).
    @param x Its features, as sent.
    @return Wei taken.
    """
    word: uint256 = data._load(c, keccak256(abi_encode(x)))
    return stake._report(c, word, model._class_of(model._checked_score(x)))


@external
@nonreentrant
def take(c: data.Contribution, features_hash: bytes32) -> uint256:
    """
    @notice Take what is left of a deposit: the owner after `owner_wait`, anyone but the
            contributor after `any_wait`.
    @param c The contribution as recorded (from its `ContributionAdded` event).
    @param features_hash keccak256 of the ABI-encoded features (`uint32[]`).
    @return Wei taken.
    """
    return stake._take(c, data._load(c, features_hash))
