# pragma version 0.4.3
# pragma optimize codesize
"""
@title Hub pools: pay the contributors who made a listed model better on one evaluator's
       hidden test sets
@license MIT
@notice Permissionless, no admin. Deployed for one ModelHub (`hub`, immutable), whose entries,
        kinds and accuracy records it reads through the hub's views; it holds the money, the
        hub holds none.
        Anyone funds the pool of a listed sparse Perceptron trainer and a named evaluator
        (irrevocably); only that evaluator's records move it. A period closes on a new record
        whose test set was committed before the previous record: it releases
        `available * gain / (1 - previous accuracy)` of the pool (the share of the remaining
        error the model closed; nothing without a gain). The period's contributions that
        changed the model enter during `entry_window`, with shares by how far their
        own step moved the closing set toward its labels; during the entries anyone may
        `cancel` an entry's shares where a step of the other label undid it on the features
        both carry; each contributor claims once within `claim_window` (pull payment), after
        which what is unclaimed returns to the pool.
        See docs/hub.md.
@dev Money: balance == sum over pools of available + sum over periods of (budget - paid), to
     the wei. Every payment goes to msg.sender after all state changes (`lib/pay.vy`), behind
     the re-entrancy lock.
"""

from .lib import hash_chain
from .lib import pay

# ---------------------------------------------------------------- INTERFACES

interface Hub:
    def evaluations(id: uint256) -> Evaluation: view
    def scored(id: uint256) -> bytes32: view
    def terms(model: address) -> Terms: view
    def reveal_delay() -> uint256: view
    def reveal_window() -> uint256: view

interface PackedModel:
    def n_features() -> uint256: view

interface Trainer:
    def contribution(id: uint256) -> Record: view

# ---------------------------------------------------------------- STRUCTS

# @dev `ModelHub.Evaluation`: an accuracy record (or an evaluation still being revealed).
struct Evaluation:
    model: address
    evaluator: address
    committed: uint256
    commit_block: uint256
    test_set_hash: bytes32
    pieces: uint256
    revealed: uint256
    updates: uint256
    samples: uint256
    correct: uint256
    block: uint256
    time: uint256
    contributions: uint256
    pinned: uint256
    pinned_time: uint256
    intercept: int256
    pins: uint256

# @dev `ModelHub.Terms`: what the hub holds of a model that decides whether it takes a pool.
struct Terms:
    kind: uint256
    listed: bool
    features: uint8
    trainer: uint8

# @dev A trainer's stored record (data_handler.Record), as its `contribution(id)` returns it.
struct Record:
    claimable: uint256
    good: bool
    bad: bool
    trained: bool
    binding: uint256

# @dev A trainer's contribution as restated by callers (data_handler.Contribution).
struct Contribution:
    id: uint256
    contributor: address
    time: uint256
    label: uint8
    deposit: uint256

# @dev A contribution to enter, with its features as the trainer took them (packed words).
struct Entrant:
    c: Contribution
    x: DynArray[uint256, MAX_WORDS]

# @dev One sample of a closing test set as the hub scored it: its packed features, its label
#      and the model's raw score at the record (`ModelHub.PieceScored.scores`).
struct Scored:
    x: DynArray[uint256, MAX_TEST_WORDS]
    y: uint8
    s: int256

# @dev A pool belongs to a model and to one evaluator, whose records alone move it.
struct Pool:
    available: uint256
    anchor: uint256

# @dev A pool's funding up to a block: `funded` is all the wei funded into the pool at or
#      before `block` (one checkpoint per block that funded it, in block order).
struct Checkpoint:
    block: uint256
    funded: uint256

struct Period:
    evaluator: address
    evaluation: uint256
    budget: uint256
    paid: uint256
    first_id: uint256
    last_id: uint256
    entry_deadline: uint256
    shares: uint256
    claimed_shares: uint256

# ---------------------------------------------------------------- EVENTS

event PoolFunded:
    model: indexed(address)
    evaluator: indexed(address)
    funder: indexed(address)
    amount: uint256

event PoolAnchored:
    model: indexed(address)
    evaluator: indexed(address)
    evaluation: indexed(uint256)

event PeriodClosed:
    model: indexed(address)
    period: indexed(uint256)
    evaluator: indexed(address)
    evaluation: uint256
    budget: uint256
    first_id: uint256
    last_id: uint256
    entry_deadline: uint256

event ContributionEntered:
    model: indexed(address)
    period: indexed(uint256)
    id: uint256
    contributor: indexed(address)
    shares: uint256

event ContributionCancelled:
    model: indexed(address)
    period: indexed(uint256)
    id: uint256
    by_id: uint256
    contributor: indexed(address)
    shares: uint256

event CutMoved:
    model: indexed(address)
    period: indexed(uint256)
    id: uint256
    to_id: uint256
    contributor: indexed(address)
    restored: uint256
    shares: uint256

event KeeperPaid:
    model: indexed(address)
    period: indexed(uint256)
    keeper: indexed(address)
    gas: uint256
    amount: uint256

event RewardClaimed:
    model: indexed(address)
    period: indexed(uint256)
    contributor: indexed(address)
    amount: uint256

event PeriodReleased:
    model: indexed(address)
    period: indexed(uint256)
    amount: uint256

# ---------------------------------------------------------------- CONSTANTS

# @dev A packed sample's most words (`sparse_perceptron.MAX_WORDS`): 512 indices fill 32 words
#      of 16-bit lanes or 64 of 32-bit lanes.
MAX_WORDS: constant(uint256) = 64
_NARROW_LIMIT: constant(uint256) = 2**16
# @dev Words of a packed test sample: 128 indices in 32-bit lanes (`ModelHub.MAX_FEATURES`).
MAX_TEST_WORDS: constant(uint256) = 16
# @dev Contributions entered in one transaction (the closing set is passed once for all).
MAX_ENTER: constant(uint256) = 16
# @dev Most samples of a record that closes a pool's period (all passed again to `enter`).
MAX_POOL_TEST: constant(uint256) = 256
# @dev Most indices in one packed contribution: MAX_WORDS words of 16-bit lanes.
MAX_CONTRIBUTION: constant(uint256) = 1024
# @dev `ModelHub` kind values: packed input (the sparse Perceptron).
PACKED: constant(uint8) = 3
_BINDING_SHIFT: constant(uint256) = 99
# @dev A feature as `cancel` and `move_cut` keep it while they count it: the index (32 bits),
#      its positions in the two steps (16 bits each) and the closing samples carrying it with
#      the step's label (`_UP_AT`) and with the other (`_DOWN_AT`), 32 bits each.
_FEATURE: constant(uint256) = 2**32 - 1
_AT_T: constant(uint256) = 32
_AT_O: constant(uint256) = 48
_POSITION: constant(uint256) = 2**16 - 1
_UP_AT: constant(uint256) = 64
_DOWN_AT: constant(uint256) = 96
_COUNT: constant(uint256) = 2**32 - 1
_UP: constant(uint256) = 1 << _UP_AT
_DOWN: constant(uint256) = 1 << _DOWN_AT
# @dev Bounds of both windows: an hour (entries must be possible outside the closing block)
#      to 365 days (deadlines stay far from overflowing and the budget is not locked for good).
MIN_WINDOW: constant(uint256) = 3600
MAX_WINDOW: constant(uint256) = 365 * 86400
# @dev Steps of the binary search over a pool's funding checkpoints: 2**64 checkpoints, one
#      per block at most, is more blocks than a chain makes.
_SEARCH_STEPS: constant(uint256) = 64
# @dev Gas of a `cancel` or `move_cut` transaction that its own count (`msg.gas` at its start
#      less at the keeper's pay) does not see, at least: the transaction's 21,000 and 10,000
#      of what follows the count when it pays (the budget's write 2,900, the log 2,387, the
#      payment 6,800). Calldata is added at 4 gas a byte, the least a byte costs.
_KEEPER_GAS: constant(uint256) = 21000 + 10000
# @dev Gas the chain gives back for a storage slot a call empties (EIP-3529).
_REFUND: constant(uint256) = 4800

# ---------------------------------------------------------------- STORAGE

# @dev The ModelHub whose entries and records this pool contract reads.
hub: public(immutable(address))
# @dev The hub's `reveal_delay + reveal_window` (immutable there): how long after a record
#      a set committed before it may still be revealed.
_reveal_span: immutable(uint256)
# @dev Seconds after a period closes in which its contributions may enter.
entry_window: public(immutable(uint256))
# @dev Seconds after the entries close in which shares may be claimed; then what is left
#      goes back to the pool (`release`).
claim_window: public(immutable(uint256))
# @dev Fewest test samples a record needs to close a pool's period.
min_pool_samples: public(immutable(uint256))

# @dev model => evaluator => pool.
pools: public(HashMap[address, HashMap[address, Pool]])
# @dev model => the evaluators of its pools, in the order the pools began.
pool_count: public(HashMap[address, uint256])
pool_known: HashMap[address, HashMap[address, bool]]
pool_evaluators: public(HashMap[address, HashMap[uint256, address]])
# @dev model => evaluator => the pool's funding checkpoints (index => checkpoint) and their
#      count: what the pool was funded before a closing record's block.
checkpoints: public(HashMap[address, HashMap[address, HashMap[uint256, Checkpoint]]])
checkpoint_count: public(HashMap[address, HashMap[address, uint256]])
# @dev model => its periods, every pool's, numbered in the order they closed.
periods: public(HashMap[address, HashMap[uint256, Period]])
period_count: public(HashMap[address, uint256])
# @dev Records (evaluation ids) used to anchor or close a period.
used: public(HashMap[uint256, bool])
entered: public(HashMap[address, HashMap[uint256, HashMap[uint256, bool]]])
shares: public(HashMap[address, HashMap[uint256, HashMap[address, uint256]]])
claimed: public(HashMap[address, HashMap[uint256, HashMap[address, bool]]])
# @dev model => period => contribution id => its shares still standing (entered, less what
#      `cancel` cut).
entry_shares: public(HashMap[address, HashMap[uint256, HashMap[uint256, uint256]]])
# @dev model => period => contribution id => which positions of its sorted features have
#      cancelled already (bit i of the array: its i-th feature), so that each feature of each
#      step cancels once in a period.
undone: public(HashMap[address, HashMap[uint256, HashMap[uint256, uint256[4]]]])
# @dev model => period => contribution id => the positions of its features that were cut (the
#      target's side of `undone`): a cut `move_cut` may hand on to a later step.
cut_bits: public(HashMap[address, HashMap[uint256, HashMap[uint256, uint256[4]]]])
# @dev model => period => contribution id => the shares its cut features are worth (its
#      positive push on each, summed; `entry_shares` is what entered less this, at least 0).
cut: public(HashMap[address, HashMap[uint256, HashMap[uint256, uint256]]])
# @dev model => period => contribution id => the shares it entered with, kept from its first
#      cut on (while it has no cut, `entry_shares` is that).
_entered_with: HashMap[address, HashMap[uint256, HashMap[uint256, uint256]]]
# @dev model => period => its closing record's scored-set hash (`ModelHub.scored`), kept at
#      `close_period` so that the calls that take the closing set ask the hub nothing.
_closing: HashMap[address, HashMap[uint256, bytes32]]
# @dev Set once a transaction's own gas has been paid to a keeper (`_pay_keeper`).
_credited: transient(bool)

# ---------------------------------------------------------------- CONSTRUCTOR

@deploy
def __init__(hub_: address, entry_window_: uint256, claim_window_: uint256,
             min_pool_samples_: uint256):
    assert hub_.is_contract, "hub: no hub at that address"
    assert min_pool_samples_ > 0, "hub: min pool samples is zero"
    assert min_pool_samples_ <= MAX_POOL_TEST, "hub: min pool samples above the most a pool takes"
    assert entry_window_ >= MIN_WINDOW and entry_window_ <= MAX_WINDOW, "hub: entry window out of range"
    assert claim_window_ >= MIN_WINDOW and claim_window_ <= MAX_WINDOW, "hub: claim window out of range"
    hub = hub_
    _reveal_span = staticcall Hub(hub_).reveal_delay() + staticcall Hub(hub_).reveal_window()
    entry_window = entry_window_
    claim_window = claim_window_
    min_pool_samples = min_pool_samples_

# ---------------------------------------------------------------- POOLS (anyone)

@external
@payable
@nonreentrant
def fund(model: address, evaluator: address):
    """
    @notice Add `msg.value` to the pool of a listed sparse Perceptron trainer that
            `evaluator`'s records close: only that evaluator's records anchor it and close
            its periods. Irrevocable: it goes only to the trainer's contributors, through
            periods (or stays in the pool).
    """
    t: Terms = self._check_pool_kind(model)
    assert t.listed, "hub: not registered"
    assert evaluator != empty(address), "hub: no evaluator"
    assert msg.value > 0, "hub: nothing sent"
    self._begin_pool(model, evaluator)
    self.pools[model][evaluator].available += msg.value
    n: uint256 = self.checkpoint_count[model][evaluator]
    last: Checkpoint = empty(Checkpoint)
    if n > 0:
        last = self.checkpoints[model][evaluator][n - 1]
    if n > 0 and last.block == block.number:
        self.checkpoints[model][evaluator][n - 1].funded = last.funded + msg.value
    else:
        self.checkpoints[model][evaluator][n] = Checkpoint(block=block.number, funded=last.funded + msg.value)
        self.checkpoint_count[model][evaluator] = n + 1
    log PoolFunded(model=model, evaluator=evaluator, funder=msg.sender, amount=msg.value)


@external
@nonreentrant
def close_period(model: address, id: uint256) -> uint256:
    """
    @notice Move the pool of record `id`'s evaluator on `model`: the first record used
            anchors it (the evaluator only); a later one closes its period (anyone). A closing record must be
            on `model`, have `min_pool_samples` to MAX_POOL_TEST samples, be recorded after
            the anchor, and have its test set committed in a block before the anchor's record
            (so the period's contributors could not see it). Once no such set can still be
            revealed (`reveal_delay + reveal_window` after the anchor's record), the evaluator
            may anchor again with a later record of a set committed after it: the period
            pays nothing and its budget stays in the pool. Each record is used once. Records
            of other evaluators never touch this pool. Every record must be pinned
            (`ModelHub.pin`) once, and is read at its pin: its block and time here are the
            pin's.
    @return The budget released to the period.
    """
    self._check_pool_kind(model)
    b: Evaluation = staticcall Hub(hub).evaluations(id)
    assert b.model == model, "hub: record of another model"
    assert b.block != 0, "hub: evaluation not finished"
    # A pool reads a record at its pin (`ModelHub.pin`): nothing sent after the pin moved
    # its scores, so a step that read the samples from a pending reveal neither spoils the
    # set nor counts (third review).
    assert b.pinned != 0, "hub: record not pinned"
    # Pinned again, the set may have been shown by a failed reveal in between and trained on
    # before the second pin (sixth review): such a record pays nobody.
    assert b.pins == 1, "hub: record pinned more than once"
    assert b.samples >= min_pool_samples, "hub: too few test samples"
    assert b.samples <= MAX_POOL_TEST, "hub: too many test samples for a pool"
    assert not self.used[id], "hub: record already used"
    self.used[id] = True
    self._begin_pool(model, b.evaluator)
    pool: Pool = self.pools[model][b.evaluator]
    a: Evaluation = empty(Evaluation)  # before the first anchor: block 0
    if pool.anchor != 0:
        a = staticcall Hub(hub).evaluations(pool.anchor)
    assert b.pinned > a.pinned, "hub: record not after the anchor"
    if b.commit_block >= a.pinned:
        # (Re-)anchor. A set committed after the anchor's record cannot close its period; once
        # no set committed before it can still be revealed (each was committed by the anchor's
        # time), the evaluator moves the anchor on, so that a spoilt or missed closing reveal
        # does not lock the pool (third review). The period pays nothing; its budget stays.
        assert block.timestamp > a.pinned_time + _reveal_span, "hub: test set committed after the period began"
        # Only the evaluator picks its pool's anchor: anyone else could anchor it with one of
        # its records from before the funding, and no set committed before that record's block
        # would be left to close a period (the pool locked for good; second review).
        assert msg.sender == b.evaluator, "hub: only the evaluator anchors its pool"
        self.pools[model][b.evaluator].anchor = id
        log PoolAnchored(model=model, evaluator=b.evaluator, evaluation=id)
        return 0
    # The budget's base is what the pool held before the closing record's block: wei funded
    # in that block or later were not there when the record was written and go to later
    # periods (fourth review: a funding back-run by `close_period` was paid to the period).
    # `late <= available`: each earlier budget of this pool was taken from a base that left
    # out every wei funded at or after its own record's block, an earlier block than this
    # record's (records of a pool move forward), so those wei all stayed in `available`; a
    # release only adds. The guard keeps a base of 0 should that ever fail.
    late: uint256 = self._funded_since(model, b.evaluator, b.pinned)
    base: uint256 = 0
    if pool.available > late:
        base = pool.available - late
    budget: uint256 = self._budget(base, a.samples, a.correct, b.samples, b.correct)
    p: uint256 = self.period_count[model]
    deadline: uint256 = block.timestamp + entry_window
    self.periods[model][p] = Period(
        evaluator=b.evaluator, evaluation=id, budget=budget, paid=0,
        first_id=a.contributions + 1, last_id=b.contributions, entry_deadline=deadline,
        shares=0, claimed_shares=0,
    )
    self.period_count[model] = p + 1
    self._closing[model][p] = staticcall Hub(hub).scored(id)
    self.pools[model][b.evaluator] = Pool(available=pool.available - budget, anchor=id)
    log PeriodClosed(
        model=model, period=p, evaluator=b.evaluator, evaluation=id, budget=budget,
        first_id=a.contributions + 1, last_id=b.contributions, entry_deadline=deadline,
    )
    return budget


@external
@nonreentrant
def enter(model: address, period: uint256, entrants: DynArray[Entrant, MAX_ENTER],
          test: DynArray[Scored, MAX_POOL_TEST]) -> uint256:
    """
    @notice Enter contributions of the period (anyone, for their contributors), each with its
            features as the trainer took them, and the period's closing test set as the hub
            scored it (`test`: every sample in reveal order, packed, with its label and the
            model's score from `PieceScored`). Each contribution must be the trainer's, in
            the period, and have changed the model (the trainer's TRAINED flag, written when
            it trained). The trainer's judgement (refund, validation, report) is not asked:
            it reads the model when it is sent, so a rival's later steps decide it (a step
            that undoes the contribution makes its refund fail); a step undone in the period
            is `cancel`led instead. Its shares are how far its own step moved
            the closing scores toward their labels: for each closing sample, the number of
            features it shares with the contribution (its step moved that sample's weights
            sum by learning_rate each), counted up when the contribution's label is the
            sample's and down when not.
            It enters only above 0: a step on features no closing sample has earns nothing.
            One entered already is skipped, not refused: a copy of one entry sent ahead of
            a batch would otherwise revert the whole batch.
    @return The shares entered.
    """
    p: Period = self.periods[model][period]
    assert p.entry_deadline != 0, "hub: no such period"
    assert block.timestamp <= p.entry_deadline, "hub: entries closed"
    assert len(entrants) > 0, "hub: nothing to enter"
    # The closing set is checked, and each step unpacked and walked against it, here rather
    # than in helpers: a helper takes its own copy of `test` and of each array, and memory
    # was most of what the call cost. The chain starts from 0 and takes in every sample, so a
    # shorter or longer list has another end.
    h: bytes32 = empty(bytes32)
    for s: Scored in test:
        h = hash_chain._link(h, keccak256(abi_encode(s.x, s.y, s.s)))
    assert h == self._closing[model][period], "hub: not the closing test set"
    bits: uint256 = self._bits(model)
    total: uint256 = 0
    i: uint256 = 0
    k: uint256 = 0
    f: uint256 = 0
    w: uint256 = 0
    nxt: uint256 = 0
    pushed: int256 = 0
    mine: DynArray[uint256, MAX_CONTRIBUTION] = []
    for en: Entrant in entrants:
        c: Contribution = en.c
        assert c.id >= p.first_id and c.id <= p.last_id, "hub: contribution outside the period"
        if self.entered[model][period][c.id]:
            continue  # entered already (by anyone, or earlier in this batch): the rest go on
        r: Record = self._record(model, en)
        assert r.trained, "hub: contribution did not change the model"
        # Its features, read up to the first lane that does not increase (`ModelHub._pack`'s
        # inverse).
        mine = []
        nxt = 0
        for word: uint256 in en.x:
            w = word
            for lane: uint256 in range(16):
                if lane * bits >= 256:
                    break
                f = w & ((1 << bits) - 1)
                if f < nxt:
                    break
                nxt = f + 1
                w = w >> bits
                mine.append(f)
        # How far its step moved the closing set toward its labels: for each closing sample,
        # |mine & s| up when its label is the step's, down when not (one walk over s's lanes
        # with a cursor in mine; both sorted).
        pushed = 0
        for s: Scored in test:
            k = 0
            i = 0
            nxt = 0
            for word: uint256 in s.x:
                w = word
                for lane: uint256 in range(16):
                    if lane * bits >= 256:
                        break
                    f = w & ((1 << bits) - 1)
                    if f < nxt:
                        break
                    nxt = f + 1
                    w = w >> bits
                    for _: uint256 in range(MAX_CONTRIBUTION):
                        if i >= len(mine) or mine[i] >= f:
                            break
                        i += 1
                    if i < len(mine) and mine[i] == f:
                        k += 1
            if c.label == s.y:
                pushed += convert(k, int256)
            else:
                pushed -= convert(k, int256)
        assert pushed > 0, "hub: contribution did not help the closing set"
        n: uint256 = convert(pushed, uint256)
        self.entered[model][period][c.id] = True
        self.entry_shares[model][period][c.id] = n
        self.shares[model][period][c.contributor] += n
        total += n
        log ContributionEntered(model=model, period=period, id=c.id, contributor=c.contributor, shares=n)
    self.periods[model][period].shares = p.shares + total
    return total


@external
@nonreentrant
def cancel(model: address, period: uint256, target: Entrant, other: Entrant,
           test: DynArray[Scored, MAX_POOL_TEST]) -> uint256:
    """
    @notice Cut an entered contribution's shares where another contribution of the period
            undid its step (anyone, during the entries): `other` has the other label and
            changed the model too, so on the features both carry the two steps moved the
            weights by the learning rate each way and the period's model did not move there.
            The cut is `target`'s push on each of those shared features that pushed toward
            the labels, summed, at most the shares it still has; only above 0. Each feature
            of each step cancels once in a period (a bitmap per contribution): one step
            cannot undo two; a shared feature that did not push `target` toward the labels
            is left for another pairing. Which of the same-label steps on a feature carries the cut is
            not the caller's choice: `move_cut` hands it on to the latest one.
    @return The shares cut.
    """
    start: uint256 = msg.gas
    deadline: uint256 = self.periods[model][period].entry_deadline
    assert deadline != 0, "hub: no such period"
    assert block.timestamp <= deadline, "hub: entries closed"
    t: Contribution = target.c
    o: Contribution = other.c
    assert self.entered[model][period][t.id], "hub: contribution not entered"
    # A cancellation already made fails here, before the period is read and the closing set
    # hashed (eighth review: a keeper whose pending cancel was copied ahead of it paid the
    # whole count for a revert).
    standing: uint256 = self.entry_shares[model][period][t.id]
    assert standing > 0, "hub: nothing to cancel"
    p: Period = self.periods[model][period]
    assert o.id >= p.first_id and o.id <= p.last_id, "hub: contribution outside the period"
    assert o.label != t.label, "hub: contributions with the same label"
    self._record(model, target)
    assert self._record(model, other).trained, "hub: contribution did not change the model"
    bits: uint256 = self._bits(model)
    done_t: uint256[4] = self.undone[model][period][t.id]
    done_o: uint256[4] = self.undone[model][period][o.id]
    cut_t: uint256[4] = self.cut_bits[model][period][t.id]
    i: uint256 = 0
    j: uint256 = 0
    k: uint256 = 0
    f: uint256 = 0
    w: uint256 = 0
    nxt: uint256 = 0
    worth: uint256 = 0
    theirs: DynArray[uint256, MAX_CONTRIBUTION] = []
    for word: uint256 in other.x:  # its features, in order
        w = word
        for lane: uint256 in range(16):
            if lane * bits >= 256:
                break
            f = w & ((1 << bits) - 1)
            if f < nxt:
                break
            nxt = f + 1
            w = w >> bits
            theirs.append(f)
    # The features both carry that neither step has cancelled yet, in order: each packed with
    # its positions in the two steps (`_AT_T`, `_AT_O`) and, below, its closing counts.
    shared: DynArray[uint256, MAX_CONTRIBUTION] = []
    nxt = 0
    for word: uint256 in target.x:  # walked against `theirs`
        w = word
        for lane: uint256 in range(16):
            if lane * bits >= 256:
                break
            f = w & ((1 << bits) - 1)
            if f < nxt:
                break
            nxt = f + 1
            w = w >> bits
            for _: uint256 in range(MAX_CONTRIBUTION):
                if j >= len(theirs) or theirs[j] >= f:
                    break
                j += 1
            if j < len(theirs) and theirs[j] == f:
                if done_t[i // 256] & (1 << (i % 256)) == 0 and done_o[j // 256] & (1 << (j % 256)) == 0:
                    shared.append(f | (i << _AT_T) | (j << _AT_O))
            i += 1
    # No shared feature left uncancelled on both steps: fail before the closing set's work.
    assert len(shared) > 0, "hub: nothing to cancel"
    # The closing set is checked, unpacked and counted here, not in helpers: a helper takes
    # its own copy of `test` and of each array, and memory was most of what this call cost.
    h: bytes32 = empty(bytes32)
    for s: Scored in test:
        h = hash_chain._link(h, keccak256(abi_encode(s.x, s.y, s.s)))
    assert h == self._closing[model][period], "hub: not the closing test set"
    for s: Scored in test:  # each closing sample's features against them
        k = 0
        nxt = 0
        for word: uint256 in s.x:
            w = word
            for lane: uint256 in range(16):
                if lane * bits >= 256:
                    break
                f = w & ((1 << bits) - 1)
                if f < nxt:
                    break
                nxt = f + 1
                w = w >> bits
                for _: uint256 in range(MAX_CONTRIBUTION):
                    if k >= len(shared) or shared[k] & _FEATURE >= f:
                        break
                    k += 1
                if k < len(shared) and shared[k] & _FEATURE == f:
                    if s.y == t.label:
                        shared[k] += _UP
                    else:
                        shared[k] += _DOWN
    # Only a feature that pushed the target toward the labels is spent (seventh review: a
    # feature worth 0 to the target, marked used, kept the step that undid it from cutting
    # anything else there, so whoever cancelled first chose the split).
    for e: uint256 in shared:
        if (e >> _UP_AT) & _COUNT > e >> _DOWN_AT:
            worth += ((e >> _UP_AT) & _COUNT) - (e >> _DOWN_AT)
            i = (e >> _AT_T) & _POSITION
            j = (e >> _AT_O) & _POSITION
            done_t[i // 256] |= 1 << (i % 256)
            cut_t[i // 256] |= 1 << (i % 256)
            done_o[j // 256] |= 1 << (j % 256)
    assert worth > 0, "hub: nothing to cancel"
    self.undone[model][period][t.id] = done_t
    self.undone[model][period][o.id] = done_o
    self.cut_bits[model][period][t.id] = cut_t
    n: uint256 = standing - self._recut(model, period, t.id, worth, True)
    left: uint256 = self.shares[model][period][t.contributor] - n
    self.shares[model][period][t.contributor] = left
    self.periods[model][period].shares = p.shares - n
    log ContributionCancelled(model=model, period=period, id=t.id, by_id=o.id, contributor=t.contributor, shares=n)
    # Slots this call emptied (the entry's shares, its contributor's, the period's share
    # count): each refunds gas.
    self._pay_keeper(model, period, p, n, start,
                     convert(n == standing, uint256) + convert(left == 0, uint256) + convert(n == p.shares, uint256))
    return n


@external
@nonreentrant
def move_cut(model: address, period: uint256, source: Entrant, dest: Entrant,
             test: DynArray[Scored, MAX_POOL_TEST]) -> uint256:
    """
    @notice Hand a cut on to a later step (anyone, during the entries): on each feature that
            `source` had cut and that the entered `dest` (same label, sent later) carries
            uncut, the cut leaves `source` and falls on `dest`. A feature undone k times in a
            period thus ends cut on its k latest steps of that label, whatever the order of
            the cancellations and whoever sent them: the first to teach keeps the credit and
            an undo spent on an honest step still cuts the redo that followed it. `dest` must
            carry the whole cut with the shares it still has.
    @return The shares cut from `dest` (`source` gets back what its features are worth).
    """
    start: uint256 = msg.gas
    p: Period = self.periods[model][period]
    assert p.entry_deadline != 0, "hub: no such period"
    assert block.timestamp <= p.entry_deadline, "hub: entries closed"
    h: bytes32 = empty(bytes32)  # the closing set, checked and counted here as in `cancel`
    for s: Scored in test:
        h = hash_chain._link(h, keccak256(abi_encode(s.x, s.y, s.s)))
    assert h == self._closing[model][period], "hub: not the closing test set"
    a: Contribution = source.c
    b: Contribution = dest.c
    assert self.entered[model][period][a.id] and self.entered[model][period][b.id], "hub: contribution not entered"
    assert a.label == b.label, "hub: contributions with other labels"
    assert b.id > a.id, "hub: cut moves to a later step only"
    self._record(model, source)
    self._record(model, dest)
    bits: uint256 = self._bits(model)
    done_a: uint256[4] = self.undone[model][period][a.id]
    cut_a: uint256[4] = self.cut_bits[model][period][a.id]
    done_b: uint256[4] = self.undone[model][period][b.id]
    cut_b: uint256[4] = self.cut_bits[model][period][b.id]
    i: uint256 = 0
    j: uint256 = 0
    k: uint256 = 0
    f: uint256 = 0
    w: uint256 = 0
    nxt: uint256 = 0
    worth: uint256 = 0
    theirs: DynArray[uint256, MAX_CONTRIBUTION] = []
    for word: uint256 in dest.x:  # its features, in order
        w = word
        for lane: uint256 in range(16):
            if lane * bits >= 256:
                break
            f = w & ((1 << bits) - 1)
            if f < nxt:
                break
            nxt = f + 1
            w = w >> bits
            theirs.append(f)
    # The features moved, in order, each with its closing counts (`_UP_AT`, `_DOWN_AT`).
    moved: DynArray[uint256, MAX_CONTRIBUTION] = []
    nxt = 0
    for word: uint256 in source.x:  # walked against `theirs`
        w = word
        for lane: uint256 in range(16):
            if lane * bits >= 256:
                break
            f = w & ((1 << bits) - 1)
            if f < nxt:
                break
            nxt = f + 1
            w = w >> bits
            for _: uint256 in range(MAX_CONTRIBUTION):
                if j >= len(theirs) or theirs[j] >= f:
                    break
                j += 1
            if j < len(theirs) and theirs[j] == f:
                bit_a: uint256 = 1 << (i % 256)
                bit_b: uint256 = 1 << (j % 256)
                if cut_a[i // 256] & bit_a != 0 and done_b[j // 256] & bit_b == 0:
                    done_a[i // 256] ^= bit_a
                    cut_a[i // 256] ^= bit_a
                    done_b[j // 256] |= bit_b
                    cut_b[j // 256] |= bit_b
                    moved.append(f)
            i += 1
    for s: Scored in test:  # each closing sample's features against them
        k = 0
        nxt = 0
        for word: uint256 in s.x:
            w = word
            for lane: uint256 in range(16):
                if lane * bits >= 256:
                    break
                f = w & ((1 << bits) - 1)
                if f < nxt:
                    break
                nxt = f + 1
                w = w >> bits
                for _: uint256 in range(MAX_CONTRIBUTION):
                    if k >= len(moved) or moved[k] & _FEATURE >= f:
                        break
                    k += 1
                if k < len(moved) and moved[k] & _FEATURE == f:
                    if s.y == a.label:
                        moved[k] += _UP
                    else:
                        moved[k] += _DOWN
    for e: uint256 in moved:  # each feature only where it pushed toward the labels
        if (e >> _UP_AT) & _COUNT > e >> _DOWN_AT:
            worth += ((e >> _UP_AT) & _COUNT) - (e >> _DOWN_AT)
    assert worth > 0, "hub: nothing to move"
    # Slots this call empties refund gas (`source`'s bitmap words and cut, `dest`'s shares).
    self.undone[model][period][a.id] = done_a
    self.cut_bits[model][period][a.id] = cut_a
    self.undone[model][period][b.id] = done_b
    self.cut_bits[model][period][b.id] = cut_b
    was_a: uint256 = self.entry_shares[model][period][a.id]
    was_b: uint256 = self.entry_shares[model][period][b.id]
    n: uint256 = was_b - self._recut(model, period, b.id, worth, True)
    # The later step must carry the whole cut (seventh review: a decoy whose net push is below
    # its parts took a cut it could only partly pay, and the redo got all of its shares back).
    assert n == worth, "hub: the later step cannot carry the cut"
    back: uint256 = self._recut(model, period, a.id, worth, False) - was_a
    self.shares[model][period][a.contributor] += back
    left: uint256 = self.shares[model][period][b.contributor] - n
    self.shares[model][period][b.contributor] = left
    self.periods[model][period].shares = p.shares + back - n
    log CutMoved(model=model, period=period, id=a.id, to_id=b.id, contributor=b.contributor, restored=back, shares=n)
    # Slots this call may have emptied (each refunds gas): `source`'s cut and `dest`'s shares
    # and contributor's shares, and `source`'s bitmap words (two per 256 of its features).
    # Paid only for the shares the period lost (eighth review): a move gives `source` back
    # what it cuts from `dest`, and the budget already paid the cancel that made the cut.
    self._pay_keeper(model, period, p, n - back, start, 3 + 2 * ((i + 255) // 256))
    return n


@external
@nonreentrant
def claim(model: address, period: uint256) -> uint256:
    """
    @notice After the entries close and within `claim_window`, take your part of the period's
            budget: budget * your shares // all shares; the last claimer also gets the
            rounding remainder. Once.
    @return Wei paid.
    """
    p: Period = self.periods[model][period]
    assert p.entry_deadline != 0, "hub: no such period"
    assert block.timestamp > p.entry_deadline, "hub: entries still open"
    assert block.timestamp <= p.entry_deadline + claim_window, "hub: claim window passed"
    mine: uint256 = self.shares[model][period][msg.sender]
    assert mine > 0, "hub: no shares"
    assert not self.claimed[model][period][msg.sender], "hub: already claimed"
    amount: uint256 = p.budget * mine // p.shares
    if p.claimed_shares + mine == p.shares:
        amount = p.budget - p.paid
    self.claimed[model][period][msg.sender] = True
    self.periods[model][period].claimed_shares = p.claimed_shares + mine
    self.periods[model][period].paid = p.paid + amount
    log RewardClaimed(model=model, period=period, contributor=msg.sender, amount=amount)
    pay._pay(amount)
    return amount


@external
@nonreentrant
def release(model: address, period: uint256) -> uint256:
    """
    @notice Give what a period did not pay back to its pool (anyone may call): all of it once
            the entries closed with no share, else what is unclaimed once `claim_window` has
            passed.
    @return Wei returned to the pool.
    """
    p: Period = self.periods[model][period]
    assert p.entry_deadline != 0, "hub: no such period"
    assert block.timestamp > p.entry_deadline, "hub: entries still open"
    if p.shares > 0:
        assert block.timestamp > p.entry_deadline + claim_window, "hub: claims still open"
    amount: uint256 = p.budget - p.paid
    assert amount > 0, "hub: nothing to release"
    self.periods[model][period].paid = p.budget
    self.pools[model][p.evaluator].available += amount
    log PeriodReleased(model=model, period=period, amount=amount)
    return amount

# ---------------------------------------------------------------- INTERNAL

@internal
@view
def _check_pool_kind(model: address) -> Terms:
    t: Terms = staticcall Hub(hub).terms(model)
    assert t.kind != 0, "hub: not registered"
    assert t.trainer != 0, "hub: not a trainer"
    assert t.features == PACKED, "hub: no pool for this kind"
    return t


@internal
@view
def _funded_since(model: address, evaluator: address, blk: uint256) -> uint256:
    """
    @dev The wei funded into the pool at block `blk` or later: the last checkpoint's total less
         that of the last checkpoint before `blk` (binary search).
    """
    n: uint256 = self.checkpoint_count[model][evaluator]
    if n == 0:
        return 0
    total: uint256 = self.checkpoints[model][evaluator][n - 1].funded
    if self.checkpoints[model][evaluator][n - 1].block < blk:
        return 0
    # The first checkpoint at `blk` or later lies in [lo, hi].
    lo: uint256 = 0
    hi: uint256 = n - 1
    for _: uint256 in range(_SEARCH_STEPS):
        if lo >= hi:
            break
        mid: uint256 = (lo + hi) // 2
        if self.checkpoints[model][evaluator][mid].block >= blk:
            hi = mid
        else:
            lo = mid + 1
    if lo == 0:
        return total
    return total - self.checkpoints[model][evaluator][lo - 1].funded


@internal
@view
def _bits(model: address) -> uint256:
    """
    @dev The lane width of the model's packed samples: 16 bits, 32 above 2**16 features.
    """
    if staticcall PackedModel(model).n_features() > _NARROW_LIMIT:
        return 32
    return 16


@internal
@view
def _record(model: address, en: Entrant) -> Record:
    """
    @dev The trainer's record of a restated contribution, after checking the restatement and
         its features against the record's binding.
    """
    c: Contribution = en.c
    r: Record = staticcall Trainer(model).contribution(c.id)
    binding: uint256 = convert(
        keccak256(abi_encode(c.id, c.contributor, c.time, c.label, c.deposit, keccak256(abi_encode(en.x)))),
        uint256,
    ) >> _BINDING_SHIFT
    assert r.binding == binding, "hub: contribution does not match"
    return r


@internal
def _recut(model: address, period: uint256, id: uint256, worth: uint256, more: bool) -> uint256:
    """
    @dev Add `worth` to (`more`) or take it from an entry's cut and return its shares now
         standing: what it entered with less its cut, at least 0.
    """
    was: uint256 = self.cut[model][period][id]
    if was == 0:
        # No cut yet: its standing shares are what it entered with.
        self._entered_with[model][period][id] = self.entry_shares[model][period][id]
    now: uint256 = was + worth
    if not more:
        now = was - worth
    self.cut[model][period][id] = now
    standing: uint256 = self._entered_with[model][period][id] - min(now, self._entered_with[model][period][id])
    self.entry_shares[model][period][id] = standing
    return standing


@internal
def _pay_keeper(model: address, period: uint256, p: Period, cut: uint256, start: uint256,
                emptied: uint256):
    """
    @dev Pay the sender of a `cancel` or `move_cut` that took `cut` shares off the period
         (a move: what it cut less what it gave back), out of the period's budget: the gas its
         transaction burnt at the block's base fee, at most what those shares were worth in
         the period when the call began (`budget * cut // shares`; 0 for a pure move). The gas is counted from below: `_KEEPER_GAS`, 4 a byte
         of calldata, less `_REFUND` for each of the `emptied` slots (the chain gives that
         back at the end). Last in the call: every state change is made.
    """
    credit: uint256 = 0
    if msg.sender == tx.origin and not self._credited:
        # The transaction's own gas, once in a transaction and only to its sender: a contract
        # that calls twice pays for one transaction.
        self._credited = True
        credit = _KEEPER_GAS + 4 * len(msg.data)
    gas: uint256 = start - msg.gas + credit - _REFUND * emptied
    amount: uint256 = min(gas * block.basefee, p.budget * cut // p.shares)
    if amount > 0:
        self.periods[model][period].budget = p.budget - amount
        log KeeperPaid(model=model, period=period, keeper=msg.sender, gas=gas, amount=amount)
        pay._pay(amount)


@internal
def _begin_pool(model: address, evaluator: address):
    if not self.pool_known[model][evaluator]:
        self.pool_known[model][evaluator] = True
        n: uint256 = self.pool_count[model]
        self.pool_evaluators[model][n] = evaluator
        self.pool_count[model] = n + 1


@internal
@pure
def _budget(available: uint256, a_samples: uint256, a_correct: uint256, b_samples: uint256,
            b_correct: uint256) -> uint256:
    """
    @dev available * (acc_b - acc_a) / (1 - acc_a), rounded down; 0 without a gain.
         acc_b - acc_a = (b_correct * a_samples - a_correct * b_samples) / (a_samples * b_samples)
         1 - acc_a = (a_samples - a_correct) / a_samples
    """
    up: uint256 = b_correct * a_samples
    down: uint256 = a_correct * b_samples
    if up <= down:
        return 0
    return available * (up - down) // ((a_samples - a_correct) * b_samples)
