"""Driving a ``ModelBounty`` contract from Python: deploy, draw, reveal, submit, upload and
seal, score, finalise, pay out, and check the balance sheet. Used by ``ape run bounty``, its
demo and the tests."""

from __future__ import annotations

import json
import os
import secrets as _secrets
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from typing import Any

from sharedmodels.bounty.models import Model
from sharedmodels.bounty.rules import (
    MAX_CHUNK,
    BountyError,
    Entry,
    OrganiserSecrets,
    chunks,
    draw_test_mask,
    model_commitment,
)

PHASES = ("committed", "open", "evaluating", "done", "forfeited", "cancelled")


@dataclass(frozen=True)
class Terms:
    """Amounts and windows (wei, seconds), in the contract's ``Terms`` order."""

    min_stake: int
    _: KW_ONLY
    submit_window: int = 3600
    upload_window: int = 3600
    reveal_window: int = 3600
    score_window: int = 3600
    #: Wei per work unit (estimated gas) of scoring, paid by each scored submission to the
    #: keepers; ``min_stake`` must cover the largest model's (``rules.max_fee``).
    scoring_fee: int = 0

    def args(self) -> tuple[int, ...]:
        return (
            self.min_stake,
            self.submit_window,
            self.upload_window,
            self.reveal_window,
            self.score_window,
            self.scoring_fee,
        )


def phase(contract: Any) -> str:
    return PHASES[int(contract.phase())]


def deploy_bounty(
    container: Any,
    sender: Any,
    secrets: OrganiserSecrets,
    *,
    chain_id: int,
    prize: int,
    dim: int,
    n_classes: int,
    test_groups: int,
    threshold_bps: int,
    terms: Terms,
) -> Any:
    return container.deploy(
        dim,
        n_classes,
        secrets.commitments(chain_id),
        test_groups,
        threshold_bps,
        terms.args(),
        sender=sender,
        value=prize,
    )


def expected_mask(contract: Any, chain: Any) -> int:
    """The test mask the draw gives (or gave): raises ``BountyError`` before the seed block
    exists or once the draw is lost."""
    if contract.drawn():
        return int(contract.test_mask())
    seed = int(contract.seed_block())
    head = chain.blocks.head.number
    if head < seed:
        raise BountyError(f"seed block {seed} is not mined yet (head {head}); wait or mine")
    if head + 1 > seed + 256:
        raise BountyError(
            "the draw lapsed: nobody recorded it within 256 blocks; `draw()` re-arms it "
            "(and the threshold drops to 0)"
        )
    seed_hash = bytes(chain.blocks[seed].hash)
    return draw_test_mask(seed_hash, int(contract.n_groups()), int(contract.test_groups()))


def group_split(mask: int, k: int) -> tuple[list[int], list[int]]:
    """(training groups, test groups) for a test mask."""
    return [i for i in range(k) if not mask >> i & 1], [i for i in range(k) if mask >> i & 1]


def reveal_training(contract: Any, sender: Any, secrets: OrganiserSecrets) -> list[int]:
    """Record the draw if nobody has, then reveal every training group. Returns the gas of each
    transaction."""
    gas = []
    if not contract.drawn():
        gas.append(int(contract.draw(sender=sender).gas_used))
        if not contract.drawn():
            raise BountyError(
                f"the draw lapsed and is re-armed on block {contract.seed_block()} (the "
                "threshold is now 0): reveal again once that block is mined"
            )
    training, _ = group_split(int(contract.test_mask()), len(secrets.groups))
    for i in training:
        if not contract.revealed(i):
            tx = contract.reveal_training(i, secrets.salts[i], secrets.groups[i], sender=sender)
            gas.append(int(tx.gas_used))
    return gas


def reveal_tests(contract: Any, sender: Any, secrets: OrganiserSecrets) -> list[int]:
    _, test = group_split(int(contract.test_mask()), len(secrets.groups))
    gas = []
    for i in test:
        if not contract.revealed(i):
            tx = contract.reveal_test(i, secrets.salts[i], secrets.groups[i], sender=sender)
            gas.append(int(tx.gas_used))
    return gas


def training_data(secrets: OrganiserSecrets, mask: int) -> tuple[list[list[int]], list[int]]:
    xs, ys = [], []
    for i, g in enumerate(secrets.groups):
        if not mask >> i & 1:
            for x, y in g:
                xs.append(list(x))
                ys.append(y)
    return xs, ys


def held_out_data(secrets: OrganiserSecrets, mask: int) -> tuple[list[list[int]], list[int]]:
    return training_data(secrets, ~mask & (2 ** len(secrets.groups) - 1))


@dataclass
class Entrant:
    """A submitter's side of one submission: the model, its salt, and its id once submitted."""

    model: Model
    salt: bytes = field(default_factory=lambda: _secrets.token_bytes(32))
    id: int | None = None
    #: Parameters per upload transaction (the commitment depends on it).
    chunk: int = MAX_CHUNK

    def commitment(self, contract: Any, submitter: Any) -> bytes:
        m = self.model
        return model_commitment(
            str(contract.address),
            str(submitter),
            m.kind,
            h1=m.h1,
            h2=m.h2,
            salt=self.salt,
            params=m.params,
            size=self.chunk,
        )


def save_entry(path: Path, entrant: Entrant, submitter: str) -> None:
    """The submitter's entry file (mode 0600): id, salt, chunk size and the model, which
    ``upload`` needs after the submission deadline."""
    m = entrant.model
    data = {"id": entrant.id, "submitter": submitter, "salt": entrant.salt.hex()}
    data |= {"chunk": entrant.chunk, "kind": m.kind, "h1": m.h1, "h2": m.h2}
    data["params"] = list(m.params)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)


def load_entry(path: Path, contract: Any, submitter: str) -> Entrant:
    """The entry ``save_entry`` wrote, for ``contract``'s shape; refused (``BountyError``) when
    it belongs to another submitter."""
    d = json.loads(Path(path).read_text())
    if d["submitter"] != submitter:
        raise BountyError(f"entry #{d['id']} belongs to {d['submitter']}: pass --account for it")
    dim, n_classes = int(contract.dim()), int(contract.n_classes())
    model = Model(
        kind=d["kind"],
        dim=dim,
        n_classes=n_classes,
        params=tuple(d["params"]),
        h1=d["h1"],
        h2=d["h2"],
    )
    return Entrant(model, bytes.fromhex(d["salt"]), d["id"], d["chunk"])


def submit(contract: Any, sender: Any, entrant: Entrant, stake: int) -> int:
    m = entrant.model
    tx = contract.submit(
        m.kind, m.h1, m.h2, entrant.commitment(contract, sender.address), sender=sender, value=stake
    )
    entrant.id = int(tx.return_value) if tx.return_value is not None else None
    if entrant.id is None:
        entrant.id = int(contract.n_submissions()) - 1
    return int(tx.gas_used)


def upload(contract: Any, sender: Any, entrant: Entrant, seal: bool = True) -> list[int]:
    """Upload every chunk (and seal, unless told not to). Returns the gas of each transaction."""
    gas, start = [], 0
    for chunk in chunks(entrant.model.params, entrant.chunk):
        tx = contract.upload(entrant.id, entrant.salt, start, chunk, sender=sender)
        gas.append(int(tx.gas_used))
        start += len(chunk)
    if seal:
        gas.append(int(contract.seal(entrant.id, sender=sender).gas_used))
    return gas


def upload_calls(contract: Any, entrant: Entrant, seal: bool = True) -> list[Any]:
    """The transactions ``upload`` will send, as ``fees.Call`` (for a fee estimate)."""
    from sharedmodels.rpc.fees import call_of

    out, start = [], 0
    for chunk in chunks(entrant.model.params, entrant.chunk):
        out.append(call_of(contract.upload, entrant.id, entrant.salt, start, chunk))
        start += len(chunk)
    if seal:
        out.append(call_of(contract.seal, entrant.id))
    return out


def evaluate_calls(contract: Any, ids: Sequence[int] | None = None) -> list[Any]:
    """The ``step`` transactions ``evaluate`` will send, as ``fees.Call``: for each sealed
    submission not yet scored, as many as its test samples left take (``rules.batch`` a step,
    the last one what is left)."""
    from sharedmodels.bounty.rules import batch
    from sharedmodels.rpc.fees import call_of

    size, dim, n_classes = int(contract.test_size()), int(contract.dim()), int(contract.n_classes())
    out = []
    for i in unscored(contract) if ids is None else ids:
        s = contract.submissions(i)
        per_step = batch(int(s.kind), dim, n_classes, int(s.h1), int(s.h2))
        steps = -(-(size - int(s.t)) // per_step)
        out.extend(call_of(contract.step, i) for _ in range(max(steps, 1)))
    return out


def unscored(contract: Any) -> list[int]:
    """Ids of the sealed submissions not yet scored on the whole test set."""
    out = []
    for i in range(int(contract.n_submissions())):
        s = contract.submissions(i)
        if s.sealed and not s.scored:
            out.append(i)
    return out


def evaluate(
    contract: Any,
    sender: Any,
    limit: int = 10_000,
    ids: Sequence[int] | None = None,
) -> list[int]:
    """Call ``step`` on each sealed submission (or on ``ids``) until it is scored. Returns the
    gas of each step."""
    if phase(contract) != "evaluating":
        raise BountyError(f"the bounty is {phase(contract)}, not evaluating")
    gas: list[int] = []
    for i in unscored(contract) if ids is None else ids:
        while not contract.submissions(i).scored:
            if len(gas) >= limit:
                raise BountyError(f"scoring not done after {limit} steps")
            gas.append(int(contract.step(i, sender=sender).gas_used))
    return gas


def entries(contract: Any) -> list[Entry]:
    """The submissions as settlement sees them."""
    out = []
    for i in range(int(contract.n_submissions())):
        s = contract.submissions(i)
        out.append(Entry(int(s.stake), bool(s.sealed), int(s.correct), int(s.fee), bool(s.scored)))
    return out


def conservation(contract: Any, chain: Any) -> tuple[bool, dict[str, int]]:
    """prize + stakes in == held + paid out, and held == what is still due plus the burned
    stakes of submissions never sealed (to the wei), from the contract's own counters. Before
    settlement everything held is still in play; scoring fees the keepers have not withdrawn
    are due at any time."""
    held = int(chain.provider.get_balance(contract.address))
    figures = {
        "prize": int(contract.prize()),
        "stakes": int(contract.total_stake()),
        "held": held,
        "paid_out": int(contract.paid_out()),
        "fees_owed": int(contract.fees_owed()),
    }
    ok = figures["prize"] + figures["stakes"] == held + figures["paid_out"]
    ok = ok and held >= figures["fees_owed"]
    if phase(contract) in ("done", "forfeited"):
        due = sum(int(contract.due(i)) for i in range(int(contract.n_submissions())))
        if not contract.organiser_paid():
            due += int(contract.organiser_due())
        due += figures["fees_owed"]
        figures["burned"] = int(contract.burned())
        due += figures["burned"]
        figures["due"] = due
        ok = ok and held == due
    if phase(contract) == "cancelled":
        ok = ok and held == 0
    return ok, figures


def settle(contract: Any, sender: Any, chain: Any) -> None:
    """Finalise a scored bounty, or forfeit one whose organiser missed the test reveal; a bounty
    already settled is left as it is, any other is refused (``BountyError``)."""
    ph = phase(contract)
    if ph == "evaluating":
        contract.finalize(sender=sender)
    elif ph == "open" and chain.blocks.head.timestamp > int(contract.reveal_deadline()):
        contract.forfeit(sender=sender)
    elif ph not in ("done", "forfeited"):
        raise BountyError(f"the bounty is {ph}: it cannot be settled yet")


def collect(contract: Any, who: Any) -> int:
    """Pay ``who`` everything the bounty owes it: its submissions' dues, the organiser's due
    if it is the organiser, its scoring fees. Returns the wei paid."""
    paid = 0
    for i in range(int(contract.n_submissions())):
        if str(contract.submissions(i).submitter) == str(who.address) and int(contract.due(i)):
            paid += int(contract.due(i))
            contract.withdraw(i, sender=who)
    organiser = str(who.address) == str(contract.organiser())
    if organiser and not contract.organiser_paid() and int(contract.organiser_due()):
        paid += int(contract.organiser_due())
        contract.withdraw_organiser(sender=who)
    if int(contract.fees_due(who.address)):
        paid += int(contract.fees_due(who.address))
        contract.withdraw_fees(sender=who)
    return paid


def winner(contract: Any) -> str:
    return f"#{contract.winner()}" if contract.has_winner() else "none"


def withdraw_all(contract: Any, accounts: Sequence[Any], organiser: Any) -> dict[str, int]:
    """Every due paid to whoever it belongs to: submissions, the organiser and the scoring
    fees of every keeper among ``accounts``. Returns wei paid per address."""
    paid: dict[str, int] = {}
    by_address = {str(a.address): a for a in [*accounts, organiser]}
    for who in by_address.values():
        amount = int(contract.fees_due(who.address))
        if amount > 0:
            contract.withdraw_fees(sender=who)
            paid[str(who.address)] = paid.get(str(who.address), 0) + amount
    for i in range(int(contract.n_submissions())):
        if int(contract.due(i)) == 0:
            continue
        who = by_address[str(contract.submissions(i).submitter)]
        amount = int(contract.due(i))
        contract.withdraw(i, sender=who)
        paid[str(who.address)] = paid.get(str(who.address), 0) + amount
    if not contract.organiser_paid() and int(contract.organiser_due()) > 0:
        amount = int(contract.organiser_due())
        contract.withdraw_organiser(sender=organiser)
        paid[str(organiser.address)] = paid.get(str(organiser.address), 0) + amount
    return paid
