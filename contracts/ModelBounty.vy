# pragma version 0.4.3
"""
@title Model bounty: a prize for the best model on a hidden, committed test set
@license MIT
@notice An organiser deposits a prize and commits a labelled dense dataset as K >= 4 salted
        groups. The hash of a later block picks which groups are the test set; the organiser
        reveals the training groups (in calldata), which opens submissions. Anyone submits a
        model commitment with a stake; after the submission deadline each submitter uploads
        its parameters in chunks and seals them against the commitment. After the upload
        deadline the organiser reveals the test groups; anyone then scores the sealed models in
        steps of at most 10M estimated gas, and `finalize` pays the prize to the best model at
        or above the threshold (ties to the earlier submission), or back to the organiser. An
        organiser that does not reveal the test groups in time forfeits the prize: it stays in
        the contract for good (`burned`), so withholding the test set never pays the
        organiser. Each sealed submission is scored on its own (`step(i)`, in any order, by
        anyone) until the scoring deadline; each step pays its caller a fee fixed at opening
        (`scoring_fee` wei per unit of the step's estimated gas), taken from the stake of the
        submission scored. The rest of a sealed submission's stake comes back; a submission
        never sealed loses its whole stake to nobody (it stays in the contract for good), so
        no payee can win it back. The winning model answers `predict`.
@dev Design and rules: docs/bounty.md. Python mirror of the rules and the forward passes:
     `sharedmodels.bounty`.

     Group commitment (a hash chain of `lib/hash_chain.vy`, `_start`: as the market's pieces,
     with the chain id bound in but not the address, which the organiser need not know):
       c = keccak256(abi_encode(GROUP_TAG, chain.id, salt, n)); c = keccak256(c ++ h_k),
       h_k = keccak256(abi_encode(x_k, y_k)) with x: int64[], y: uint8.
     Model commitment, made at `submit` before any test sample is public:
       m = keccak256(abi_encode(MODEL_TAG, self, submitter, kind, h1, h2, salt)), then
       m = keccak256(abi_encode(m, chunk)) for each uploaded chunk (int256[]) in order.
     The draw: seed = blockhash(seed_block) (`lib/seed.vy`; a draw nobody records within 256
     blocks is re-armed on a later block, and the threshold drops to 0); the test groups are
     the first `test_groups` entries of a Fisher-Yates shuffle of 0..K-1 that swaps position j with
     j + keccak256(abi_encode(seed, j)) % (K - j).
"""

from .models import bounty_forward as fwd
from .lib import hash_chain
from .lib import pay
from .lib import seed

# ---------------------------------------------------------------- EVENTS

event Drawn:
    seed_block: uint256
    test_mask: uint256

event Rearmed:
    seed_block: uint256
    lapses: uint256

event GroupRevealed:
    group: indexed(uint256)
    test: bool
    samples: uint256

event Opened:
    submit_deadline: uint256
    upload_deadline: uint256
    reveal_deadline: uint256
    score_deadline: uint256

event Submitted:
    id: indexed(uint256)
    submitter: indexed(address)
    kind: uint8
    h1: uint256
    h2: uint256
    stake: uint256

event ChunkUploaded:
    id: indexed(uint256)
    start: uint256
    count: uint256

event Sealed:
    id: indexed(uint256)

event Scored:
    id: indexed(uint256)
    correct: uint256

event Forfeited:
    sealed: uint256
    burned: uint256

event Finalized:
    winner: uint256
    has_winner: bool
    best_correct: uint256
    test_size: uint256

event Withdrawn:
    who: indexed(address)
    amount: uint256

event Cancelled:
    prize: uint256

# ---------------------------------------------------------------- STRUCTS

# @dev One labelled dense sample, as committed.
struct Sample:
    x: DynArray[int64, fwd.MAX_DIM]
    y: uint8

# @dev Amounts, caps and windows (wei, counts, seconds), fixed at opening.
struct Terms:
    min_stake: uint256
    # @dev Seconds from opening (the last training reveal) to the submission deadline, then to
    #      the upload deadline, then to the test reveal deadline, then to the scoring deadline.
    submit_window: uint256
    upload_window: uint256
    reveal_window: uint256
    score_window: uint256
    # @dev Wei per work unit (one unit of the estimated gas `step` charges), paid by the
    #      submission scored to the caller of the step; 0 turns the fee off.
    scoring_fee: uint256

struct Submission:
    submitter: address
    stake: uint256
    kind: uint8
    h1: uint256
    h2: uint256
    commitment: bytes32
    # @dev The model hash chain over the chunks uploaded so far.
    chain: bytes32
    uploaded: uint256
    sealed: bool
    scored: bool
    # @dev Test samples scored so far, and right answers among them.
    t: uint256
    correct: uint256
    # @dev The scoring fee taken from the stake so far (all of it once scored).
    fee: uint256
    paid: bool

# ---------------------------------------------------------------- CONSTANTS

MAX_GROUPS: constant(uint256) = 16
MAX_GROUP: constant(uint256) = 32
MAX_TEST: constant(uint256) = MAX_GROUPS * MAX_GROUP
MAX_CHUNK: constant(uint256) = 256
_WORDS: constant(uint256) = (fwd.MAX_PARAMS + 3) // 4
_X_WORDS: constant(uint256) = fwd.MAX_DIM // 4
GROUP_TAG: constant(bytes32) = keccak256("sharedmodels.bounty.group")
MODEL_TAG: constant(bytes32) = keccak256("sharedmodels.bounty.model")
MIN_WINDOW: public(constant(uint256)) = 3600
# @dev The longest of each window: 30 days. Without a bound an organiser could open a bounty
#      whose reveal window outlasts everyone (2**64 - 1 s), so that a silent organiser locks
#      the sealed stakes, as the market's windows are bounded too.
MAX_WINDOW: public(constant(uint256)) = 30 * 86400
BPS: constant(uint256) = 10000
# @dev Estimated gas, the work units the scoring fee is paid by: scoring a model in a step
#      costs LOAD_BASE plus LOAD_WORD per storage word of its parameters (cold reads,
#      unpacking, the step's memory and the transaction), then SAMPLE_BASE plus MAC_COST per
#      multiply-add for each test sample. A step scores a model's batch (as many samples as
#      fit in MAX_BUDGET, at least one, at most MAX_BATCH) or what is left of the test set, and
#      pays exactly its own estimate; the estimates are above the measured costs
#      (docs/bounty.md), so a step stays under 10M gas.
LOAD_BASE: constant(uint256) = 1000000
LOAD_WORD: constant(uint256) = 4000
SAMPLE_BASE: constant(uint256) = 60000
MAC_COST: constant(uint256) = 250
MAX_BUDGET: public(constant(uint256)) = 10000000
_LANE: constant(uint256) = 2**64 - 1

PHASE_COMMITTED: constant(uint256) = 0
PHASE_OPEN: constant(uint256) = 1
PHASE_EVAL: constant(uint256) = 2
PHASE_DONE: constant(uint256) = 3
PHASE_FORFEITED: constant(uint256) = 4
PHASE_CANCELLED: constant(uint256) = 5

# ---------------------------------------------------------------- IMMUTABLES

organiser: public(immutable(address))
prize: public(immutable(uint256))
dim: public(immutable(uint256))
n_classes: public(immutable(uint256))
n_groups: public(immutable(uint256))
test_groups: public(immutable(uint256))
min_stake: public(immutable(uint256))
scoring_fee: public(immutable(uint256))
# @dev The scoring fee of the largest model the bounty takes (an MLP with two hidden layers of
#      MAX_HIDDEN units) on the largest test set it can have (test_groups * MAX_GROUP samples);
#      `min_stake` covers it, so every stake covers its own submission's fee.
max_fee: public(immutable(uint256))
submit_window: public(immutable(uint256))
upload_window: public(immutable(uint256))
reveal_window: public(immutable(uint256))
score_window: public(immutable(uint256))

# ---------------------------------------------------------------- STORAGE

phase: public(uint256)
commitments: public(HashMap[uint256, bytes32])
revealed: public(HashMap[uint256, bool])
seed_block: public(uint256)
drawn: public(bool)
# @dev Draws that lapsed (nobody recorded them within 256 blocks) and were re-armed.
lapses: public(uint256)
# @dev Accuracy a winner needs, in basis points of the test set (correct * 10000 >= bps * T);
#      0 once a draw has lapsed.
threshold_bps: public(uint256)
# @dev Bit i set: group i is a test group.
test_mask: public(uint256)
training_left: public(uint256)
tests_left: public(uint256)
open_time: public(uint256)
submit_deadline: public(uint256)
upload_deadline: public(uint256)
reveal_deadline: public(uint256)
score_deadline: public(uint256)

# @dev Test sample t: four int64 lanes per word (key t * 8 + w), and its label.
_test_x: HashMap[uint256, uint256]
_test_y: HashMap[uint256, uint8]
test_size: public(uint256)

submissions: public(HashMap[uint256, Submission])
n_submissions: public(uint256)
n_sealed: public(uint256)
total_stake: public(uint256)
sealed_stake: public(uint256)
# @dev Scoring fees each keeper has earned and not withdrawn, and their sum.
fees_due: public(HashMap[address, uint256])
fees_owed: public(uint256)
# @dev Parameters of submission i: four int64 lanes per word (key i * 1024 + w).
_params: HashMap[uint256, uint256]

# @dev Sealed submissions scored on the whole test set, and the best of them so far (most
#      right answers, ties to the lower id).
n_scored: public(uint256)
best: public(uint256)
best_correct: public(uint256)
has_best: public(bool)
winner: public(uint256)
has_winner: public(bool)
organiser_due: public(uint256)
organiser_paid: public(bool)
paid_out: public(uint256)

# ---------------------------------------------------------------- CONSTRUCTOR

@deploy
@payable
def __init__(dim_: uint256, n_classes_: uint256, commitments_: DynArray[bytes32, MAX_GROUPS],
             test_groups_: uint256, threshold_bps_: uint256, terms: Terms):
    """
    @notice Open a bounty: `msg.value` is the prize, `commitments_` the K group commitments,
            `test_groups_` of which the draw will make the test set.
    """
    assert msg.value > 0, "bounty: no prize"
    assert msg.value < 2**96 and terms.min_stake < 2**96 and terms.scoring_fee < 2**96, "bounty: amount too large"
    k: uint256 = len(commitments_)
    assert k >= 4, "bounty: at least 4 groups"
    assert test_groups_ >= 1 and test_groups_ < k, "bounty: test group count out of range"
    assert dim_ >= 1 and dim_ <= fwd.MAX_DIM, "bounty: dimension out of range"
    assert n_classes_ >= 2 and n_classes_ <= fwd.MAX_CLASSES, "bounty: class count out of range"
    assert threshold_bps_ <= BPS, "bounty: threshold out of range"
    assert terms.min_stake > 0, "bounty: min stake is zero"
    top: uint256 = terms.scoring_fee * self._work(fwd.KIND_MLP, dim_, n_classes_, fwd.MAX_HIDDEN, fwd.MAX_HIDDEN, test_groups_ * MAX_GROUP)
    assert terms.min_stake >= top, "bounty: min stake below the largest scoring fee"
    assert terms.submit_window >= MIN_WINDOW and terms.submit_window <= MAX_WINDOW, "bounty: submit window out of range"
    assert terms.upload_window >= MIN_WINDOW and terms.upload_window <= MAX_WINDOW, "bounty: upload window out of range"
    assert terms.reveal_window >= MIN_WINDOW and terms.reveal_window <= MAX_WINDOW, "bounty: reveal window out of range"
    assert terms.score_window >= MIN_WINDOW and terms.score_window <= MAX_WINDOW, "bounty: score window out of range"
    organiser = msg.sender
    prize = msg.value
    dim = dim_
    n_classes = n_classes_
    n_groups = k
    test_groups = test_groups_
    self.threshold_bps = threshold_bps_
    min_stake = terms.min_stake
    scoring_fee = terms.scoring_fee
    max_fee = top
    submit_window = terms.submit_window
    upload_window = terms.upload_window
    reveal_window = terms.reveal_window
    score_window = terms.score_window
    for i: uint256 in range(k, bound=MAX_GROUPS):
        self.commitments[i] = commitments_[i]
    self.seed_block = block.number + seed.SEED_DELAY
    self.training_left = k - test_groups_
    self.tests_left = test_groups_

# ---------------------------------------------------------------- ORGANISER: OPENING

@external
@nonreentrant
def draw() -> uint256:
    """
    @notice Fix the test groups from the hash of `seed_block`; anyone may call, from the block
            after `seed_block` until 256 blocks later. A later call finds the draw lapsed and
            re-arms it on the block SEED_DELAY ahead instead: the threshold drops to 0 for
            good, so letting a draw lapse never buys a split that keeps the prize, and no
            party can lock the prize by letting it lapse.
    @return The test mask (bit i: group i is a test group), or 0 when the call re-armed.
    """
    assert self.phase == PHASE_COMMITTED, "bounty: not in commitment phase"
    if self.drawn:
        return self.test_mask
    if seed._lapsed(self.seed_block):
        s: uint256 = block.number + seed.SEED_DELAY
        self.seed_block = s
        self.lapses += 1
        self.threshold_bps = 0
        log Rearmed(seed_block=s, lapses=self.lapses)
        return 0
    return self._draw()


@external
@nonreentrant
def cancel():
    """
    @notice Take the prize back (organiser only) while the first seed block is not mined.
    """
    assert msg.sender == organiser, "bounty: organiser only"
    assert self.phase == PHASE_COMMITTED, "bounty: not in commitment phase"
    assert block.number < self.seed_block and self.lapses == 0, "bounty: the draw is fixed"
    self.phase = PHASE_CANCELLED
    self.organiser_paid = True
    self.paid_out += prize
    log Cancelled(prize=prize)
    pay._pay(prize)


@external
@nonreentrant
def reveal_training(i: uint256, salt: bytes32, group: DynArray[Sample, MAX_GROUP]):
    """
    @notice Reveal training group `i` (organiser only) with its salt and every sample, in
            committed order; the data stays in calldata. The last training group opens
            submissions.
    """
    assert msg.sender == organiser, "bounty: organiser only"
    assert self.phase == PHASE_COMMITTED, "bounty: not in commitment phase"
    if not self.drawn:
        self._draw()
    assert i < n_groups, "bounty: no such group"
    assert self.test_mask & (1 << i) == 0, "bounty: not a training group"
    assert not self.revealed[i], "bounty: group already revealed"
    n: uint256 = len(group)
    assert n > 0, "bounty: empty group"
    acc: bytes32 = hash_chain._start(GROUP_TAG, salt, n)
    for s: Sample in group:
        self._check_sample(s.x, s.y)
        acc = hash_chain._link(acc, keccak256(abi_encode(s.x, s.y)))
    assert acc == self.commitments[i], "bounty: group does not match its commitment"
    self.revealed[i] = True
    log GroupRevealed(group=i, test=False, samples=n)
    left: uint256 = self.training_left - 1
    self.training_left = left
    if left == 0:
        self.phase = PHASE_OPEN
        now: uint256 = block.timestamp
        self.open_time = now
        self.submit_deadline = now + submit_window
        self.upload_deadline = now + submit_window + upload_window
        self.reveal_deadline = now + submit_window + upload_window + reveal_window
        self.score_deadline = now + submit_window + upload_window + reveal_window + score_window
        log Opened(submit_deadline=self.submit_deadline, upload_deadline=self.upload_deadline, reveal_deadline=self.reveal_deadline, score_deadline=self.score_deadline)

# ---------------------------------------------------------------- SUBMITTERS

@external
@payable
@nonreentrant
def submit(kind: uint8, h1: uint256, h2: uint256, commitment: bytes32) -> uint256:
    """
    @notice Enter a model with a stake of at least `min_stake`, by the submission deadline:
            its kind, its hidden layer sizes (MLP only; 0 otherwise) and the hash its
            parameters will be sealed against (module docstring).
    @return The submission id (scoring order; ties go to the lower id).
    """
    assert self.phase == PHASE_OPEN, "bounty: not open"
    assert block.timestamp <= self.submit_deadline, "bounty: submissions closed"
    assert msg.sender != organiser, "bounty: the organiser cannot submit"
    assert msg.value >= min_stake, "bounty: stake below minimum"
    assert msg.value < 2**96, "bounty: amount too large"
    assert fwd._n_params(kind, dim, n_classes, h1, h2) > 0, "bounty: bad model shape"
    i: uint256 = self.n_submissions
    self.submissions[i] = Submission(
        submitter=msg.sender, stake=msg.value, kind=kind, h1=h1, h2=h2,
        commitment=commitment,
        chain=empty(bytes32),
        uploaded=0, sealed=False, scored=False, t=0, correct=0, fee=0, paid=False,
    )
    self.n_submissions = i + 1
    self.total_stake += msg.value
    log Submitted(id=i, submitter=msg.sender, kind=kind, h1=h1, h2=h2, stake=msg.value)
    return i


@external
@nonreentrant
def upload(i: uint256, salt: bytes32, start: uint256, values: DynArray[int256, MAX_CHUNK]):
    """
    @notice Upload parameters of submission `i` from position `start` (submitter only, after
            the submission deadline and by the upload deadline). Chunks go in order; `start`
            0 begins again from the salt.
    """
    s: Submission = self._own(i)
    self._check_upload_window()
    assert not s.sealed, "bounty: model already sealed"
    assert start == 0 or start == s.uploaded, "bounty: upload out of order"
    n: uint256 = len(values)
    assert n > 0, "bounty: empty upload"
    total: uint256 = fwd._n_params(s.kind, dim, n_classes, s.h1, s.h2)
    assert start + n <= total, "bounty: upload past the end"
    chain_: bytes32 = s.chain
    if start == 0:
        chain_ = keccak256(abi_encode(MODEL_TAG, self, msg.sender, s.kind, s.h1, s.h2, salt))
    for j: uint256 in range(n, bound=MAX_CHUNK):
        v: int256 = values[j]
        assert v >= -fwd.MAX_PARAM and v <= fwd.MAX_PARAM, "bounty: parameter out of range"
        q: uint256 = start + j
        key: uint256 = i * 1024 + q // 4
        at: uint256 = 64 * (q % 4)
        lane: uint256 = convert(convert(v, bytes32), uint256) & _LANE
        self._params[key] = (self._params[key] & ~(_LANE << at)) | (lane << at)
    self.submissions[i].chain = keccak256(abi_encode(chain_, values))
    self.submissions[i].uploaded = start + n
    log ChunkUploaded(id=i, start=start, count=n)


@external
@nonreentrant
def seal(i: uint256):
    """
    @notice Seal submission `i` (submitter only, by the upload deadline): every parameter is
            uploaded and the chunks hash to the commitment made at `submit`.
    """
    s: Submission = self._own(i)
    self._check_upload_window()
    assert not s.sealed, "bounty: model already sealed"
    assert s.uploaded == fwd._n_params(s.kind, dim, n_classes, s.h1, s.h2), "bounty: upload incomplete"
    assert s.chain == s.commitment, "bounty: model does not match its hash"
    self.submissions[i].sealed = True
    self.n_sealed += 1
    self.sealed_stake += s.stake
    log Sealed(id=i)

# ---------------------------------------------------------------- ORGANISER: TEST REVEAL

@external
@nonreentrant
def reveal_test(i: uint256, salt: bytes32, group: DynArray[Sample, MAX_GROUP]):
    """
    @notice Reveal test group `i` (organiser only), after the upload deadline and by the
            reveal deadline; its samples are stored for scoring. The last one starts scoring.
    """
    assert msg.sender == organiser, "bounty: organiser only"
    assert self.phase == PHASE_OPEN, "bounty: not open"
    assert block.timestamp > self.upload_deadline, "bounty: uploads still open"
    assert block.timestamp <= self.reveal_deadline, "bounty: reveal deadline passed"
    assert i < n_groups, "bounty: no such group"
    assert self.test_mask & (1 << i) != 0, "bounty: not a test group"
    assert not self.revealed[i], "bounty: group already revealed"
    n: uint256 = len(group)
    assert n > 0, "bounty: empty group"
    acc: bytes32 = hash_chain._start(GROUP_TAG, salt, n)
    t: uint256 = self.test_size
    for s: Sample in group:
        self._check_sample(s.x, s.y)
        acc = hash_chain._link(acc, keccak256(abi_encode(s.x, s.y)))
        for w: uint256 in range((len(s.x) + 3) // 4, bound=_X_WORDS):
            word: uint256 = 0
            for lane: uint256 in range(4):
                j: uint256 = 4 * w + lane
                if j < len(s.x):
                    word |= (convert(convert(convert(s.x[j], int256), bytes32), uint256) & _LANE) << (64 * lane)
            self._test_x[t * _X_WORDS + w] = word
        self._test_y[t] = s.y
        t += 1
    assert acc == self.commitments[i], "bounty: group does not match its commitment"
    self.revealed[i] = True
    self.test_size = t
    log GroupRevealed(group=i, test=True, samples=n)
    left: uint256 = self.tests_left - 1
    self.tests_left = left
    if left == 0:
        self.phase = PHASE_EVAL


@external
@nonreentrant
def forfeit():
    """
    @notice After the reveal deadline with a test group still hidden, burn the prize (it
            stays in the contract for good) when any model is sealed, or give it back to the
            organiser when none is; sealed stakes come back whole. Anyone may call.
    """
    assert self.phase == PHASE_OPEN, "bounty: not open"
    assert block.timestamp > self.reveal_deadline, "bounty: reveal deadline not passed"
    self.phase = PHASE_FORFEITED
    m: uint256 = self.n_sealed
    burn: uint256 = 0
    if m == 0:
        self.organiser_due = prize
    else:
        burn = prize
    log Forfeited(sealed=m, burned=burn)

# ---------------------------------------------------------------- EVALUATION

@external
@nonreentrant
def step(i: uint256) -> bool:
    """
    @notice Score sealed submission `i`'s next batch of test samples (as many as fit in
            MAX_BUDGET estimated gas, or what is left), by the scoring deadline. Anyone may
            call, for any submission, in any order; the caller earns `scoring_fee` times the
            step's estimate, one parameter load plus each sample (`withdraw_fees`).
    @return True once submission `i` is scored on the whole test set.
    """
    assert self.phase == PHASE_EVAL, "bounty: not evaluating"
    assert block.timestamp <= self.score_deadline, "bounty: scoring closed"
    s: Submission = self._sealed(i)
    assert not s.scored, "bounty: already scored"
    t_size: uint256 = self.test_size
    load: uint256 = self._load_cost(s.kind, dim, n_classes, s.h1, s.h2)
    per: uint256 = self._sample_cost(s.kind, dim, n_classes, s.h1, s.h2)
    count: uint256 = min(self._batch(load, per), t_size - s.t)
    xs: DynArray[DynArray[int256, fwd.MAX_DIM], fwd.MAX_BATCH] = []
    for k: uint256 in range(count, bound=fwd.MAX_BATCH):
        xs.append(self._load_test(s.t + k))
    out: DynArray[DynArray[int256, fwd.MAX_CLASSES], fwd.MAX_BATCH] = fwd._scores(s.kind, dim, n_classes, s.h1, s.h2, self._load_params(i, s.kind, s.h1, s.h2), xs)
    correct: uint256 = s.correct
    for k: uint256 in range(count, bound=fwd.MAX_BATCH):
        if fwd._argmax(out[k]) == self._test_y[s.t + k]:
            correct += 1
    # Every step but the last scores a whole batch, so the steps are those `_work` counts and
    # their parts add up to the model's fee to the wei.
    part: uint256 = scoring_fee * (load + count * per)
    t: uint256 = s.t + count
    self.submissions[i].t = t
    self.submissions[i].correct = correct
    self.submissions[i].fee = s.fee + part
    done: bool = t == t_size
    if done:
        self.submissions[i].scored = True
        self.n_scored += 1
        log Scored(id=i, correct=correct)
        b: uint256 = self.best_correct
        if not self.has_best or correct > b or (correct == b and i < self.best):
            self.has_best = True
            self.best = i
            self.best_correct = correct
    if part > 0:
        self.fees_due[msg.sender] += part
        self.fees_owed += part
    return done


@external
@nonreentrant
def finalize():
    """
    @notice Once every sealed submission is scored, or after the scoring deadline with what is
            scored: the best fully scored submission at or above the threshold wins the prize;
            otherwise it goes back to the organiser. Anyone may call.
    """
    assert self.phase == PHASE_EVAL, "bounty: not evaluating"
    assert self.n_scored == self.n_sealed or block.timestamp > self.score_deadline, "bounty: evaluation unfinished"
    self.phase = PHASE_DONE
    t: uint256 = self.test_size
    if self.has_best and self.best_correct * BPS >= self.threshold_bps * t:
        self.winner = self.best
        self.has_winner = True
    else:
        self.organiser_due = prize
    log Finalized(winner=self.best, has_winner=self.has_winner, best_correct=self.best_correct, test_size=t)

# ---------------------------------------------------------------- PAYMENTS

@external
@nonreentrant
def withdraw(i: uint256) -> uint256:
    """
    @notice Pay submission `i`'s due to its submitter (the caller) once the bounty is
            settled: its stake if sealed (less its scoring fee), plus the prize if it won.
            Pays with all gas, after every state change.
    """
    ph: uint256 = self.phase
    assert ph == PHASE_DONE or ph == PHASE_FORFEITED, "bounty: not settled"
    s: Submission = self._own(i)
    assert not s.paid, "bounty: already paid"
    amount: uint256 = self._due(i, s, ph)
    assert amount > 0, "bounty: nothing to withdraw"
    self.submissions[i].paid = True
    self.paid_out += amount
    log Withdrawn(who=msg.sender, amount=amount)
    pay._pay(amount)
    return amount


@external
@nonreentrant
def withdraw_organiser() -> uint256:
    """
    @notice Pay the organiser what it is due once settled: the prize when no model reached
            the threshold, or on a forfeit with no sealed submission.
    """
    assert msg.sender == organiser, "bounty: organiser only"
    ph: uint256 = self.phase
    assert ph == PHASE_DONE or ph == PHASE_FORFEITED, "bounty: not settled"
    assert not self.organiser_paid, "bounty: already paid"
    amount: uint256 = self.organiser_due
    assert amount > 0, "bounty: nothing to withdraw"
    self.organiser_paid = True
    self.paid_out += amount
    log Withdrawn(who=msg.sender, amount=amount)
    pay._pay(amount)
    return amount

@external
@nonreentrant
def withdraw_fees() -> uint256:
    """
    @notice Pay the caller the scoring fees its `step` calls earned (at any time).
    """
    amount: uint256 = self.fees_due[msg.sender]
    assert amount > 0, "bounty: nothing to withdraw"
    self.fees_due[msg.sender] = 0
    self.fees_owed -= amount
    self.paid_out += amount
    log Withdrawn(who=msg.sender, amount=amount)
    pay._pay(amount)
    return amount

# ---------------------------------------------------------------- VIEW

@external
@view
def predict(x: DynArray[int64, fwd.MAX_DIM]) -> uint8:
    """
    @notice The winning model's class for `x` (`dim` values, value * 10**9); free to call.
    """
    assert self.has_winner, "bounty: no winner"
    return self._predict_with(self.winner, x)


@external
@view
def predict_with(i: uint256, x: DynArray[int64, fwd.MAX_DIM]) -> uint8:
    """
    @notice The class sealed submission `i` gives `x`.
    """
    return self._predict_with(i, x)


@external
@view
def scores_of(i: uint256, x: DynArray[int64, fwd.MAX_DIM]) -> DynArray[int256, fwd.MAX_CLASSES]:
    """
    @notice Every class's score under sealed submission `i` (what `predict_with` takes the
            argmax of).
    """
    return self._scores_with(i, x)


@external
@view
def params_of(i: uint256) -> DynArray[int256, fwd.MAX_PARAMS]:
    """
    @notice The parameters of submission `i` uploaded so far.
    """
    assert i < self.n_submissions, "bounty: no such submission"
    s: Submission = self.submissions[i]
    full: DynArray[int256, fwd.MAX_PARAMS] = self._load_params(i, s.kind, s.h1, s.h2)
    out: DynArray[int256, fwd.MAX_PARAMS] = []
    for j: uint256 in range(s.uploaded, bound=fwd.MAX_PARAMS):
        out.append(full[j])
    return out


@external
@view
def test_sample(t: uint256) -> Sample:
    assert t < self.test_size, "bounty: no such test sample"
    x: DynArray[int256, fwd.MAX_DIM] = self._load_test(t)
    out: DynArray[int64, fwd.MAX_DIM] = []
    for v: int256 in x:
        out.append(convert(v, int64))
    return Sample(x=out, y=self._test_y[t])


@external
@view
def burned() -> uint256:
    """
    @notice Stakes of submissions never sealed, once the upload deadline has passed, and the
            prize once forfeited with a model sealed: nobody can withdraw them, so they stay in
            the contract for good.
    """
    ph: uint256 = self.phase
    if ph == PHASE_COMMITTED or ph == PHASE_CANCELLED or block.timestamp <= self.upload_deadline:
        return 0
    lost: uint256 = self.total_stake - self.sealed_stake
    if ph == PHASE_FORFEITED and self.n_sealed > 0:
        lost += prize
    return lost


@external
@view
def due(i: uint256) -> uint256:
    """
    @notice What `withdraw(i)` would pay now (0 before settlement or once paid).
    """
    ph: uint256 = self.phase
    if ph != PHASE_DONE and ph != PHASE_FORFEITED:
        return 0
    s: Submission = self.submissions[i]
    if s.paid:
        return 0
    return self._due(i, s, ph)


@external
@view
def n_params(kind: uint8, h1: uint256, h2: uint256) -> uint256:
    """
    @notice Parameters a model of this kind and shape has here (0: shape not allowed).
    """
    return fwd._n_params(kind, dim, n_classes, h1, h2)

# ---------------------------------------------------------------- INTERNAL

@internal
def _draw() -> uint256:
    s: uint256 = self.seed_block
    seed_: bytes32 = seed._hash(s)
    k: uint256 = n_groups
    order: DynArray[uint256, MAX_GROUPS] = []
    for i: uint256 in range(k, bound=MAX_GROUPS):
        order.append(i)
    mask: uint256 = 0
    for j: uint256 in range(test_groups, bound=MAX_GROUPS):
        r: uint256 = j + convert(keccak256(abi_encode(seed_, j)), uint256) % (k - j)
        pick: uint256 = order[r]
        order[r] = order[j]
        order[j] = pick
        mask |= 1 << pick
    self.test_mask = mask
    self.drawn = True
    log Drawn(seed_block=s, test_mask=mask)
    return mask


@internal
@view
def _check_sample(x: DynArray[int64, fwd.MAX_DIM], y: uint8):
    assert len(x) == dim, "bounty: wrong dimension"
    for v: int64 in x:
        assert abs(convert(v, int256)) <= fwd.MAX_PARAM, "bounty: value out of range"
    assert convert(y, uint256) < n_classes, "bounty: label out of range"


@internal
@view
def _own(i: uint256) -> Submission:
    assert i < self.n_submissions, "bounty: no such submission"
    s: Submission = self.submissions[i]
    assert s.submitter == msg.sender, "bounty: submitter only"
    return s


@internal
@view
def _sealed(i: uint256) -> Submission:
    assert i < self.n_submissions, "bounty: no such submission"
    s: Submission = self.submissions[i]
    assert s.sealed, "bounty: model not sealed"
    return s


@internal
@view
def _check_upload_window():
    assert self.phase == PHASE_OPEN, "bounty: not open"
    assert block.timestamp > self.submit_deadline, "bounty: submissions still open"
    assert block.timestamp <= self.upload_deadline, "bounty: upload deadline passed"


@internal
@view
def _load_params(i: uint256, kind: uint8, h1: uint256, h2: uint256) -> DynArray[int256, fwd.MAX_PARAMS]:
    n: uint256 = fwd._n_params(kind, dim, n_classes, h1, h2)
    out: DynArray[int256, fwd.MAX_PARAMS] = []
    for w: uint256 in range((n + 3) // 4, bound=_WORDS):
        word: uint256 = self._params[i * 1024 + w]
        for lane: uint256 in range(4):
            if 4 * w + lane < n:
                out.append(self._signed64((word >> (64 * lane)) & _LANE))
    return out


@internal
@view
def _load_test(t: uint256) -> DynArray[int256, fwd.MAX_DIM]:
    out: DynArray[int256, fwd.MAX_DIM] = []
    for w: uint256 in range((dim + 3) // 4, bound=_X_WORDS):
        word: uint256 = self._test_x[t * _X_WORDS + w]
        for lane: uint256 in range(4):
            if 4 * w + lane < dim:
                out.append(self._signed64((word >> (64 * lane)) & _LANE))
    return out


@internal
@pure
def _signed64(v: uint256) -> int256:
    return convert(convert(v << 192, bytes32), int256) >> 192


@internal
@view
def _widen(x: DynArray[int64, fwd.MAX_DIM]) -> DynArray[int256, fwd.MAX_DIM]:
    assert len(x) == dim, "bounty: wrong dimension"
    out: DynArray[int256, fwd.MAX_DIM] = []
    for v: int64 in x:
        assert abs(convert(v, int256)) <= fwd.MAX_PARAM, "bounty: value out of range"
        out.append(convert(v, int256))
    return out


@internal
@view
def _predict_with(i: uint256, x: DynArray[int64, fwd.MAX_DIM]) -> uint8:
    return fwd._argmax(self._scores_with(i, x))


@internal
@view
def _scores_with(i: uint256, x: DynArray[int64, fwd.MAX_DIM]) -> DynArray[int256, fwd.MAX_CLASSES]:
    s: Submission = self._sealed(i)
    xs: DynArray[DynArray[int256, fwd.MAX_DIM], fwd.MAX_BATCH] = [self._widen(x)]
    return fwd._scores(s.kind, dim, n_classes, s.h1, s.h2, self._load_params(i, s.kind, s.h1, s.h2), xs)[0]


@internal
@view
def _due(i: uint256, s: Submission, ph: uint256) -> uint256:
    if not s.sealed:
        return 0
    amount: uint256 = s.stake - s.fee
    if ph == PHASE_DONE and self.has_winner and i == self.winner:
        amount += prize
    return amount


@internal
@pure
def _load_cost(kind: uint8, d: uint256, c: uint256, h1: uint256, h2: uint256) -> uint256:
    return LOAD_BASE + LOAD_WORD * ((fwd._n_params(kind, d, c, h1, h2) + 3) // 4)


@internal
@pure
def _sample_cost(kind: uint8, d: uint256, c: uint256, h1: uint256, h2: uint256) -> uint256:
    return SAMPLE_BASE + MAC_COST * fwd._macs(kind, d, c, h1, h2)


@internal
@pure
def _work(kind: uint8, d: uint256, c: uint256, h1: uint256, h2: uint256, t: uint256) -> uint256:
    """
    @dev The work units of scoring a model of this shape on `t` test samples in `step`s: one
         parameter load a step, plus each sample. The scoring fee is `scoring_fee` times
         this, whoever steps it.
    """
    load: uint256 = self._load_cost(kind, d, c, h1, h2)
    per: uint256 = self._sample_cost(kind, d, c, h1, h2)
    full: uint256 = self._batch(load, per)
    return (t + full - 1) // full * load + t * per


@internal
@pure
def _batch(load: uint256, per: uint256) -> uint256:
    """
    @dev Test samples a step scores (but the last): as many as fit in MAX_BUDGET with one
         load, at least one, at most MAX_BATCH.
    """
    if load + per > MAX_BUDGET:
        return 1
    return min((MAX_BUDGET - load) // per, fwd.MAX_BATCH)
