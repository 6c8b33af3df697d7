"""Driving a ``FederatedTask`` contract from Python: deploy, join, commit and reveal updates,
advance the aggregation, read the balance sheet and rebuild every round's model from the
chain's record. Used by ``ape run federated``, its demo and the tests."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from sharedmodels.errors import InputError
from sharedmodels.federated.rules import (
    MAX_BUDGET,
    RoundResult,
    TaskMirror,
    Terms,
    check_update,
    commitment,
)

#: Words (four parameters each) per ``step`` by default.
DEFAULT_BUDGET = 24
PHASES = ("commit", "reveal", "aggregate", "done")


def deploy_task(
    container: Any, sender: Any, terms: Terms, *, pool: int, initial=(), allowed=()
) -> Any:
    """A new task holding ``pool`` wei, with ``initial`` parameters (empty: all zero); only
    the ``allowed`` addresses may join (empty: anyone)."""
    terms.check(len(allowed))
    return container.deploy(
        terms.args(), list(initial), [str(a) for a in allowed], sender=sender, value=pool
    )


def terms_of(contract: Any) -> Terms:
    """The terms a deployed task was opened with."""
    return Terms(**{f.name: int(getattr(contract, f.name)()) for f in fields(Terms)})


def phase(contract: Any, now: int) -> str:
    """Where the current round stands at time ``now``."""
    if contract.done():
        return "done"
    c, d = (int(v) for v in contract.deadlines())
    return "commit" if now < c else "reveal" if now < d else "aggregate"


@dataclass
class Pending:
    """An update committed and not yet revealed: what the reveal needs."""

    round: int
    salt: bytes
    samples: int
    update: list[int]

    def to_json(self) -> dict:
        return {
            "round": self.round,
            "salt": self.salt.hex(),
            "samples": self.samples,
            "update": self.update,
        }

    @classmethod
    def from_json(cls, d: dict) -> Pending:
        return cls(d["round"], bytes.fromhex(d["salt"]), d["samples"], list(d["update"]))


def save_pending(path: Path, pending: Pending) -> None:
    """Keep a pending update and its salt in ``path``, created readable by its owner only (no
    moment where another user could read it); refuses (``FileExistsError``) a file that exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(pending.to_json(), f)


def commit_update(
    contract: Any,
    sender: Any,
    round_: int,
    *,
    samples: int,
    update: Sequence[int],
    terms: Terms | None = None,
    salt: bytes | None = None,
) -> Pending:
    """Commit ``update`` for ``round_``; checks first what the reveal will check."""
    if terms is not None:
        check_update(terms, samples, update)
    from ape import chain

    salt = salt or os.urandom(32)
    h = commitment(
        str(contract.address),
        chain.chain_id,
        salt,
        round_=round_,
        who=str(sender.address),
        samples=samples,
        update=update,
    )
    contract.commit(round_, h, sender=sender)
    return Pending(round_, salt, samples, list(update))


def reveal_update(contract: Any, sender: Any, pending: Pending) -> Any:
    return contract.reveal(pending.salt, pending.samples, pending.update, sender=sender)


def aggregate(contract: Any, sender: Any, budget: int = DEFAULT_BUDGET) -> list[int]:
    """Call ``step`` until the round closes; the gas of each step."""
    if not 0 < budget <= MAX_BUDGET:
        raise InputError(f"budget must be in 1..{MAX_BUDGET}")
    gas = []
    r = int(contract.round())
    while not contract.done() and int(contract.round()) == r:
        tx = contract.step(budget, sender=sender)
        gas.append(int(tx.gas_used))
    return gas


def conservation(contract: Any) -> tuple[bool, dict[str, int]]:
    """balance == pool + owed + held, and pool_in + stakes_in == balance + withdrawn."""
    sheet = {
        name: int(getattr(contract, name)())
        for name in ("pool", "owed", "held", "withdrawn", "pool_in", "stakes_in")
    }
    sheet["balance"] = int(contract.balance)
    ok = (
        sheet["balance"] == sheet["pool"] + sheet["owed"] + sheet["held"]
        and sheet["pool_in"] + sheet["stakes_in"] == sheet["balance"] + sheet["withdrawn"]
    )
    return ok, sheet


def replay(
    contract: Any, start_block: int = 0
) -> tuple[TaskMirror, list[tuple[RoundResult, bytes]]]:
    """Rebuild every round from the chain's record (``Opened``, ``Joined``, ``Committed``,
    ``Revealed``, ``RoundClosed``) with the mirror; each round with the hash the chain logged."""
    from ape import chain

    stop = chain.blocks.height + 1
    terms = terms_of(contract)
    opened = list(contract.Opened.range(start_block, stop))
    if len(opened) != 1:
        raise RuntimeError("no Opened event for this task in the blocks searched")
    mirror = TaskMirror.open(terms, int(opened[0].pool), [int(v) for v in opened[0].initial])
    logs = []
    for name in ("Joined", "Committed", "Revealed", "RoundClosed"):
        for log in getattr(contract, name).range(start_block, stop):
            logs.append((log.block_number, log.log_index, name, log))
    logs.sort(key=lambda t: (t[0], t[1]))
    out = []
    for _, _, name, log in logs:
        if name == "Joined":
            mirror.join(str(log.participant))
        elif name == "Committed":
            mirror.commit(str(log.participant))
        elif name == "Revealed":
            mirror.reveal(str(log.participant), int(log.samples), [int(v) for v in log.update])
        else:
            result = mirror.close_round()
            out.append((result, bytes(log.model_hash)))
    return mirror, out


def check_history(contract: Any, start_block: int = 0) -> list[str]:
    """Problems found rebuilding the task from its record (empty: every round checks)."""
    mirror, rounds = replay(contract, start_block)
    problems = [
        f"round {res.round}: rebuilt hash {res.model_hash.hex()} != logged {logged.hex()}"
        for res, logged in rounds
        if res.model_hash != logged
    ]
    live = [int(v) for v in contract.parameters()]
    if live != mirror.params:
        problems.append("live parameters differ from the rebuilt model")
    if bytes(contract.model_hash()) != mirror.model_hash:
        problems.append("model_hash differs from the rebuilt model's")
    return problems
