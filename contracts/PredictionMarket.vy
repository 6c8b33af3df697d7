# pragma version 0.4.3
"""
@title Prediction market: a bounty paid for data that improves a model on a committed test set
@license MIT
@notice SPEC §5.3. A provider deposits a bounty and commits to a test set in K salted pieces.
        One piece, picked by the hash of a later block, is revealed before participation opens.
        Contributors then send labelled samples with a stake. After the provider reveals the
        other pieces, anyone calls `step` until the reward pass is done: the contributions are
        replayed in order on a fresh copy of the initial model, each contributor is scored by
        the change in test accuracy its samples cause, and balances move by score x rounds.
        Everyone then withdraws. A provider that does not reveal in time forfeits the bounty to
        the contributors in proportion to their stakes.
@dev The model is the sparse binary Perceptron of `models/sparse_perceptron.vy` (same update
     rule, same integer weights, same intercept rounding), kept here in epoch-tagged storage so
     that restarting the pass on a fresh copy of the initial model is one counter increment.

     Units. A score is in test samples: the number of test samples a contribution turns from
     wrong to right, minus those it turns from right to wrong, summed over a contributor's
     contributions. One round moves a balance by `score` wei, so a contributor that makes the
     whole test set right from all wrong earns T wei per round. The bounty buys
     `bounty // T` rounds; every balance stays a whole number of wei and
     bounty + stakes == balances + pool + withdrawn holds after every call.

     Rounds. At the end of a pass, if some contributor scored below zero, the pass pays
     `rounds = min over negative scorers i of balance_i // -score_i` (capped by the rounds left):
     the most rounds every contributor can pay. With equal balances this is the worst scorer's
     `balance // -score`, the SPEC's rule; the minimum keeps a smaller balance from going below
     zero. Then a contributor drops out when its balance is below its stake, or when it scored
     below zero and can no longer pay one more round (the binding contributor always does, so
     every restart drops someone and the pass count is at most the contributor count plus one).
     If no one scored below zero, all the rounds left are paid and the market is done. What is
     left of the pool (unspent bounty, stakes lost by dropped-out scorers' rounds) goes to the
     provider.
"""

from .models import sparse_perceptron
from .models import numeric

# ---------------------------------------------------------------- EVENTS

event PieceRevealed:
    piece: indexed(uint256)
    first_sample: uint256
    samples: uint256

event SeedRearmed:
    seed_block: uint256

event Participated:
    id: indexed(uint256)
    contributor: indexed(address)
    label: uint8
    stake: uint256

event Ended:
    contributions: uint256
    reveal_deadline: uint256

event Forfeited:
    missing_pieces: uint256

event PassSettled:
    epoch: indexed(uint256)
    rounds: uint256
    negative: bool
    rounds_left: uint256
    active: uint256

event Dropped:
    contributor: indexed(address)
    epoch: uint256
    balance: uint256

event Finished:
    to_provider: uint256

event Withdrawn:
    who: indexed(address)
    amount: uint256

event Taken:
    who: indexed(address)
    amount: uint256

event Cancelled:
    bounty: uint256

# ---------------------------------------------------------------- STRUCTS

# @dev One labelled sample, as committed (`sharedmodels.market.sample_hash`).
struct Sample:
    x: DynArray[uint32, MAX_FEATURES]
    y: uint8

struct Account:
    # @dev Total stake sent.
    stake: uint256
    # @dev Market balance in wei (what `withdraw` pays once the market is done).
    balance: uint256
    # @dev Score in the pass `epoch` (reads as 0 in any other pass).
    score: int256
    epoch: uint256
    dropped: bool
    # @dev Withdrawn, or taken after the collect delay.
    paid: bool

# @dev Where the reward pass stands; `progress()` returns it.
struct Progress:
    epoch: uint256
    stage: uint256
    # @dev Next contribution to replay (stages TRAIN/EVAL), or next contributor (SCAN/APPLY/SHARE).
    cursor: uint256
    # @dev Next test sample to evaluate, and the right answers counted so far.
    test_cursor: uint256
    correct: uint256
    # @dev Right answers of the model before the contribution being scored.
    previous: uint256
    # @dev Right answers of the initial model.
    initial: uint256
    # @dev SCAN: the rounds every negative scorer can pay so far; APPLY: the rounds paid.
    rounds: uint256
    negative: bool
    active: uint256
    # @dev APPLY: wei moved into and out of balances this pass (the pool settles at the end,
    #      so the order of contributors cannot make it dip below zero on the way).
    gains: uint256
    losses: uint256
    # @dev SHARE: the stakes of the contributors before `cursor`.
    stake_seen: uint256

# ---------------------------------------------------------------- CONSTANTS

MAX_FEATURES: constant(uint256) = sparse_perceptron.MAX_FEATURES
MAX_PIECES: constant(uint256) = 256
MAX_PIECE: constant(uint256) = 16
MAX_CONTRIBUTIONS: constant(uint256) = 65535
MAX_CONTRIBUTORS: constant(uint256) = 10000
# @dev The piece revealed first is `blockhash(seed_block) % K`, seed_block = this many blocks
#      after the commitment (or after a re-arm).
SEED_DELAY: constant(uint256) = 2
# @dev `step` counts work in units of about one cold storage access (2,100 gas; a write to a
#      fresh slot counts 10). An item costs BASE_COST plus what it reads and writes:
#        first pass over the test set, per sample of n features: 2n + n/8 (weights, initial
#          weights, packed features);
#        after an update by a contribution of m features, per test sample:
#          2 + n/8 + (n + m)/8 (the state word, packed features, and the merge at about 250
#          gas a comparison);
#        training on a contribution of m features: m/8 + 12m (reads and fresh weight slots);
#        settling or sharing out to a contributor: 2 * BASE_COST.
BASE_COST: constant(uint256) = 4
_MERGE_COST: constant(uint256) = 2
MIN_BUDGET: constant(uint256) = 16
MAX_BUDGET: constant(uint256) = 2**20
# @dev The most items one step can touch (every item costs at least BASE_COST).
_MAX_ITEMS: constant(uint256) = MAX_BUDGET // BASE_COST

PHASE_COMMITTED: constant(uint256) = 0
PHASE_OPEN: constant(uint256) = 1
PHASE_REVEAL: constant(uint256) = 2
PHASE_REWARD: constant(uint256) = 3
PHASE_DONE: constant(uint256) = 4
PHASE_CANCELLED: constant(uint256) = 5

STAGE_EVAL_INITIAL: constant(uint256) = 0
STAGE_TRAIN: constant(uint256) = 1
STAGE_EVAL: constant(uint256) = 2
STAGE_SCAN: constant(uint256) = 3
STAGE_APPLY: constant(uint256) = 4
STAGE_SHARE: constant(uint256) = 5

_TAG_SHIFT: constant(uint256) = 240
_LANES_MASK: constant(uint256) = 2**240 - 1
# @dev Initial weights stay below this, so that no pass can push a weight out of int40:
#      2**38 + MAX_CONTRIBUTIONS * learning rate (< 2**16) < 2**39.
_INITIAL_LIMIT: constant(int256) = 2**38
_LEARNING_RATE_LIMIT: constant(uint256) = 2**16
_INTERCEPT_ONE: constant(int256) = 2**59
_U32: constant(uint256) = 2**32 - 1
_HEAD_LABEL_SHIFT: constant(uint256) = 160
_HEAD_LEN_SHIFT: constant(uint256) = 168
_CONTRIBUTION_KEY: constant(uint256) = 2**128
_ADDRESS_MASK: constant(uint256) = 2**160 - 1
_T_TAG_MASK: constant(uint256) = 2**16 - 1
_T_LEN_SHIFT: constant(uint256) = 16
_T_LEN_MASK: constant(uint256) = 2**10 - 1
_T_LABEL_SHIFT: constant(uint256) = 26
_T_CURRENT_SHIFT: constant(uint256) = 32
_T_INITIAL_SHIFT: constant(uint256) = 128
_MASK96: constant(uint256) = 2**96 - 1

# ---------------------------------------------------------------- IMMUTABLES

provider: public(immutable(address))
n_features: public(immutable(uint256))
learning_rate: public(immutable(int256))
intercept_step: public(immutable(int256))
bounty: public(immutable(uint256))
min_stake: public(immutable(uint256))
min_duration: public(immutable(uint256))
min_contributions: public(immutable(uint256))
reveal_window: public(immutable(uint256))
collect_delay: public(immutable(uint256))
n_pieces: public(immutable(uint256))

# ---------------------------------------------------------------- STORAGE

class_names: public(HashMap[uint8, String[32]])
encoder: public(String[256])
commitments: public(HashMap[uint256, bytes32])
revealed: public(HashMap[uint256, bool])
phase: public(uint256)
seed_block: public(uint256)
# @dev The piece revealed before participation, and whether it has been drawn.
first_piece: public(uint256)
drawn: public(bool)
pieces_revealed: public(uint256)
open_time: public(uint256)
end_time: public(uint256)
reveal_deadline: public(uint256)
# @dev When the market became done; balances are takeable `collect_delay` later.
done_time: public(uint256)

# @dev Test sample t: one state word (bits 0..15 the pass its current sum belongs to,
#      16..25 its length, 26 its label, 32..127 its weight sum in that pass, 128..223 its weight
#      sum under the initial model; sums are int96). Its feature indices are in `_features`,
#      eight uint32 lanes per word.
_test_state: HashMap[uint256, uint256]
test_size: public(uint256)

# @dev Contribution k: head word contributor | label << 160 | length << 168, and its features.
_contribution_head: HashMap[uint256, uint256]
# @dev Feature words of test samples (key t << 6 | w) and contributions (key 2**96 | k << 6 | w).
_features: HashMap[uint256, uint256]
n_contributions: public(uint256)
contributors: public(HashMap[uint256, address])
n_contributors: public(uint256)
accounts: public(HashMap[address, Account])
total_stake: public(uint256)

# @dev The model: six int40 weights per word (as in the Perceptron module) and, in bits
#      240..255, the pass that wrote the word. A word from another pass reads as `_initial`.
_weights: HashMap[uint256, uint256]
_initial: HashMap[uint256, uint256]
has_initial: public(bool)
# @dev bits 0..15 the pass, bits 64..255 the intercept (2**-59 units) written in that pass.
_intercept_word: uint256
initial_intercept: public(int256)

_progress: Progress
# @dev Rounds still to pay (`bounty // test_size` at the start of the pass), and the wei in no
#      balance: the bounty until the pass moves it, then what is left for the provider.
rounds_left: public(uint256)
pool: public(uint256)
# @dev What `withdraw` pays the provider once the market is done.
provider_balance: public(uint256)
withdrawn: public(uint256)

# ---------------------------------------------------------------- CONSTRUCTOR

@deploy
@payable
def __init__(n_features_: uint256, learning_rate_: uint256, class0: String[32],
             class1: String[32], encoder: String[256],
             commitments_: DynArray[bytes32, MAX_PIECES], min_stake_: uint256,
             min_duration_: uint256, min_contributions_: uint256, reveal_window_: uint256,
             collect_delay_: uint256):
    """
    @notice Open a market: `msg.value` is the bounty, `commitments_` the K piece commitments.
    @param min_duration_ Seconds after opening before `end` may be called, unless
           `min_contributions_` contributions have come in first.
    @param reveal_window_ Seconds after `end` for the provider to reveal every piece.
    @param collect_delay_ Seconds after the market is done before unclaimed balances are
           takeable by the provider.
    """
    assert msg.value > 0, "market: no bounty"
    assert len(commitments_) >= 2, "market: at least 2 pieces"
    assert n_features_ > 0 and n_features_ <= 2**32, "market: n_features out of range"
    assert learning_rate_ > 0 and learning_rate_ < _LEARNING_RATE_LIMIT, "market: learning rate out of range"
    assert min_stake_ > 0, "market: min stake is zero"
    assert min_stake_ < 2**96 and msg.value < 2**96, "market: amount too large"
    assert reveal_window_ > 0, "market: reveal window is zero"
    provider = msg.sender
    n_features = n_features_
    learning_rate = convert(learning_rate_, int256)
    intercept_step = convert(sparse_perceptron._round_to_double(learning_rate_ * sparse_perceptron._DECAY_UNITS), int256)
    bounty = msg.value
    min_stake = min_stake_
    min_duration = min_duration_
    min_contributions = min_contributions_
    reveal_window = reveal_window_
    collect_delay = collect_delay_
    n_pieces = len(commitments_)
    for i: uint256 in range(len(commitments_), bound=MAX_PIECES):
        self.commitments[i] = commitments_[i]
    self.class_names[0] = class0
    self.class_names[1] = class1
    self.encoder = encoder
    self.seed_block = block.number + SEED_DELAY
    self.pool = bounty

# ---------------------------------------------------------------- PROVIDER: SET-UP

@external
def upload_weights(indices: DynArray[uint32, sparse_perceptron.MAX_UPLOAD], values: DynArray[int256, sparse_perceptron.MAX_UPLOAD]):
    """
    @notice Set initial (pre-trained) weights before participation opens (provider only).
    @dev |w| < 2**38, so no pass can push a weight out of range.
    """
    self._check_provider()
    assert self.phase == PHASE_COMMITTED, "market: initial model is fixed"
    n: uint256 = len(indices)
    assert n == len(values), "market: length mismatch"
    assert n > 0, "market: empty upload"
    for i: uint256 in range(n, bound=sparse_perceptron.MAX_UPLOAD):
        j: uint256 = convert(indices[i], uint256)
        assert j < n_features, "market: feature index out of range"
        w: int256 = values[i]
        assert -_INITIAL_LIMIT <= w and w < _INITIAL_LIMIT, "market: initial weight out of range"
        self._initial[j // 6] = sparse_perceptron._set_lane(self._initial[j // 6], j, w)
    self.has_initial = True


@external
def upload_intercept(intercept: int256):
    """
    @notice Set the initial intercept in 2**-59 units (provider only, before opening).
    """
    self._check_provider()
    assert self.phase == PHASE_COMMITTED, "market: initial model is fixed"
    assert sparse_perceptron._round_signed(intercept) == intercept, "market: intercept not a float64"
    assert -_INITIAL_LIMIT * _INTERCEPT_ONE <= intercept and intercept < _INITIAL_LIMIT * _INTERCEPT_ONE, "market: intercept out of range"
    self.initial_intercept = intercept


@external
def draw() -> uint256:
    """
    @notice Fix the piece to reveal first from the hash of `seed_block`; anyone may call.
            If that hash has left the 256-block window, re-arm a seed block two blocks ahead
            instead (still no one's choice) and return K, meaning "not drawn yet".
    @return The piece index, or K when re-armed.
    """
    assert self.phase == PHASE_COMMITTED, "market: not in commitment phase"
    if self.drawn:
        return self.first_piece
    if block.number > self.seed_block + 256:
        self.seed_block = block.number + SEED_DELAY
        log SeedRearmed(seed_block=block.number + SEED_DELAY)
        return n_pieces
    return self._draw()


@external
def cancel():
    """
    @notice Take the bounty back before participation opens (provider only).
    """
    self._check_provider()
    assert self.phase == PHASE_COMMITTED, "market: participation has opened"
    self.phase = PHASE_CANCELLED
    self.pool = 0
    self.withdrawn = bounty
    log Cancelled(bounty=bounty)
    send(provider, bounty)

# ---------------------------------------------------------------- PARTICIPATION

@external
@payable
def participate(x: DynArray[uint32, MAX_FEATURES], y: uint8) -> uint256:
    """
    @notice Contribute one labelled sample with a stake of at least `min_stake`.
    @param x Sorted, unique feature indices, each below `n_features`.
    @param y Class index, 0 or 1.
    @return The contribution id (0-based replay order).
    """
    assert self.phase == PHASE_OPEN, "market: participation is not open"
    assert msg.sender != provider, "market: the provider cannot participate"
    assert msg.value >= min_stake, "market: stake below minimum"
    assert msg.value < 2**96, "market: stake too large"
    assert y < 2, "market: label out of range"
    self._check_sample(x)
    k: uint256 = self.n_contributions
    assert k < MAX_CONTRIBUTIONS, "market: contribution limit reached"
    account: Account = self.accounts[msg.sender]
    if account.stake == 0:
        n: uint256 = self.n_contributors
        assert n < MAX_CONTRIBUTORS, "market: contributor limit reached"
        self.contributors[n] = msg.sender
        self.n_contributors = n + 1
    account.stake += msg.value
    account.balance += msg.value
    self.accounts[msg.sender] = account
    self.total_stake += msg.value
    head: uint256 = convert(msg.sender, uint256) | (convert(y, uint256) << _HEAD_LABEL_SHIFT) | (len(x) << _HEAD_LEN_SHIFT)
    self._contribution_head[k] = head
    self._store_features(_CONTRIBUTION_KEY | (k << 6), x)
    self.n_contributions = k + 1
    log Participated(id=k, contributor=msg.sender, label=y, stake=msg.value)
    return k


@external
def end():
    """
    @notice Close participation once `min_duration` has passed or `min_contributions` have
            come in; anyone may call. With no contributions the market is done at once.
    """
    assert self.phase == PHASE_OPEN, "market: participation is not open"
    n: uint256 = self.n_contributions
    assert block.timestamp >= self.open_time + min_duration or (min_contributions > 0 and n >= min_contributions), "market: participation still open"
    self.end_time = block.timestamp
    if n == 0:
        self._finish()
        return
    self.phase = PHASE_REVEAL
    self.reveal_deadline = block.timestamp + reveal_window
    log Ended(contributions=n, reveal_deadline=block.timestamp + reveal_window)

# ---------------------------------------------------------------- REVEAL

@external
def reveal(i: uint256, salt: bytes32, piece: DynArray[Sample, MAX_PIECE]):
    """
    @notice Reveal piece `i` (provider only). First the piece drawn from `seed_block`, which
            opens participation; after `end`, every other piece by `reveal_deadline`. The last
            reveal starts the reward pass.
    @dev One function for both reveals, with the sample loop inline: handing the piece to an
         internal function would copy its whole 16-sample, 263 KB memory layout again.
    """
    assert msg.sender == provider, "market: provider only"
    opening: bool = self.phase == PHASE_COMMITTED
    if opening:
        drawn: uint256 = self.first_piece
        if not self.drawn:
            drawn = self._draw()
        assert i == drawn, "market: reveal the drawn piece first"
    else:
        assert self.phase == PHASE_REVEAL, "market: not in a reveal phase"
        assert block.timestamp <= self.reveal_deadline, "market: reveal deadline passed"
    assert i < n_pieces, "market: no such piece"
    assert not self.revealed[i], "market: piece already revealed"
    assert len(piece) > 0, "market: empty piece"
    acc: bytes32 = salt
    first: uint256 = self.test_size
    t: uint256 = first
    for k: uint256 in range(len(piece), bound=MAX_PIECE):
        acc = self._take_sample(acc, t, piece[k].x, piece[k].y)
        t += 1
    assert acc == self.commitments[i], "market: piece does not match its commitment"
    log PieceRevealed(piece=i, first_sample=first, samples=len(piece))
    self.test_size = t
    self.revealed[i] = True
    revealed: uint256 = self.pieces_revealed + 1
    self.pieces_revealed = revealed
    if opening:
        self.phase = PHASE_OPEN
        self.open_time = block.timestamp
    elif revealed == n_pieces:
        self.phase = PHASE_REWARD
        self.rounds_left = bounty // t
        self._progress = Progress(epoch=1, stage=STAGE_EVAL_INITIAL, cursor=0, test_cursor=0,
                                  correct=0, previous=0, initial=0, rounds=0, negative=False,
                                  active=0, gains=0, losses=0, stake_seen=0)


@external
def forfeit():
    """
    @notice After the reveal deadline with a piece still hidden, hand the bounty to the
            contributors in proportion to their stakes; anyone may call. `step` then works out
            the shares.
    """
    assert self.phase == PHASE_REVEAL, "market: not in reveal phase"
    assert block.timestamp > self.reveal_deadline, "market: reveal deadline not passed"
    self.phase = PHASE_REWARD
    self._progress = Progress(epoch=1, stage=STAGE_SHARE, cursor=0, test_cursor=0, correct=0,
                              previous=0, initial=0, rounds=0, negative=False, active=0,
                              gains=0, losses=0, stake_seen=0)
    log Forfeited(missing_pieces=n_pieces - self.pieces_revealed)

# ---------------------------------------------------------------- REWARD PASS

@external
def step(budget: uint256) -> bool:
    """
    @notice Advance the reward pass by at most `budget` work units (about 2,100 gas each, see
            BASE_COST; at least one item is always done); anyone may call.
    @return True once the market is done.
    """
    assert self.phase == PHASE_REWARD, "market: not in reward phase"
    assert budget >= MIN_BUDGET and budget <= MAX_BUDGET, "market: budget out of range"
    p: Progress = self._progress
    t_size: uint256 = self.test_size
    n: uint256 = self.n_contributions
    m: uint256 = self.n_contributors
    use_initial: bool = self.has_initial
    used: uint256 = 0
    done: bool = False
    # The intercept and, while scoring a contribution, its features and weight change.
    loaded: bool = False
    b: int256 = 0
    x: DynArray[uint32, MAX_FEATURES] = []
    delta: int256 = 0
    for _: uint256 in range(_MAX_ITEMS):
        if used >= budget:
            break
        if p.stage == STAGE_EVAL_INITIAL or p.stage == STAGE_EVAL:
            t: uint256 = p.test_cursor
            state: uint256 = self._test_state[t]
            length: uint256 = (state >> _T_LEN_SHIFT) & _T_LEN_MASK
            cost: uint256 = BASE_COST + length // 8
            if p.stage == STAGE_EVAL_INITIAL:
                cost += 2 * length
            else:
                cost += _MERGE_COST + (length + len(x)) // 8
            if used > 0 and used + cost > budget:
                break
            used += cost
            if not loaded:
                b = self._intercept(p.epoch)
                if p.stage == STAGE_EVAL:
                    head: uint256 = self._contribution_head[p.cursor]
                    x = self._load_features(_CONTRIBUTION_KEY | (p.cursor << 6), head >> _HEAD_LEN_SHIFT)
                    delta = -learning_rate
                    if (head >> _HEAD_LABEL_SHIFT) & 255 == 1:
                        delta = learning_rate
                loaded = True
            s: int256 = 0
            if p.stage == STAGE_EVAL_INITIAL:
                # Once per market: the initial model's weight sum of every test sample.
                s = self._sum_stored(t, length, p.epoch, use_initial)
                self._test_state[t] = self._put96(state, _T_INITIAL_SHIFT, s)
            else:
                # The update added `delta` to the weights of x's features, so the sum moves by
                # delta times the number of features t shares with x.
                if state & _T_TAG_MASK == p.epoch:
                    s = self._get96(state, _T_CURRENT_SHIFT)
                else:
                    s = self._get96(state, _T_INITIAL_SHIFT)
                shared: uint256 = self._overlap(t, length, x)
                if shared > 0:
                    s += delta * convert(shared, int256)
                    self._test_state[t] = (self._put96(state, _T_CURRENT_SHIFT, s) & ~_T_TAG_MASK) | p.epoch
            if sparse_perceptron._class_of(s * _INTERCEPT_ONE + b) == convert((state >> _T_LABEL_SHIFT) & 1, uint8):
                p.correct += 1
            p.test_cursor += 1
            if p.test_cursor == t_size:
                if p.stage == STAGE_EVAL_INITIAL:
                    p.initial = p.correct
                else:
                    who: address = self._who(self._contribution_head[p.cursor])
                    self._add_score(who, p.epoch, convert(p.correct, int256) - convert(p.previous, int256))
                    p.cursor += 1
                p.previous = p.correct
                p.stage = STAGE_TRAIN
                loaded = False
        elif p.stage == STAGE_TRAIN:
            if p.cursor == n:
                p.stage = STAGE_SCAN
                p.cursor = 0
                p.rounds = max_value(uint256)
                p.negative = False
                continue
            head: uint256 = self._contribution_head[p.cursor]
            who: address = self._who(head)
            if self.accounts[who].dropped:
                used += BASE_COST
                p.cursor += 1
                continue
            nx: uint256 = head >> _HEAD_LEN_SHIFT
            cost: uint256 = BASE_COST + nx // 8 + 12 * nx
            if used > 0 and used + cost > budget:
                break
            used += cost
            if self._train_stored(p.cursor, head, p.epoch, use_initial):
                p.stage = STAGE_EVAL
                p.test_cursor = 0
                p.correct = 0
                loaded = False
            else:
                p.cursor += 1
        elif p.stage == STAGE_SCAN:
            if p.cursor == m:
                if p.negative:
                    p.rounds = min(p.rounds, self.rounds_left)
                else:
                    p.rounds = self.rounds_left
                p.stage = STAGE_APPLY
                p.cursor = 0
                p.active = 0
                continue
            used += 2 * BASE_COST
            a: Account = self.accounts[self.contributors[p.cursor]]
            p.cursor += 1
            if a.dropped or a.epoch != p.epoch or a.score >= 0:
                continue
            p.negative = True
            p.rounds = min(p.rounds, a.balance // convert(-a.score, uint256))
        elif p.stage == STAGE_APPLY:
            if p.cursor == m:
                p = self._settle(p)
                done = self.phase == PHASE_DONE
                break
            used += 2 * BASE_COST
            p = self._apply(p)
        else:
            # STAGE_SHARE: a forfeited bounty, split by stake. Contributor i gets
            # floor(B * Q(i+1) / S) - floor(B * Q(i) / S), Q(i) the stakes of those before it,
            # so the shares sum to B exactly.
            if p.cursor == m:
                self.pool = 0
                self._finish()
                done = True
                break
            used += 2 * BASE_COST
            who: address = self.contributors[p.cursor]
            before: uint256 = p.stake_seen
            p.stake_seen = before + self.accounts[who].stake
            self.accounts[who].balance += bounty * p.stake_seen // self.total_stake - bounty * before // self.total_stake
            p.cursor += 1
    self._progress = p
    return done

# ---------------------------------------------------------------- COLLECT

@external
def withdraw() -> uint256:
    """
    @notice Pay the caller its balance once the market is done (the provider: what is left of
            the pool).
    """
    assert self.phase == PHASE_DONE, "market: not done"
    amount: uint256 = 0
    if msg.sender == provider:
        amount = self.provider_balance
        assert amount > 0, "market: nothing to withdraw"
        self.provider_balance = 0
    else:
        amount = self._claim(msg.sender)
    self.withdrawn += amount
    log Withdrawn(who=msg.sender, amount=amount)
    send(msg.sender, amount)
    return amount


@external
def take(who: address) -> uint256:
    """
    @notice Take an unclaimed balance `collect_delay` after the market is done (provider only).
    """
    self._check_provider()
    assert self.phase == PHASE_DONE, "market: not done"
    assert block.timestamp >= self.done_time + collect_delay, "market: collect delay not over"
    amount: uint256 = self._claim(who)
    self.withdrawn += amount
    log Taken(who=who, amount=amount)
    send(provider, amount)
    return amount

# ---------------------------------------------------------------- VIEW

@external
@view
def progress() -> Progress:
    """
    @notice Where the reward pass stands (epoch 0 before it starts).
    """
    return self._progress


@external
@view
def predict(x: DynArray[uint32, MAX_FEATURES]) -> uint8:
    """
    @notice The current model's class for `x`: the initial model before the reward pass, the
            model of the last pass after it.
    """
    self._check_sample(x)
    # Before the pass (epoch 0) nothing is written yet in pass 1, so pass 1 reads the initial model.
    e: uint256 = max(self._progress.epoch, 1)
    total: int256 = 0
    use_initial: bool = self.has_initial
    for j32: uint32 in x:
        j: uint256 = convert(j32, uint256)
        total += sparse_perceptron._lane(self._word(j // 6, e, use_initial), j)
    return sparse_perceptron._class_of(total * _INTERCEPT_ONE + self._intercept(e))


@external
@view
def test_sample(t: uint256) -> Sample:
    """
    @notice Revealed test sample `t` (reveal order).
    """
    assert t < self.test_size, "market: no such test sample"
    state: uint256 = self._test_state[t]
    return Sample(x=self._load_features(t << 6, (state >> _T_LEN_SHIFT) & _T_LEN_MASK),
                  y=convert((state >> _T_LABEL_SHIFT) & 1, uint8))


@external
@view
def contribution(k: uint256) -> (address, Sample):
    """
    @notice Contribution `k`: its contributor and sample.
    """
    assert k < self.n_contributions, "market: no such contribution"
    head: uint256 = self._contribution_head[k]
    who: address = self._who(head)
    return who, Sample(x=self._load_features(_CONTRIBUTION_KEY | (k << 6), head >> _HEAD_LEN_SHIFT),
                       y=convert((head >> _HEAD_LABEL_SHIFT) & 255, uint8))


@external
@view
def owed(who: address) -> uint256:
    """
    @notice What `withdraw` would pay `who` once the market is done (0 once paid).
    """
    if who == provider:
        return self.provider_balance
    a: Account = self.accounts[who]
    if a.paid:
        return 0
    return a.balance

# ---------------------------------------------------------------- INTERNAL

@internal
@view
def _check_provider():
    assert msg.sender == provider, "market: provider only"


@internal
@view
def _check_sample(x: DynArray[uint32, MAX_FEATURES]):
    prev: uint256 = 0
    for i: uint256 in range(len(x), bound=MAX_FEATURES):
        j: uint256 = convert(x[i], uint256)
        assert i == 0 or j > prev, "market: features not sorted and unique"
        prev = j
    assert len(x) == 0 or prev < n_features, "market: feature index out of range"


@internal
@pure
def _who(head: uint256) -> address:
    return convert(convert(head & _ADDRESS_MASK, uint160), address)


@internal
def _draw() -> uint256:
    s: uint256 = self.seed_block
    assert block.number > s, "market: seed block not mined yet"
    assert block.number <= s + 256, "market: seed block too old, call draw()"
    i: uint256 = convert(blockhash(s), uint256) % n_pieces
    self.first_piece = i
    self.drawn = True
    return i


@internal
def _take_sample(acc: bytes32, t: uint256, x: DynArray[uint32, MAX_FEATURES], y: uint8) -> bytes32:
    """
    @dev Check and store test sample `t`; the commitment chain moved past it.
    """
    assert y < 2, "market: test label out of range"
    self._check_sample(x)
    self._test_state[t] = (convert(y, uint256) << _T_LABEL_SHIFT) | (len(x) << _T_LEN_SHIFT)
    self._store_features(t << 6, x)
    return keccak256(concat(acc, keccak256(abi_encode(x, y))))


@internal
def _store_features(key: uint256, x: DynArray[uint32, MAX_FEATURES]):
    word: uint256 = 0
    for i: uint256 in range(len(x), bound=MAX_FEATURES):
        word |= convert(x[i], uint256) << ((i % 8) * 32)
        if i % 8 == 7 or i + 1 == len(x):
            self._features[key | (i // 8)] = word
            word = 0


@internal
@view
def _load_features(key: uint256, n: uint256) -> DynArray[uint32, MAX_FEATURES]:
    out: DynArray[uint32, MAX_FEATURES] = []
    word: uint256 = 0
    for i: uint256 in range(n, bound=MAX_FEATURES):
        if i % 8 == 0:
            word = self._features[key | (i // 8)]
        out.append(convert((word >> ((i % 8) * 32)) & _U32, uint32))
    return out


@internal
@view
def _word(slot: uint256, e: uint256, use_initial: bool) -> uint256:
    """
    @dev Weight word `slot` as of pass `e`: written in this pass, or else the initial one.
    """
    word: uint256 = self._weights[slot]
    if word >> _TAG_SHIFT == e:
        return word
    if use_initial:
        return self._initial[slot]
    return 0


@internal
@view
def _intercept(e: uint256) -> int256:
    word: uint256 = self._intercept_word
    if word & 65535 == e:
        return convert(convert(word, bytes32), int256) >> 64
    return self.initial_intercept


@internal
@view
def _sum_stored(t: uint256, n: uint256, e: uint256, use_initial: bool) -> int256:
    """
    @dev The weight sum of test sample `t` (length `n`) under the model of pass `e`.
    """
    total: int256 = 0
    word: uint256 = 0
    for i: uint256 in range(n, bound=MAX_FEATURES):
        if i % 8 == 0:
            word = self._features[(t << 6) | (i // 8)]
        j: uint256 = (word >> ((i % 8) * 32)) & _U32
        total += sparse_perceptron._lane(self._word(j // 6, e, use_initial), j)
    return total


@internal
@view
def _overlap(t: uint256, n: uint256, x: DynArray[uint32, MAX_FEATURES]) -> uint256:
    """
    @dev How many features test sample `t` (length `n`) shares with `x`: a merge of the two
         sorted lists, reading t's packed words in order.
    """
    nx: uint256 = len(x)
    a: uint256 = 0
    k: uint256 = 0
    count: uint256 = 0
    loaded: uint256 = max_value(uint256)
    word: uint256 = 0
    for _: uint256 in range(2 * MAX_FEATURES):
        if a == n or k == nx:
            break
        if a // 8 != loaded:
            loaded = a // 8
            word = self._features[(t << 6) | loaded]
        ja: uint256 = (word >> ((a % 8) * 32)) & _U32
        jx: uint256 = convert(x[k], uint256)
        if ja == jx:
            count += 1
            a += 1
            k += 1
        elif ja < jx:
            a += 1
        else:
            k += 1
    return count


@internal
@pure
def _get96(word: uint256, at: uint256) -> int256:
    return convert(convert(word << (160 - at), bytes32), int256) >> 160


@internal
@pure
def _put96(word: uint256, at: uint256, v: int256) -> uint256:
    bits: uint256 = convert(convert(v, bytes32), uint256) & _MASK96
    return (word & ~(_MASK96 << at)) | (bits << at)


@internal
def _train_stored(k: uint256, head: uint256, e: uint256, use_initial: bool) -> bool:
    """
    @dev One Perceptron step on contribution `k` in pass `e`; whether the model changed.
         The rule of `sparse_perceptron._step`: a mistake iff y * score <= 0.
    """
    x: DynArray[uint32, MAX_FEATURES] = self._load_features(_CONTRIBUTION_KEY | (k << 6), head >> _HEAD_LEN_SHIFT)
    total: int256 = 0
    for j32: uint32 in x:
        j: uint256 = convert(j32, uint256)
        total += sparse_perceptron._lane(self._word(j // 6, e, use_initial), j)
    b: int256 = self._intercept(e)
    s: int256 = total * _INTERCEPT_ONE + b
    sign: int256 = -1
    if (head >> _HEAD_LABEL_SHIFT) & 255 == 1:
        sign = 1
    if sign * s > 0:
        return False
    delta: int256 = sign * learning_rate
    tag: uint256 = e << _TAG_SHIFT
    for j32: uint32 in x:
        j: uint256 = convert(j32, uint256)
        slot: uint256 = j // 6
        word: uint256 = self._word(slot, e, use_initial)
        w: int256 = sparse_perceptron._lane(word, j) + delta
        self._weights[slot] = (sparse_perceptron._set_lane(word, j, w) & _LANES_MASK) | tag
    moved: int256 = sparse_perceptron._round_signed(b + sign * intercept_step)
    self._intercept_word = convert(convert(moved << 64, bytes32), uint256) | e
    return True


@internal
def _add_score(who: address, e: uint256, change: int256):
    a: Account = self.accounts[who]
    if a.epoch != e:
        a.epoch = e
        a.score = 0
    a.score += change
    self.accounts[who] = a


@internal
def _apply(q: Progress) -> Progress:
    """
    @dev Settle contributor `p.cursor` of pass `p.epoch`: its balance moves by score * rounds
         (taken from or added to the pool) and, when the pass had a negative score, it drops
         out if below its stake or unable to pay one more round.
    """
    p: Progress = q
    who: address = self.contributors[p.cursor]
    p.cursor += 1
    a: Account = self.accounts[who]
    if a.dropped:
        return p
    score: int256 = 0
    if a.epoch == p.epoch:
        score = a.score
    if score > 0:
        gain: uint256 = convert(score, uint256) * p.rounds
        a.balance += gain
        p.gains += gain
    elif score < 0:
        loss: uint256 = convert(-score, uint256) * p.rounds
        a.balance -= loss
        p.losses += loss
    if p.negative and (a.balance < a.stake or (score < 0 and a.balance < convert(-score, uint256))):
        a.dropped = True
        log Dropped(contributor=who, epoch=p.epoch, balance=a.balance)
    else:
        p.active += 1
    self.accounts[who] = a
    return p


@internal
def _settle(p: Progress) -> Progress:
    """
    @dev End of a pass: pay its rounds, then either finish or restart on the contributors left.
    """
    left: uint256 = self.rounds_left - p.rounds
    self.rounds_left = left
    self.pool = self.pool + p.losses - p.gains
    log PassSettled(epoch=p.epoch, rounds=p.rounds, negative=p.negative, rounds_left=left, active=p.active)
    if not p.negative or left == 0 or p.active == 0:
        self._finish()
        return p
    return Progress(epoch=p.epoch + 1, stage=STAGE_TRAIN, cursor=0, test_cursor=0,
                              correct=0, previous=p.initial, initial=p.initial, rounds=0,
                              negative=False, active=0, gains=0, losses=0, stake_seen=0)


@internal
def _finish():
    self.phase = PHASE_DONE
    self.done_time = block.timestamp
    left: uint256 = self.pool
    self.provider_balance = left
    self.pool = 0
    log Finished(to_provider=left)


@internal
def _claim(who: address) -> uint256:
    a: Account = self.accounts[who]
    assert a.stake > 0 and not a.paid, "market: nothing to withdraw"
    self.accounts[who].paid = True
    return a.balance
