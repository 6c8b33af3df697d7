# pragma version 0.4.3
"""
@title Federated learning task: committed local updates, on-chain aggregation, stakes
@license MIT
@notice A coordinator opens a task with a reward pool, a dense multi-class linear model's
        initial parameters and the terms below. Participants join with a stake. Each round
        they commit a hash of a model update, then reveal it; once the reveal window is over
        anyone calls `step` until the round closes: the contract aggregates the revealed
        updates (weighted FedAvg or a coordinate-wise trimmed mean), makes the new model live
        for `predict`, pays the round's share of the pool to the updates that agree with the
        aggregate, and gives the stake of every participant that committed and did not reveal
        to the pool. `docs/federated.md` is the design; the integer mirror is
        `sharedmodels.federated.rules`.
@dev Parameters: one flat vector of P = n_classes * (n_features + 1) values in units of 10**-9,
     class by class (the class's weights, then its intercept). The score of class k is
       sum_j w[k][j] * x[j] + b[k] * SCALE
     (real score times 10**18), x being `numeric.vy`'s fixed-point input. Two banks of
     parameters: the aggregation writes the new model to the bank that is not live, so
     `predict` serves the last closed model until the closing step flips the banks.
     Updates: P int64 values, stored four to a word (lane l: bits 64l .. 64l + 63).
     Conservation: balance == pool + owed + held after every call, and
     pool_in + stakes_in == balance + withdrawn.
"""

from .models import numeric
from .lib import pay

# ---------------------------------------------------------------- EVENTS

event Opened:
    coordinator: indexed(address)
    pool: uint256
    n_params: uint256
    initial: DynArray[int256, MAX_PARAMS]
    allowed: DynArray[address, MAX_PARTICIPANTS]

event Joined:
    participant: indexed(address)
    index: uint256
    stake: uint256

event Committed:
    round: indexed(uint256)
    participant: indexed(address)
    commitment: bytes32

event Revealed:
    round: indexed(uint256)
    participant: indexed(address)
    samples: uint256
    update: DynArray[int64, MAX_PARAMS]

event Stepped:
    round: indexed(uint256)
    cursor: uint256

event RoundClosed:
    round: indexed(uint256)
    revealed: uint256
    accepted: uint256
    paid_each: uint256
    forfeited: uint256
    model_hash: bytes32

event Accepted:
    round: indexed(uint256)
    participant: indexed(address)
    amount: uint256

event Forfeited:
    round: indexed(uint256)
    participant: indexed(address)
    stake: uint256

event Shared:
    participant: indexed(address)
    amount: uint256

event Withdrawn:
    who: indexed(address)
    amount: uint256

# ---------------------------------------------------------------- STRUCTS

# @dev The task's rules besides the pool and the initial parameters, fixed at opening.
struct Terms:
    n_features: uint256
    n_classes: uint256
    rounds: uint256
    commit_window: uint256
    reveal_window: uint256
    min_participants: uint256
    max_participants: uint256
    stake: uint256
    # @dev Largest Euclidean norm of an update, in 10**-9 units.
    clip: uint256
    max_samples: uint256
    # @dev RULE_FEDAVG or RULE_TRIMMED_MEAN.
    rule: uint256
    # @dev Values dropped at each end of every coordinate (trimmed mean only).
    trim: uint256
    # @dev Least cosine (thousandths) between an update and the aggregate for a reward.
    min_agreement: uint256

struct Participant:
    # @dev 1-based registration order; 0: never joined.
    index: uint256
    # @dev Stake still held (0 once forfeited or withdrawn).
    stake: uint256
    # @dev Rewards owed (withdrawable at any time).
    balance: uint256
    forfeited: bool
    # @dev round + 1 of the last commit and of the last reveal (0: none).
    commit_round: uint256
    commitment: bytes32
    reveal_round: uint256
    samples: uint256
    # @dev Squared norm of the last revealed update.
    norm2: uint256
    # @dev Rewards earned over the whole task.
    earned: uint256

# @dev Where the current round's aggregation stands; `progress()` returns it.
struct Progress:
    round: uint256
    # @dev Next word of the parameter vector to aggregate.
    cursor: uint256
    # @dev Squared norm of the aggregate change so far.
    gg: uint256
    # @dev Hash chain of the new parameters so far.
    chain: bytes32

# ---------------------------------------------------------------- CONSTANTS

MAX_DIM: constant(uint256) = numeric.MAX_DIM
MAX_CLASSES: constant(uint256) = 16
MAX_PARAMS: constant(uint256) = 1024
MAX_WORDS: constant(uint256) = MAX_PARAMS // 4
MAX_PARTICIPANTS: constant(uint256) = 16
MAX_ROUNDS: constant(uint256) = 1000
# @dev Most words (four coordinates each) one `step` aggregates.
MAX_BUDGET: public(constant(uint256)) = 24
# @dev Shortest commit or reveal window: an hour, 300 twelve-second slots on Ethereum, so that
#      keeping one reveal out means excluding it from every block of the window (docs/security.md).
MIN_WINDOW: public(constant(uint256)) = 3600
RULE_FEDAVG: public(constant(uint256)) = 0
RULE_TRIMMED_MEAN: public(constant(uint256)) = 1
# @dev Domain tag of an update commitment.
UPDATE_TAG: constant(bytes32) = keccak256("sharedmodels.federated.update")
_CLIP_LIMIT: constant(uint256) = 2**40
_INITIAL_LIMIT: constant(int256) = 2**62
_MASK64: constant(uint256) = 2**64 - 1

# ---------------------------------------------------------------- IMMUTABLES

coordinator: public(immutable(address))
n_features: public(immutable(uint256))
n_classes: public(immutable(uint256))
n_params: public(immutable(uint256))
n_words: public(immutable(uint256))
rounds: public(immutable(uint256))
commit_window: public(immutable(uint256))
reveal_window: public(immutable(uint256))
min_participants: public(immutable(uint256))
max_participants: public(immutable(uint256))
stake: public(immutable(uint256))
clip: public(immutable(uint256))
max_samples: public(immutable(uint256))
rule: public(immutable(uint256))
trim: public(immutable(uint256))
min_agreement: public(immutable(uint256))
pool_in: public(immutable(uint256))
# @dev Whether only the addresses on the allowlist given at opening may join.
restricted: public(immutable(bool))

# ---------------------------------------------------------------- STORAGE

participants: public(HashMap[address, Participant])
# @dev The allowlist (only consulted when `restricted`).
allowed: public(HashMap[address, bool])
# @dev Participant addresses by 0-based registration order.
addresses: public(HashMap[uint256, address])
n_participants: public(uint256)

round: public(uint256)
round_start: public(uint256)
done: public(bool)
# @dev This round's reveals in order: 0-based participant index of reveal k.
_revealers: HashMap[uint256, uint256]
n_revealed: public(uint256)
# @dev Participant i's last revealed update, word w at key i * MAX_WORDS + w.
_updates: HashMap[uint256, uint256]
# @dev Bank b's parameter j at key b * MAX_PARAMS + j.
_params: HashMap[uint256, int256]
live_bank: public(uint256)
# @dev Hash chain of the live parameters (`docs/federated.md`: the record).
model_hash: public(bytes32)
_progress: Progress
# @dev u_k . g so far for this round's reveal k.
_dots: HashMap[uint256, int256]

pool: public(uint256)
# @dev Rewards credited and not yet withdrawn; stakes held; wei paid out; stakes received.
owed: public(uint256)
held: public(uint256)
withdrawn: public(uint256)
stakes_in: public(uint256)

# ---------------------------------------------------------------- CONSTRUCTOR

@deploy
@payable
def __init__(
    terms: Terms,
    initial: DynArray[int256, MAX_PARAMS],
    allowed: DynArray[address, MAX_PARTICIPANTS],
):
    """
    @notice Open a task: `msg.value` is the reward pool; `initial` the initial parameters
            (empty: all zero); `allowed` the only addresses that may join (empty: anyone).
    """
    assert msg.value > 0, "federated: no reward pool"
    assert msg.value < 2**96 and terms.stake < 2**96, "federated: amount too large"
    assert terms.n_features > 0 and terms.n_features <= MAX_DIM, "federated: shape out of range"
    assert terms.n_classes >= 2 and terms.n_classes <= MAX_CLASSES, "federated: shape out of range"
    p: uint256 = terms.n_classes * (terms.n_features + 1)
    assert p <= MAX_PARAMS, "federated: shape out of range"
    assert terms.rounds > 0 and terms.rounds <= MAX_ROUNDS, "federated: rounds out of range"
    assert terms.commit_window >= MIN_WINDOW and terms.commit_window <= 2**32, "federated: window out of range"
    assert terms.reveal_window >= MIN_WINDOW and terms.reveal_window <= 2**32, "federated: window out of range"
    assert terms.max_participants > 0 and terms.max_participants <= MAX_PARTICIPANTS, "federated: participant bounds out of range"
    assert terms.min_participants > 0 and terms.min_participants <= terms.max_participants, "federated: participant bounds out of range"
    assert terms.stake > 0, "federated: stake is zero"
    assert terms.clip > 0 and terms.clip <= _CLIP_LIMIT, "federated: clip bound out of range"
    assert terms.max_samples > 0 and terms.max_samples <= 2**32, "federated: max samples out of range"
    assert terms.rule <= RULE_TRIMMED_MEAN, "federated: unknown rule"
    if terms.rule == RULE_FEDAVG:
        assert terms.trim == 0, "federated: trim out of range"
    else:
        assert terms.trim > 0 and 2 * terms.trim < terms.min_participants, "federated: trim out of range"
    assert terms.min_agreement < 1000, "federated: agreement out of range"
    assert len(initial) == 0 or len(initial) == p, "federated: initial parameters out of range"
    for j: uint256 in range(len(initial), bound=MAX_PARAMS):
        assert abs(initial[j]) <= _INITIAL_LIMIT, "federated: initial parameters out of range"
        self._params[j] = initial[j]
    if len(allowed) > 0:
        assert len(allowed) >= terms.min_participants, "federated: allowlist out of range"
    for a: address in allowed:
        assert a != empty(address) and a != msg.sender and not self.allowed[a], "federated: allowlist out of range"
        self.allowed[a] = True
    restricted = len(allowed) > 0
    coordinator = msg.sender
    n_features = terms.n_features
    n_classes = terms.n_classes
    n_params = p
    n_words = (p + 3) // 4
    rounds = terms.rounds
    commit_window = terms.commit_window
    reveal_window = terms.reveal_window
    min_participants = terms.min_participants
    max_participants = terms.max_participants
    stake = terms.stake
    clip = terms.clip
    max_samples = terms.max_samples
    rule = terms.rule
    trim = terms.trim
    min_agreement = terms.min_agreement
    pool_in = msg.value
    self.pool = msg.value
    self.round_start = block.timestamp
    log Opened(coordinator=msg.sender, pool=msg.value, n_params=p, initial=initial, allowed=allowed)

# ---------------------------------------------------------------- PARTICIPANTS

@external
@nonreentrant
@payable
def join() -> uint256:
    """
    @notice Register with exactly `stake` wei; returns the 1-based registration index. A
            restricted task takes only the addresses on its allowlist.
    """
    assert not self.done, "federated: task is done"
    assert msg.sender != coordinator, "federated: the coordinator cannot join"
    assert not restricted or self.allowed[msg.sender], "federated: not on the allowlist"
    assert msg.value == stake, "federated: wrong stake"
    assert self.participants[msg.sender].index == 0, "federated: already joined"
    n: uint256 = self.n_participants
    assert n < max_participants, "federated: task is full"
    self.addresses[n] = msg.sender
    self.n_participants = n + 1
    self.participants[msg.sender] = Participant(
        index=n + 1, stake=msg.value, balance=0, forfeited=False, commit_round=0,
        commitment=empty(bytes32), reveal_round=0, samples=0, norm2=0, earned=0)
    self.held += msg.value
    self.stakes_in += msg.value
    log Joined(participant=msg.sender, index=n + 1, stake=msg.value)
    return n + 1


@external
@nonreentrant
def commit(round_: uint256, commitment: bytes32):
    """
    @notice Bind an update for round `round_` (the current one) before the commit deadline:
            commitment = keccak256(abi_encode(UPDATE_TAG, self, chain.id, salt, round, sender,
            samples, update)): bound to this task on this chain, so a commitment cannot be
            replayed to another task or a fork.
    """
    assert not self.done, "federated: task is done"
    assert round_ == self.round, "federated: not the current round"
    assert block.timestamp < self.round_start + commit_window, "federated: commit window closed"
    p: Participant = self.participants[msg.sender]
    assert p.index > 0, "federated: not a participant"
    assert not p.forfeited, "federated: stake forfeited"
    assert p.commit_round != round_ + 1, "federated: already committed"
    p.commit_round = round_ + 1
    p.commitment = commitment
    self.participants[msg.sender] = p
    log Committed(round=round_, participant=msg.sender, commitment=commitment)


@external
@nonreentrant
def reveal(salt: bytes32, samples: uint256, update: DynArray[int64, MAX_PARAMS]):
    """
    @notice Reveal this round's committed update (P values, 10**-9 units) and the number of
            samples it was trained on, during the reveal window. Its norm must be within `clip`.
    """
    assert not self.done, "federated: task is done"
    r: uint256 = self.round
    c: uint256 = self.round_start + commit_window
    assert block.timestamp >= c and block.timestamp < c + reveal_window, "federated: not in the reveal window"
    p: Participant = self.participants[msg.sender]
    assert p.commit_round == r + 1 and p.index > 0, "federated: no commitment this round"
    assert p.reveal_round != r + 1, "federated: already revealed"
    assert len(update) == n_params, "federated: wrong update length"
    assert samples > 0 and samples <= max_samples, "federated: sample count out of range"
    assert keccak256(abi_encode(UPDATE_TAG, self, chain.id, salt, r, msg.sender, samples, update)) == p.commitment, "federated: reveal does not match the commitment"
    norm2: uint256 = 0
    base: uint256 = (p.index - 1) * MAX_WORDS
    word: uint256 = 0
    for j: uint256 in range(len(update), bound=MAX_PARAMS):
        v: int256 = convert(update[j], int256)
        norm2 += convert(v * v, uint256)
        word |= (convert(convert(v, bytes32), uint256) & _MASK64) << (64 * (j % 4))
        if j % 4 == 3 or j + 1 == len(update):
            self._updates[base + j // 4] = word
            word = 0
    assert norm2 <= clip * clip, "federated: update over the clip bound"
    p.reveal_round = r + 1
    p.samples = samples
    p.norm2 = norm2
    self.participants[msg.sender] = p
    k: uint256 = self.n_revealed
    self._revealers[k] = p.index - 1
    self.n_revealed = k + 1
    log Revealed(round=r, participant=msg.sender, samples=samples, update=update)

# ---------------------------------------------------------------- AGGREGATION (anyone)

@external
@nonreentrant
def step(budget: uint256) -> bool:
    """
    @notice Advance the current round's aggregation by at most `budget` words (four
            parameters each, at most MAX_BUDGET); the call that reaches the end closes the
            round (new model live, rewards credited, forfeits taken). Anyone may call it once
            the reveal window is over.
    @return Whether this call closed the round.
    """
    assert not self.done, "federated: task is done"
    assert block.timestamp >= self.round_start + commit_window + reveal_window, "federated: reveals still open"
    assert budget > 0 and budget <= MAX_BUDGET, "federated: budget out of range"
    n: uint256 = self.n_revealed
    q: Progress = self._progress
    if n >= min_participants and q.cursor < n_words:
        q = self._aggregate(q, min(q.cursor + budget, n_words), n)
        self._progress = q
        log Stepped(round=self.round, cursor=q.cursor)
    if n < min_participants or q.cursor == n_words:
        self._settle(q, n)
        return True
    return False

# ---------------------------------------------------------------- PAYMENTS

@external
@nonreentrant
def withdraw() -> uint256:
    """
    @notice Pay the caller what it is owed: a participant its rewards (any time) and, once the
            task is done, its stake unless forfeited; the coordinator, once the task is done,
            what is left of the pool (only when nobody was ever paid: `_share_leftover`).
            Pays with all gas, after every state change.
    """
    amount: uint256 = 0
    if msg.sender == coordinator:
        if self.done:
            amount = self.pool
            self.pool = 0
    else:
        p: Participant = self.participants[msg.sender]
        amount = p.balance
        self.owed -= p.balance
        p.balance = 0
        if self.done and p.stake > 0:
            amount += p.stake
            self.held -= p.stake
            p.stake = 0
        self.participants[msg.sender] = p
    assert amount > 0, "federated: nothing to withdraw"
    self.withdrawn += amount
    log Withdrawn(who=msg.sender, amount=amount)
    pay._pay(amount)
    return amount

# ---------------------------------------------------------------- VIEWS

@external
@view
def predict(x: DynArray[int64, MAX_DIM]) -> uint8:
    """
    @notice Class index the live global model gives the sample; free to call.
    @param x `n_features` fixed-point values (value * 10**9), each within +-2**40.
    """
    s: DynArray[int256, MAX_CLASSES] = self._scores(x)
    best: uint256 = 0
    for k: uint256 in range(1, len(s), bound=MAX_CLASSES):
        if s[k] > s[best]:
            best = k
    return convert(best, uint8)


@external
@view
def scores(x: DynArray[int64, MAX_DIM]) -> DynArray[int256, MAX_CLASSES]:
    """
    @notice Every class's score under the live model, in units of 10**-18.
    """
    return self._scores(x)


@external
@view
def parameters() -> DynArray[int256, MAX_PARAMS]:
    """
    @notice The live global parameters (10**-9 units), class by class: weights, then intercept.
    """
    out: DynArray[int256, MAX_PARAMS] = []
    base: uint256 = self.live_bank * MAX_PARAMS
    for j: uint256 in range(n_params, bound=MAX_PARAMS):
        out.append(self._params[base + j])
    return out


@external
@view
def update_of(who: address) -> DynArray[int64, MAX_PARAMS]:
    """
    @notice The last update `who` revealed (any round; see `participants(who).reveal_round`).
    """
    out: DynArray[int64, MAX_PARAMS] = []
    i: uint256 = self.participants[who].index
    if i == 0:
        return out
    base: uint256 = (i - 1) * MAX_WORDS
    for j: uint256 in range(n_params, bound=MAX_PARAMS):
        out.append(convert(self._lane(self._updates[base + j // 4], j % 4), int64))
    return out


@external
@view
def revealer(k: uint256) -> address:
    """
    @notice The address of this round's k-th reveal.
    """
    assert k < self.n_revealed, "federated: no such reveal"
    return self.addresses[self._revealers[k]]


@external
@view
def progress() -> Progress:
    return self._progress


@external
@view
def deadlines() -> (uint256, uint256):
    """
    @notice The current round's commit deadline and reveal deadline (both exclusive).
    """
    c: uint256 = self.round_start + commit_window
    return c, c + reveal_window

# ---------------------------------------------------------------- INTERNAL

@internal
@view
def _scores(x: DynArray[int64, MAX_DIM]) -> DynArray[int256, MAX_CLASSES]:
    numeric._check_dense(x, n_features)
    out: DynArray[int256, MAX_CLASSES] = []
    base: uint256 = self.live_bank * MAX_PARAMS
    for k: uint256 in range(n_classes, bound=MAX_CLASSES):
        row: uint256 = base + k * (n_features + 1)
        total: int256 = 0
        for j: uint256 in range(n_features, bound=MAX_DIM):
            total += self._params[row + j] * convert(x[j], int256)
        out.append(total + self._params[row + n_features] * numeric.SCALE)
    return out


@internal
@pure
def _lane(word: uint256, lane: uint256) -> int256:
    """
    @dev The signed int64 in bits 64 * lane .. 64 * lane + 63 of `word`.
    """
    return convert(convert(word << (192 - 64 * lane), bytes32), int256) >> 192


@internal
def _aggregate(q_: Progress, stop: uint256, n: uint256) -> Progress:
    """
    @dev Aggregate words q_.cursor .. stop - 1 into the bank that is not live, accumulating
         u_k . g, |g|**2 and the hash chain of the new parameters.
    """
    q: Progress = q_
    ids: DynArray[uint256, MAX_PARTICIPANTS] = []
    weights: DynArray[int256, MAX_PARTICIPANTS] = []
    dots: DynArray[int256, MAX_PARTICIPANTS] = []
    total: int256 = 0
    for k: uint256 in range(n, bound=MAX_PARTICIPANTS):
        i: uint256 = self._revealers[k]
        ids.append(i * MAX_WORDS)
        s: int256 = 0
        if rule == RULE_FEDAVG:
            s = convert(self.participants[self.addresses[i]].samples, int256)
        weights.append(s)
        total += s
        if q.cursor == 0:
            dots.append(0)
        else:
            dots.append(self._dots[k])
    if q.cursor == 0:
        q.round = self.round
        q.gg = 0
        q.chain = convert(self.round, bytes32)
    src: uint256 = self.live_bank * MAX_PARAMS
    dst: uint256 = (1 - self.live_bank) * MAX_PARAMS
    kept: int256 = convert(n - 2 * trim, int256)
    for w: uint256 in range(q.cursor, stop, bound=MAX_WORDS):
        words: DynArray[uint256, MAX_PARTICIPANTS] = []
        for k: uint256 in range(n, bound=MAX_PARTICIPANTS):
            words.append(self._updates[ids[k] + w])
        for lane: uint256 in range(4):
            j: uint256 = 4 * w + lane
            if j >= n_params:
                break
            vals: DynArray[int256, MAX_PARTICIPANTS] = []
            for k: uint256 in range(n, bound=MAX_PARTICIPANTS):
                vals.append(self._lane(words[k], lane))
            g: int256 = 0
            if rule == RULE_FEDAVG:
                acc: int256 = 0
                for k: uint256 in range(n, bound=MAX_PARTICIPANTS):
                    acc += weights[k] * vals[k]
                g = acc // total
            else:
                g = self._trimmed_sum(vals) // kept
            new: int256 = self._params[src + j] + g
            self._params[dst + j] = new
            q.chain = keccak256(concat(q.chain, convert(new, bytes32)))
            q.gg += convert(g * g, uint256)
            for k: uint256 in range(n, bound=MAX_PARTICIPANTS):
                dots[k] += vals[k] * g
    for k: uint256 in range(n, bound=MAX_PARTICIPANTS):
        self._dots[k] = dots[k]
    q.cursor = stop
    return q


@internal
@view
def _trimmed_sum(vals_: DynArray[int256, MAX_PARTICIPANTS]) -> int256:
    """
    @dev Sum of the values with the `trim` smallest and `trim` largest dropped (insertion sort).
    """
    vals: DynArray[int256, MAX_PARTICIPANTS] = vals_
    n: uint256 = len(vals)
    for a: uint256 in range(1, n, bound=MAX_PARTICIPANTS):
        v: int256 = vals[a]
        b: uint256 = a
        for t: uint256 in range(a, bound=MAX_PARTICIPANTS):
            if vals[b - 1] <= v:
                break
            vals[b] = vals[b - 1]
            b -= 1
            if b == 0:
                break
        vals[b] = v
    acc: int256 = 0
    for a: uint256 in range(trim, n - trim, bound=MAX_PARTICIPANTS):
        acc += vals[a]
    return acc


@internal
def _settle(q: Progress, n: uint256):
    """
    @dev Close the round: forfeits to the pool, the round's share to the agreeing updates,
         the new bank live (unless void), then the next round or the end.
    """
    r: uint256 = self.round
    forfeited: uint256 = 0
    for i: uint256 in range(self.n_participants, bound=MAX_PARTICIPANTS):
        who: address = self.addresses[i]
        p: Participant = self.participants[who]
        if p.commit_round == r + 1 and p.reveal_round != r + 1 and not p.forfeited:
            self.pool += p.stake
            self.held -= p.stake
            log Forfeited(round=r, participant=who, stake=p.stake)
            p.stake = 0
            p.forfeited = True
            self.participants[who] = p
            forfeited += 1
    share: uint256 = self.pool // (rounds - r)
    accepted: uint256 = 0
    each: uint256 = 0
    if n >= min_participants:
        agree: DynArray[bool, MAX_PARTICIPANTS] = []
        a2: uint256 = min_agreement * min_agreement
        for k: uint256 in range(n, bound=MAX_PARTICIPANTS):
            d: int256 = self._dots[k]
            ok: bool = False
            if d > 0:
                who: address = self.addresses[self._revealers[k]]
                du: uint256 = convert(d, uint256) * 1000
                ok = du * du >= a2 * self.participants[who].norm2 * q.gg
            agree.append(ok)
            if ok:
                accepted += 1
        if accepted > 0:
            each = share // accepted
            for k: uint256 in range(n, bound=MAX_PARTICIPANTS):
                if agree[k]:
                    who: address = self.addresses[self._revealers[k]]
                    self.participants[who].balance += each
                    self.participants[who].earned += each
                    log Accepted(round=r, participant=who, amount=each)
            self.pool -= each * accepted
            self.owed += each * accepted
        self.live_bank = 1 - self.live_bank
        self.model_hash = q.chain
    log RoundClosed(round=r, revealed=n, accepted=accepted, paid_each=each, forfeited=forfeited, model_hash=self.model_hash)
    self.n_revealed = 0
    self._progress = empty(Progress)
    self.round = r + 1
    if r + 1 == rounds:
        self.done = True
        self._share_leftover(r)
    else:
        self.round_start = block.timestamp


@internal
def _share_leftover(r: uint256):
    """
    @dev At the end, what is left of the pool (void rounds' shares, forfeits, rounding) goes to
         the participants paid over the task in proportion to what they earned: those that
         revealed in the last round, if any of them earned, else all that did not forfeit.
         Nobody ever paid (or nobody left who did not forfeit): it stays for the coordinator.
         The rounding remainder goes to the first of them in registration order.
    """
    left: uint256 = self.pool
    if left == 0:
        return
    n: uint256 = self.n_participants
    weights: DynArray[uint256, MAX_PARTICIPANTS] = []
    total: uint256 = 0
    for level: uint256 in range(2):
        weights = []
        total = 0
        for i: uint256 in range(n, bound=MAX_PARTICIPANTS):
            p: Participant = self.participants[self.addresses[i]]
            w: uint256 = 0
            if not p.forfeited and (level == 1 or p.reveal_round == r + 1):
                w = p.earned
            weights.append(w)
            total += w
        if total > 0:
            break
    if total == 0:
        return
    amounts: DynArray[uint256, MAX_PARTICIPANTS] = []
    given: uint256 = 0
    first: uint256 = n
    for i: uint256 in range(n, bound=MAX_PARTICIPANTS):
        a: uint256 = left * weights[i] // total
        amounts.append(a)
        given += a
        if first == n and weights[i] > 0:
            first = i
    amounts[first] += left - given
    for i: uint256 in range(n, bound=MAX_PARTICIPANTS):
        if amounts[i] > 0:
            who: address = self.addresses[i]
            self.participants[who].balance += amounts[i]
            self.participants[who].earned += amounts[i]
            log Shared(participant=who, amount=amounts[i])
    self.pool = 0
    self.owed += left
