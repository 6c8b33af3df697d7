"""A participant's round as ``ape run federated train-round`` plays it: in the commit window,
train on its shard and commit the update (kept first in a pending file of its own, mode 0600,
since the reveal needs it); in the reveal window, reveal it."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sharedmodels.federated.client import Client, Privacy, digits, dirichlet_shards
from sharedmodels.federated.driver import (
    Pending,
    commit_update,
    reveal_update,
    save_pending,
    terms_of,
)
from sharedmodels.federated.rules import FederatedError, check_update


def pending_path(record: Path, address: str) -> Path:
    """Where ``address``'s pending update for the task of ``record`` is kept."""
    return record.with_name(f"{record.name}.{address}.pending.json")


def shard_client(
    index: int, *, clients: int, alpha: float, seed: int, poison: str | None, epsilon: float | None
) -> Client:
    """Client ``index`` of ``clients`` Dirichlet(``alpha``) shards of digits' training split;
    ``poison`` ("flip" or "scale") makes it misbehave, ``epsilon`` adds DP noise."""
    split = digits(seed)
    idx = dirichlet_shards(split.y_train, clients, alpha, seed)[index]
    privacy = Privacy(epsilon) if epsilon else None
    return Client(
        f"client{index}", split.X_train[idx], split.y_train[idx], poison or "honest", privacy
    )


def commit_round(
    contract: Any,
    sender: Any,
    client: Client,
    *,
    pending: Path,
    epochs: int,
    seed: int,
    say: Callable[[str], None] = lambda _: None,
) -> tuple[int, int]:
    """Train ``client`` from the live global model and commit its checked update for the
    current round; returns (round, samples). An unrevealed update of an earlier round is
    removed (``say`` says so); one of this round is refused (``FederatedError``). The update
    is written to ``pending`` before the commitment is sent, and removed again only if
    nothing was committed."""
    r = int(contract.round())
    if pending.exists():
        old = Pending.from_json(json.loads(pending.read_text()))
        if old.round == r:
            raise FederatedError(
                f"round {r}: this account already committed ({pending}); "
                "run train-round again in the reveal window"
            )
        pending.unlink()
        say(f"removed the unrevealed update of round {old.round} ({pending})")
    terms = terms_of(contract)
    params = [int(v) for v in contract.parameters()]
    samples, update = client.update(params, terms, r, epochs, seed)
    check_update(terms, samples, update)
    kept = Pending(r, os.urandom(32), samples, update)
    save_pending(pending, kept)
    try:
        commit_update(
            contract, sender, r, samples=samples, update=update, terms=terms, salt=kept.salt
        )
    except BaseException:
        if int(contract.participants(sender).commit_round) != r + 1:
            pending.unlink()  # nothing was committed: nothing to keep
        raise
    return r, samples


def reveal_round(contract: Any, sender: Any, pending: Path) -> tuple[int, Any]:
    """Reveal the update kept in ``pending`` for the current round and remove the file;
    returns (round, receipt). ``FederatedError`` when there is none for this round."""
    r = int(contract.round())
    if not pending.exists():
        raise FederatedError(f"round {r}: nothing committed from this account ({pending})")
    kept = Pending.from_json(json.loads(pending.read_text()))
    if kept.round != r:
        raise FederatedError(f"the pending update is for round {kept.round}, not {r}")
    tx = reveal_update(contract, sender, kept)
    pending.unlink()
    return r, tx
