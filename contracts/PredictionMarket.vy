# pragma version 0.4.3
# pragma optimize codesize
"""
@title Prediction market: a bounty paid for data that improves a model on a committed test set
@license MIT
@notice A provider deposits a bounty and commits to a test set in K salted pieces. One piece,
        picked by the hash of a later block, is revealed before participation opens.
        Contributors then commit to labelled samples with a stake, and reveal each only once
        participation has ended. After the provider reveals the other pieces, anyone calls `step` until the
        reward pass is done: the contributions are replayed in commit order on a fresh copy of
        the initial model, each contributor is scored by the change in test accuracy its
        samples cause, and balances move by score x rounds. Everyone then withdraws, whenever
        they like: nothing owed ever expires. A provider that does not reveal in time forfeits
        the bounty: it stays locked in the contract, and every contributor gets its stake
        back. A reward pass not finished by its deadline expires: every revealed stake goes
        back, and the bounty stays locked as on a forfeit. The stake of a commitment never
        revealed is locked for good in every outcome.
@dev The model is the sparse binary Perceptron of `models/sparse_perceptron.vy` (same update
     rule, same integer weights, same intercept rounding), kept here in epoch-tagged storage so
     that restarting the pass on a fresh copy of the initial model is one counter increment.
     Python mirror of the whole pass: `sharedmodels.market.rules.reward_pass`.

     Commitment. Piece i is committed as a hash chain (`lib/hash_chain.vy`, `_start_here`)
     that starts from the chain id, this market's address, the salt AND the piece's length
     and ends after its last sample:
       c = keccak256(abi_encode(PIECE_TAG, chain.id, self, salt, n));
       c = keccak256(c ++ h_k) for k = 1..n, h_k = keccak256(abi_encode(x_k, y_k)).
     (The provider knows the address before deploying: its next contract creation.)
     A reveal must give the salt and all n samples: a suffix shown with a chain value as its
     "salt" starts from a different 160-byte preimage, and a prefix has another length.
     The first piece is `blockhash(seed_block) % K` (`lib/seed.vy`).

     Units. A score is in test samples: the number of test samples a contribution turns from
     wrong to right, minus those it turns from right to wrong, summed over a contributor's
     contributions. One round moves a balance by `score` wei, so a contributor that makes the
     whole test set right from all wrong earns T wei per round. The bounty buys
     `bounty // T` rounds; every balance stays a whole number of wei and
     bounty + stakes == balances + pool + withdrawn + (stakes never revealed) holds after
     every call.

     Rounds. At the end of a pass, if some contributor scored below zero, the pass pays
     `rounds = min over negative scorers i of balance_i // -score_i` (capped by the rounds left):
     the most rounds every contributor can pay. With equal balances this is the worst scorer's
     `balance // -score`; the minimum keeps a smaller balance from going below zero. Then a
     contributor drops out when its balance is below its stake, or when it scored below zero
     and can no longer pay one more round (the binding contributor always does, so every
     restart drops someone). A negative scorer keeps one slot fee back from its rounds and,
     if it drops and a restart follows (the pass left rounds unpaid), pays it into the work
     fund: the charge depends on nothing anyone else committed, and a pass that pays the last
     rounds charges nobody. If no one scored below zero, or no rounds are left, the market is
     done (a pass that drops everyone restarts into an empty last pass). What is left of the pool (unspent bounty, stakes lost by dropped-out
     scorers' rounds) goes to the provider.

     Bounded work. The provider fixes at opening the most contributions N, the most
     contributors C, the most features a sample (contribution or test sample) may carry, and
     the test-set size T. Every restart drops at least one contributor, so a market has at most
     C + 1 passes, and `max_work` is the work of the worst market these allow (every
     contribution changing the model in every one of C + 1 passes); it must stay under
     MAX_WORK, and the reward window must give at least one second for every WORK_RATE units
     of it. There is no cap on passes below C + 1: at such a cap the rounds a pass cannot pay
     would have to go somewhere, and any rule for that can be pumped by a throwaway negative
     scorer paired with a positive one, or used by the provider to keep its bounty.
     If the pass is still running at `reward_deadline`, anyone may call `expire`: each
     contributor can then withdraw its revealed stake, and the bounty stays locked for good
     (returning it would pay the provider for making the pass too costly to finish).

     Work fund. Every commitment pays `slot_fee` besides its stake (min_stake / 8, rounded
     up), never returned: holding a slot costs it. The fees and the drop-outs' charges pay each
     `step`'s caller, at the block's base fee, 4/5 of the gas the step measured (storage
     refunds are capped at a fifth of a transaction's gas, so no batching of steps is paid
     more than it burnt) and at most PAY_UNIT_GAS a work unit (small steps earn no more for
     the same work than large ones); the rest stays locked, nobody's.

     Participation. `commit(h)` with the stake and the slot fee, h = keccak256(abi_encode(SAMPLE_TAG, market,
     chain id, sender, salt, x, y)), takes the next contribution id: the replay order is the commit
     order. Participation is sealed: `reveal_sample(salt, x, y)` fills a commitment in only
     after `end`, within SAMPLE_WINDOW, so no sample is public while anyone can still commit
     (a copier has nothing to copy, or to place a commitment behind, before the last
     commitment is in). A commitment names its sender, so a reveal read in the mempool is no
     use to anyone else; and a sample identical to one committed earlier (both
     revealed) earns its committer nothing: any gain it makes in the pass is credited to the
     earliest contribution with that sample (a loss stays its own), so a copy never out-earns
     the original. A commitment never revealed
     is a contribution that is skipped: it scores 0 and its stake is locked in the contract
     for good (nobody's, the provider's included), so holding a slot or an option on a label
     without revealing costs that stake.

     Forfeit. A provider that does not reveal every piece in time loses the bounty: it stays
     in the contract for good (`pool`), and every contributor withdraws its stake. Any rule
     that hands a forfeited bounty to contributors hands part of it to the provider's own
     addresses, which nothing on chain tells apart from others (docs/market-design.md).
"""

from .models import sparse_perceptron
from .models import numeric
from .interfaces import IPredictionMarket
from .lib import hash_chain
from .lib import pay
from .lib import seed

implements: IPredictionMarket

# ---------------------------------------------------------------- EVENTS

event PieceRevealed:
    piece: indexed(uint256)
    first_sample: uint256
    samples: uint256

event Committed:
    id: indexed(uint256)
    contributor: indexed(address)
    stake: uint256

event Participated:
    id: indexed(uint256)
    contributor: indexed(address)
    label: uint8

event Ended:
    contributions: uint256
    reveal_deadline: uint256

event Forfeited:
    missing_pieces: uint256
    locked: uint256

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

event Expired:
    epoch: uint256
    work: uint256

event Withdrawn:
    who: indexed(address)
    amount: uint256

event Cancelled:
    bounty: uint256

# ---------------------------------------------------------------- STRUCTS

# @dev One labelled sample, as committed (`sharedmodels.market.rules.sample_hash`).
struct Sample:
    x: DynArray[uint32, MAX_FEATURES]
    y: uint8

# @dev The market's rules besides the model, the bounty and the commitments (seconds, wei and
#      counts), fixed at opening.
struct Terms:
    min_stake: uint256
    min_duration: uint256
    reveal_window: uint256
    # @dev Most contributions the market accepts.
    max_contributions: uint256
    # @dev Most features one contribution or test sample may carry.
    max_features: uint256
    # @dev Most contributors (addresses); a market has at most this many passes plus one.
    max_contributors: uint256
    # @dev Seconds after the last reveal for the reward pass to finish before it may expire.
    reward_window: uint256

struct Account:
    # @dev Stake of the revealed commitments (what is at risk in the pass, and what an expiry
    #      returns). The stake of a commitment never revealed is locked for good.
    stake: uint256
    # @dev Market balance in wei (what `withdraw` pays once the market is done).
    balance: uint256
    # @dev Score in the pass `epoch` (reads as 0 in any other pass).
    score: int256
    epoch: uint256
    dropped: bool
    # @dev Withdrawn.
    paid: bool
    # @dev Total wei sent with commitments, revealed or not (non-zero: a contributor).
    sent: uint256
    # @dev Wei it paid into the work fund when it dropped out with a negative score (at most
    #      its stake; an expiry returns `stake - charged`).
    charged: uint256

# @dev Where the reward pass stands; `progress()` returns it.
struct Progress:
    epoch: uint256
    stage: uint256
    # @dev Next contribution to replay (stages TRAIN/EVAL), or next contributor (SCAN/APPLY).
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
    # @dev Work units done so far, over every pass (never above `max_work`).
    work: uint256

# ---------------------------------------------------------------- CONSTANTS

MAX_FEATURES: constant(uint256) = sparse_perceptron.MAX_FEATURES
MAX_PIECES: constant(uint256) = 256
MAX_PIECE: constant(uint256) = 16
MAX_CONTRIBUTIONS: constant(uint256) = 65535
# @dev Domain tag of a piece commitment's first link.
PIECE_TAG: constant(bytes32) = keccak256("sharedmodels.market.piece")
# @dev `step` counts work in units of about one cold storage access (2,100 gas; a write to a
#      fresh slot counts 10). An item costs BASE_COST plus what it reads and writes:
#        first pass over the test set, per sample of n features: 2n + n/8 (weights, initial
#          weights, packed features);
#        after an update by a contribution of m features, per test sample:
#          2 + n/8 + (n + m)/8 (the state word, packed features, and the merge at about 250
#          gas a comparison);
#        training on a contribution of m features: m/8 + 12m (reads and fresh weight slots);
#        scanning or sharing out to a contributor already out: BASE_COST (2 reads);
#        scanning a contributor still in: _SCAN_COST (at most 5 cold reads);
#        sharing out to a contributor still in: _APPLY_COST (6 reads and a write, most of
#          them warm after the scan), plus _FRESH_WRITE_COST for each slot its drop sets from
#          zero (the flag, and the charge when a restart follows);
#        settling the pass (the pool, the rounds left, the restart or the finish):
#          _SETTLE_COST.
BASE_COST: constant(uint256) = 4
_SCAN_COST: constant(uint256) = 2 * BASE_COST
_APPLY_COST: constant(uint256) = 2 * BASE_COST
_FRESH_WRITE_COST: constant(uint256) = 10
_SETTLE_COST: constant(uint256) = 2 * BASE_COST
_MERGE_COST: constant(uint256) = 2
MIN_BUDGET: constant(uint256) = 16
MAX_BUDGET: constant(uint256) = 2**20
# @dev The most items one step can touch (every item costs at least BASE_COST).
_MAX_ITEMS: constant(uint256) = MAX_BUDGET // BASE_COST
# @dev The most work any market may need to finish (about 280 billion gas at 2,100 a unit).
MAX_WORK: public(constant(uint256)) = 2**27
# @dev The reward window must allow one second for every this many units of `max_work`: one
#      step of 2,048 units every 16 seconds finishes the worst case in time.
WORK_RATE: public(constant(uint256)) = 128
# @dev The shortest participation and reveal windows: a provider must leave participants
#      time to join (and so cannot discard a drawn piece by ending an empty market at once).
#      `end` always waits `min_duration` after opening, however many have joined.
MIN_DURATION: public(constant(uint256)) = 3600
# @dev The longest participation, reveal and reward windows (30 days): a window of years
#      would lock every stake for as long, with the provider silent (terms that would do so
#      are refused at opening).
MAX_WINDOW: public(constant(uint256)) = 30 * 86400
# @dev Seconds after `end` during which the commitments may be revealed (none before it: no
#      sample is public while a commitment can still be made behind it), and the provider may
#      not reveal a piece yet. A day: a contributor must be reachable once in that time, and
#      censoring a reveal means keeping it out of about 7,200 blocks (docs/market-design.md).
SAMPLE_WINDOW: public(constant(uint256)) = 86400
# @dev Domain tag of a contributor's sample commitment.
SAMPLE_TAG: constant(bytes32) = keccak256("sharedmodels.market.sample")
# @dev The slot fee is min_stake / SLOT_FEE_DIVISOR, rounded up (at least 1 wei); nobody
#      gets a fee back.
SLOT_FEE_DIVISOR: constant(uint256) = 8
# @dev A step pays its caller at most this much gas a work unit it did (at the base fee), so
#      a step's fixed overhead (the progress record, about 60k gas) is not paid: 38 steps of
#      16 units earn no more than 2 of 2**20 for the same pass. Below the unit's nominal
#      2,100 gas: 2,048-unit steps measured 400-2,100 gas a unit (4/5 of it is what is paid).
PAY_UNIT_GAS: public(constant(uint256)) = 1400

PHASE_COMMITTED: constant(uint256) = 0
PHASE_OPEN: constant(uint256) = 1
PHASE_REVEAL: constant(uint256) = 2
PHASE_REWARD: constant(uint256) = 3
PHASE_DONE: constant(uint256) = 4
PHASE_CANCELLED: constant(uint256) = 5
PHASE_EXPIRED: constant(uint256) = 6

STAGE_EVAL_INITIAL: constant(uint256) = 0
STAGE_TRAIN: constant(uint256) = 1
STAGE_EVAL: constant(uint256) = 2
STAGE_SCAN: constant(uint256) = 3
STAGE_APPLY: constant(uint256) = 4

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
# @dev A committed contribution not revealed yet: its head holds this label and, from bit
#      _HEAD_BLOCK_SHIFT, the block of its commitment.
_UNREVEALED: constant(uint256) = 2
_HEAD_BLOCK_SHIFT: constant(uint256) = 192
_CONTRIBUTION_KEY: constant(uint256) = 2**128
_ADDRESS_MASK: constant(uint256) = 2**160 - 1
_T_TAG_MASK: constant(uint256) = 2**16 - 1
_T_LEN_SHIFT: constant(uint256) = 16
_T_LEN_MASK: constant(uint256) = 2**10 - 1
_T_LABEL_SHIFT: constant(uint256) = 26
_T_CURRENT_SHIFT: constant(uint256) = 32
_T_INITIAL_SHIFT: constant(uint256) = 128
_MASK96: constant(uint256) = 2**96 - 1
_ID_MASK: constant(uint256) = 2**128 - 1

# ---------------------------------------------------------------- IMMUTABLES

provider: public(immutable(address))
n_features: public(immutable(uint256))
learning_rate: public(immutable(int256))
intercept_step: public(immutable(int256))
bounty: public(immutable(uint256))
n_pieces: public(immutable(uint256))
# @dev The number of test samples the pieces hold together (T).
test_size: public(immutable(uint256))
min_stake: public(immutable(uint256))
min_duration: public(immutable(uint256))
reveal_window: public(immutable(uint256))
max_contributions: public(immutable(uint256))
max_features: public(immutable(uint256))
max_contributors: public(immutable(uint256))
reward_window: public(immutable(uint256))
# @dev Work units of the worst market the terms allow (see the module docstring).
max_work: public(immutable(uint256))
# @dev Wei every commitment pays besides its stake, never returned: into the work fund.
slot_fee: public(immutable(uint256))

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
# @dev Set by the last reveal: `expire` is allowed after it if the pass has not finished.
reward_deadline: public(uint256)
# @dev When the market became done (or expired).
done_time: public(uint256)

# @dev Test sample t: one state word (bits 0..15 the pass its current sum belongs to,
#      16..25 its length, 26 its label, 32..127 its weight sum in that pass, 128..223 its weight
#      sum under the initial model; sums are int96). Its feature indices are in `_features`,
#      eight uint32 lanes per word.
_test_state: HashMap[uint256, uint256]
# @dev Test samples revealed so far (T once every piece is revealed).
revealed_samples: public(uint256)

# @dev Contribution k: head word contributor | label << 160 | length << 168, and its features
#      (label 2 and the commit block << 192 until revealed).
_contribution_head: HashMap[uint256, uint256]
# @dev Feature words of test samples (key t << 6 | w) and contributions (key 2**128 | k << 6 | w).
_features: HashMap[uint256, uint256]
n_contributions: public(uint256)
# @dev Sender and sample commitment -> its contribution id plus one (0: no such commitment)
#      in bits 0..127, and its stake from bit 128 (one slot: `reveal_sample` credits the stake).
#      Keyed by sender too, so a copy of someone's hash neither blocks nor serves it.
_commitment: HashMap[address, HashMap[bytes32, uint256]]
contributors: public(HashMap[uint256, address])
# @dev Sample hash keccak256(abi_encode(x, y)) -> the smallest revealed contribution id with
#      that sample, plus one: a later identical sample's positive score is credited to it.
first_of_sample: public(HashMap[bytes32, uint256])
n_contributors: public(uint256)
accounts: public(HashMap[address, Account])
total_stake: public(uint256)
# @dev Stakes of revealed commitments; `total_stake - revealed_stake` is locked for good.
revealed_stake: public(uint256)

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
# @dev Wei that reimburses the reward pass's gas: the slot fees and the charges of negative
#      scorers that dropped out, less what keepers were paid. What is left at the end is locked.
work_fund: public(uint256)

# ---------------------------------------------------------------- CONSTRUCTOR

@deploy
@payable
def __init__(n_features_: uint256, learning_rate_: uint256, class0: String[32],
             class1: String[32], encoder: String[256],
             commitments_: DynArray[bytes32, MAX_PIECES], test_size_: uint256, terms: Terms):
    """
    @notice Open a market: `msg.value` is the bounty, `commitments_` the K piece commitments,
            which hold `test_size_` samples together.
    @param terms.min_duration Seconds after opening before `end` may be called (at least
           MIN_DURATION), whatever the number of contributions.
    @param terms.reveal_window Seconds after `end` for the provider to reveal every piece.
    @param terms.reward_window Seconds after the last reveal before an unfinished reward pass
           may expire; at least `max_work // 128`.
    """
    assert msg.value > 0, "market: no bounty"
    k: uint256 = len(commitments_)
    assert k >= 2, "market: at least 2 pieces"
    assert test_size_ >= k and test_size_ <= k * MAX_PIECE, "market: test size out of range"
    # A round pays one wei per test sample: a smaller bounty buys none, and the market would
    # take stakes and data while no contribution could earn anything.
    assert msg.value >= test_size_, "market: bounty buys no round"
    assert n_features_ > 0 and n_features_ <= 2**32, "market: n_features out of range"
    assert learning_rate_ > 0 and learning_rate_ < _LEARNING_RATE_LIMIT, "market: learning rate out of range"
    assert terms.min_stake > 0, "market: min stake is zero"
    assert terms.min_stake < 2**96 and msg.value < 2**96, "market: amount too large"
    assert terms.min_duration >= MIN_DURATION and terms.min_duration <= MAX_WINDOW, "market: min duration out of range"
    assert terms.reveal_window >= MIN_DURATION and terms.reveal_window <= MAX_WINDOW, "market: reveal window out of range"
    assert terms.max_contributions > 0 and terms.max_contributions <= MAX_CONTRIBUTIONS, "market: contribution cap out of range"
    assert terms.max_features > 0 and terms.max_features <= MAX_FEATURES, "market: feature cap out of range"
    assert terms.max_contributors > 0 and terms.max_contributors <= terms.max_contributions and terms.max_contributors < 2**16 - 1, "market: contributor cap out of range"
    work: uint256 = self._worst_work(test_size_, terms)
    assert work <= MAX_WORK, "market: worst-case work too large"
    assert terms.reward_window <= MAX_WINDOW, "market: reward window out of range"
    assert terms.reward_window * WORK_RATE >= work, "market: reward window too short for the work"
    provider = msg.sender
    n_features = n_features_
    learning_rate = convert(learning_rate_, int256)
    intercept_step = convert(sparse_perceptron._round_to_double(learning_rate_ * sparse_perceptron._DECAY_UNITS), int256)
    bounty = msg.value
    n_pieces = k
    test_size = test_size_
    min_stake = terms.min_stake
    min_duration = terms.min_duration
    reveal_window = terms.reveal_window
    max_contributions = terms.max_contributions
    max_features = terms.max_features
    max_contributors = terms.max_contributors
    reward_window = terms.reward_window
    max_work = work
    slot_fee = (terms.min_stake + SLOT_FEE_DIVISOR - 1) // SLOT_FEE_DIVISOR
    for i: uint256 in range(k, bound=MAX_PIECES):
        self.commitments[i] = commitments_[i]
    self.class_names[0] = class0
    self.class_names[1] = class1
    self.encoder = encoder
    self.seed_block = block.number + seed.SEED_DELAY
    self.pool = msg.value

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
    @notice Fix the piece to reveal first from the hash of `seed_block`; anyone may call,
            from the block after `seed_block` until 256 blocks later. A draw nobody records
            in that window is lost: the market can then never open, and its bounty stays
            where it is (the provider gains nothing by letting a draw lapse).
    @return The piece index.
    """
    assert self.phase == PHASE_COMMITTED, "market: not in commitment phase"
    if self.drawn:
        return self.first_piece
    return self._draw()


@external
@nonreentrant
def cancel():
    """
    @notice Take the bounty back (provider only), while the seed block is not mined: once
            its hash exists the draw is fixed, and a provider may not discard it.
    """
    self._check_provider()
    assert self.phase == PHASE_COMMITTED, "market: participation has opened"
    assert block.number < self.seed_block, "market: the draw is fixed"
    self.phase = PHASE_CANCELLED
    self.pool = 0
    self.withdrawn = bounty
    log Cancelled(bounty=bounty)
    pay._pay(bounty)

# ---------------------------------------------------------------- PARTICIPATION

@external
@payable
def commit(h: bytes32) -> uint256:
    """
    @notice Commit to one labelled sample with a stake of at least `min_stake`; reveal it with
            `reveal_sample` after `end`, by `end` + SAMPLE_WINDOW. The commit order is the
            replay order.
    @param h keccak256(abi_encode(SAMPLE_TAG, this market, chain id, sender, salt, x, y)), with
           `x: uint32[]`, `y: uint8` (`sharedmodels.market.rules.sample_commitment`).
    @return The contribution id (0-based replay order).
    """
    assert self.phase == PHASE_OPEN, "market: participation is not open"
    assert msg.sender != provider, "market: the provider cannot participate"
    assert msg.value >= min_stake + slot_fee, "market: stake below minimum"
    assert msg.value < 2**96, "market: stake too large"
    stake: uint256 = msg.value - slot_fee
    assert self._commitment[msg.sender][h] == 0, "market: commitment already made"
    k: uint256 = self.n_contributions
    assert k < max_contributions, "market: contribution limit reached"
    sent: uint256 = self.accounts[msg.sender].sent
    if sent == 0:
        n: uint256 = self.n_contributors
        assert n < max_contributors, "market: contributor limit reached"
        self.contributors[n] = msg.sender
        self.n_contributors = n + 1
    # Field by field: writing the whole Account back would touch its other slots too. The
    # stake counts in the balance only once revealed (`reveal_sample`).
    self.accounts[msg.sender].sent = sent + msg.value
    self.total_stake += stake
    self.work_fund += slot_fee
    self._contribution_head[k] = convert(msg.sender, uint256) | (_UNREVEALED << _HEAD_LABEL_SHIFT) | (block.number << _HEAD_BLOCK_SHIFT)
    self._commitment[msg.sender][h] = (stake << 128) | (k + 1)
    self.n_contributions = k + 1
    log Committed(id=k, contributor=msg.sender, stake=stake)
    return k


@external
def reveal_sample(salt: bytes32, x: DynArray[uint32, MAX_FEATURES], y: uint8) -> uint256:
    """
    @notice Reveal the sample the caller committed to, once participation is closed: from
            `end` until SAMPLE_WINDOW seconds after it (and in a block after the commitment).
    @param x Sorted, unique feature indices, each below `n_features`, at most `max_features`.
    @param y Class index, 0 or 1.
    @return The contribution id.
    """
    ph: uint256 = self.phase
    assert ph != PHASE_OPEN, "market: reveal after the end"
    assert ph == PHASE_REVEAL and block.timestamp <= self.end_time + SAMPLE_WINDOW, "market: sample window over"
    assert y < 2, "market: label out of range"
    assert len(x) <= max_features, "market: too many features"
    self._check_sample(x)
    h: bytes32 = keccak256(abi_encode(SAMPLE_TAG, self, chain.id, msg.sender, salt, x, y))
    entry: uint256 = self._commitment[msg.sender][h]
    assert entry > 0, "market: no such commitment"
    k: uint256 = (entry & _ID_MASK) - 1
    head: uint256 = self._contribution_head[k]
    assert (head >> _HEAD_LABEL_SHIFT) & 255 == _UNREVEALED, "market: already revealed"
    assert block.number > head >> _HEAD_BLOCK_SHIFT, "market: reveal in a later block than the commitment"
    self._contribution_head[k] = convert(msg.sender, uint256) | (convert(y, uint256) << _HEAD_LABEL_SHIFT) | (len(x) << _HEAD_LEN_SHIFT)
    self._store_features(_CONTRIBUTION_KEY | (k << 6), x)
    first: uint256 = self.first_of_sample[keccak256(abi_encode(x, y))]
    if first == 0 or k < first - 1:
        self.first_of_sample[keccak256(abi_encode(x, y))] = k + 1
    stake: uint256 = entry >> 128
    self.accounts[msg.sender].stake += stake
    self.accounts[msg.sender].balance += stake
    self.revealed_stake += stake
    log Participated(id=k, contributor=msg.sender, label=y)
    return k


@external
def end():
    """
    @notice Close participation once `min_duration` has passed since opening, however many
            have joined; anyone may call. With no contributions the market is done at once.
            The commitments are revealed from now until SAMPLE_WINDOW seconds later; those not
            revealed by then are skipped (their stakes stay locked). The provider reveals its
            pieces after that window.
    """
    assert self.phase == PHASE_OPEN, "market: participation is not open"
    n: uint256 = self.n_contributions
    assert block.timestamp >= self.open_time + min_duration, "market: participation still open"
    self.end_time = block.timestamp
    if n == 0:
        self._finish()
        return
    self.phase = PHASE_REVEAL
    self.reveal_deadline = block.timestamp + SAMPLE_WINDOW + reveal_window
    log Ended(contributions=n, reveal_deadline=block.timestamp + SAMPLE_WINDOW + reveal_window)

# ---------------------------------------------------------------- REVEAL

@external
def reveal(i: uint256, salt: bytes32, piece: DynArray[Sample, MAX_PIECE]):
    """
    @notice Reveal piece `i` (provider only): its salt and every sample, in committed order.
            First the piece drawn from `seed_block`, which opens participation; after `end`,
            every other piece by `reveal_deadline`. The last reveal starts the reward pass.
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
        assert block.timestamp > self.end_time + SAMPLE_WINDOW, "market: sample window not over"
        assert block.timestamp <= self.reveal_deadline, "market: reveal deadline passed"
    assert i < n_pieces, "market: no such piece"
    assert not self.revealed[i], "market: piece already revealed"
    n: uint256 = len(piece)
    assert n > 0, "market: empty piece"
    first: uint256 = self.revealed_samples
    t: uint256 = first
    assert t + n <= test_size, "market: more test samples than committed"
    acc: bytes32 = hash_chain._start_here(PIECE_TAG, salt, n)
    for k: uint256 in range(n, bound=MAX_PIECE):
        acc = self._take_sample(acc, t, piece[k].x, piece[k].y)
        t += 1
    assert acc == self.commitments[i], "market: piece does not match its commitment"
    log PieceRevealed(piece=i, first_sample=first, samples=n)
    self.revealed_samples = t
    self.revealed[i] = True
    revealed: uint256 = self.pieces_revealed + 1
    self.pieces_revealed = revealed
    if opening:
        self.phase = PHASE_OPEN
        self.open_time = block.timestamp
    elif revealed == n_pieces:
        assert t == test_size, "market: fewer test samples than committed"
        self.phase = PHASE_REWARD
        self.rounds_left = bounty // t
        self.reward_deadline = block.timestamp + reward_window
        self._progress = empty(Progress)
        self._progress.epoch = 1
        self._progress.stage = STAGE_EVAL_INITIAL


@external
def forfeit():
    """
    @notice After the reveal deadline with a piece still hidden, end the market: the bounty
            stays locked in the contract for good (`pool`), no party gets it, and every
            contributor may withdraw its stake; anyone may call.
    """
    assert self.phase == PHASE_REVEAL, "market: not in reveal phase"
    assert block.timestamp > self.reveal_deadline, "market: reveal deadline not passed"
    self.phase = PHASE_DONE
    self.done_time = block.timestamp
    log Forfeited(missing_pieces=n_pieces - self.pieces_revealed, locked=self.pool)


@external
def expire():
    """
    @notice Once `reward_deadline` has passed with the reward pass unfinished, end the market
            by the rule fixed at opening: every contributor may withdraw the stake of its
            revealed commitments, and the bounty stays locked in the contract for good, as on
            a forfeit (`pool`): the provider gains nothing by letting the pass expire, or by
            landing `expire` before a keeper's last step. Anyone may call.
    """
    assert self.phase == PHASE_REWARD, "market: not in reward phase"
    p: Progress = self._progress
    assert block.timestamp > self.reward_deadline, "market: reward deadline not passed"
    self.phase = PHASE_EXPIRED
    self.done_time = block.timestamp
    self.pool = bounty
    log Expired(epoch=p.epoch, work=p.work)

# ---------------------------------------------------------------- REWARD PASS

@external
def step(budget: uint256) -> bool:
    """
    @notice Advance the reward pass by at most `budget` work units (about 2,100 gas each, see
            BASE_COST; at least one item is always done); anyone may call.
    @return True once the market is done.
    """
    start_gas: uint256 = msg.gas
    assert self.phase == PHASE_REWARD, "market: not in reward phase"
    assert budget >= MIN_BUDGET and budget <= MAX_BUDGET, "market: budget out of range"
    p: Progress = self._progress
    t_size: uint256 = test_size
    n: uint256 = self.n_contributions
    m: uint256 = self.n_contributors
    left: uint256 = self.rounds_left
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
                    head: uint256 = self._contribution_head[p.cursor]
                    change: int256 = convert(p.correct, int256) - convert(p.previous, int256)
                    if change > 0:
                        # A copy of an earlier sample earns nothing: its gain is the first's.
                        yk: uint8 = convert((head >> _HEAD_LABEL_SHIFT) & 255, uint8)
                        first: uint256 = self.first_of_sample[keccak256(abi_encode(x, yk))] - 1
                        if first != p.cursor:
                            head = self._contribution_head[first]
                    self._add_score(self._who(head), p.epoch, change)
                    p.cursor += 1
                p.previous = p.correct
                p.stage = STAGE_TRAIN
                loaded = False
        elif p.stage == STAGE_TRAIN:
            if p.cursor == n:
                p.stage = STAGE_SCAN
                p.cursor = 0
                p.rounds = max_value(uint256)
                continue
            head: uint256 = self._contribution_head[p.cursor]
            who: address = self._who(head)
            if (head >> _HEAD_LABEL_SHIFT) & 255 == _UNREVEALED or self.accounts[who].dropped:
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
                    p.rounds = min(p.rounds, left)
                else:
                    p.rounds = left
                p.stage = STAGE_APPLY
                p.cursor = 0
                p.active = 0
                continue
            # Only the fields the scan needs, each read once: the whole 8-slot record cold
            # cost about 18k gas a contributor, these at most 5 reads (2 for one already out).
            who: address = self.contributors[p.cursor]
            p.cursor += 1
            if self.accounts[who].dropped:
                used += BASE_COST
                continue
            used += _SCAN_COST
            if self.accounts[who].epoch != p.epoch:
                continue
            score: int256 = self.accounts[who].score
            if score >= 0:
                continue
            p.negative = True
            # The rounds it can pay, keeping back its charge (one slot fee, never above its
            # stake: a revealed stake is at least min_stake) in case it drops.
            balance: uint256 = self.accounts[who].balance
            spare: uint256 = balance - min(balance, slot_fee)
            p.rounds = min(p.rounds, spare // convert(-score, uint256))
        else:
            # STAGE_APPLY
            if p.cursor == m:
                used += _SETTLE_COST
                p = self._settle(p)
                done = self.phase == PHASE_DONE
                break
            # A restart follows this pass iff it has a negative scorer and rounds left.
            cost: uint256 = 0
            p, cost = self._apply(p, p.rounds < left)
            used += cost
    p.work += used
    self._progress = p
    self._pay_work(start_gas, used)
    return done

# ---------------------------------------------------------------- COLLECT

@external
@nonreentrant
def withdraw() -> uint256:
    """
    @notice Pay the caller its balance once the market is done (the provider: what is left of
            the pool), or the stake of its revealed commitments once it expired (the provider:
            nothing). Pays with all gas, so contract wallets can receive.
    """
    ph: uint256 = self.phase
    assert ph == PHASE_DONE or ph == PHASE_EXPIRED, "market: not done"
    amount: uint256 = 0
    if msg.sender == provider:
        amount = self.provider_balance
        assert amount > 0, "market: nothing to withdraw"
        self.provider_balance = 0
    else:
        amount = self._claim(msg.sender, ph)
    self.withdrawn += amount
    log Withdrawn(who=msg.sender, amount=amount)
    pay._pay(amount)
    return amount



# ---------------------------------------------------------------- VIEW

@external
@view
def commitment_id(who: address, h: bytes32) -> uint256:
    """
    @notice The contribution id plus one of `who`'s commitment `h` (0: no such commitment).
    """
    return self._commitment[who][h] & _ID_MASK


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
    assert t < self.revealed_samples, "market: no such test sample"
    state: uint256 = self._test_state[t]
    return Sample(x=self._load_features(t << 6, (state >> _T_LEN_SHIFT) & _T_LEN_MASK),
                  y=convert((state >> _T_LABEL_SHIFT) & 1, uint8))


@external
@view
def contribution(k: uint256) -> (address, Sample):
    """
    @notice Contribution `k`: its contributor and sample (label 2 and no features while the
            commitment is not revealed).
    """
    assert k < self.n_contributions, "market: no such contribution"
    head: uint256 = self._contribution_head[k]
    who: address = self._who(head)
    if (head >> _HEAD_LABEL_SHIFT) & 255 == _UNREVEALED:
        return who, Sample(x=[], y=convert(_UNREVEALED, uint8))
    return who, Sample(x=self._load_features(_CONTRIBUTION_KEY | (k << 6), head >> _HEAD_LEN_SHIFT),
                       y=convert((head >> _HEAD_LABEL_SHIFT) & 255, uint8))


@external
@view
def owed(who: address) -> uint256:
    """
    @notice What `withdraw` would pay `who` once the market is done or expired (0 once paid).
    """
    if who == provider:
        return self.provider_balance
    a: Account = self.accounts[who]
    if a.paid:
        return 0
    if self.phase == PHASE_EXPIRED:
        return a.stake - a.charged
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
    i: uint256 = convert(seed._hash(self.seed_block), uint256) % n_pieces
    self.first_piece = i
    self.drawn = True
    return i


@internal
def _take_sample(acc: bytes32, t: uint256, x: DynArray[uint32, MAX_FEATURES], y: uint8) -> bytes32:
    """
    @dev Check and store test sample `t`; the commitment chain moved past it.
    """
    assert y < 2, "market: test label out of range"
    assert len(x) <= max_features, "market: test sample has too many features"
    self._check_sample(x)
    self._test_state[t] = (convert(y, uint256) << _T_LABEL_SHIFT) | (len(x) << _T_LEN_SHIFT)
    self._store_features(t << 6, x)
    return hash_chain._link(acc, keccak256(abi_encode(x, y)))


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
def _apply(q: Progress, restart: bool) -> (Progress, uint256):
    """
    @dev Settle contributor `p.cursor` of pass `p.epoch`: its balance moves by score * rounds
         (taken from or added to the pool) and, when the pass had a negative score, it drops
         out if below its stake or unable to pay one more round and its charge. A negative
         scorer that drops pays one slot fee of its balance into the work fund when `restart`
         (the pass left rounds unpaid, so its drop forces another pass), else nothing.
         Returns the work units it did: BASE_COST for a contributor already out, _APPLY_COST
         for one settled, plus _FRESH_WRITE_COST for each slot a drop sets from zero (the flag,
         and the charge when `restart`). Reads and writes only the fields it needs.
    """
    p: Progress = q
    who: address = self.contributors[p.cursor]
    p.cursor += 1
    if self.accounts[who].dropped:
        return p, BASE_COST
    units: uint256 = _APPLY_COST
    score: int256 = 0
    if self.accounts[who].epoch == p.epoch:
        score = self.accounts[who].score
    balance: uint256 = self.accounts[who].balance
    if score > 0:
        gain: uint256 = convert(score, uint256) * p.rounds
        balance += gain
        p.gains += gain
    elif score < 0:
        loss: uint256 = convert(-score, uint256) * p.rounds
        balance -= loss
        p.losses += loss
    if p.negative and (balance < self.accounts[who].stake or (score < 0 and balance < slot_fee + convert(-score, uint256))):
        self.accounts[who].dropped = True
        units += _FRESH_WRITE_COST
        # Only a negative scorer ever drops: an active contributor starts every pass with at
        # least its stake, and only a loss takes a balance below it.
        if restart:
            charged: uint256 = min(slot_fee, balance)
            balance -= charged
            self.accounts[who].charged = charged
            self.work_fund += charged
            units += _FRESH_WRITE_COST
        log Dropped(contributor=who, epoch=p.epoch, balance=balance)
    else:
        p.active += 1
    self.accounts[who].balance = balance
    return p, units


@internal
def _pay_work(start_gas: uint256, used: uint256):
    """
    @dev Pay the caller, from the work fund at the block's base fee, 4/5 of the gas this step
         measured from its first line, and at most PAY_UNIT_GAS for each of the `used` work
         units it did. EIP-3529 caps a transaction's storage refunds at a fifth of its gas, so
         the steps of one transaction, however many, are never paid more than it cost net of
         refunds; the unit cap pays the same work about the same in 16-unit steps as in one
         (per-step overhead is not paid). A keeper gets back about 77% of its gas at
         2,048-unit steps, measured; tips are its own business.
    """
    fund: uint256 = self.work_fund
    amount: uint256 = min(fund, min((start_gas - msg.gas) * 4 // 5, used * PAY_UNIT_GAS) * block.basefee)
    if amount > 0:
        self.work_fund = fund - amount
        self.withdrawn += amount
        # 2,300 gas: enough to receive, too little to call back into anything. A caller that
        # refuses the payment (or needs more gas to take it) leaves it in the fund.
        if not raw_call(msg.sender, b"", value=amount, gas=2300, revert_on_failure=False):
            self.work_fund = fund
            self.withdrawn -= amount


@internal
def _settle(p: Progress) -> Progress:
    """
    @dev End of a pass: pay its rounds, then either finish or restart on the contributors left.
    """
    left: uint256 = self.rounds_left - p.rounds
    self.rounds_left = left
    self.pool = self.pool + p.losses - p.gains
    log PassSettled(epoch=p.epoch, rounds=p.rounds, negative=p.negative, rounds_left=left, active=p.active)
    if not p.negative or left == 0:
        self._finish()
        return p
    restart: Progress = empty(Progress)
    restart.epoch = p.epoch + 1
    restart.stage = STAGE_TRAIN
    restart.previous = p.initial
    restart.initial = p.initial
    restart.work = p.work
    return restart


@internal
def _finish():
    self.phase = PHASE_DONE
    self.done_time = block.timestamp
    left: uint256 = self.pool
    self.provider_balance = left
    self.pool = 0
    log Finished(to_provider=left)


@internal
def _claim(who: address, ph: uint256) -> uint256:
    """
    @dev Mark `who` paid; what it is owed: its balance, or its stake if the market expired.
    """
    a: Account = self.accounts[who]
    assert a.stake > 0 and not a.paid, "market: nothing to withdraw"
    self.accounts[who].paid = True
    if ph == PHASE_EXPIRED:
        return a.stake - a.charged
    return a.balance


@internal
@pure
def _worst_work(t: uint256, terms: Terms) -> uint256:
    """
    @dev Work units of the worst market `terms` allow with a test set of `t` samples: every
         sample at the feature cap, every contribution changing the model in every pass, and
         `max_contributors` + 1 passes (the item costs of `step`).
    """
    f: uint256 = terms.max_features
    n: uint256 = terms.max_contributions
    initial: uint256 = t * (BASE_COST + f // 8 + 2 * f)
    train: uint256 = BASE_COST + f // 8 + 12 * f
    evaluate: uint256 = BASE_COST + _MERGE_COST + f // 8 + (2 * f) // 8
    share: uint256 = _SCAN_COST + _APPLY_COST + 2 * _FRESH_WRITE_COST
    per_pass: uint256 = n * (train + t * evaluate) + terms.max_contributors * share + _SETTLE_COST
    return initial + (terms.max_contributors + 1) * per_pass
