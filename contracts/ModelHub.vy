# pragma version 0.4.3
# pragma optimize codesize
"""
@title Model hub: a registry of models, accuracy records on committed test sets, and pools
       that pay the contributors who made a model better
@license MIT
@notice Permissionless, no admin. Three parts:
        REGISTRY: a model's owner (as the model itself says, `owner()`) lists it with a name and
        a description URI. The hub checks the model's kind by its runtime code against a list
        of kinds fixed when the hub was deployed, and reads its classes and encoder from the
        model; for a trainer it applies the constructor's rules to its public parameters.
        The owner may update or withdraw the entry. Every change is an event.
        RECORDS: anyone commits a test set for a listed model as salted pieces; after
        `reveal_delay` the evaluator reveals the pieces in order, up to MAX_BATCH in one
        transaction, each sample scored against the model. The last piece writes a record
        (model, test-set hash, samples, correct, block).
        POOLS: anyone funds the pool of a sparse Perceptron trainer and a named evaluator
        (irrevocably); only that evaluator's records move it. A period closes on a new record
        whose test set was committed before the previous record: it releases
        `available * gain / (1 - previous accuracy)` of the pool (the share of the remaining
        error the model closed; nothing without a gain). The period's contributions that
        changed the model (and, if their refund wait ended before the closing record, that
        the trainer judged good) enter during `entry_window`, with
        shares by how far their own step moved the closing set toward its labels; each
        contributor claims once within `claim_window` (pull payment), after which what is
        unclaimed returns to the pool. See docs/hub.md.
@dev Commitment of piece i (bound to the chain, this hub, the evaluator and the position):
       c = keccak256(abi_encode(PIECE_TAG, chain.id, hub, evaluator, i, salt, n))
       c = keccak256(c ++ keccak256(abi_encode(x_k, y_k))) for k = 1..n
     test-set hash = keccak256(abi_encode(commitments)).
     Money: balance == sum over pools of available + sum over periods of (budget - paid), to
     the wei. Every
     payment goes to msg.sender after all state changes, behind the re-entrancy lock.
"""

# ---------------------------------------------------------------- INTERFACES

interface HubModel:
    def owner() -> address: view
    def class_names(label: uint8) -> String[32]: view
    def encoder() -> String[256]: view
    def update_count() -> uint256: view
    def sealed() -> bool: view

interface SparseModel:
    def predict(x: DynArray[uint32, MAX_FEATURES]) -> uint8: view

interface PackedModel:
    def predict(x: DynArray[uint256, MAX_WORDS]) -> uint8: view
    def score(x: DynArray[uint256, MAX_WORDS]) -> int256: view
    def n_features() -> uint256: view
    def learning_rate() -> int256: view

interface DenseModel:
    def predict(x: DynArray[int64, MAX_DIM]) -> uint8: view

interface Trainer:
    def contribution_count() -> uint256: view
    def contribution(id: uint256) -> Record: view
    def refund_wait() -> uint256: view

interface StakeTrainer:
    def owner_wait() -> uint256: view
    def any_wait() -> uint256: view

# ---------------------------------------------------------------- STRUCTS

# @dev One kind of model the hub accepts: the runtime code before its immutables.
struct Kind:
    name: String[32]
    code_hash: bytes32
    code_size: uint256
    features: uint8
    # @dev 0: not a trainer; STAKE or POINTS: the trainer's incentive.
    trainer: uint8

struct Entry:
    kind: uint256
    name: String[64]
    uri: String[256]
    n_classes: uint256
    classes_hash: bytes32
    encoder_hash: bytes32
    listed: bool
    registered: uint256

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

struct SparseSample:
    x: DynArray[uint32, MAX_FEATURES]
    y: uint8

struct DenseSample:
    x: DynArray[int64, MAX_DIM]
    y: uint8

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
#      and the model's raw score at the record (`PieceScored.scores`).
struct Scored:
    x: DynArray[uint256, MAX_TEST_WORDS]
    y: uint8
    s: int256

# @dev A pool belongs to a model and to one evaluator, whose records alone move it.
struct Pool:
    available: uint256
    anchor: uint256

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

# @dev Followed by `ModelUpdated` with the entry's name, URI, classes and encoder.
event ModelRegistered:
    model: indexed(address)
    owner: indexed(address)
    kind: uint256

event ModelUpdated:
    model: indexed(address)
    name: String[64]
    uri: String[256]
    classes: DynArray[String[32], MAX_CLASSES]
    encoder_hash: bytes32

event ModelWithdrawn:
    model: indexed(address)

event TestSetCommitted:
    evaluation: indexed(uint256)
    model: indexed(address)
    evaluator: indexed(address)
    test_set_hash: bytes32
    pieces: uint256

event PieceScored:
    evaluation: indexed(uint256)
    piece: uint256
    samples: uint256
    correct: uint256
    scores: DynArray[int256, MAX_PIECE]

event AccuracyRecorded:
    evaluation: indexed(uint256)
    model: indexed(address)
    test_set_hash: bytes32
    samples: uint256
    correct: uint256
    block: uint256
    contributions: uint256

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

# @dev Most indices in a revealed test sample. An external call's arguments are copied to
#      memory at their largest size, and memory costs gas quadratically: 128 indices keep a
#      reveal of 64 samples in 270 kB.
MAX_FEATURES: constant(uint256) = 128
MAX_DIM: constant(uint256) = 256
# @dev A packed sample's most words (`sparse_perceptron.MAX_WORDS`): 512 indices fill 32 words
#      of 16-bit lanes or 64 of 32-bit lanes.
MAX_WORDS: constant(uint256) = 64
_NARROW_LIMIT: constant(uint256) = 2**16
MAX_CLASSES: constant(uint256) = 16
MAX_KINDS: constant(uint256) = 32
MAX_PIECES: constant(uint256) = 64
# @dev Samples per revealed piece: one piece is scored in one transaction.
MAX_PIECE: constant(uint256) = 16
# @dev Pieces revealed in one transaction: a set revealed at once cannot be spoilt by a
#      contribution between its pieces.
MAX_BATCH: constant(uint256) = 4
# @dev Words of a packed test sample: 128 indices in 32-bit lanes.
MAX_TEST_WORDS: constant(uint256) = 16
# @dev Contributions entered in one transaction (the closing set is passed once for all).
MAX_ENTER: constant(uint256) = 16
# @dev Most samples of a record that closes a pool's period (all passed again to `enter`).
MAX_POOL_TEST: constant(uint256) = 256
# @dev Most indices in one packed contribution: MAX_WORDS words of 16-bit lanes.
MAX_CONTRIBUTION: constant(uint256) = 1024
# @dev Runtime code longer than this cannot be a model (EIP-170).
_MAX_CODE: constant(uint256) = 24576
SPARSE: constant(uint8) = 1
DENSE: constant(uint8) = 2
# @dev Sparse input the model takes packed in lanes of 256-bit words (the sparse Perceptron):
#      revealed as indices like SPARSE, packed here before `predict`.
PACKED: constant(uint8) = 3
STAKE: constant(uint8) = 1
POINTS: constant(uint8) = 2
PIECE_TAG: constant(bytes32) = keccak256("sharedmodels.hub.piece")
_BINDING_SHIFT: constant(uint256) = 99

# ---------------------------------------------------------------- STORAGE

# @dev The kinds accepted, fixed at deployment; an entry's `kind` is its index + 1.
kinds: public(HashMap[uint256, Kind])
kind_count: public(immutable(uint256))
# @dev Seconds between a test set's commitment and its first reveal.
reveal_delay: public(immutable(uint256))
# @dev Seconds after `reveal_delay` in which every piece must be revealed.
reveal_window: public(immutable(uint256))
# @dev Seconds after a period closes in which its contributions may enter.
entry_window: public(immutable(uint256))
# @dev Seconds after the entries close in which shares may be claimed; then what is left
#      goes back to the pool (`release`).
claim_window: public(immutable(uint256))
# @dev Fewest test samples a record needs to close a pool's period.
min_pool_samples: public(immutable(uint256))

entries: public(HashMap[address, Entry])
# @dev Every model ever registered, in order (withdrawn ones stay, with `listed` False).
models: public(HashMap[uint256, address])
model_count: public(uint256)

evaluations: public(HashMap[uint256, Evaluation])
evaluation_count: public(uint256)
commitments: public(HashMap[uint256, HashMap[uint256, bytes32]])
# @dev model => its records' evaluation ids, in order.
records: public(HashMap[address, HashMap[uint256, uint256]])
record_count: public(HashMap[address, uint256])

# @dev Hash chain of (packed x, y, score) over an evaluation's samples, in reveal order, for
#      a packed kind (what `enter` checks the closing set against).
scored: public(HashMap[uint256, bytes32])
# @dev model => evaluator => pool.
pools: public(HashMap[address, HashMap[address, Pool]])
# @dev model => the evaluators of its pools, in the order the pools began.
pool_count: public(HashMap[address, uint256])
pool_known: HashMap[address, HashMap[address, bool]]
pool_evaluators: public(HashMap[address, HashMap[uint256, address]])
# @dev model => its periods, every pool's, numbered in the order they closed.
periods: public(HashMap[address, HashMap[uint256, Period]])
period_count: public(HashMap[address, uint256])
used: public(HashMap[uint256, bool])
entered: public(HashMap[address, HashMap[uint256, HashMap[uint256, bool]]])
shares: public(HashMap[address, HashMap[uint256, HashMap[address, uint256]]])
claimed: public(HashMap[address, HashMap[uint256, HashMap[address, bool]]])

# ---------------------------------------------------------------- CONSTRUCTOR

@deploy
def __init__(kinds_: DynArray[Kind, MAX_KINDS], reveal_delay_: uint256, reveal_window_: uint256,
             entry_window_: uint256, claim_window_: uint256, min_pool_samples_: uint256):
    assert min_pool_samples_ > 0, "hub: min pool samples is zero"
    assert min_pool_samples_ <= MAX_POOL_TEST, "hub: min pool samples above the most a pool takes"
    assert claim_window_ > 0, "hub: claim window is zero"
    i: uint256 = 0
    for k: Kind in kinds_:
        assert k.code_size > 0 and k.code_size <= _MAX_CODE, "hub: kind code size"
        assert k.features >= SPARSE and k.features <= PACKED, "hub: kind features"
        assert k.trainer <= POINTS, "hub: kind incentive"
        self.kinds[i] = k
        i += 1
    kind_count = len(kinds_)
    reveal_delay = reveal_delay_
    reveal_window = reveal_window_
    entry_window = entry_window_
    claim_window = claim_window_
    min_pool_samples = min_pool_samples_

# ---------------------------------------------------------------- REGISTRY (model owners)

@external
@nonreentrant
def register(model: address, kind: uint256, name: String[64], uri: String[256]):
    """
    @notice List `model` (its owner only) as a model of kind `kind` (an index into `kinds`).
            A withdrawn entry may be registered again (its code decides its kind).
    """
    self._check_owner(model)
    assert not self.entries[model].listed, "hub: already registered"
    assert kind < kind_count, "hub: unknown kind"
    assert len(name) > 0, "hub: empty name"
    k: Kind = self.kinds[kind]
    assert model.codesize >= k.code_size and self._code_hash(model, k.code_size) == k.code_hash, "hub: not a model of this kind"
    if k.trainer != 0:
        self._check_trainer(model, k.trainer, k.features)
    if self.entries[model].kind == 0:
        n: uint256 = self.model_count
        self.models[n] = model
        self.model_count = n + 1
    self.entries[model].kind = kind + 1
    self.entries[model].listed = True
    self.entries[model].registered = block.number
    log ModelRegistered(model=model, owner=msg.sender, kind=kind)
    self._describe(model, name, uri)


@external
@nonreentrant
def update(model: address, name: String[64], uri: String[256]):
    """
    @notice Change a listed model's name and URI (its owner only); classes and encoder are
            read again from the model.
    """
    self._check_owner(model)
    assert self.entries[model].listed, "hub: not registered"
    assert len(name) > 0, "hub: empty name"
    self._describe(model, name, uri)


@external
@nonreentrant
def withdraw(model: address):
    """
    @notice Take a model off the list (its owner only). Its records and pool stay: periods
            still close and contributors still claim.
    """
    self._check_owner(model)
    assert self.entries[model].listed, "hub: not registered"
    self.entries[model].listed = False
    log ModelWithdrawn(model=model)

# ---------------------------------------------------------------- RECORDS (anyone)

@external
@nonreentrant
def commit(model: address, commitments_: DynArray[bytes32, MAX_PIECES]) -> uint256:
    """
    @notice Commit a test set for a registered model, as salted pieces (see the module's @dev).
            A withdrawn model can still be evaluated, so that its owner cannot freeze its
            pool by withdrawing it.
    @return The evaluation's id (from 1).
    """
    assert self.entries[model].kind != 0, "hub: not registered"
    n: uint256 = len(commitments_)
    assert n > 0, "hub: no pieces"
    id: uint256 = self.evaluation_count + 1
    self.evaluation_count = id
    i: uint256 = 0
    for c: bytes32 in commitments_:
        self.commitments[id][i] = c
        i += 1
    h: bytes32 = keccak256(abi_encode(commitments_))
    self.evaluations[id] = Evaluation(
        model=model, evaluator=msg.sender, committed=block.timestamp, commit_block=block.number,
        test_set_hash=h, pieces=n,
        revealed=0, updates=0, samples=0, correct=0, block=0, time=0, contributions=0,
    )
    log TestSetCommitted(evaluation=id, model=model, evaluator=msg.sender, test_set_hash=h, pieces=n)
    return id


@external
@nonreentrant
def reveal_sparse(id: uint256, salts: DynArray[bytes32, MAX_BATCH],
                  sizes: DynArray[uint256, MAX_BATCH],
                  samples_: DynArray[SparseSample, MAX_BATCH * MAX_PIECE], updates: uint256):
    """
    @notice Reveal and score the next pieces of evaluation `id` on a sparse-input model
            (evaluator only), one salt per piece, up to MAX_BATCH pieces in one transaction
            (a set revealed in one transaction leaves nobody a moment to train the model on
            its first pieces). `updates` is the model's `update_count()` the evaluator
            expects. `samples_` holds the pieces one after another, `sizes` their lengths
            (each 1 to MAX_PIECE). A model trained between two transactions of reveals (or just before, by
            someone who saw them in the mempool) fails the reveal instead of scoring the
            samples it has just seen.
            Samples are sorted unique indices for every sparse kind; for a PACKED kind the hub
            packs them into the model's lanes (so the commitment does not depend on the kind),
            reads the model's raw score and folds (packed x, y, score) into `scored[id]`.
    """
    e: Evaluation = self._begin_reveal(id, False, len(salts), sizes, len(samples_), updates)
    features: uint8 = self.kinds[self.entries[e.model].kind - 1].features
    n_classes: uint256 = self.entries[e.model].n_classes
    n_features: uint256 = 0
    if features == PACKED:
        n_features = staticcall PackedModel(e.model).n_features()
    chain_: bytes32 = self.scored[id]
    samples: uint256 = 0
    correct: uint256 = 0
    q: uint256 = 0
    for k: uint256 in range(len(sizes), bound=MAX_BATCH):
        at: uint256 = e.revealed + k
        n: uint256 = sizes[k]
        acc: bytes32 = self._chain_start(e.evaluator, at, salts[k], n)
        right: uint256 = 0
        scores: DynArray[int256, MAX_PIECE] = []
        for j: uint256 in range(n, bound=MAX_PIECE):
            x: DynArray[uint32, MAX_FEATURES] = samples_[q].x
            y: uint8 = samples_[q].y
            q += 1
            assert convert(y, uint256) < n_classes, "hub: test label out of range"
            acc = keccak256(concat(acc, keccak256(abi_encode(x, y))))
            label: uint8 = 0
            if features == PACKED:
                words: DynArray[uint256, MAX_WORDS] = self._pack(x, n_features)
                sc: int256 = staticcall PackedModel(e.model).score(words)
                if sc > 0:
                    label = 1
                scores.append(sc)
                chain_ = keccak256(concat(chain_, keccak256(abi_encode(words, y, sc))))
            else:
                label = staticcall SparseModel(e.model).predict(x)
            if label == y:
                right += 1
        self._check_piece(id, at, acc, n, right, scores)
        samples += n
        correct += right
    if features == PACKED:
        self.scored[id] = chain_
    self._end_reveal(id, e, len(sizes), samples, correct)


@external
@nonreentrant
def reveal_dense(id: uint256, salts: DynArray[bytes32, MAX_BATCH],
                 sizes: DynArray[uint256, MAX_BATCH],
                 samples_: DynArray[DenseSample, MAX_BATCH * MAX_PIECE], updates: uint256):
    """
    @notice As `reveal_sparse`, for a dense-input model.
    """
    e: Evaluation = self._begin_reveal(id, True, len(salts), sizes, len(samples_), updates)
    n_classes: uint256 = self.entries[e.model].n_classes
    samples: uint256 = 0
    correct: uint256 = 0
    q: uint256 = 0
    for k: uint256 in range(len(sizes), bound=MAX_BATCH):
        at: uint256 = e.revealed + k
        n: uint256 = sizes[k]
        acc: bytes32 = self._chain_start(e.evaluator, at, salts[k], n)
        right: uint256 = 0
        for j: uint256 in range(n, bound=MAX_PIECE):
            x: DynArray[int64, MAX_DIM] = samples_[q].x
            y: uint8 = samples_[q].y
            q += 1
            assert convert(y, uint256) < n_classes, "hub: test label out of range"
            acc = keccak256(concat(acc, keccak256(abi_encode(x, y))))
            if staticcall DenseModel(e.model).predict(x) == y:
                right += 1
        self._check_piece(id, at, acc, n, right, [])
        samples += n
        correct += right
    self._end_reveal(id, e, len(sizes), samples, correct)

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
    self._check_pool_kind(model)
    assert self.entries[model].listed, "hub: not registered"
    assert evaluator != empty(address), "hub: no evaluator"
    assert msg.value > 0, "hub: nothing sent"
    self._begin_pool(model, evaluator)
    self.pools[model][evaluator].available += msg.value
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
            of other evaluators never touch this pool.
    @return The budget released to the period.
    """
    self._check_pool_kind(model)
    b: Evaluation = self.evaluations[id]
    assert b.model == model, "hub: record of another model"
    assert b.block != 0, "hub: evaluation not finished"
    assert b.samples >= min_pool_samples, "hub: too few test samples"
    assert b.samples <= MAX_POOL_TEST, "hub: too many test samples for a pool"
    assert not self.used[id], "hub: record already used"
    self.used[id] = True
    self._begin_pool(model, b.evaluator)
    pool: Pool = self.pools[model][b.evaluator]
    a: Evaluation = self.evaluations[pool.anchor]  # before the first anchor: empty, block 0
    assert b.block > a.block, "hub: record not after the anchor"
    if b.commit_block >= a.block:
        # (Re-)anchor. A set committed after the anchor's record cannot close its period; once
        # no set committed before it can still be revealed (each was committed by the anchor's
        # time), the evaluator moves the anchor on, so that a spoilt or missed closing reveal
        # does not lock the pool (third review). The period pays nothing; its budget stays.
        assert block.timestamp > a.time + reveal_delay + reveal_window, "hub: test set committed after the period began"
        # Only the evaluator picks its pool's anchor: anyone else could anchor it with one of
        # its records from before the funding, and no set committed before that record's block
        # would be left to close a period (the pool locked for good; second review).
        assert msg.sender == b.evaluator, "hub: only the evaluator anchors its pool"
        self.pools[model][b.evaluator].anchor = id
        log PoolAnchored(model=model, evaluator=b.evaluator, evaluation=id)
        return 0
    budget: uint256 = self._budget(pool.available, a.samples, a.correct, b.samples, b.correct)
    p: uint256 = self.period_count[model]
    deadline: uint256 = block.timestamp + entry_window
    self.periods[model][p] = Period(
        evaluator=b.evaluator, evaluation=id, budget=budget, paid=0,
        first_id=a.contributions + 1, last_id=b.contributions, entry_deadline=deadline,
        shares=0, claimed_shares=0,
    )
    self.period_count[model] = p + 1
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
            it trained). One whose refund wait ended before the closing record must also be
            held as judged good (refunded or validated) and not bad: it could be judged by
            the model the record measured. One made later could not, and its judgement is
            not asked: a rival who trains the model after the record would decide it (a flip
            of its sample makes its refund fail). Its shares are how far its own step moved
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
    h: bytes32 = empty(bytes32)
    for t: Scored in test:
        h = keccak256(concat(h, keccak256(abi_encode(t.x, t.y, t.s))))
    assert len(test) == self.evaluations[p.evaluation].samples and h == self.scored[p.evaluation], "hub: not the closing test set"
    n_features: uint256 = staticcall PackedModel(model).n_features()
    bits: uint256 = 16
    if n_features > _NARROW_LIMIT:
        bits = 32
    # A contribution whose refund wait ended before the closing record's block could be judged
    # by the model that record measured; one made later could not, and a rival who trains the
    # model after the record would decide its judgement (second review).
    wait: uint256 = staticcall Trainer(model).refund_wait()
    closed: uint256 = self.evaluations[p.evaluation].time
    total: uint256 = 0
    for en: Entrant in entrants:
        c: Contribution = en.c
        assert c.id >= p.first_id and c.id <= p.last_id, "hub: contribution outside the period"
        if self.entered[model][period][c.id]:
            continue  # entered already (by anyone, or earlier in this batch): the rest go on
        r: Record = staticcall Trainer(model).contribution(c.id)
        binding: uint256 = convert(
            keccak256(abi_encode(c.id, c.contributor, c.time, c.label, c.deposit, keccak256(abi_encode(en.x)))),
            uint256,
        ) >> _BINDING_SHIFT
        assert r.binding == binding, "hub: contribution does not match"
        assert c.time + wait >= closed or (r.good and not r.bad), "hub: contribution not judged good"
        assert r.trained, "hub: contribution did not change the model"
        mine: DynArray[uint256, MAX_CONTRIBUTION] = self._unpack(en.x, bits)
        pushed: int256 = 0
        for t: Scored in test:
            # |mine & t|: both sorted, one walk over t's lanes with a cursor in mine.
            k: uint256 = 0
            i: uint256 = 0
            nxt: uint256 = 0
            for word: uint256 in t.x:
                w: uint256 = word
                for lane: uint256 in range(16):
                    if lane * bits >= 256:
                        break
                    j: uint256 = w & ((1 << bits) - 1)
                    if j < nxt:
                        break
                    nxt = j + 1
                    w = w >> bits
                    for _: uint256 in range(MAX_CONTRIBUTION):
                        if i >= len(mine) or mine[i] >= j:
                            break
                        i += 1
                    if i < len(mine) and mine[i] == j:
                        k += 1
            if c.label == t.y:
                pushed += convert(k, int256)
            else:
                pushed -= convert(k, int256)
        assert pushed > 0, "hub: contribution did not help the closing set"
        n: uint256 = convert(pushed, uint256)
        self.entered[model][period][c.id] = True
        self.shares[model][period][c.contributor] += n
        total += n
        log ContributionEntered(model=model, period=period, id=c.id, contributor=c.contributor, shares=n)
    self.periods[model][period].shares = p.shares + total
    return total


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
    self._pay(amount)
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
def _check_owner(model: address):
    assert model.is_contract, "hub: not a contract"
    assert staticcall HubModel(model).owner() == msg.sender, "hub: caller is not the model's owner"


@internal
@view
def _code_hash(model: address, size: uint256) -> bytes32:
    """
    @dev A hash of the first `size` bytes of `model`'s code, chained over pieces of constant
         length (Vyper slices code only by constant lengths): 1024-byte chunks, then 32-byte
         words, then single bytes; h = keccak256(h ++ piece), from h = 0.
         Mirror: `sharedmodels.hub.registry.code_hash`.
    """
    h: bytes32 = empty(bytes32)
    at: uint256 = 0
    for i: uint256 in range(_MAX_CODE // 1024):
        if at + 1024 > size:
            break
        h = keccak256(concat(h, slice(model.code, at, 1024)))
        at += 1024
    for i: uint256 in range(31):
        if at + 32 > size:
            break
        h = keccak256(concat(h, slice(model.code, at, 32)))
        at += 32
    for i: uint256 in range(31):
        if at + 1 > size:
            break
        h = keccak256(concat(h, slice(model.code, at, 1)))
        at += 1
    return h


@internal
@view
def _check_trainer(model: address, incentive: uint8, features: uint8):
    """
    @dev The constructor rules a genuine deployment of a trainer kind enforced, read back from
         the model's public parameters: the code hash covers the runtime code only, so a
         contract deployed by other initcode (immutables or storage no constructor writes)
         would otherwise pass. Stake: refund_wait <= owner_wait <= any_wait < 2**64 (an owner
         wait below the refund wait lets the owner take a deposit before it may be refunded).
         Points: refund_wait < 2**64. Sparse Perceptron: 0 < learning_rate < 2**16 and
         0 < n_features <= 2**32.
    """
    wait: uint256 = staticcall Trainer(model).refund_wait()
    owner_wait: uint256 = wait
    last: uint256 = wait
    if incentive == STAKE:
        owner_wait = staticcall StakeTrainer(model).owner_wait()
        last = staticcall StakeTrainer(model).any_wait()
    rate: int256 = 1
    n: uint256 = 1
    if features == PACKED:
        rate = staticcall PackedModel(model).learning_rate()
        n = staticcall PackedModel(model).n_features()
    assert wait <= owner_wait and owner_wait <= last and last < 2**64 and rate > 0 and rate < 2**16 and n > 0 and n <= 2**32, "hub: parameters no constructor allows"


@internal
@view
def _check_pool_kind(model: address):
    kind: uint256 = self.entries[model].kind
    assert kind != 0, "hub: not registered"
    k: Kind = self.kinds[kind - 1]
    assert k.trainer != 0, "hub: not a trainer"
    assert k.features == PACKED, "hub: no pool for this kind"


@internal
def _begin_pool(model: address, evaluator: address):
    if not self.pool_known[model][evaluator]:
        self.pool_known[model][evaluator] = True
        n: uint256 = self.pool_count[model]
        self.pool_evaluators[model][n] = evaluator
        self.pool_count[model] = n + 1


@internal
@pure
def _unpack(x: DynArray[uint256, MAX_WORDS], bits: uint256) -> DynArray[uint256, MAX_CONTRIBUTION]:
    """
    @dev The indices of a packed sample (`_pack`'s inverse), read up to the first lane that
         does not increase.
    """
    out: DynArray[uint256, MAX_CONTRIBUTION] = []
    nxt: uint256 = 0
    for word: uint256 in x:
        w: uint256 = word
        for lane: uint256 in range(16):
            if lane * bits >= 256:
                break
            j: uint256 = w & ((1 << bits) - 1)
            if j < nxt:
                break
            nxt = j + 1
            w = w >> bits
            out.append(j)
    return out


@internal
def _describe(model: address, name: String[64], uri: String[256]):
    """
    @dev Write an entry's name and URI, and its classes and encoder as the model gives them
         now; `ModelUpdated` carries them (after `ModelRegistered` on a registration).
    """
    classes: DynArray[String[32], MAX_CLASSES] = self._classes(model)
    encoder_hash: bytes32 = keccak256(staticcall HubModel(model).encoder())
    self.entries[model].name = name
    self.entries[model].uri = uri
    self.entries[model].n_classes = len(classes)
    self.entries[model].classes_hash = keccak256(abi_encode(classes))
    self.entries[model].encoder_hash = encoder_hash
    log ModelUpdated(model=model, name=name, uri=uri, classes=classes, encoder_hash=encoder_hash)


@internal
@view
def _classes(model: address) -> DynArray[String[32], MAX_CLASSES]:
    names: DynArray[String[32], MAX_CLASSES] = []
    for i: uint256 in range(MAX_CLASSES):
        name: String[32] = staticcall HubModel(model).class_names(convert(i, uint8))
        if len(name) == 0:
            break
        names.append(name)
    return names


@internal
@view
def _begin_reveal(id: uint256, dense: bool, n_salts: uint256, sizes: DynArray[uint256, MAX_BATCH],
                  n_samples: uint256, updates: uint256) -> Evaluation:
    e: Evaluation = self.evaluations[id]
    assert e.evaluator != empty(address), "hub: no such evaluation"
    assert msg.sender == e.evaluator, "hub: evaluator only"
    assert e.block == 0, "hub: evaluation finished"
    assert block.timestamp >= e.committed + reveal_delay, "hub: reveal too early"
    assert block.timestamp <= e.committed + reveal_delay + reveal_window, "hub: reveal window passed"
    assert (self.kinds[self.entries[e.model].kind - 1].features == DENSE) == dense, "hub: wrong input type"
    n: uint256 = len(sizes)
    assert n > 0, "hub: empty piece"
    assert n_salts == n, "hub: one salt per piece"
    assert e.revealed + n <= e.pieces, "hub: more pieces than committed"
    total: uint256 = 0
    for size: uint256 in sizes:
        assert size > 0 and size <= MAX_PIECE, "hub: empty piece"
        total += size
    assert total == n_samples, "hub: sizes do not add up"
    assert staticcall HubModel(e.model).sealed(), "hub: model not sealed"
    assert staticcall HubModel(e.model).update_count() == updates, "hub: model changed"
    if e.revealed > 0:
        assert updates == e.updates, "hub: model changed during the evaluation"
    return e


@internal
@pure
def _pack(x: DynArray[uint32, MAX_FEATURES], n_features: uint256) -> DynArray[uint256, MAX_WORDS]:
    """
    @dev The sparse Perceptron's packed form of `x`: its indices in 16-bit lanes (32-bit when
         `n_features` > 2**16), lowest lane first, every word full but the last. Refuses
         indices that are not strictly increasing or not below `n_features`, which would
         not survive the lanes (a wide index would spill into the next lane).
         Mirror: `sharedmodels.encoding.packed.pack`.
    """
    bits: uint256 = 16
    if n_features > _NARROW_LIMIT:
        bits = 32
    words: DynArray[uint256, MAX_WORDS] = []
    word: uint256 = 0
    at: uint256 = 0
    nxt: uint256 = 0
    for j32: uint32 in x:
        j: uint256 = convert(j32, uint256)
        assert j >= nxt, "hub: test features not sorted and unique"
        nxt = j + 1
        word |= j << at
        at += bits
        if at == 256:
            words.append(word)
            word = 0
            at = 0
    if at != 0:
        words.append(word)
    assert nxt <= n_features, "hub: test feature index out of range"
    return words


@internal
@view
def _chain_start(evaluator: address, at: uint256, salt: bytes32, n: uint256) -> bytes32:
    return keccak256(abi_encode(PIECE_TAG, chain.id, self, evaluator, at, salt, n))


@internal
def _check_piece(id: uint256, at: uint256, acc: bytes32, n: uint256, correct: uint256,
                 scores: DynArray[int256, MAX_PIECE]):
    assert acc == self.commitments[id][at], "hub: piece does not match its commitment"
    log PieceScored(evaluation=id, piece=at, samples=n, correct=correct, scores=scores)


@internal
def _end_reveal(id: uint256, e: Evaluation, n: uint256, samples_: uint256, correct_: uint256):
    revealed: uint256 = e.revealed + n
    samples: uint256 = e.samples + samples_
    total: uint256 = e.correct + correct_
    self.evaluations[id].revealed = revealed
    self.evaluations[id].samples = samples
    self.evaluations[id].correct = total
    if e.revealed == 0:
        self.evaluations[id].updates = staticcall HubModel(e.model).update_count()
    if revealed == e.pieces:
        contributions: uint256 = 0
        if self.kinds[self.entries[e.model].kind - 1].trainer != 0:
            contributions = staticcall Trainer(e.model).contribution_count()
        self.evaluations[id].block = block.number
        self.evaluations[id].time = block.timestamp
        self.evaluations[id].contributions = contributions
        r: uint256 = self.record_count[e.model]
        self.records[e.model][r] = id
        self.record_count[e.model] = r + 1
        log AccuracyRecorded(
            evaluation=id, model=e.model, test_set_hash=e.test_set_hash, samples=samples,
            correct=total, block=block.number, contributions=contributions,
        )


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


@internal
def _pay(amount: uint256):
    if amount > 0:
        success: bool = raw_call(msg.sender, b"", value=amount, revert_on_failure=False)
        assert success, "hub: payment failed"
