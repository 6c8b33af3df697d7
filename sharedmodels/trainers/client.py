"""Client of the collaborative trainers (``<Model>Stake`` and ``<Model>Points``, any model).

The contracts keep one storage word per contribution and bind everything static about it
(contributor, time, label, deposit, features) by hash; see ``contracts/data/data_handler.vy``.
So every client action starts from chain history: the ``ContributionAdded`` event gives the
static fields and the calldata of its transaction gives the features. ``scan`` rebuilds that
history (the whole crowd-built dataset, every claim) from logs alone; ``eligibility`` says,
for one account, which contributions it can refund or report now and why not the others.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from typing import Any

from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address

from sharedmodels.encoding.packed import as_x, is_packed, packer, unpack
from sharedmodels.errors import InputError
from sharedmodels.registry import MODELS, contract_names
from sharedmodels.rpc.logs import get_logs
from sharedmodels.rpc.reads import RPC, decode_log, event_topic, view_many
from sharedmodels.units import HOUR

#: Incentive kinds a deployment may use; "none" is the standalone owner-trained model.
INCENTIVES = ("stake", "points", "none")
_CONTRACTS = {
    (name, incentive): contract
    for name, spec in MODELS.items()
    for incentive, contract in contract_names(spec).items()
}
_BINDING_SHIFT = 99
_ADD_DATA_SELECTOR = keccak(text="addData(uint32[],uint8)")[:4]
_ADD_DENSE_SELECTOR = keccak(text="addData(int64[],uint8)")[:4]
#: The sparse Perceptron's trainers take packed words (``sharedmodels.encoding.packed``).
_ADD_PACKED_SELECTOR = keccak(text="addData(uint256[],uint8)")[:4]
_BATCH_ITEM = "(address,uint256[],uint8,uint256,uint256,uint8,bytes32,bytes32)"
_BATCH_SELECTOR = keccak(text=f"addDataBatch({_BATCH_ITEM}[])")[:4]
_CONTRIBUTING = (_ADD_DATA_SELECTOR, _ADD_DENSE_SELECTOR, _ADD_PACKED_SELECTOR, _BATCH_SELECTOR)
#: Seconds per hour in the deposit formula ``cost_weight * HOUR // isqrt(elapsed)``: 60 x
#: ``cost_weight`` after a quiet hour, ``cost_weight`` itself after 3600**2 s (150 days).


def contract_name(model: str, incentive: str) -> str:
    try:
        return _CONTRACTS[(model, incentive)]
    except KeyError:
        raise InputError(f"no contract for model {model!r} with incentive {incentive!r}") from None


# ---------------------------------------------------------------- incentive parameters


@dataclass(frozen=True)
class Incentive:
    """Deploy-time parameters of an incentive."""

    kind: str = "stake"
    _: KW_ONLY
    refund_wait: int = 86_400
    owner_wait: int = 3 * 86_400
    any_wait: int = 7 * 86_400
    cost_weight: int = 10**15
    #: Judge refunds and reports by the model without the contribution's own training.
    leave_one_out: bool = False

    def __post_init__(self) -> None:
        if self.kind not in INCENTIVES:
            raise InputError(f"unknown incentive {self.kind!r}: choose {', '.join(INCENTIVES)}")
        if min(self.refund_wait, self.owner_wait, self.any_wait, self.cost_weight) < 0:
            raise InputError("waits and cost weight must not be negative")
        if self.kind == "stake":
            if not self.refund_wait <= self.owner_wait <= self.any_wait:
                raise InputError(
                    "waits must satisfy refund-wait <= owner-wait <= any-wait, got "
                    f"{self.refund_wait} / {self.owner_wait} / {self.any_wait}"
                )
            if self.cost_weight >= 2**96 // HOUR:
                raise InputError("cost weight too large: a deposit must stay below 2**96 wei")

    def constructor_args(self) -> list[int]:
        if self.kind == "stake":
            return [
                self.refund_wait,
                self.owner_wait,
                self.any_wait,
                self.cost_weight,
                self.leave_one_out,
            ]
        if self.kind == "points":
            return [self.refund_wait, self.leave_one_out]
        return []

    @property
    def judging(self) -> str:
        """The judging rule in words, as the CLI and the manifests name it."""
        return "leave-one-out" if self.leave_one_out else "as-is"

    def settings(self) -> dict:
        if self.kind == "stake":
            return {
                "kind": "stake",
                "refund_wait": self.refund_wait,
                "owner_wait": self.owner_wait,
                "any_wait": self.any_wait,
                "cost_weight": self.cost_weight,
                "judging": self.judging,
            }
        if self.kind == "points":
            return {"kind": "points", "refund_wait": self.refund_wait, "judging": self.judging}
        return {"kind": "none"}

    def deposit(self, elapsed: int) -> int:
        """The deposit after ``elapsed`` quiet seconds, as the contract computes it."""
        if self.kind != "stake":
            return 0
        from math import isqrt

        return self.cost_weight * HOUR // isqrt(max(elapsed, 1))

    @property
    def max_deposit(self) -> int:
        """The deposit when another contribution landed in the same second: always enough."""
        return self.deposit(1)


def incentive_of(contract: Any) -> Incentive:
    """Read the incentive parameters back from a deployed trainer."""
    abi = {m.name for m in contract.contract_type.view_methods}
    loo = bool(contract.leave_one_out()) if "leave_one_out" in abi else False
    if "cost_weight" in abi:
        return Incentive(
            "stake",
            refund_wait=int(contract.refund_wait()),
            owner_wait=int(contract.owner_wait()),
            any_wait=int(contract.any_wait()),
            cost_weight=int(contract.cost_weight()),
            leave_one_out=loo,
        )
    if "leaderboard" in abi:
        wait = int(contract.refund_wait())
        return Incentive(
            "points",
            refund_wait=wait,
            owner_wait=wait,
            any_wait=wait,
            cost_weight=0,
            leave_one_out=loo,
        )
    return Incentive("none")


# ---------------------------------------------------------------- contributions


def features_hash(row: Sequence[int]) -> bytes:
    """keccak256 of the ABI-encoded features, as the contract hashes them.

    Sparse rows are ``uint32[]``, a sparse Perceptron's packed words ``uint256[]`` and dense rows
    ``int64[]``; the ABI writes each as one 32-byte word per value (sign-extended when negative),
    so ``uint256[]`` encodes any list without a negative value and ``int256[]`` any other."""
    values = [int(v) for v in row]
    return keccak(encode(["uint256[]" if min(values, default=0) >= 0 else "int256[]"], [values]))


@dataclass(kw_only=True)
class Contribution:
    """One contribution as recorded: its static fields, features and what happened since."""

    id: int
    contributor: str
    time: int
    label: int
    deposit: int
    features: tuple[int, ...] = ()
    #: The ``x`` the contribution was sent with when it is not ``features`` itself (a sparse
    #: Perceptron's packed words): refund, report and verdict restate it, and the record binds
    #: its hash.
    x: tuple[int, ...] | None = None
    tx_hash: str = ""
    block: int = 0
    refunded: int | None = None  # wei refunded (stake) or 0 (points) once the contributor claimed
    reports: list[tuple[str, int]] = field(default_factory=list)  # (reporter, wei)
    taken: tuple[str, int, bool] | None = None  # (taker, wei, as owner)
    rejected_by: str | None = None  # points: who marked it bad
    point: bool = False  # points: the contributor's claim earned a point (no money)

    @classmethod
    def from_log(cls, log: Any, features: Sequence[int] = ()) -> Contribution:
        """The contribution a ``ContributionAdded`` event records, sent with ``features``."""
        return cls(
            id=int(log.id),
            contributor=str(log.contributor),
            time=int(log.time),
            label=int(log.label),
            deposit=int(log.deposit),
            features=tuple(features),
        )

    def key(self) -> tuple:
        """The ``Contribution`` struct the contract takes."""
        return (self.id, self.contributor, self.time, self.label, self.deposit)

    def args(self) -> list[int]:
        """The ``x`` to restate to the trainer: what the contribution was sent with."""
        return list(self.features if self.x is None else self.x)

    @property
    def features_hash(self) -> bytes:
        return features_hash(self.args())

    def binding(self) -> int:
        """The 157-bit binding the data handler stores for this contribution."""
        digest = keccak(
            encode(
                ["uint256", "address", "uint256", "uint8", "uint256", "bytes32"],
                [
                    self.id,
                    self.contributor,
                    self.time,
                    self.label,
                    self.deposit,
                    self.features_hash,
                ],
            )
        )
        return int.from_bytes(digest, "big") >> _BINDING_SHIFT

    @property
    def paid_out(self) -> int:
        return (self.refunded or 0) + sum(a for _, a in self.reports) + (self.taken or ("", 0))[1]

    @property
    def remaining(self) -> int:
        """Wei still claimable, from history alone."""
        return self.deposit - self.paid_out

    def state(self, now: int, refund_wait: int) -> str:
        if self.refunded is not None:
            return "validated" if self.point else "refunded"
        if self.rejected_by is not None:
            return "rejected"
        if self.taken is not None:
            return "taken"
        if self.reports:
            return "reported" if self.remaining == 0 else "partly reported"
        if now < self.time + refund_wait:
            return "waiting"
        return "open"


@dataclass
class History:
    """Everything a trainer has recorded, rebuilt from its logs and transactions."""

    contributions: dict[int, Contribution] = field(default_factory=dict)
    last_block: int = 0

    def __len__(self) -> int:
        return len(self.contributions)

    def __iter__(self):
        return iter(self.contributions[i] for i in sorted(self.contributions))

    def by(self, address: str) -> list[Contribution]:
        a = address.lower()
        return [c for c in self if c.contributor.lower() == a]

    def paid_in(self) -> int:
        return sum(c.deposit for c in self)

    def owed(self) -> int:
        """Wei the contract should hold: deposits not yet paid out (the wei invariant)."""
        return sum(c.remaining for c in self)


_CLAIM_EVENTS = (
    "DepositRefunded",
    "DepositReported",
    "DepositTaken",
    "PointEarned",
    "ContributionRejected",
)


def scan(
    contract: Any,
    from_block: int = 0,
    to_block: int | None = None,
    features: bool = True,
    rpc: RPC | None = None,
) -> History:
    """Rebuild a trainer's history from chain data alone.

    Contributions come from ``ContributionAdded`` logs, their features from the ``addData``
    calldata of the logging transaction (or, when the trainer was called by another contract,
    from that transaction's call trace), and claims from the incentive's events. A sponsored
    batch logs ``ContributionAdded`` or ``ContributionSkipped`` for each item, in item order,
    which says which items' features belong to a contribution.
    """
    rpc = rpc or RPC()
    if to_block is None:
        to_block = int(rpc.call("eth_blockNumber", []), 16)
    address = str(contract.address)
    names = ["ContributionAdded", "ContributionSkipped"] + list(_CLAIM_EVENTS)
    names = [n for n in names if hasattr(contract, n)]
    topics = {event_topic(contract, n): n for n in names}
    query = {"address": address, "topics": [list(topics)]}
    logs = get_logs(rpc, query, from_block=from_block, to_block=to_block)
    logs.sort(key=lambda g: (int(g["blockNumber"], 16), int(g["logIndex"], 16)))
    history = History(last_block=to_block)
    # Per transaction, one entry per contributing item in log order (None: a skipped item).
    items: dict[str, list[Contribution | None]] = {}
    for log in logs:
        name = topics[log["topics"][0]]
        if name == "ContributionSkipped":
            items.setdefault(log["transactionHash"], []).append(None)
            continue
        f = decode_log(getattr(contract, name).abi, log)
        if name == "ContributionAdded":
            c = history.contributions[f["id"]] = Contribution(
                id=f["id"],
                contributor=to_checksum_address(f["contributor"]),
                time=f["time"],
                label=f["label"],
                deposit=f["deposit"],
                tx_hash=log["transactionHash"],
                block=int(log["blockNumber"], 16),
            )
            items.setdefault(c.tx_hash, []).append(c)
            continue
        c = history.contributions[f["id"]]
        if name == "DepositRefunded":
            c.refunded = f["amount"]
        elif name == "PointEarned":
            c.refunded = 0
            c.point = True
        elif name == "DepositReported":
            c.reports.append((to_checksum_address(f["reporter"]), f["amount"]))
        elif name == "DepositTaken":
            c.taken = (to_checksum_address(f["taker"]), f["amount"], f["as_owner"])
        elif name == "ContributionRejected":
            c.rejected_by = to_checksum_address(f["reporter"])
    if features:
        packed = int(contract.n_features()) if is_packed(contract) else 0
        _attach_features(items, address, rpc, packed)
    return history


def _attach_features(
    by_tx: dict[str, list[Contribution | None]],
    address: str,
    rpc: RPC,
    packed: int = 0,
    window: int = 256,
) -> None:
    """Give each contribution its features: ``by_tx`` lists, per transaction, the items its
    calls into the trainer carried, in order (None for a batch item that was skipped).
    ``packed``: the trainer's ``n_features`` when it takes packed words (else 0)."""
    by_tx = {h: found for h, found in by_tx.items() if any(found)}
    hashes = list(by_tx)
    for start in range(0, len(hashes), window):
        part = hashes[start : start + window]
        txs = rpc.batch([("eth_getTransactionByHash", [h]) for h in part])
        for h, tx in zip(part, txs, strict=True):
            found = by_tx[h]
            rows: list[tuple[int, ...]] = []
            if (tx.get("to") or "").lower() == address.lower():
                rows = _rows_in(tx["input"])
            if len(rows) != len(found):
                rows = [r for data in _traced_calls(rpc, h, address) for r in _rows_in(data)]
            if len(rows) != len(found):
                raise RuntimeError(f"cannot recover the features of transaction {h}")
            for c, row in zip(found, rows, strict=True):
                if c is not None and packed:
                    c.features = tuple(unpack(row, packed))
                    c.x = row
                elif c is not None:
                    c.features = row


def _rows_in(data: str) -> list[tuple[int, ...]]:
    """The feature rows one call into the trainer carried: ``addData`` or a sponsored
    ``addDataBatch`` (every item, recorded or skipped)."""
    selector, body = bytes.fromhex(data[2:10]), bytes.fromhex(data[10:])
    if selector == _ADD_DATA_SELECTOR:
        x, _ = decode(["uint32[]", "uint8"], body)
        return [tuple(x)]
    if selector == _ADD_DENSE_SELECTOR:
        x, _ = decode(["int64[]", "uint8"], body)
        return [tuple(x)]
    if selector == _ADD_PACKED_SELECTOR:
        x, _ = decode(["uint256[]", "uint8"], body)
        return [tuple(x)]
    if selector == _BATCH_SELECTOR:
        (items,) = decode([f"{_BATCH_ITEM}[]"], body)
        return [tuple(item[1]) for item in items]
    return []


def _traced_calls(rpc: RPC, tx_hash: str, address: str) -> list[str]:
    """Inputs of every contributing call into ``address`` inside a transaction, in order."""
    trace = rpc.call("debug_traceTransaction", [tx_hash, {"tracer": "callTracer"}])
    out: list[str] = []

    def walk(frame: dict) -> None:
        data = frame.get("input", "0x")
        if (
            (frame.get("to") or "").lower() == address.lower()
            and bytes.fromhex(data[2:10]) in _CONTRIBUTING
            and not frame.get("error")
        ):
            out.append(data)
        for child in frame.get("calls", []):
            walk(child)

    walk(trace)
    return out


# ---------------------------------------------------------------- records and eligibility


@dataclass(frozen=True)
class Record:
    claimable: int
    good: bool
    bad: bool
    trained: bool  # the model changed on it (what leave-one-out judging takes out)
    binding: int


def records(contract: Any, ids: Iterable[int]) -> dict[int, Record]:
    """The stored words of many contributions, in batched ``eth_call``s."""
    ids = list(ids)
    raw = view_many(contract.contribution, ([i] for i in ids), "(uint256,bool,bool,bool,uint256)")
    return {i: Record(*r) for i, r in zip(ids, raw, strict=True)}


def verify(history: History, stored: dict[int, Record]) -> list[int]:
    """Ids whose rebuilt fields or features do not match the on-chain binding or balance."""
    bad = []
    for c in history:
        r = stored.get(c.id)
        if r is None or r.binding != c.binding() or r.claimable != c.remaining:
            bad.append(c.id)
    return bad


@dataclass
class Verdict:
    contribution: Contribution
    reason: str | None  # None: eligible now

    @property
    def eligible(self) -> bool:
        return self.reason is None


def _wait_text(seconds: int) -> str:
    if seconds >= 86_400:
        return f"{seconds / 86_400:.1f} d"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds} s"


def eligibility(
    action: str,
    history: History,
    incentive: Incentive,
    *,
    account: str,
    now: int,
    predictions: dict[int, int],
    good_count: int = 0,
    is_owner: bool = False,
    total_good: int = 0,
) -> list[Verdict]:
    """Which contributions ``account`` may ``refund``, ``report`` or ``take`` at time ``now``.

    Mirrors the contract's checks in its order so each ineligible contribution gets the
    reason the contract would revert with. ``predictions`` holds the class the contract
    judges each contribution by now (its ``verdict``).
    """
    me = account.lower()
    out = []
    for c in history:
        own = c.contributor.lower() == me
        age = now - c.time
        reason = None
        if action == "refund":
            if not own:
                continue
            if c.refunded is not None:
                reason = "already refunded"
            elif c.rejected_by is not None:
                reason = "already marked bad"
            elif c.remaining == 0 and c.deposit > 0:
                reason = "deposit reported or taken"
            elif age < incentive.refund_wait:
                reason = f"too early (eligible in {_wait_text(incentive.refund_wait - age)})"
            elif predictions[c.id] != c.label:
                reason = "model disagrees"
        elif action == "report":
            if own:
                continue
            if age < incentive.refund_wait:
                reason = f"too early (eligible in {_wait_text(incentive.refund_wait - age)})"
            elif incentive.kind == "points":
                if c.refunded is not None or c.rejected_by is not None:
                    reason = "already validated"
                elif predictions[c.id] == c.label:
                    reason = "model agrees"
            elif any(r.lower() == me for r, _ in c.reports):
                reason = "already reported"
            elif c.remaining == 0:
                reason = "nothing left"
            elif predictions[c.id] == c.label:
                reason = "model agrees"
            elif good_count == 0:
                reason = "you have no good contributions yet"
            elif c.deposit * good_count // max(total_good, good_count) == 0:
                reason = "your share rounds to 0 wei"
        elif action == "take":
            if own:
                continue
            wait = incentive.owner_wait if is_owner else incentive.any_wait
            if c.remaining == 0:
                reason = "nothing left"
            elif age < wait:
                reason = f"too early (eligible in {_wait_text(wait - age)})"
        else:
            raise InputError(f"unknown action {action!r}")
        out.append(Verdict(c, reason))
    return out


def _restated(to_x: Any, c: Contribution) -> list[int]:
    """The ``x`` to restate for ``c``: as it was sent when known, else as this library sends
    it (``to_x``, a ``packer``: packed for a sparse Perceptron)."""
    return list(c.x) if c.x is not None else to_x(c.features)


def current_predictions(contract: Any, items: Iterable[Contribution]) -> dict[int, int]:
    """The class refund and report compare with each contribution's label now: the trainer's
    ``verdict`` (which applies its judging rule)."""
    items = list(items)
    to_x = packer(contract)
    raw = view_many(contract.verdict, ([c.key(), _restated(to_x, c)] for c in items), "uint8")
    return {c.id: int(p) for c, p in zip(items, raw, strict=True)}


def reason_counts(verdicts: Sequence[Verdict]) -> Counter:
    return Counter(v.reason.split(" (")[0] for v in verdicts if v.reason)


# ---------------------------------------------------------------- actions


@dataclass
class Added:
    id: int
    gas: int
    deposit: int
    receipt: Any = None


def add_data(contract: Any, sender: Any, row: Sequence[int], label: int, value: int) -> Added:
    """One ``addData`` through Ape; ``value`` should be at least ``next_deposit()``."""
    receipt = contract.addData(as_x(contract, row), label, sender=sender, value=value)
    (log,) = receipt.decode_logs(contract.ContributionAdded)
    return Added(int(log.id), int(receipt.gas_used), int(log.deposit), receipt)


def claim_args(contract: Any, action: str, c: Contribution) -> tuple:
    """The arguments of ``refund``/``report``/``take`` for ``c``: its key, then its features
    restated (``take``: their hash)."""
    x = _restated(packer(contract), c)
    return (c.key(), features_hash(x)) if action == "take" else (c.key(), x)


def claim(contract: Any, sender: Any, action: str, c: Contribution) -> tuple[int, int]:
    """``refund``/``report``/``take`` one contribution; returns (wei received, gas used)."""
    receipt = getattr(contract, action)(*claim_args(contract, action, c), sender=sender)
    names = [n for n in _CLAIM_EVENTS if hasattr(contract, n)]
    amount = 0
    for name in names:
        for log in receipt.decode_logs(getattr(contract, name)):
            amount += int(getattr(log, "amount", 0) or 0)
    return amount, int(receipt.gas_used)


# ---------------------------------------------------------------- export


EXPORT_COLUMNS = (
    "id",
    "contributor",
    "time",
    "block",
    "label",
    "class",
    "deposit",
    "state",
    "features",
)


def export_csv(
    history: History, path: Path, class_names: Sequence[str], now: int, refund_wait: int
) -> int:
    """Write the crowd-built dataset; features are space-separated indices. Returns rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(EXPORT_COLUMNS)
        for c in history:
            w.writerow(
                [
                    c.id,
                    c.contributor,
                    c.time,
                    c.block,
                    c.label,
                    class_names[c.label] if c.label < len(class_names) else "",
                    c.deposit,
                    c.state(now, refund_wait),
                    " ".join(str(j) for j in c.features),
                ]
            )
    tmp.replace(path)
    return len(history)


def read_export(path: Path) -> list[dict]:
    """Rows of an export, features as a tuple of ints (for round-trip checks)."""
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["features"] = tuple(int(j) for j in r["features"].split())
        for k in ("id", "time", "block", "label", "deposit"):
            r[k] = int(r[k])
    return rows
