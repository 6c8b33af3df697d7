"""The hub's transactions and reads, for the ``ape run hub`` commands, the demo and tests.

Everything takes Ape objects (a ``ModelHub`` contract instance for the registry and the
records, a ``HubPool`` instance for the pools, accounts, the chain) and returns plain data;
printing is the script's job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi import encode
from eth_utils import keccak

from sharedmodels.encoding import packed
from sharedmodels.errors import SharedModelsError
from sharedmodels.hub.kinds import HubKind, code_hash, hub_kinds
from sharedmodels.hub.rules import (
    MAX_BATCH,
    MAX_ENTER,
    MAX_STEPS,
    MAX_UNWIND,
    ScoredSample,
    TestSet,
    cancellation,
    moving,
    pushed,
)

#: Defaults of a hub the scripts deploy: reveal a day after committing, within 30 days.
DAY = 86_400
DEFAULTS = {
    "reveal_delay": DAY,
    "reveal_window": 30 * DAY,
}
#: Defaults of its pool contract: entries open a week after a period closes, claims 30 days
#: after that; a pool's record needs 32 samples.
POOL_DEFAULTS = {
    "entry_window": 7 * DAY,
    "claim_window": 30 * DAY,
    "min_pool_samples": 32,
}


#: Most estimated gas of one ``enter`` transaction the keeper sends (a 30M block's two
#: thirds): a contribution whose entry alone costs more is left out.
ENTER_GAS = 20_000_000
#: Most gas the driver plans for one ``unwind`` (a 30M block's two thirds, as ``ENTER_GAS``).
UNWIND_GAS = 20_000_000
#: A step's planned part of an ``unwind``: a base and a part per feature it carries, above what
#: we measured (one step of 1,024 features taken back against 16 held samples of 16 indices:
#: 856,719 gas, the call's own cost and the held samples' rescan included). A chunk whose node
#: estimate still fails or exceeds ``UNWIND_GAS`` is halved (``unwind_all``).
UNWIND_STEP_GAS = 40_000
UNWIND_FEATURE_GAS = 1_000


class HubError(SharedModelsError):
    """A hub action the user can fix (unknown model, a kind the hub does not accept ...)."""


def deploy_hub(project: Any, sender: Any, kinds: Sequence[HubKind] | None = None, **params: int):
    """Deploy a ``ModelHub`` accepting ``kinds`` (default: every model contract here);
    ``params``: ``reveal_delay``, ``reveal_window``."""
    kinds = list(kinds) if kinds is not None else hub_kinds(project)
    p = {**DEFAULTS, **params}
    return project.ModelHub.deploy(
        [k.as_tuple() for k in kinds], p["reveal_delay"], p["reveal_window"], sender=sender
    )


def deploy_pool(project: Any, sender: Any, hub: Any, **params: int):
    """Deploy a ``HubPool`` for ``hub``; ``params``: ``entry_window``, ``claim_window``,
    ``min_pool_samples``."""
    p = {**POOL_DEFAULTS, **params}
    return project.HubPool.deploy(
        hub, p["entry_window"], p["claim_window"], p["min_pool_samples"], sender=sender
    )


def deploy_hub_and_pool(
    project: Any, sender: Any, kinds: Sequence[HubKind] | None = None, **params: int
) -> tuple[Any, Any]:
    """A hub and its pool contract: (``ModelHub``, ``HubPool``). ``params`` go to whichever
    takes them (``DEFAULTS``: the hub's, ``POOL_DEFAULTS``: the pool's)."""
    unknown = set(params) - set(DEFAULTS) - set(POOL_DEFAULTS)
    if unknown:
        raise HubError(f"unknown hub parameters: {', '.join(sorted(unknown))}")
    hub = deploy_hub(project, sender, kinds, **{k: v for k, v in params.items() if k in DEFAULTS})
    pool = deploy_pool(
        project, sender, hub, **{k: v for k, v in params.items() if k in POOL_DEFAULTS}
    )
    return hub, pool


def read_kinds(hub: Any) -> list[HubKind]:
    out = []
    for i in range(hub.kind_count()):
        k = hub.kinds(i)
        out.append(HubKind(k.name, bytes(k.code_hash), k.code_size, k.features, k.trainer))
    return out


def detect_kind(hub: Any, provider: Any, model: str) -> int:
    """The index of the hub's kind whose code ``model`` runs; ``HubError`` if none."""
    code = bytes(provider.get_code(model))
    for i, k in enumerate(read_kinds(hub)):
        if len(code) >= k.code_size and code_hash(code, k.code_size) == k.code_hash:
            return i
    raise HubError(f"{model} runs none of the model codes this hub accepts")


@dataclass(frozen=True, kw_only=True)
class Listed:
    """One hub entry as read back and checked against its contract."""

    model: str
    kind: str
    name: str
    uri: str
    classes: list[str]
    listed: bool
    problems: list[str]
    dense: bool
    trainer: int


def classes_of(model: Any) -> list[str]:
    names = []
    for i in range(16):
        n = model.class_names(i)
        if not n:
            break
        names.append(n)
    return names


def listing(
    hub: Any, provider: Any, contract_at: Any, include_withdrawn: bool = False
) -> list[Listed]:
    """Every entry, each checked again here: its code against its kind, its classes and
    encoder against the hashes the hub recorded. ``contract_at(address, kind_name)`` returns a
    contract instance. A mismatch is listed in ``problems``, never trusted."""
    kinds = read_kinds(hub)
    out = []
    for i in range(hub.model_count()):
        address = hub.models(i)
        e = hub.entries(address)
        if not e.listed and not include_withdrawn:
            continue
        kind = kinds[e.kind - 1]
        problems = []
        code = bytes(provider.get_code(address))
        if len(code) < kind.code_size or code_hash(code, kind.code_size) != kind.code_hash:
            problems.append(f"code is not {kind.name}")
            classes: list[str] = []
        else:
            model = contract_at(address, kind.name)
            classes = classes_of(model)
            if keccak(encode(["string[]"], [classes])) != bytes(e.classes_hash):
                problems.append("classes changed since registration (update the entry)")
            if keccak(text=model.encoder()) != bytes(e.encoder_hash):
                problems.append("encoder differs from the registered one")
        out.append(
            Listed(
                model=address,
                kind=kind.name,
                name=e.name,
                uri=e.uri,
                classes=classes,
                listed=e.listed,
                problems=problems,
                dense=kind.features == 2,
                trainer=kind.trainer,
            )
        )
    return out


@dataclass(frozen=True, kw_only=True)
class AccuracyRecord:
    evaluation: int
    test_set_hash: str
    samples: int
    correct: int
    block: int
    time: int
    contributions: int
    evaluator: str
    #: Times the evaluation was pinned: a record pinned more than once may count steps trained
    #: on its samples after a failed reveal showed them (no pool pays for it).
    pins: int = 1

    @property
    def accuracy(self) -> float:
        return self.correct / self.samples


def history(hub: Any, model: str) -> list[AccuracyRecord]:
    """The model's accuracy records, oldest first."""
    out = []
    for r in range(hub.record_count(model)):
        i = hub.records(model, r)
        e = hub.evaluations(i)
        out.append(
            AccuracyRecord(
                evaluation=i,
                test_set_hash="0x" + bytes(e.test_set_hash).hex(),
                samples=e.samples,
                correct=e.correct,
                block=e.block,
                time=e.time,
                contributions=e.contributions,
                evaluator=e.evaluator,
                pins=int(e.pins),
            )
        )
    return out


def commit(hub: Any, model: str, test_set: TestSet, sender: Any, chain_id: int) -> int:
    """Commit ``test_set`` for ``model``; returns the evaluation id."""
    receipt = hub.commit(
        model, test_set.commitments(chain_id, hub.address, sender.address), sender=sender
    )
    return int(receipt.return_value) if receipt.return_value is not None else hub.evaluation_count()


def reveal(
    hub: Any,
    evaluation: int,
    test_set: TestSet,
    sender: Any,
    model: Any,
    *,
    batch: int = MAX_BATCH,
    pin: bool = True,
) -> list[Any]:
    """Pin the evaluation (``ModelHub.pin``) unless a piece is out already, then reveal every
    piece left, ``batch`` pieces a transaction; returns the receipts. The pin is mined before
    any sample is sent (a step that read a pending reveal must land after the pin, where the
    hub takes it back). Each reveal of a pinned packed model lists the steps it took since
    the pin when one transaction takes them all (``MAX_STEPS``); otherwise it holds the
    pieces and takes the steps back with ``unwind`` (``unwind_all``) before the next batch.
    A reveal that fails on a step it did not list (``hub: model changed``, a front-run) may
    be sent again: the call lists it, or holds. ``pin=False``: reveal as the model is now,
    as before pins (all of a set of up to ``MAX_BATCH`` pieces at once)."""
    e = hub.evaluations(evaluation)
    if pin and e.revealed == 0 and e.pinned == 0:
        hub.pin(evaluation, sender=sender)
    receipts = unwind_all(hub, evaluation, test_set, model, sender)  # pieces held before
    e = hub.evaluations(evaluation)
    for i in range(e.revealed, e.pieces, batch):
        fn, args = reveal_call(hub, evaluation, test_set, model, i, min(i + batch, e.pieces))
        receipts.append(fn(*args, sender=sender))
        receipts += unwind_all(hub, evaluation, test_set, model, sender)
    return receipts


def reveal_calls(
    hub: Any, evaluation: int, test_set: TestSet, model: Any, batch: int = MAX_BATCH
) -> list[tuple[Any, tuple]]:
    """The reveal transactions ``reveal`` sends after its pin, as (method, arguments), against
    the model as it is now: what a fee preview prices before anything is sent (the ``unwind``
    calls a held reveal needs are not among them)."""
    e = hub.evaluations(evaluation)
    return [
        reveal_call(hub, evaluation, test_set, model, i, min(i + batch, e.pieces))
        for i in range(e.revealed, e.pieces, batch)
    ]


def reveal_call(
    hub: Any, evaluation: int, test_set: TestSet, model: Any, i: int, j: int
) -> tuple[Any, tuple]:
    """(method, arguments) revealing pieces ``i`` to ``j - 1``: unpinned, the update count
    now; pinned, the pinned count and the steps since the pin (``steps_since_pin``) when one
    transaction takes them all back, else no step and ``hold`` (``unwind`` takes them
    back)."""
    e = hub.evaluations(evaluation)
    fn = hub.reveal_dense if test_set.dense else hub.reveal_sparse
    head = (evaluation, *reveal_args(test_set, i, j))
    if e.pinned == 0:
        return fn, (*head, model.update_count())
    if test_set.dense:
        return fn, (*head, e.updates)
    steps = steps_since_pin(hub, evaluation, model)
    if len(steps) <= MAX_STEPS:
        return fn, (*head, e.updates, steps)
    return fn, (*head, e.updates, [], True)


def steps_since_pin(hub: Any, evaluation: int, model: Any) -> list[tuple]:
    """Every contribution to ``model`` after ``evaluation``'s pin that changed it, as
    ``reveal_sparse`` takes them back: (contribution, packed features), in id order. Empty
    for a model that takes no contributions or has not changed since the pin."""
    e = hub.evaluations(evaluation)
    if not e.pinned or int(model.update_count()) == int(e.updates):
        return []
    from sharedmodels.trainers.client import scan  # the trainer client imports Ape's world

    history = scan(model, int(e.pinned))
    return [
        (c.key(), c.args())
        for c in sorted(history, key=lambda c: c.id)
        if c.id > e.contributions and model.contribution(c.id).trained
    ]


def held(hub: Any, evaluation: int, test_set: TestSet, n_features: int) -> tuple | None:
    """The pieces of ``evaluation`` waiting for ``unwind`` as it restates them: (sizes, packed
    samples, labels, scores) from the latest ``StepsPending`` log, or None when none waits."""
    p = hub.pending(evaluation)
    if bytes(p.state) == bytes(32):
        return None
    e = hub.evaluations(evaluation)
    scores = None
    head = int(hub.provider.get_block("latest").number)
    for log in hub.StepsPending.range(
        e.commit_block, head + 1, search_topics={"evaluation": evaluation}
    ):
        if int(log.after) == int(p.after):
            scores = [int(v) for v in log.scores]
    if scores is None:
        raise HubError(f"evaluation {evaluation}: no StepsPending log for its held pieces")
    sizes: list[int] = []
    i = int(e.revealed)
    while sum(sizes) < len(scores):
        i -= 1
        sizes.insert(0, len(test_set.pieces[i]))
    samples = [s for piece in test_set.pieces[i : int(e.revealed)] for s in piece]
    words = [packed.pack(list(x), n_features) for x, _ in samples]
    return sizes, words, [int(y) for _, y in samples], scores


def unwind_chunks(
    hub: Any, evaluation: int, model: Any, gas: int = UNWIND_GAS
) -> list[list[tuple]]:
    """The steps ``unwind`` takes for ``evaluation``'s held pieces, in transactions: every
    contribution after the pending ``after`` up to ``last``, in id order (an untrained one
    with no features), at most ``MAX_UNWIND`` a transaction and, by their features, at most
    ``gas`` planned a transaction (``UNWIND_STEP_GAS`` a step and ``UNWIND_FEATURE_GAS`` a
    feature; a step alone above it still goes alone)."""
    from sharedmodels.trainers.client import scan  # the trainer client imports Ape's world

    p = hub.pending(evaluation)
    after, last = int(p.after), int(p.last)
    by_id = {c.id: c for c in scan(model, int(hub.evaluations(evaluation).pinned))}
    chunks: list[list[tuple]] = [[]]
    planned = 0
    zero = "0x" + "00" * 20
    for i in range(after + 1, last + 1):
        c = by_id.get(i)
        if c is None:
            raise HubError(f"contribution {i} not found in the model's history")
        step = ((c.key(), c.args()), []) if model.contribution(i).trained else None
        cost = UNWIND_STEP_GAS + (UNWIND_FEATURE_GAS * len(c.features) if step else 0)
        if chunks[-1] and (len(chunks[-1]) >= MAX_UNWIND or planned + cost > gas):
            chunks.append([])
            planned = 0
        planned += cost
        chunks[-1].append(step[0] if step else ((i, zero, 0, 0, 0), []))
    return [c for c in chunks if c]


def unwind_all(hub: Any, evaluation: int, test_set: TestSet, model: Any, sender: Any) -> list[Any]:
    """Send every ``unwind`` the held pieces of ``evaluation`` still need (anyone may), each
    the next chunk of ``unwind_chunks`` halved until the node's estimate fits ``UNWIND_GAS``
    (a single step goes as it is); returns the receipts (none when nothing waits)."""
    receipts: list[Any] = []
    if test_set.dense:
        return receipts
    if bytes(hub.pending(evaluation).state) == bytes(32):
        return receipts
    n_features = int(model.n_features())
    while (state := held(hub, evaluation, test_set, n_features)) is not None:
        chunk = unwind_chunks(hub, evaluation, model)[0]
        while len(chunk) > 1 and _unwind_gas(hub, evaluation, state, chunk, sender) is None:
            chunk = chunk[: len(chunk) // 2]
        receipts.append(hub.unwind(evaluation, *state, chunk, sender=sender))
    return receipts


def _unwind_gas(hub: Any, evaluation: int, state: tuple, chunk: list, sender: Any) -> int | None:
    """The node's gas estimate of ``unwind`` for ``chunk``, or None if it fails for gas or is
    above ``UNWIND_GAS`` (a refusal with the hub's reason is raised)."""
    try:
        gas = int(hub.unwind.estimate_gas_cost(evaluation, *state, chunk, sender=sender))
    except Exception as e:  # noqa: BLE001 (out of gas, or over the node's block gas limit)
        if "hub: " in str(e):
            raise
        return None
    return gas if gas <= UNWIND_GAS else None


def reveal_args(test_set: TestSet, i: int, j: int) -> tuple[list, list, list]:
    """(salts, sizes, samples) of pieces ``i`` to ``j - 1``, as ``reveal_sparse`` takes them."""
    pieces = test_set.pieces[i:j]
    return (
        list(test_set.salts[i:j]),
        [len(p) for p in pieces],
        [(list(x), y) for p in pieces for x, y in p],
    )


def scored_test(
    hub: Any, evaluation: int, test_set: TestSet, n_features: int
) -> list[ScoredSample]:
    """The closing set of ``evaluation`` as ``HubPool.enter`` takes it: each sample packed as
    the hub packed it, with the model's score from the evaluation's ``PieceScored`` logs."""
    e = hub.evaluations(evaluation)
    scores: dict[int, list[int]] = {}
    for log in hub.PieceScored.range(
        e.commit_block, e.block + 1, search_topics={"evaluation": evaluation}
    ):
        scores[int(log.piece)] = [int(v) for v in log.scores]
    out = []
    for i, piece in enumerate(test_set.pieces):
        for (x, y), s in zip(piece, scores[i], strict=True):
            out.append(ScoredSample(tuple(x), tuple(packed.pack(x, n_features)), int(y), s))
    return out


# ---------------------------------------------------------------- pools


@dataclass(frozen=True, kw_only=True)
class PeriodState:
    period: int
    evaluator: str
    evaluation: int
    budget: int
    paid: int
    first_id: int
    last_id: int
    entry_deadline: int
    shares: int


def periods(pool: Any, model: str) -> list[PeriodState]:
    """Every period of every pool of ``model`` (``pool``: the ``HubPool``), in the order they
    closed."""
    out = []
    for p in range(pool.period_count(model)):
        s = pool.periods(model, p)
        out.append(
            PeriodState(
                period=p,
                evaluator=s.evaluator,
                evaluation=s.evaluation,
                budget=s.budget,
                paid=s.paid,
                first_id=s.first_id,
                last_id=s.last_id,
                entry_deadline=s.entry_deadline,
                shares=s.shares,
            )
        )
    return out


def pools(pool: Any, model: str) -> dict[str, int]:
    """evaluator -> the wei its pool on ``model`` holds (``pool``: the ``HubPool``)."""
    out = {}
    for i in range(pool.pool_count(model)):
        evaluator = pool.pool_evaluators(model, i)
        out[evaluator] = int(pool.pools(model, evaluator).available)
    return out


def conservation(pool: Any, provider: Any, models: Sequence[str]) -> tuple[int, int]:
    """(what the pool contract holds, what its books say it owes): the pools' available wei
    plus every period's unpaid budget, over ``models`` (every model with a pool, for the
    ``ok`` line)."""
    owed = 0
    for m in models:
        owed += sum(pools(pool, m).values())
        owed += sum(p.budget - p.paid for p in periods(pool, m))
    return provider.get_balance(pool.address), owed


def pooled_models(hub: Any) -> list[str]:
    return [hub.models(i) for i in range(hub.model_count())]


def eligible(
    hub: Any, pool: Any, trainer: Any, period: int, *, history: Any, test: Sequence[ScoredSample]
) -> list[tuple[Any, int]]:
    """(contribution, shares) for every contribution of ``period`` that ``enter`` would take:
    in the period, not entered, trained (it changed the model), and with a net push toward
    the closing labels above 0 (``rules.pushed``), whatever the trainer holds of its refund
    or report."""
    p = pool.periods(trainer.address, period)
    out = []
    for c in history:
        if not p.first_id <= c.id <= p.last_id or pool.entered(trainer.address, period, c.id):
            continue
        r = trainer.contribution(c.id)
        if not r.trained:
            continue
        shares = pushed(c.features, c.label, test)
        if shares > 0:
            out.append((c, shares))
    return out


def revealed_set(hub: Any, provider: Any, evaluation: int) -> TestSet:
    """A sparse evaluation's test set as its reveal transactions showed it (anyone can read
    it back once revealed): the calldata of each reveal that scored or held a piece."""
    e = hub.evaluations(evaluation)
    found = []  # a held reveal logs StepsPending, its pieces are scored by a later unwind
    for event in (hub.PieceScored, hub.StepsPending):
        for log in event.range(
            e.commit_block, e.block + 1, search_topics={"evaluation": evaluation}
        ):
            h = log.transaction_hash
            found.append(
                (
                    log.block_number,
                    log.log_index,
                    h if isinstance(h, str) else "0x" + bytes(h).hex(),
                )
            )
    hashes: list[str] = []
    for _, _, h in sorted(found):
        if h not in hashes:
            hashes.append(h)
    pieces: list[list] = []
    salts: list[bytes] = []
    for h in hashes:
        data = provider.web3.eth.get_transaction(h)["input"]
        _, args = hub.decode_input(bytes(data))
        if "samples_" not in args:
            continue  # an unwind

        samples = list(args["samples_"])
        at = 0
        for salt, size in zip(args["salts"], args["sizes"], strict=True):
            chunk = samples[at : at + size]
            pieces.append([(list(_field(x, "x", 0)), int(_field(x, "y", 1))) for x in chunk])
            salts.append(bytes(salt))
            at += size
    if len(pieces) != e.pieces:
        raise HubError(f"evaluation {evaluation} is not fully revealed")
    return TestSet(pieces, salts, dense=False)


def _field(item: Any, name: str, index: int) -> Any:
    if isinstance(item, dict):
        return item[name]
    if hasattr(item, name):
        return getattr(item, name)
    return item[index]


def enter_eligible(
    hub: Any,
    pool: Any,
    trainer: Any,
    period: int,
    *,
    history: Any,
    test_set: TestSet | None,
    sender: Any,
    provider: Any = None,
    receipts: list | None = None,
    skipped: list | None = None,
) -> list[int]:
    """Enter every contribution of ``period`` that ``enter`` takes (``eligible``), up to
    ``MAX_ENTER`` a transaction and ``ENTER_GAS`` of estimated gas; ``history``: the
    trainer's history from ``trainers.client.scan``, ``test_set``: the period's closing set
    (None: read it back from its reveal transactions through ``provider``). A contribution
    whose ``enter`` alone the node cannot fit under ``ENTER_GAS`` (its cost grows with its
    size times the closing set's) is left out, so that it does not keep the others out; its
    id goes to ``skipped`` when given. Returns the ids entered; the transactions' receipts
    are appended to ``receipts`` when given."""
    p = pool.periods(trainer.address, period)
    if test_set is None:
        test_set = revealed_set(hub, provider, p.evaluation)
    test = scored_test(hub, p.evaluation, test_set, int(trainer.n_features()))
    found = eligible(hub, pool, trainer, period, history=history, test=test)
    args = [t.as_tuple() for t in test]
    costs = []
    for c, _ in found:
        gas = _enter_gas(
            pool, trainer, period, batch=[(c.key(), c.args())], args=args, sender=sender
        )
        if gas is None:
            if skipped is not None:
                skipped.append(c.id)
        else:
            costs.append((c, gas))
    # Batches by estimated gas: the sum of the entries' own estimates (each counts the
    # closing set's check once more than the batch pays, so the sum is above the batch's).
    batches: list[list[Any]] = []
    used = ENTER_GAS
    for c, gas in costs:
        if used + gas > ENTER_GAS or len(batches[-1]) >= MAX_ENTER:
            batches.append([])
            used = 0
        batches[-1].append(c)
        used += gas
    for batch in batches:
        receipt = pool.enter(
            trainer.address, period, [(c.key(), c.args()) for c in batch], args, sender=sender
        )
        if receipts is not None:
            receipts.append(receipt)
    return [c.id for batch in batches for c in batch]


def _enter_gas(
    pool: Any, trainer: Any, period: int, *, batch: list, args: list, sender: Any
) -> int | None:
    """The node's gas estimate of ``enter`` for ``batch``, or None if it fails or is above
    ``ENTER_GAS``."""
    try:
        gas = int(pool.enter.estimate_gas_cost(trainer.address, period, batch, args, sender=sender))
    except Exception as e:  # noqa: BLE001 (out of gas, or over the node's block gas limit)
        if "hub: " in str(e):
            raise  # a refusal with the pool's reason is the caller's to see
        return None
    return gas if gas <= ENTER_GAS else None


def cancel_eligible(
    hub: Any,
    pool: Any,
    trainer: Any,
    period: int,
    *,
    history: Any,
    test_set: TestSet | None,
    sender: Any,
    provider: Any = None,
    receipts: list | None = None,
) -> list[tuple[int, int, int]]:
    """Send every cancellation ``HubPool.cancel`` takes in ``period``, then every move of a cut
    ``HubPool.move_cut`` takes, until neither is left: an entered contribution whose step
    another contribution of the period (the other label, trained) undid on the features both
    carry (``rules.cancellation``), each feature of each step used once; then each cut handed
    on to the latest entered step of the same label that carries the feature uncut and has
    the shares to carry the whole cut (``rules.moving``), whoever sent the cancellations
    before. Cancellations go first where
    they cut a step sent after the step that undid it, then largest cut first (fewer moves
    after). Each cancel pays ``sender`` back out of the period's budget (``KeeperPaid``: its
    gas at the block's base fee, at most what the shares it cut were worth,
    ``rules.keeper_pay``); a move is paid only for the shares the period lost by it (nothing
    for a pure move).
    Returns, for each one sent, (id cut, id that undid it, shares cut) or for a move
    (id the cut moved to, id it left, shares the period lost by it: cut less restored), so
    that the third numbers add up to what the period's shares lost."""
    p = pool.periods(trainer.address, period)
    if test_set is None:
        test_set = revealed_set(hub, provider, p.evaluation)
    test = scored_test(hub, p.evaluation, test_set, int(trainer.n_features()))
    args = [t.as_tuple() for t in test]
    mine = [c for c in history if p.first_id <= c.id <= p.last_id]
    trained = [c for c in mine if trainer.contribution(c.id).trained]
    model = trainer.address
    entered = {c.id for c in mine if pool.entered(model, period, c.id)}
    standing = {c.id: int(pool.entry_shares(model, period, c.id)) for c in mine}
    done = {c.id: _bits_set(pool.undone, model, period, c) for c in mine}
    cut = {c.id: _bits_set(pool.cut_bits, model, period, c) for c in mine}
    sent = []

    def send(call, c, o):
        receipt = call(model, period, (c.key(), c.args()), (o.key(), o.args()), args, sender=sender)
        if receipts is not None:
            receipts.append(receipt)
        for k in (c.id, o.id):
            standing[k] = int(pool.entry_shares(model, period, k))
        return receipt

    while True:
        best = None
        for c in mine:
            if standing[c.id] == 0:
                continue
            for o in trained:
                if o.label == c.label:
                    continue
                worth, used_c, used_o = cancellation(
                    c.features,
                    c.label,
                    o.features,
                    test,
                    done_target=done[c.id],
                    done_other=done[o.id],
                )
                # A step that re-teaches what another undid goes first (fifth review), then the
                # largest cut; on a tie the pair sharing more features.
                rank = (c.id > o.id, min(worth, standing[c.id]), len(used_c))
                if worth > 0 and (best is None or rank > best[0]):
                    best = (rank, c, o, used_c, used_o)
        if best is not None:
            _, c, o, used_c, used_o = best
            before = standing[c.id]
            send(pool.cancel, c, o)
            done[c.id] |= used_c
            cut[c.id] |= used_c
            done[o.id] |= used_o
            sent.append((c.id, o.id, before - standing[c.id]))
            continue
        move = None
        for a in mine:
            if not cut[a.id]:
                continue
            for b in reversed(mine):  # the latest step first
                if b.id <= a.id or b.label != a.label or b.id not in entered:
                    continue
                worth, out_a, in_b = moving(
                    a.features,
                    a.label,
                    b.features,
                    test,
                    cut_source=cut[a.id],
                    done_dest=done[b.id],
                )
                if 0 < worth <= standing[b.id]:  # the later step carries the whole cut
                    move = (a, b, out_a, in_b)
                    break
            if move is not None:
                break
        if move is None:
            return sent
        a, b, out_a, in_b = move
        before = standing[a.id] + standing[b.id]
        send(pool.move_cut, a, b)
        done[a.id] -= out_a
        cut[a.id] -= out_a
        done[b.id] |= in_b
        cut[b.id] |= in_b
        sent.append((b.id, a.id, before - standing[a.id] - standing[b.id]))


def _bits_set(getter: Any, model: str, period: int, c: Any) -> set[int]:
    """The positions of ``c``'s sorted features set in one of the pool's per-contribution
    bitmaps in ``period`` (``undone``: cancelled either way; ``cut_bits``: cut)."""
    words = [int(getter(model, period, c.id, k)) for k in range(4)]
    return {i for i in range(len(c.features)) if (words[i // 256] >> (i % 256)) & 1}


def claim_all(pool: Any, model: str, who: Any, now: int) -> list[tuple[int, int]]:
    """Claim every period of ``model`` where ``who`` has unclaimed shares and the entries
    closed before ``now``; returns (period, wei) pairs."""
    out = []
    for p in periods(pool, model):
        if now <= p.entry_deadline or pool.shares(model, p.period, who.address) == 0:
            continue
        if pool.claimed(model, p.period, who.address):
            continue
        receipt = pool.claim(model, p.period, sender=who)
        out.append((p.period, int(receipt.decode_logs(pool.RewardClaimed)[0].amount)))
    return out
