# pragma version 0.4.3
# pragma optimize codesize
"""
@title Model hub: a registry of models and accuracy records on committed test sets
@license MIT
@notice Permissionless, no admin. Two parts:
        REGISTRY: a model's owner (as the model itself says, `owner()`) lists it with a name and
        a description URI. The hub checks the model's kind by its runtime code against a list
        of kinds fixed when the hub was deployed, and reads its classes and encoder from the
        model; for a trainer it applies the constructor's rules to its public parameters.
        The owner may update or withdraw the entry. Every change is an event.
        RECORDS: anyone commits a test set for a listed model as salted pieces; after
        `reveal_delay` the evaluator pins the moment to measure (`pin`, nothing shown) and
        reveals the pieces in order, up to MAX_BATCH in one transaction, each sample scored
        against the model as it was at the pin (a packed kind's steps since are listed and
        taken back; other kinds must not change). The last piece writes a record (model,
        test-set hash, samples, correct, block, the pin). A reveal without a pin scores the
        model as it stands and fails if it changed; pools take only pinned records.
        The pools that pay a model's contributors live in `HubPool.vy`, deployed for this hub:
        it reads entries (`terms`), records (`evaluations`) and closing sets (`scored`) here.
        The hub holds no money. See docs/hub.md.
@dev Commitment of piece i (bound to the chain, this hub, the evaluator and the position):
       c = keccak256(abi_encode(PIECE_TAG, chain.id, hub, evaluator, i, salt, n))
       c = keccak256(c ++ keccak256(abi_encode(x_k, y_k))) for k = 1..n   (`hash_chain._link`)
     test-set hash = keccak256(abi_encode(commitments)).
"""

# ---------------------------------------------------------------- INTERFACES

from .lib import hash_chain

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
    def score(x: DynArray[uint256, SAMPLE_WORDS]) -> int256: view
    def n_features() -> uint256: view
    def learning_rate() -> int256: view
    def intercept() -> int256: view

interface DenseModel:
    def predict(x: DynArray[int64, MAX_DIM]) -> uint8: view

interface Trainer:
    def contribution_count() -> uint256: view
    def refund_wait() -> uint256: view
    def contribution(id: uint256) -> Record: view

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
    # @dev The moment a pinned evaluation measures (`pin`): its block (0 when not pinned) and
    #      time, and the model's intercept then (a packed kind's). `updates` and
    #      `contributions` are the model's counts at that moment.
    pinned: uint256
    pinned_time: uint256
    intercept: int256
    # @dev How many times `pin` was called. A second pin may come after a reveal that failed
    #      in public (its samples shown): pools take only records pinned once.
    pins: uint256

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

# @dev A step the model took after a pin: a trained contribution with its packed features.
struct Step:
    c: Contribution
    x: DynArray[uint256, MAX_WORDS]

# @dev Pieces revealed with `hold`, not yet scored: `state` hashes the chain of their (packed
#      x, y, score so far) from `scored[id]` with their sizes; the contributions after `after`
#      up to `last` (the trainer's count at the reveal) are still to be taken back (`unwind`).
#      state 0: nothing waits.
struct Pending:
    state: bytes32
    after: uint256
    last: uint256

struct SparseSample:
    x: DynArray[uint32, MAX_FEATURES]
    y: uint8

struct DenseSample:
    x: DynArray[int64, MAX_DIM]
    y: uint8

# @dev What a pool contract needs to know of a model (`terms`): its kind (index + 1, 0 when
#      never registered), whether it is listed, the kind's input type and incentive.
struct Terms:
    kind: uint256
    listed: bool
    features: uint8
    trainer: uint8

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

# @dev Held pieces wait for the contributions `after` + 1 to `last` (`unwind`); `scores` are
#      their samples' scores with those up to `after` taken back (what `unwind` restates).
event StepsPending:
    evaluation: indexed(uint256)
    after: uint256
    last: uint256
    scores: DynArray[int256, MAX_BATCH * MAX_PIECE]

event EvaluationPinned:
    evaluation: indexed(uint256)
    block: uint256
    updates: uint256
    contributions: uint256

event AccuracyRecorded:
    evaluation: indexed(uint256)
    model: indexed(address)
    test_set_hash: bytes32
    samples: uint256
    correct: uint256
    block: uint256
    contributions: uint256

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
# @dev Steps one transaction takes back: a reveal of a pinned packed model that lists every
#      trained contribution since the pin, or an `unwind` (the next contributions in order).
MAX_STEPS: constant(uint256) = 16
# @dev Contributions one `unwind` takes back (each restated in full if it trained): the held
#      samples are read once a call, so a flood of narrow steps is answered in few calls.
MAX_UNWIND: constant(uint256) = 64
# @dev Words of a packed test sample: MAX_FEATURES indices in 32-bit lanes.
SAMPLE_WORDS: constant(uint256) = 16
_BINDING_SHIFT: constant(uint256) = 99
_INTERCEPT_ONE: constant(int256) = 2**59
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

# ---------------------------------------------------------------- STORAGE

# @dev The kinds accepted, fixed at deployment; an entry's `kind` is its index + 1.
kinds: public(HashMap[uint256, Kind])
kind_count: public(immutable(uint256))
# @dev Seconds between a test set's commitment and its first reveal.
reveal_delay: public(immutable(uint256))
# @dev Seconds after `reveal_delay` in which every piece must be revealed.
reveal_window: public(immutable(uint256))

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
#      a packed kind (what `HubPool.enter` checks a closing set against).
scored: public(HashMap[uint256, bytes32])

# @dev evaluation => its pieces revealed with `hold` that wait for `unwind`.
pending: public(HashMap[uint256, Pending])
# @dev The net move (in learning rates) of the steps one call takes back, per feature:
#      call << 128 | (_NET_ZERO + net), read as 0 when written under another call (transient,
#      a fresh `_calls` value per call).
_moves: transient(uint256[2**32])
_calls: transient(uint256)
_NET_ZERO: constant(uint256) = 2**64

# ---------------------------------------------------------------- CONSTRUCTOR

@deploy
def __init__(kinds_: DynArray[Kind, MAX_KINDS], reveal_delay_: uint256, reveal_window_: uint256):
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
        pinned=0, pinned_time=0, intercept=0, pins=0,
    )
    log TestSetCommitted(evaluation=id, model=model, evaluator=msg.sender, test_set_hash=h, pieces=n)
    return id


@external
@nonreentrant
def pin(id: uint256):
    """
    @notice Fix the moment evaluation `id` measures, before any of its samples is shown
            (evaluator only, in its reveal window): the model's update and contribution counts
            and, for a packed kind, its intercept. Reveals of a pinned evaluation score the
            model as it was at the pin: on a packed kind each reveal lists the steps the model
            took since (`reveal_sparse`'s `steps`) and the hub takes them back, so a
            contribution sent after the pin (one that read the samples from a pending reveal,
            say) neither spoils the set nor counts in the record. Other kinds must not change
            between the pin and the reveals. The record's `contributions` are those before
            the pin, and a pool reads the pin's block and time as the record's (HubPool).
            Pin again while no piece is revealed (when more steps landed than a reveal takes);
            the hub cannot tell whether a failed reveal showed the samples in between, so a
            record pinned more than once stays in the accuracy history (with `pins`) but no
            pool pays for it (HubPool.close_period).
    """
    e: Evaluation = self.evaluations[id]
    self._check_open(e)
    assert e.revealed == 0, "hub: pin before the first piece"
    assert staticcall HubModel(e.model).sealed(), "hub: model not sealed"
    k: Kind = self.kinds[self.entries[e.model].kind - 1]
    updates: uint256 = staticcall HubModel(e.model).update_count()
    contributions: uint256 = 0
    if k.trainer != 0:
        contributions = staticcall Trainer(e.model).contribution_count()
    intercept: int256 = 0
    if k.features == PACKED:
        intercept = staticcall PackedModel(e.model).intercept()
    self.evaluations[id].updates = updates
    self.evaluations[id].contributions = contributions
    self.evaluations[id].pinned = block.number
    self.evaluations[id].pinned_time = block.timestamp
    self.evaluations[id].intercept = intercept
    self.evaluations[id].pins = e.pins + 1
    log EvaluationPinned(evaluation=id, block=block.number, updates=updates, contributions=contributions)


@external
@nonreentrant
def reveal_sparse(id: uint256, salts: DynArray[bytes32, MAX_BATCH],
                  sizes: DynArray[uint256, MAX_BATCH],
                  samples_: DynArray[SparseSample, MAX_BATCH * MAX_PIECE], updates: uint256,
                  steps: DynArray[Step, MAX_STEPS] = [], hold: bool = False):
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
            A pinned evaluation (`pin`) is scored as the model was at the pin: `updates` is
            the pinned count and `steps` every trained contribution since the pin, in id
            order, restated with its packed features (a packed kind only); the hub takes each
            step's move back from every score (learning_rate per shared feature, and the
            intercept as pinned). A step left out fails the reveal (`hub: model changed`);
            the same samples may then be revealed again with it listed, or held.
            `hold` (a pinned packed kind, no `steps`): however many contributions came since
            the pin, the pieces are checked against their commitments and the model's scores
            read now, with the intercept put back as pinned; the contributions after the pin
            up to the trainer's count now are taken back later by `unwind` (anyone, in
            chunks), and the pieces are scored once none is left. Nothing sent after this
            transaction changes their scores, and nothing sent before fails it. With no
            contribution since the pin the pieces are scored at once.
    """
    expected: uint256 = updates + len(steps)
    if hold:
        expected = max_value(uint256)
    e: Evaluation = self._begin_reveal(id, False, len(salts), sizes, len(samples_), updates, expected)
    features: uint8 = self.kinds[self.entries[e.model].kind - 1].features
    n_classes: uint256 = self.entries[e.model].n_classes
    n_features: uint256 = 0
    if features == PACKED:
        n_features = staticcall PackedModel(e.model).n_features()
    # Steps since the pin, taken back: their net move per feature (`_take`), and `moved` the
    # intercept's move undone. Held: the contributions after the pin up to `last` are taken
    # back by `unwind`, from the scores read now.
    moved: int256 = 0
    rate: int256 = 0
    call: uint256 = 0
    last: uint256 = e.contributions
    if hold:
        assert e.pinned != 0 and features == PACKED and len(steps) == 0, "hub: hold needs a pin and no steps"
        last = staticcall Trainer(e.model).contribution_count()
    if len(steps) > 0:
        assert e.pinned != 0 and features == PACKED, "hub: steps need a pin on a packed model"
        call = self._next_call()
        prev: uint256 = e.contributions
        for s: Step in steps:
            assert s.c.id > prev, "hub: steps not after the pin, in order"
            prev = s.c.id
            self._take(e.model, s, call, n_features, False)
        rate = staticcall PackedModel(e.model).learning_rate() * _INTERCEPT_ONE
    if len(steps) > 0 or last != e.contributions:
        moved = e.intercept - staticcall PackedModel(e.model).intercept()
    held: DynArray[int256, MAX_BATCH * MAX_PIECE] = []
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
            acc = hash_chain._link(acc, keccak256(abi_encode(x, y)))
            label: uint8 = 0
            if features == PACKED:
                words: DynArray[uint256, SAMPLE_WORDS] = self._pack(x, n_features)
                sc: int256 = staticcall PackedModel(e.model).score(words) + moved
                if call != 0:
                    back: int256 = 0
                    for j32: uint32 in x:
                        t: uint256 = self._moves[convert(j32, uint256)]
                        if t >> 128 == call:
                            back = unsafe_add(back, unsafe_sub(convert(t & (2**128 - 1), int256), convert(_NET_ZERO, int256)))
                    sc -= back * rate
                if sc > 0:
                    label = 1
                scores.append(sc)
                held.append(sc)
                chain_ = hash_chain._link(chain_, keccak256(abi_encode(words, y, sc)))
            else:
                label = staticcall SparseModel(e.model).predict(x)
            if label == y:
                right += 1
        assert acc == self.commitments[id][at], "hub: piece does not match its commitment"
        if last == e.contributions:
            log PieceScored(evaluation=id, piece=at, samples=n, correct=right, scores=scores)
        samples += n
        correct += right
    if last != e.contributions:
        # Held: the chain of (packed x, y, score so far) and the sizes, for `unwind`.
        self.evaluations[id].revealed = e.revealed + len(sizes)
        self.pending[id] = Pending(state=keccak256(abi_encode(chain_, sizes)), after=e.contributions, last=last)
        log StepsPending(evaluation=id, after=e.contributions, last=last, scores=held)
        return
    if features == PACKED:
        self.scored[id] = chain_
    self._end_reveal(id, e, len(sizes), samples, correct)


@external
@nonreentrant
def unwind(id: uint256, sizes: DynArray[uint256, MAX_BATCH],
           words: DynArray[DynArray[uint256, SAMPLE_WORDS], MAX_BATCH * MAX_PIECE],
           labels: DynArray[uint8, MAX_BATCH * MAX_PIECE], scores: DynArray[int256, MAX_BATCH * MAX_PIECE],
           steps: DynArray[Step, MAX_UNWIND]):
    """
    @notice Take the next contributions back from the pieces of evaluation `id` revealed with
            `hold` (anyone, within the reveal window). `sizes`, `words` (the samples packed as
            the hub packs them), `labels` and `scores` restate the held pieces as the latest
            `StepsPending` gave them; `steps` are the contributions right after its `after`,
            every id in order up to at most `last`, at most MAX_UNWIND (an untrained one with
            any features: it is skipped). A trained step must be the trainer's record (binding): nothing is taken
            from the caller on trust. Once `last` is reached the pieces are scored as the model
            was at the pin (`PieceScored`, `scored`), and the last piece writes the record.
    """
    p: Pending = self.pending[id]
    assert p.state != empty(bytes32), "hub: nothing to unwind"
    e: Evaluation = self.evaluations[id]
    assert block.timestamp <= e.committed + reveal_delay + reveal_window, "hub: reveal window passed"
    start: bytes32 = self.scored[id]
    assert keccak256(abi_encode(self._chain(start, words, labels, scores), sizes)) == p.state, "hub: not the pieces waiting"
    n_features: uint256 = staticcall PackedModel(e.model).n_features()
    call: uint256 = self._next_call()
    prev: uint256 = p.after
    for s: Step in steps:
        assert s.c.id == prev + 1 and s.c.id <= p.last, "hub: steps not after the pin, in order"
        prev = s.c.id
        self._take(e.model, s, call, n_features, True)
    rate: int256 = staticcall PackedModel(e.model).learning_rate() * _INTERCEPT_ONE
    bits: uint256 = 16
    if n_features > _NARROW_LIMIT:
        bits = 32
    lanes: uint256 = 256 // bits
    mask: uint256 = (1 << bits) - 1
    now: DynArray[int256, MAX_BATCH * MAX_PIECE] = []
    for q: uint256 in range(len(words), bound=MAX_BATCH * MAX_PIECE):
        back: int256 = 0
        nxt: uint256 = 0
        for word: uint256 in words[q]:
            w: uint256 = word
            for lane: uint256 in range(16):
                j: uint256 = w & mask
                if lane == lanes or j < nxt:
                    break
                nxt = unsafe_add(j, 1)
                w = w >> bits
                t: uint256 = self._moves[j]
                if t >> 128 == call:
                    back = unsafe_add(back, unsafe_sub(convert(t & (2**128 - 1), int256), convert(_NET_ZERO, int256)))
        now.append(scores[q] - back * rate)
    chain_: bytes32 = self._chain(start, words, labels, now)
    if prev != p.last:
        self.pending[id] = Pending(state=keccak256(abi_encode(chain_, sizes)), after=prev, last=p.last)
        log StepsPending(evaluation=id, after=prev, last=p.last, scores=now)
        return
    # Every step taken back: the held pieces (the last ones revealed) are scored.
    self.pending[id] = empty(Pending)
    correct: uint256 = 0
    q: uint256 = 0
    for k: uint256 in range(len(sizes), bound=MAX_BATCH):
        right: uint256 = 0
        piece: DynArray[int256, MAX_PIECE] = []
        for j: uint256 in range(sizes[k], bound=MAX_PIECE):
            label: uint8 = 0
            if now[q] > 0:
                label = 1
            if label == labels[q]:
                right += 1
            piece.append(now[q])
            q += 1
        log PieceScored(evaluation=id, piece=e.revealed - len(sizes) + k, samples=sizes[k], correct=right, scores=piece)
        correct += right
    self.scored[id] = chain_
    self._end_reveal(id, e, 0, q, correct)


@external
@nonreentrant
def reveal_dense(id: uint256, salts: DynArray[bytes32, MAX_BATCH],
                 sizes: DynArray[uint256, MAX_BATCH],
                 samples_: DynArray[DenseSample, MAX_BATCH * MAX_PIECE], updates: uint256):
    """
    @notice As `reveal_sparse`, for a dense-input model.
    """
    e: Evaluation = self._begin_reveal(id, True, len(salts), sizes, len(samples_), updates, updates)
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
            acc = hash_chain._link(acc, keccak256(abi_encode(x, y)))
            if staticcall DenseModel(e.model).predict(x) == y:
                right += 1
        assert acc == self.commitments[id][at], "hub: piece does not match its commitment"
        log PieceScored(evaluation=id, piece=at, samples=n, correct=right, scores=[])
        samples += n
        correct += right
    self._end_reveal(id, e, len(sizes), samples, correct)

# ---------------------------------------------------------------- VIEWS

@external
@view
def terms(model: address) -> Terms:
    """
    @notice What a pool contract (`HubPool.vy`) reads of `model`: its kind (index + 1, 0 when
            never registered), whether it is listed, and its kind's input type and incentive.
    """
    kind: uint256 = self.entries[model].kind
    if kind == 0:
        return empty(Terms)
    k: Kind = self.kinds[kind - 1]
    return Terms(kind=kind, listed=self.entries[model].listed, features=k.features, trainer=k.trainer)

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
                  n_samples: uint256, updates: uint256, expected: uint256) -> Evaluation:
    """
    @dev `updates`: the count of the model scored (fixed by a pin or the first piece);
         `expected`: its count now (`updates` plus the steps taken back; max: a held
         reveal, whose steps `unwind` takes back whatever their number).
    """
    e: Evaluation = self.evaluations[id]
    self._check_open(e)
    assert self.pending[id].state == empty(bytes32), "hub: pieces wait for their steps"
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
    if expected != max_value(uint256):
        assert staticcall HubModel(e.model).update_count() == expected, "hub: model changed"
    if e.revealed > 0 or e.pinned != 0:
        assert updates == e.updates, "hub: model changed during the evaluation"
    return e


@internal
@view
def _check_open(e: Evaluation):
    assert e.evaluator != empty(address), "hub: no such evaluation"
    assert msg.sender == e.evaluator, "hub: evaluator only"
    assert e.block == 0, "hub: evaluation finished"
    assert block.timestamp >= e.committed + reveal_delay, "hub: reveal too early"
    assert block.timestamp <= e.committed + reveal_delay + reveal_window, "hub: reveal window passed"


@internal
def _next_call() -> uint256:
    """
    @dev A fresh key for `_moves` in this transaction (from 1).
    """
    c: uint256 = self._calls + 1
    self._calls = c
    return c


@internal
def _take(model: address, s: Step, call: uint256, n_features: uint256, every: bool):
    """
    @dev Add step `s`'s move to `_moves` under `call`: +1 per feature for label 1, -1 for 0 (a
         Perceptron step moved each of its features' weights by the learning rate toward its
         label). It must be the trainer's record (binding) and have trained; with `every` an
         untrained one is skipped instead. The features are read from the packed words up to
         the first lane that does not increase (`HubPool._unpack`).
    """
    r: Record = staticcall Trainer(model).contribution(s.c.id)
    if every and not r.trained:
        return
    binding: uint256 = convert(
        keccak256(abi_encode(s.c.id, s.c.contributor, s.c.time, s.c.label, s.c.deposit, keccak256(abi_encode(s.x)))),
        uint256,
    ) >> _BINDING_SHIFT
    assert r.trained and r.binding == binding, "hub: not a step of the model"
    d: uint256 = max_value(uint256)  # -1, added without overflow checks to the low half
    if s.c.label == 1:
        d = 1
    bits: uint256 = 16
    if n_features > _NARROW_LIMIT:
        bits = 32
    lanes: uint256 = 256 // bits
    mask: uint256 = (1 << bits) - 1
    nxt: uint256 = 0
    for word: uint256 in s.x:
        w: uint256 = word
        for lane: uint256 in range(16):
            j: uint256 = w & mask
            if lane == lanes or j < nxt:
                break
            nxt = unsafe_add(j, 1)
            w = w >> bits
            t: uint256 = self._moves[j]
            if t >> 128 != call:
                t = (call << 128) | _NET_ZERO
            self._moves[j] = unsafe_add(t, d)


@internal
@pure
def _chain(start: bytes32, words: DynArray[DynArray[uint256, SAMPLE_WORDS], MAX_BATCH * MAX_PIECE],
           labels: DynArray[uint8, MAX_BATCH * MAX_PIECE],
           scores: DynArray[int256, MAX_BATCH * MAX_PIECE]) -> bytes32:
    """
    @dev `start` with each (packed x, y, score) linked in, as `scored` takes them.
    """
    h: bytes32 = start
    for q: uint256 in range(len(words), bound=MAX_BATCH * MAX_PIECE):
        h = hash_chain._link(h, keccak256(abi_encode(words[q], labels[q], scores[q])))
    return h


@internal
@pure
def _pack(x: DynArray[uint32, MAX_FEATURES], n_features: uint256) -> DynArray[uint256, SAMPLE_WORDS]:
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
    words: DynArray[uint256, SAMPLE_WORDS] = []
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
def _end_reveal(id: uint256, e: Evaluation, n: uint256, samples_: uint256, correct_: uint256):
    revealed: uint256 = e.revealed + n
    samples: uint256 = e.samples + samples_
    total: uint256 = e.correct + correct_
    self.evaluations[id].revealed = revealed
    self.evaluations[id].samples = samples
    self.evaluations[id].correct = total
    if e.revealed == 0 and e.pinned == 0:
        self.evaluations[id].updates = staticcall HubModel(e.model).update_count()
    if revealed == e.pieces:
        # A pinned record counts the contributions before its pin (written by `pin`).
        contributions: uint256 = e.contributions
        if e.pinned == 0 and self.kinds[self.entries[e.model].kind - 1].trainer != 0:
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
