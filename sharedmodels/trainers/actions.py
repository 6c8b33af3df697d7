"""The jobs behind the trainer scripts (contribute, refund, report, status) and the demo.

Each takes Ape objects (contract, account) so scripts, tests, the demo and ``ape console``
share one code path on any network.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sharedmodels.encoding.packed import packer
from sharedmodels.errors import InputError, SharedModelsError
from sharedmodels.rpc.fastpath import NodeStalled, call_in_order, can_pipeline
from sharedmodels.rpc.reads import NodeRefused, decode_event
from sharedmodels.trainers.client import (
    Added,
    Contribution,
    History,
    Incentive,
    Verdict,
    add_data,
    claim,
    current_predictions,
    eligibility,
    incentive_of,
    scan,
)
from sharedmodels.trainers.deposits import TOO_LOW, check_cap, overtaken, pending_deposit
from sharedmodels.units import ether


def now_for_next_block() -> int:
    """Timestamp the next block will carry at the earliest (what the contract will see)."""
    from ape import chain

    return int(chain.pending_timestamp)


#: Gas of one ``addData`` at the least, for the funds check (a short text costs 110,000 or more;
#: hundreds of features cost millions), so that the check never refuses what the node would take.
ADD_DATA_GAS = 100_000


class InsufficientFunds(SharedModelsError):
    """The paying account cannot cover a contribution's deposit and gas."""


def check_funds(
    contract: Any, payer: Any, deposit: int | None = None, later: str = "", what: str = "deposit"
) -> None:
    """Refuse, before anything is sent or written, when ``payer`` cannot pay for the next
    contribution: its deposit (under Stake; ``deposit`` if given, named ``what``) plus the least
    gas of one ``addData``. ``later`` is added to the message of a check made part-way through a
    run."""
    from ape import chain

    if deposit is None:
        deposit = pending_deposit(contract) if incentive_of(contract).kind == "stake" else 0
    need = deposit + ADD_DATA_GAS * int(chain.provider.gas_price)
    balance = int(payer.balance)
    if balance < need:
        raise InsufficientFunds(
            f"insufficient funds: {payer.address} has {ether(balance)}; the next contribution "
            f"needs at least {ether(need)} ({what} {ether(deposit)} plus gas){later}"
        )


def check_batch_funds(payer: Any, deposits: Any) -> None:
    """Refuse, before anything is sent, a batch whose deposits (at most ``deposits.most``, a
    ``deposits.Plan``) and least gas are more than ``payer`` holds."""
    from ape import chain

    gas = deposits.samples * ADD_DATA_GAS * int(chain.provider.gas_price)
    need = deposits.most + gas
    balance = int(payer.balance)
    if balance < need:
        raise InsufficientFunds(
            f"insufficient funds for the batch: {payer.address} has {ether(balance)}; "
            f"{deposits.samples} samples need up to {ether(need)} (deposits up to "
            f"{ether(deposits.most)} plus gas); send fewer (--limit) or cap the deposit lower "
            "(--max-deposit, with --pace)"
        )


#: What a funds failure part-way through a run adds to its line.
_RESUME = "; a rerun with the same arguments resumes where this one stopped"
#: What a contribution sent through Ape carries (the excess comes back), in the funds check.
_CARRIED = "deposit up to"


def contribute(
    contract: Any,
    sender: Any,
    rows: Sequence[Sequence[int]],
    *,
    labels: Sequence[int],
    progress: Callable[[int], None] | None = None,
    fast: bool | None = None,
    cap: int | None = None,
    wait: Callable[[int], Any] | None = None,
) -> list[Added]:
    """``addData`` each sample in order.

    One Ape transaction at a time, or, when ``fast`` (default: whenever the sender can sign
    locally), pipelined through ``fastpath.call_in_order``. Under Stake every contribution
    carries the largest deposit it may owe, ``cost_weight * 3600`` (what one in the same second
    as the last costs), and gets the excess back in the same transaction: whoever else lands
    first in the same block, it never carries too little. (Paying the deposit read before
    sending lost that race: another sender's contribution in the same block raised the
    deposit to the largest under it, ``addData: deposit too low``.) The pipelined window is cut
    so that the wei in flight stays under half the sender's balance (and when not even one
    fits, the Ape path is used). A sender that cannot pay for the next contribution, at the
    start or part-way, raises ``InsufficientFunds`` (one line; what landed before stays on
    chain).

    With a ``cap`` (wei, under Stake) no deposit is above it: below the largest deposit, each
    contribution goes one at a time carrying the cap as its value (the contract reverts if it
    owes more), after ``AboveCap`` if the deposit for the next block is above it already (that
    read sees the node's pending pool: a contribution seen there is priced in, nothing is
    sent). One that another contribution overtakes in the same block reverts with
    ``addData: deposit too low``; it is sent once more if the deposit is back under the cap
    (``wait(cap)`` first, if given: ``--pace`` waits for it to fall), else ``AboveCap`` says
    so in one line. Nothing ever carries more than the cap.
    """
    incentive = incentive_of(contract)
    staked = incentive.kind == "stake"
    capped = staked and cap is not None and cap < incentive.max_deposit
    if fast is None:
        fast = can_pipeline(sender)
    fast = fast and not capped
    value = incentive.max_deposit if staked else 0
    window = min(256, int(sender.balance) // 2 // value) if fast and value else 256
    # When not even one largest deposit fits in half the balance, the contributions go one Ape
    # transaction at a time instead (below): one deposit's value in flight at a time.
    if fast and rows and window >= 1:
        to_x = packer(contract)
        try:
            receipts = call_in_order(
                sender,
                contract.addData,
                calls=((to_x(r), y) for r, y in zip(rows, labels, strict=True)),
                progress=progress,
                window=window,
                value=value,
            )
        except (NodeRefused, NodeStalled) as exc:
            # A node refuses a transaction the sender cannot pay for when it arrives, and drops
            # one that became unpayable in its pool (the deposits before it spent the balance).
            check_funds(contract, sender, value, later=_RESUME)
            if "insufficient funds" not in str(exc).lower():
                raise
            raise InsufficientFunds(f"insufficient funds: {exc}{_RESUME}") from None
        events = decode_event(contract, "ContributionAdded", receipts)
        return [
            Added(int(e["id"]), int(r["gasUsed"], 16), int(e["deposit"]))
            for e, r in zip(events, receipts, strict=True)
        ]
    out = []
    value = 0
    if staked:
        value = cap if capped else incentive.max_deposit
    for row, label in zip(rows, labels, strict=True):
        if capped:
            check_cap(pending_deposit(contract), cap)
        check_funds(contract, sender, value, later=_RESUME if out else "", what=_CARRIED)
        out.append(
            _add_one(
                contract,
                sender,
                row=row,
                label=label,
                value=value,
                cap=cap if capped else None,
                wait=wait,
            )
        )
        if progress:
            progress(1)
    return out


def _add_one(
    contract: Any,
    sender: Any,
    *,
    row: Sequence[int],
    label: int,
    value: int,
    cap: int | None,
    wait: Callable[[int], Any] | None,
) -> Added:
    """One ``addData`` through Ape carrying ``value``. Under a ``cap`` below the largest
    deposit (``value`` is then the cap), a revert for a deposit too low means another
    contribution landed first in the same block: re-priced, and sent once more when the deposit
    is at most the cap again (after ``wait(cap)`` if given); otherwise ``overtaken``."""
    from ape.exceptions import ContractLogicError

    def overtaken_here(exc: ContractLogicError) -> bool:
        return cap is not None and getattr(exc, "revert_message", None) == TOO_LOW

    try:
        return add_data(contract, sender, row, label, value)
    except ContractLogicError as exc:
        if not overtaken_here(exc):
            raise
    if wait is not None:
        wait(cap)
    deposit = pending_deposit(contract)
    if deposit <= cap:
        try:
            return add_data(contract, sender, row, label, value)
        except ContractLogicError as exc:
            if not overtaken_here(exc):
                raise
        deposit = pending_deposit(contract)
    raise overtaken(deposit, cap)


#: Contributions a fee estimate simulates one by one; a longer batch is priced by its first
#: ones (the rest at their mean gas), so that pricing stays a second's work.
PRICED = 256


def contribution_gas(
    contract: Any,
    sender: Any,
    rows: Sequence[Sequence[int]],
    labels: Sequence[int],
    sponsor: Any = None,
) -> tuple[list[int] | None, str]:
    """The estimated gas of each transaction a ``contribute`` run will send for ``rows``, in
    order, and a note on how it was found (``fees.gas_of``; None and why when the node cannot
    price them). Each ``addData`` is simulated after the ones before it, carrying the largest
    deposit (as the pipelined path does; what is not owed comes back). A sponsor's batches are
    priced by the first one, signed for the estimate and never sent."""
    from ape import chain

    from sharedmodels.rpc.fees import call_of, gas_of
    from sharedmodels.rpc.reads import RPC

    incentive = incentive_of(contract)
    deposit = incentive.max_deposit if incentive.kind == "stake" else 0
    rpc = RPC()
    if sponsor is not None:
        from sharedmodels.trainers.sponsor import MAX_BATCH, sign_many

        part = len(rows[:MAX_BATCH])
        items = sign_many(
            contract, sender, rows[:part], labels[:part], int(chain.pending_timestamp) + 3600
        )
        first = call_of(contract.addDataBatch, items, value=deposit * part)
        gas, why = gas_of(rpc, str(sponsor.address), [first])
        if gas is None:
            return None, why
        per = gas[0] / part
        sizes = [len(rows[i : i + MAX_BATCH]) for i in range(0, len(rows), MAX_BATCH)]
        note = f"batches of up to {MAX_BATCH}, priced by the first" if len(sizes) > 1 else ""
        return [round(per * k) for k in sizes], note
    to_x = packer(contract)
    head = list(zip(rows[:PRICED], labels[:PRICED], strict=True))
    calls = [call_of(contract.addData, to_x(r), y, value=deposit) for r, y in head]
    gas, why = gas_of(rpc, str(sender.address), calls)
    if gas is None:
        return None, why
    if len(rows) <= PRICED:
        return gas, ""
    mean = round(sum(gas) / len(gas))
    note = f"the first {PRICED} priced one by one, the other {len(rows) - PRICED} at their mean"
    return gas + [mean] * (len(rows) - PRICED), note


@dataclass
class Claimed:
    contribution: Contribution
    amount: int = 0
    gas: int = 0
    error: str | None = None


def verdicts(
    contract: Any, action: str, account: Any, history: History | None = None, from_block: int = 0
) -> list[Verdict]:
    """Every contribution ``account`` could act on with ``action``, and why not when not."""
    if history is None:
        history = scan(contract, from_block)
    incentive = incentive_of(contract)
    me = str(account.address)
    mine = action == "refund"
    relevant = [c for c in history if (c.contributor.lower() == me.lower()) == mine]
    good = total_good = 0
    if action == "report" and incentive.kind == "stake":
        good = int(contract.num_good(me))
        total_good = int(contract.total_good())
    is_owner = action == "take" and str(contract.owner()).lower() == me.lower()
    predictions = current_predictions(contract, relevant) if action != "take" else {}
    sub = History({c.id: c for c in relevant})
    return eligibility(
        action,
        sub,
        incentive,
        account=me,
        now=now_for_next_block(),
        predictions=predictions,
        good_count=good,
        is_owner=is_owner,
        total_good=total_good,
    )


def eligible_one(
    contract: Any, action: str, account: Any, cid: int, from_block: int = 0
) -> Contribution:
    """Contribution ``cid`` if ``account`` may ``action`` it now; otherwise ValueError saying
    why (unknown id, not yours / your own, or the rule it fails)."""
    found = [
        v
        for v in verdicts(contract, action, account, from_block=from_block)
        if v.contribution.id == cid
    ]
    if not found:
        count = int(contract.contribution_count())
        if not 1 <= cid <= count:
            raise InputError(f"no contribution #{cid} (ids are 1 to {count})")
        who = "not yours" if action == "refund" else "your own"
        raise InputError(f"cannot {action} contribution #{cid}: it is {who}")
    if found[0].reason:
        raise InputError(f"cannot {action} contribution #{cid}: {found[0].reason}")
    return found[0].contribution


def claim_all(
    contract: Any,
    sender: Any,
    action: str,
    items: Sequence[Contribution],
    progress: Callable[[int], None] | None = None,
) -> list[Claimed]:
    """``action`` each contribution; a revert (someone got there first) is recorded, not raised."""
    from ape.exceptions import ContractLogicError

    out = []
    for c in items:
        try:
            amount, gas = claim(contract, sender, action, c)
            out.append(Claimed(c, amount, gas))
        except ContractLogicError as exc:
            out.append(Claimed(c, error=str(exc.message if hasattr(exc, "message") else exc)))
        if progress:
            progress(1)
    return out


@dataclass(kw_only=True)
class Status:
    """What ``ape run status`` prints."""

    incentive: Incentive
    counts: Counter
    contributions: int
    balance: int
    owed: int
    paid_in: int
    refunded: int
    reported: int
    taken: int
    players: list[tuple[str, int, int, int, int]] = field(default_factory=list)
    # (address, contributions, good, wei deposited, wei received)


def status(contract: Any, history: History | None = None, from_block: int = 0) -> Status:
    from ape import chain

    if history is None:
        history = scan(contract, from_block, features=False)
    incentive = incentive_of(contract)
    now = now_for_next_block()
    counts = Counter(c.state(now, incentive.refund_wait) for c in history)
    refunded = sum(c.refunded or 0 for c in history)
    reported = sum(a for c in history for _, a in c.reports)
    taken = sum(c.taken[1] for c in history if c.taken)
    per: dict[str, list[int]] = {}
    for c in history:
        p = per.setdefault(c.contributor, [0, 0, 0, 0])
        p[0] += 1
        p[1] += int(c.refunded is not None)
        p[2] += c.deposit
        p[3] += c.refunded or 0
        for who, amount in c.reports:
            per.setdefault(who, [0, 0, 0, 0])[3] += amount
        if c.taken:
            per.setdefault(c.taken[0], [0, 0, 0, 0])[3] += c.taken[1]
    # Most good contributions first, then most received.
    players = sorted(((a, *v) for a, v in per.items()), key=lambda r: (-r[2], -r[4], r[0]))
    return Status(
        incentive=incentive,
        counts=counts,
        contributions=len(history),
        balance=int(chain.provider.get_balance(contract.address)),
        owed=history.owed(),
        paid_in=history.paid_in(),
        refunded=refunded,
        reported=reported,
        taken=taken,
        players=players,
    )


def class_names(contract: Any) -> list[str]:
    """The model's class names as the chain has them now (the owner may have added classes
    since the manifest was written; the sparse Perceptron is binary and has no ``n_classes``)."""
    n = int(contract.n_classes()) if hasattr(contract, "n_classes") else 2
    return [str(contract.class_names(k)) for k in range(n)]


def status_lines(man: Any, contract: Any, top: int = 10) -> list[str]:
    """The ``status`` screen for a deployment (also ``status()`` in ``ape console``)."""
    size = (
        f"dim {int(contract.dim())}"
        if hasattr(contract, "dim")
        else f"n_features {int(contract.n_features())}"
    )
    names = class_names(contract)
    out: list[str] = [
        f"model      {man.model}: {man.contract} at {contract.address} ({man.network})",
        f"           classes {', '.join(names)}; {int(contract.update_count())} updates; {size}",
    ]
    if incentive_of(contract).kind == "none":
        out.append("incentive  none: the bare model, trained by its owner only")
        return out
    s = status(contract, from_block=man.block)
    inc = s.incentive
    if inc.kind == "stake":
        out.append(
            f"incentive  stake: refund after {inc.refund_wait} s, owner {inc.owner_wait} s, "
            f"anyone {inc.any_wait} s; cost weight {ether(inc.cost_weight)}"
        )
        now = ether(pending_deposit(contract))
        out.append(f"           next deposit {now} (a contribution now)")
    else:
        out.append(
            f"incentive  {inc.kind}"
            + (f": validation after {inc.refund_wait} s" if inc.kind == "points" else "")
        )
    states = ", ".join(f"{k} {v}" for k, v in sorted(s.counts.items())) or "none yet"
    out.append(f"contributions {s.contributions}: {states}")
    if inc.kind == "stake":
        out.append(
            f"money      paid in {ether(s.paid_in)}; refunded {ether(s.refunded)}; "
            f"reported {ether(s.reported)}; taken {ether(s.taken)}"
        )
        check = "ok" if s.balance == s.owed else "MISMATCH"
        out.append(f"           held {ether(s.balance)}, owed {ether(s.owed)}: wei check {check}")
    if s.players:
        good_name = "points" if inc.kind == "points" else "good"
        head = f"{'leaderboard':<44} {'added':>6} {good_name:>6}"
        out.append(f"{head} {'deposited':>14} {'received':>14}")
        for addr, n, good, paid, got in s.players[:top]:
            out.append(f"  {addr:<42} {n:>6} {good:>6} {paid / 1e18:>14.6f} {got / 1e18:>14.6f}")
    return out
