# pragma version 0.4.3
"""
@title Deposit, refund, take ("ongoing self-assessment")
@license MIT
@notice Each contribution pays a deposit that falls with the time since the last contribution.
        After `refund_wait` the contributor gets it back if the model (as it is then) agrees
        with the label, and earns a good point. If the model disagrees, any address with good
        points may take a share, weighted by its good points. After `owner_wait` the model's
        owner, and after `any_wait` anyone, may take what is left. Nobody can take their own.
@dev Fixes two flaws of the original: the owner tier is the trainer's owner (the original's
     owner was the trainer contract itself, so it was unreachable), and the contributor is
     excluded from every take, so a bad contributor cannot recover its forfeited deposit after
     the last window. Every payment goes to `msg.sender` and happens after the state change (`lib/pay.vy`).
"""

from ..auth import ownable
from ..data import data_handler as data
from ..lib import pay

uses: ownable
uses: data

# ---------------------------------------------------------------- EVENTS

event DepositRefunded:
    id: indexed(uint256)
    contributor: indexed(address)
    amount: uint256

event DepositReported:
    id: indexed(uint256)
    reporter: indexed(address)
    amount: uint256
    reporter_good: uint256
    total_good: uint256

event DepositTaken:
    id: indexed(uint256)
    taker: indexed(address)
    amount: uint256
    as_owner: bool

# ---------------------------------------------------------------- CONSTANTS

# @dev Seconds per hour in the deposit formula: after a quiet hour the deposit is
#      60 * cost_weight, after 3600**2 s (150 days) it is cost_weight.
_HOUR: constant(uint256) = 3600

# ---------------------------------------------------------------- STORAGE

# @dev Seconds after a contribution before it can be refunded or reported.
refund_wait: public(immutable(uint256))
# @dev Seconds after a contribution before the owner may take what is left.
owner_wait: public(immutable(uint256))
# @dev Seconds after a contribution before any address but the contributor may take what is left.
any_wait: public(immutable(uint256))
# @dev Wei: the deposit is cost_weight * 3600 // isqrt(seconds since the last contribution).
cost_weight: public(immutable(uint256))
# @dev Refunded ("good") contributions per address.
num_good: public(HashMap[address, uint256])
# @dev Refunded contributions, all addresses.
total_good: public(uint256)

# ---------------------------------------------------------------- CONSTRUCTOR

@deploy
def __init__(refund_wait_: uint256, owner_wait_: uint256, any_wait_: uint256,
             cost_weight_: uint256):
    assert refund_wait_ <= owner_wait_ and owner_wait_ <= any_wait_, "stake: waits out of order"
    assert any_wait_ < 2**64, "stake: wait too long"
    assert cost_weight_ < data.DEPOSIT_LIMIT // _HOUR, "stake: cost weight too large"
    refund_wait = refund_wait_
    owner_wait = owner_wait_
    any_wait = any_wait_
    cost_weight = cost_weight_

# ---------------------------------------------------------------- VIEW

@external
@view
def next_deposit() -> uint256:
    """
    @notice Deposit a contribution mined in a block with the current timestamp must carry.
            It only falls as time passes, so this amount stays sufficient; the excess of an
            overpayment is returned.
    """
    return self._deposit()

# ---------------------------------------------------------------- INTERNAL

@internal
@view
def _deposit() -> uint256:
    elapsed: uint256 = block.timestamp - data._last_time()
    if elapsed == 0:
        elapsed = 1
    return cost_weight * _HOUR // isqrt(elapsed)


@internal
@payable
def _accept() -> uint256:
    """
    @dev Step 1 of addData: the deposit this contribution owes; reverts if it sent less.
    """
    deposit: uint256 = self._deposit()
    assert msg.value >= deposit, "addData: deposit too low"
    return deposit


@internal
@payable
def _return_excess(deposit: uint256):
    """
    @dev Last step of addData, after every state change: return what was sent above `deposit`.
    """
    pay._pay(msg.value - deposit)


@internal
def _refund(c: data.Contribution, word: uint256, prediction: uint8) -> uint256:
    assert msg.sender == c.contributor, "refund: not the contributor"
    assert not data._is_good(word), "refund: already refunded"
    # Reports and a take that left nothing (each takes at least 1 wei of a non-zero deposit):
    # no refund of 0 wei, and so no good point for a forfeited deposit.
    assert data._claimable(word) > 0 or c.deposit == 0, "refund: deposit reported or taken"
    assert block.timestamp >= c.time + refund_wait, "refund: too early"
    assert prediction == c.label, "refund: model disagrees"
    amount: uint256 = data._claimable(word)
    data._settle(c.id, word, 0, data.GOOD)
    self.num_good[msg.sender] += 1
    self.total_good += 1
    log DepositRefunded(id=c.id, contributor=msg.sender, amount=amount)
    pay._pay(amount)
    return amount


@internal
def _report(c: data.Contribution, word: uint256, prediction: uint8) -> uint256:
    assert msg.sender != c.contributor, "report: own contribution"
    assert block.timestamp >= c.time + refund_wait, "report: too early"
    assert not data.reported[c.id][msg.sender], "report: already reported"
    remaining: uint256 = data._claimable(word)
    assert remaining > 0, "report: nothing left to take"
    assert prediction != c.label, "report: model agrees"
    good: uint256 = self.num_good[msg.sender]
    assert good > 0, "report: reporter has no good contributions"
    total: uint256 = self.total_good
    # Never more than the reporter's share: one rounded to 0 wei pays nothing, so it is
    # refused (the deposit stays for reporters with more points, the owner and anyone); one
    # above what is left gets what is left.
    share: uint256 = c.deposit * good // total
    assert share > 0, "report: share rounds to zero"
    if share > remaining:
        share = remaining
    data._mark_reported(c.id, msg.sender)
    data._settle(c.id, word, remaining - share, 0)
    log DepositReported(
        id=c.id, reporter=msg.sender, amount=share, reporter_good=good, total_good=total
    )
    pay._pay(share)
    return share


@internal
def _take(c: data.Contribution, word: uint256) -> uint256:
    assert msg.sender != c.contributor, "take: contributor cannot take its own deposit"
    as_owner: bool = msg.sender == ownable.owner
    wait: uint256 = any_wait
    if as_owner:
        wait = owner_wait
    assert block.timestamp >= c.time + wait, "take: too early"
    amount: uint256 = data._claimable(word)
    assert amount > 0, "take: nothing left to take"
    data._settle(c.id, word, 0, 0)
    log DepositTaken(id=c.id, taker=msg.sender, amount=amount, as_owner=as_owner)
    pay._pay(amount)
    return amount
