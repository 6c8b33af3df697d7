"""The bounty's rules in Python: group commitments, the draw, model commitments, and the
settlement (who is paid what) that ``contracts/ModelBounty.vy`` must agree with to the wei.

A group is a list of samples ``(x, y)`` with ``x`` a list of ``dim`` fixed-point int64 values.
Its commitment chains the sample hashes ``keccak256(abi_encode(x, y))`` (``x: int64[]``,
``y: uint8``) from a first link that binds the group's tag, the chain id, a 32-byte salt and
the group's length, as the market's pieces do.
"""

from __future__ import annotations

import json
import os
import secrets as _secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from eth_abi import encode
from eth_utils import keccak

from sharedmodels.bounty.models import MAX_HIDDEN, MLP, macs, n_params
from sharedmodels.errors import SharedModelsError

GROUP_TAG = keccak(text="sharedmodels.bounty.group")
MODEL_TAG = keccak(text="sharedmodels.bounty.model")
#: The contract's limits.
MIN_GROUPS = 4
MAX_GROUPS = 16
MAX_GROUP = 32
MAX_CHUNK = 256
SEED_DELAY = 2
BPS = 10_000
#: The contract's step charges (estimated gas, the work units the scoring fee is paid by).
LOAD_BASE = 1_000_000
LOAD_WORD = 4_000
SAMPLE_BASE = 60_000
MAC_COST = 250
MAX_BUDGET = 10_000_000
MAX_BATCH = 128

Sample = tuple[Sequence[int], int]


class BountyError(SharedModelsError):
    """A bounty action that cannot go ahead as asked (wrong phase, lost draw, missing file)."""


def sample_hash(x: Sequence[int], y: int) -> bytes:
    return keccak(encode(["int64[]", "uint8"], [list(x), y]))


def group_commitment(chain_id: int, salt: bytes, group: Sequence[Sample]) -> bytes:
    acc = keccak(
        encode(
            ["bytes32", "uint256", "bytes32", "uint256"], [GROUP_TAG, chain_id, salt, len(group)]
        )
    )
    for x, y in group:
        acc = keccak(acc + sample_hash(x, y))
    return acc


def draw_test_mask(seed: bytes, k: int, test_groups: int) -> int:
    """The contract's draw: the first ``test_groups`` entries of a Fisher-Yates shuffle."""
    order = list(range(k))
    mask = 0
    for j in range(test_groups):
        r = j + int.from_bytes(keccak(encode(["bytes32", "uint256"], [seed, j])), "big") % (k - j)
        order[j], order[r] = order[r], order[j]
        mask |= 1 << order[j]
    return mask


def load_cost(kind: int, d: int, c: int, h1: int = 0, h2: int = 0) -> int:
    return LOAD_BASE + LOAD_WORD * ((n_params(kind, d, c, h1, h2) + 3) // 4)


def sample_cost(kind: int, d: int, c: int, h1: int = 0, h2: int = 0) -> int:
    return SAMPLE_BASE + MAC_COST * macs(kind, d, c, h1, h2)


def work(kind: int, d: int, c: int, *, h1: int, h2: int, t: int) -> int:
    """The contract's ``_work``: the estimated gas of scoring a model alone on ``t`` test
    samples in ``step``s (one parameter load per step, plus each sample)."""
    load, per = load_cost(kind, d, c, h1, h2), sample_cost(kind, d, c, h1, h2)
    full = batch(kind, d, c, h1, h2)
    return -(-t // full) * load + t * per


def batch(kind: int, d: int, c: int, h1: int = 0, h2: int = 0) -> int:
    """The contract's ``_batch``: test samples each ``step`` of this shape scores (but the
    last, which scores what is left)."""
    load, per = load_cost(kind, d, c, h1, h2), sample_cost(kind, d, c, h1, h2)
    return min((MAX_BUDGET - load) // per, MAX_BATCH) if load + per <= MAX_BUDGET else 1


def step_fee(rate: int, kind: int, d: int, *, c: int, h1: int, h2: int, count: int) -> int:
    """What a ``step`` scoring ``count`` samples pays its caller: one load plus each sample."""
    return rate * (load_cost(kind, d, c, h1, h2) + count * sample_cost(kind, d, c, h1, h2))


def scoring_fee(rate: int, kind: int, d: int, *, c: int, h1: int, h2: int, t: int) -> int:
    """What a sealed model of this shape pays the keepers on a test set of ``t`` samples."""
    return rate * work(kind, d, c, h1=h1, h2=h2, t=t)


def max_fee(rate: int, d: int, c: int, test_groups: int) -> int:
    """The contract's ``max_fee``: the largest model's fee on the largest test set; the
    contract refuses a ``min_stake`` below it."""
    return scoring_fee(rate, MLP, d, c=c, h1=MAX_HIDDEN, h2=MAX_HIDDEN, t=test_groups * MAX_GROUP)


def chunks(params: Sequence[int], size: int = MAX_CHUNK) -> list[list[int]]:
    return [list(params[i : i + size]) for i in range(0, len(params), size)]


def model_commitment(
    bounty: str,
    submitter: str,
    kind: int,
    *,
    h1: int,
    h2: int,
    salt: bytes,
    params: Sequence[int],
    size: int = MAX_CHUNK,
) -> bytes:
    """The hash ``seal`` checks: a first link over the bounty, the submitter, the shape and a
    salt, then one link per chunk of ``size`` parameters, uploaded in that order."""
    acc = keccak(
        encode(
            ["bytes32", "address", "address", "uint8", "uint256", "uint256", "bytes32"],
            [MODEL_TAG, bounty, submitter, kind, h1, h2, salt],
        )
    )
    for chunk in chunks(params, size):
        acc = keccak(encode(["bytes32", "int256[]"], [acc, chunk]))
    return acc


# ---------------------------------------------------------------- the organiser's secrets


@dataclass
class OrganiserSecrets:
    """The dataset in K groups and their salts: the organiser keeps these until the last
    test reveal (losing them forfeits the prize)."""

    groups: list[list[tuple[list[int], int]]]
    salts: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not MIN_GROUPS <= len(self.groups) <= MAX_GROUPS:
            raise BountyError(f"a bounty takes {MIN_GROUPS} to {MAX_GROUPS} groups")
        if any(not 1 <= len(g) <= MAX_GROUP for g in self.groups):
            raise BountyError(f"each group holds 1 to {MAX_GROUP} samples")
        if not self.salts:
            self.salts = [_secrets.token_bytes(32) for _ in self.groups]

    def commitments(self, chain_id: int) -> list[bytes]:
        return [
            group_commitment(chain_id, s, g) for s, g in zip(self.salts, self.groups, strict=True)
        ]

    def save(self, path: Path) -> None:
        data = {
            "groups": [[[list(x), y] for x, y in g] for g in self.groups],
            "salts": [s.hex() for s in self.salts],
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(data, f)

    @classmethod
    def load(cls, path: Path) -> OrganiserSecrets:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise BountyError(f"cannot read the organiser's secrets {path}: {exc}") from None
        groups = [[(list(x), int(y)) for x, y in g] for g in data["groups"]]
        return cls(groups, [bytes.fromhex(s) for s in data["salts"]])


def split_groups(
    xs: Sequence[Sequence[int]], ys: Sequence[int], k: int
) -> list[list[tuple[list[int], int]]]:
    """Deal samples into ``k`` groups round-robin (shuffle first for a random split)."""
    groups: list[list[tuple[list[int], int]]] = [[] for _ in range(k)]
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        groups[i % k].append((list(x), int(y)))
    return groups


# ---------------------------------------------------------------- settlement


@dataclass(frozen=True)
class Entry:
    """A submission as settlement sees it. ``fee``: the scoring fee taken from its stake by
    the keepers so far (all of a sealed model's ``scoring_fee`` once ``scored``; less when the
    scoring deadline passed part-way; 0 on a forfeit, where nothing is scored)."""

    stake: int
    sealed: bool
    correct: int = 0
    fee: int = 0
    scored: bool = True


@dataclass(frozen=True)
class Settlement:
    """What each submission, the organiser and the keepers (all together) are paid, and what
    nobody is (``burned``: the stakes of submissions never sealed, which stay in the contract);
    ``winner`` is None without one."""

    dues: tuple[int, ...]
    organiser: int
    winner: int | None
    keepers: int = 0
    burned: int = 0


def settle(prize: int, entries: Sequence[Entry], test_size: int, threshold_bps: int) -> Settlement:
    """Finalisation once every sealed model is scored or the scoring deadline has passed: the
    fully scored submission with the most right answers (ties to the lower id) wins if it
    reaches the threshold and takes the prize, else the organiser does. Sealed stakes go back
    less the fees taken; the stakes of submissions never sealed go to nobody."""
    burned = sum(e.stake for e in entries if not e.sealed)
    best = None
    for i, e in enumerate(entries):
        if e.sealed and e.scored and (best is None or e.correct > entries[best].correct):
            best = i
    winner = None
    if best is not None and entries[best].correct * BPS >= threshold_bps * test_size:
        winner = best
    dues = [e.stake - e.fee if e.sealed else 0 for e in entries]
    organiser = 0
    if winner is None:
        organiser = prize
    else:
        dues[winner] += prize
    keepers = sum(e.fee for e in entries if e.sealed)
    return Settlement(tuple(dues), organiser, winner, keepers, burned)


def forfeit_settle(prize: int, entries: Sequence[Entry]) -> Settlement:
    """The organiser missed the test reveal: with a model sealed the prize is burned (it stays
    in the contract, so withholding never pays the organiser); with none sealed the organiser
    gets it back. Sealed stakes go back whole; the stakes of submissions never sealed go to
    nobody."""
    burned = sum(e.stake for e in entries if not e.sealed)
    sealed = [i for i, e in enumerate(entries) if e.sealed]
    dues = [e.stake if e.sealed else 0 for e in entries]
    if not sealed:
        return Settlement(tuple(dues), prize, None, 0, burned)
    return Settlement(tuple(dues), 0, None, 0, burned + prize)
