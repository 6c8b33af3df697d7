# pragma version 0.4.3
"""
@title Data handler: one storage slot per contribution
@license MIT
@notice Records who contributed what, when, with which label and deposit, how much of the
        deposit is still claimable, and who has claimed. The features are not stored: they stay
        in the calldata of the contributing transaction, where anyone can read them back, and the
        record binds them by hash.
@dev Record layout, one word per id (ids count from 1):
       bits   0..95   claimable wei (a deposit is below 2**96, checked by the incentive)
       bit    96      GOOD: the contributor has claimed (refund, or Points validation)
       bit    97      BAD: marked bad by a reporter (Points)
       bit    98      TRAINED: training on this sample changed the model (a Perceptron
                      learns only from its mistakes; the counting models always change)
       bits  99..255  binding: the top 157 bits of
                      keccak256(abi_encode(id, contributor, time, label, deposit,
                                           keccak256(abi_encode(x))))
     Everything static about a contribution lives in the binding, so callers of refund, report
     and take restate it (a `Contribution`, rebuilt from the `ContributionAdded` event) and the
     contract checks it against the record. Finding two contributions with the same 157-bit
     binding takes about 2**78 hashes.
     Who else has claimed is `reported[id][address]`: a report writes one new slot.
     The id counter and the last contribution time share one slot.
"""

# ---------------------------------------------------------------- EVENTS

# @dev With the calldata of its transaction this rebuilds the contribution; with the claim
#      events of the incentive it rebuilds every balance.
event ContributionAdded:
    id: indexed(uint256)
    contributor: indexed(address)
    label: uint8
    deposit: uint256
    time: uint256

# ---------------------------------------------------------------- STRUCTS

# @dev What a caller restates about a contribution to refund, report or take it.
struct Contribution:
    id: uint256
    contributor: address
    time: uint256
    label: uint8
    deposit: uint256

# @dev The stored part of a record, unpacked.
struct Record:
    claimable: uint256
    good: bool
    bad: bool
    trained: bool
    binding: uint256

# ---------------------------------------------------------------- CONSTANTS

# @dev Deposits and claimable amounts are below this.
DEPOSIT_LIMIT: constant(uint256) = 2**96
_CLAIMABLE_MASK: constant(uint256) = 2**96 - 1
# @dev Record flags, for `_settle`.
GOOD: constant(uint256) = 2**96
BAD: constant(uint256) = 2**97
TRAINED: constant(uint256) = 2**98
_BINDING_SHIFT: constant(uint256) = 99
_TIME_MASK: constant(uint256) = 2**64 - 1

# ---------------------------------------------------------------- STORAGE

# @dev id => packed record (see module docstring).
_records: HashMap[uint256, uint256]
# @dev id => address => has taken a share as a reporter.
reported: public(HashMap[uint256, HashMap[address, bool]])
# @dev Number of contributions << 64 | timestamp of the last one (deployment time at first).
_counters: uint256

# ---------------------------------------------------------------- CONSTRUCTOR

@deploy
def __init__():
    self._counters = block.timestamp

# ---------------------------------------------------------------- VIEW

@external
@view
def contribution(id: uint256) -> Record:
    """
    @notice The stored part of contribution `id`: claimable wei, the GOOD, BAD and TRAINED
            flags and the binding of its static fields. All zero for an unknown id.
    """
    return self._unpack(self._records[id])


@external
@view
def contribution_count() -> uint256:
    """
    @notice Number of contributions so far; they have ids 1 to this.
    """
    return self._counters >> 64


@external
@view
def last_contribution_time() -> uint256:
    """
    @notice Timestamp of the latest contribution (the deployment time before the first).
    """
    return self._counters & _TIME_MASK

# ---------------------------------------------------------------- INTERNAL

@internal
@view
def _last_time() -> uint256:
    return self._counters & _TIME_MASK


@internal
def _add(contributor: address, label: uint8, deposit: uint256, features_hash: bytes32,
         trained: bool) -> uint256:
    """
    @dev Store a new record with all of `deposit` claimable and the TRAINED flag if `trained`;
         returns its id. `features_hash` is
         keccak256(abi_encode(x)), computed by the caller where `x` already is (passing the
         array here would copy it into one more 16 KB memory frame).
    """
    id: uint256 = (self._counters >> 64) + 1
    self._counters = (id << 64) | block.timestamp
    c: Contribution = Contribution(
        id=id, contributor=contributor, time=block.timestamp, label=label, deposit=deposit
    )
    flags: uint256 = 0
    if trained:
        flags = TRAINED
    self._records[id] = (self._binding(c, features_hash) << _BINDING_SHIFT) | flags | deposit
    log ContributionAdded(
        id=id, contributor=contributor, label=label, deposit=deposit, time=block.timestamp
    )
    return id


@internal
@view
def _load(c: Contribution, features_hash: bytes32) -> uint256:
    """
    @dev The packed record of `c`, after checking that `c` and `features_hash` are what was
         recorded.
    """
    word: uint256 = self._records[c.id]
    assert word != 0, "data: unknown contribution"
    assert word >> _BINDING_SHIFT == self._binding(c, features_hash), "data: contribution does not match"
    return word


@internal
@pure
def _binding(c: Contribution, features_hash: bytes32) -> uint256:
    digest: bytes32 = keccak256(
        abi_encode(c.id, c.contributor, c.time, c.label, c.deposit, features_hash)
    )
    return convert(digest, uint256) >> _BINDING_SHIFT


@internal
@pure
def _claimable(word: uint256) -> uint256:
    return word & _CLAIMABLE_MASK


@internal
@pure
def _is_good(word: uint256) -> bool:
    return word & GOOD != 0


@internal
@pure
def _is_bad(word: uint256) -> bool:
    return word & BAD != 0


@internal
@pure
def _is_trained(word: uint256) -> bool:
    return word & TRAINED != 0


@internal
def _settle(id: uint256, word: uint256, claimable: uint256, flags: uint256):
    """
    @dev Rewrite record `id` (currently `word`) with a new claimable amount and added flags.
    """
    self._records[id] = (word & ~_CLAIMABLE_MASK) | flags | claimable


@internal
def _mark_reported(id: uint256, reporter: address):
    self.reported[id][reporter] = True


@internal
@pure
def _unpack(word: uint256) -> Record:
    return Record(
        claimable=word & _CLAIMABLE_MASK,
        good=word & GOOD != 0,
        bad=word & BAD != 0,
        trained=word & TRAINED != 0,
        binding=word >> _BINDING_SHIFT,
    )
