"""Resumable contribution runs: a journal per run, reconciled with chain history.

A run is identified by the chain, the trainer, the sender and what it plans to send (a hash of
every row and label, in order). Its journal records the block the run started at and how many
of its contributions are known to be on chain. On a rerun with the same plan, the journal is
reconciled with history rather than trusted: the sender's contributions since the start block
are matched, in order, against the plan. The matched prefix is done, and the run resumes right
after it. A process killed at any point, even between sending a batch and writing the journal,
therefore resumes without duplicates or gaps. Contributions the sender made outside the plan
are skipped over.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from sharedmodels.trainers.client import History, scan

JOURNAL_DIR = Path("deployments") / "journal"


@dataclass(kw_only=True)
class Journal:
    chain_id: int
    trainer: str
    sender: str
    plan: str  # sha256 of the planned rows and labels
    planned: int
    start_block: int
    done: int = 0

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")
        os.replace(tmp, path)


def plan_hash(rows: Sequence[Sequence[int]], labels: Sequence[int]) -> str:
    digest = hashlib.sha256()
    for row, label in zip(rows, labels, strict=True):
        digest.update(f"{label}:{','.join(map(str, row))};".encode())
    return digest.hexdigest()


def journal_path(chain_id: int, trainer: str, sender: str, plan: str, root: Path | None = None):
    base = root or JOURNAL_DIR
    return base / f"{chain_id}-{trainer.lower()}-{sender.lower()}-{plan[:16]}.json"


def open_journal(
    chain_id: int,
    trainer: str,
    sender: str,
    *,
    rows: Sequence[Sequence[int]],
    labels: Sequence[int],
    current_block: int,
    root: Path | None = None,
    fresh: bool = False,
) -> tuple[Journal, Path, bool]:
    """The run's journal (new, or the one a previous attempt left) and whether it is resumed.
    ``fresh`` discards an earlier journal and starts over."""
    plan = plan_hash(rows, labels)
    path = journal_path(chain_id, trainer, sender, plan, root)
    if path.is_file() and not fresh:
        data = json.loads(path.read_text())
        return Journal(**data), path, True
    journal = Journal(
        chain_id=chain_id,
        trainer=trainer,
        sender=sender,
        plan=plan,
        planned=len(rows),
        start_block=current_block + 1,
    )
    journal.save(path)
    return journal, path, False


def matched_prefix(
    history: History, sender: str, rows: Sequence[Sequence[int]], labels: Sequence[int]
) -> int:
    """How many planned contributions, from the first, the sender has on chain in order."""
    k = 0
    for c in history.by(sender):
        if k == len(rows):
            break
        if c.features == tuple(rows[k]) and c.label == labels[k]:
            k += 1
    return k


def reconcile(contract, journal: Journal, rows, labels) -> int:
    """Count the planned contributions already on chain (history decides, not the journal)."""
    history = scan(contract, journal.start_block)
    return matched_prefix(history, journal.sender, rows, labels)
