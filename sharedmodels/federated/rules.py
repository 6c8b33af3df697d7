"""Integer mirror of ``contracts/FederatedTask.vy``: commitments, aggregation, agreement,
rewards and the hash chain of the parameters, step for step (``docs/federated.md``).

Parameters and updates are flat integer vectors in units of 10**-9, class by class (the class's
``n_features`` weights, then its intercept). Nothing here talks to a chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from eth_abi import encode
from eth_utils import keccak, to_checksum_address

from sharedmodels.encoding.features import FIXED_POINT_SCALE as SCALE
from sharedmodels.errors import SharedModelsError

MAX_PARAMS = 1024
MAX_PARTICIPANTS = 16
MAX_CLASSES = 16
MAX_DIM = 256
MAX_ROUNDS = 1000
MAX_BUDGET = 24
MIN_WINDOW = 3600
CLIP_LIMIT = 2**40
INITIAL_LIMIT = 2**62
RULE_FEDAVG = 0
RULE_TRIMMED_MEAN = 1
RULES = {"fedavg": RULE_FEDAVG, "trimmed-mean": RULE_TRIMMED_MEAN}
UPDATE_TAG = keccak(text="sharedmodels.federated.update")


class FederatedError(SharedModelsError, ValueError):
    """A task's terms or an update the contract would refuse, as one line."""


@dataclass(kw_only=True, frozen=True)
class Terms:
    """The contract's ``Terms`` struct, in its order (seconds, wei, 10**-9 units, counts)."""

    n_features: int
    n_classes: int
    rounds: int
    commit_window: int = 3600
    reveal_window: int = 3600
    min_participants: int = 3
    max_participants: int = 16
    stake: int = 10**16
    clip: int = 3 * SCALE
    max_samples: int = 10_000
    rule: int = RULE_TRIMMED_MEAN
    trim: int = 2
    min_agreement: int = 100

    @property
    def n_params(self) -> int:
        return self.n_classes * (self.n_features + 1)

    @property
    def n_words(self) -> int:
        return (self.n_params + 3) // 4

    def args(self) -> tuple[int, ...]:
        return (
            self.n_features,
            self.n_classes,
            self.rounds,
            self.commit_window,
            self.reveal_window,
            self.min_participants,
            self.max_participants,
            self.stake,
            self.clip,
            self.max_samples,
            self.rule,
            self.trim,
            self.min_agreement,
        )

    def check(self, n_allowed: int = 0) -> None:
        """The constructor's checks on the terms (and on an allowlist's length), as a
        ``FederatedError``."""
        if not (0 < self.n_features <= MAX_DIM and 2 <= self.n_classes <= MAX_CLASSES):
            raise FederatedError("shape out of range")
        if self.n_params > MAX_PARAMS:
            raise FederatedError(f"{self.n_params} parameters, more than {MAX_PARAMS}")
        if not 0 < self.rounds <= MAX_ROUNDS:
            raise FederatedError("rounds out of range")
        if not (MIN_WINDOW <= self.commit_window <= 2**32):
            raise FederatedError("commit window out of range")
        if not (MIN_WINDOW <= self.reveal_window <= 2**32):
            raise FederatedError("reveal window out of range")
        if not 0 < self.min_participants <= self.max_participants <= MAX_PARTICIPANTS:
            raise FederatedError("participant bounds out of range")
        if not 0 < self.clip <= CLIP_LIMIT:
            raise FederatedError("clip bound out of range")
        if self.rule == RULE_FEDAVG and self.trim != 0:
            raise FederatedError("FedAvg takes no trim")
        if self.rule == RULE_TRIMMED_MEAN and not 0 < 2 * self.trim < self.min_participants:
            raise FederatedError("trim must be at least 1 and 2 * trim < min participants")
        if 0 < n_allowed < self.min_participants or n_allowed > MAX_PARTICIPANTS:
            raise FederatedError(
                f"an allowlist needs {self.min_participants} to {MAX_PARTICIPANTS} addresses"
            )


def tdiv(a: int, b: int) -> int:
    """The EVM's signed division: the quotient truncated toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def commitment(
    task: str,
    chain_id: int,
    salt: bytes,
    *,
    round_: int,
    who: str,
    samples: int,
    update: Sequence[int],
) -> bytes:
    """keccak256(abi_encode(UPDATE_TAG, task, chain_id, salt, round, participant, samples,
    update)): bound to one task's address on one chain."""
    return keccak(
        encode(
            [
                "bytes32",
                "address",
                "uint256",
                "bytes32",
                "uint256",
                "address",
                "uint256",
                "int64[]",
            ],
            [
                UPDATE_TAG,
                to_checksum_address(task),
                chain_id,
                salt,
                round_,
                to_checksum_address(who),
                samples,
                list(update),
            ],
        )
    )


def norm2(update: Sequence[int]) -> int:
    return sum(v * v for v in update)


def check_update(terms: Terms, samples: int, update: Sequence[int]) -> None:
    """What ``reveal`` checks besides the commitment (a ``FederatedError`` if it would revert)."""
    if len(update) != terms.n_params:
        raise FederatedError(f"update has {len(update)} values, the task {terms.n_params}")
    if not 0 < samples <= terms.max_samples:
        raise FederatedError(f"sample count {samples} out of 1..{terms.max_samples}")
    if norm2(update) > terms.clip**2:
        raise FederatedError("update over the clip bound")


def aggregate_change(
    updates: Sequence[Sequence[int]], samples: Sequence[int], rule: int, trim: int
) -> list[int]:
    """g: the aggregate change, coordinate by coordinate, in reveal order."""
    n = len(updates)
    p = len(updates[0])
    out = []
    if rule == RULE_FEDAVG:
        total = sum(samples)
        for j in range(p):
            out.append(tdiv(sum(s * u[j] for s, u in zip(samples, updates, strict=True)), total))
    else:
        kept = n - 2 * trim
        for j in range(p):
            vals = sorted(u[j] for u in updates)
            out.append(tdiv(sum(vals[trim : n - trim]), kept))
    return out


def agrees(update: Sequence[int], g: Sequence[int], min_agreement: int) -> bool:
    """u . g > 0 and (1000 u.g)**2 >= min_agreement**2 |u|**2 |g|**2."""
    d = sum(a * b for a, b in zip(update, g, strict=True))
    return d > 0 and (1000 * d) ** 2 >= min_agreement**2 * norm2(update) * norm2(g)


def chain_hash(round_: int, params: Sequence[int]) -> bytes:
    """The contract's ``model_hash`` of the parameters a round closes with."""
    h = round_.to_bytes(32, "big")
    for w in params:
        h = keccak(h + (w % 2**256).to_bytes(32, "big"))
    return h


def scores(params: Sequence[int], n_features: int, x: Sequence[int]) -> list[int]:
    """Every class's score (10**-18 units), as ``scores``."""
    row = n_features + 1
    return [
        sum(params[k * row + j] * x[j] for j in range(n_features))
        + params[k * row + n_features] * SCALE
        for k in range(len(params) // row)
    ]


def predict(params: Sequence[int], n_features: int, x: Sequence[int]) -> int:
    s = scores(params, n_features, x)
    best = 0
    for k in range(1, len(s)):
        if s[k] > s[best]:
            best = k
    return best


@dataclass
class Reveal:
    who: str
    samples: int
    update: list[int]


@dataclass(kw_only=True)
class RoundResult:
    round: int
    revealed: int
    accepted: list[str]
    paid_each: int
    forfeited: list[str]
    model_hash: bytes
    change: list[int]


@dataclass(kw_only=True)
class TaskMirror:
    """The whole task's state as the contract keeps it: parameters, pool, stakes, rewards.

    Feed it what was sent (joins, commits, reveals, in order) and ``close_round``; it answers
    what the contract must hold."""

    terms: Terms
    pool: int
    params: list[int]
    round: int = 0
    done: bool = False
    model_hash: bytes = b"\0" * 32
    members: list[str] = field(default_factory=list)
    stakes: dict[str, int] = field(default_factory=dict)
    balances: dict[str, int] = field(default_factory=dict)
    earned: dict[str, int] = field(default_factory=dict)
    shared: dict[str, int] = field(default_factory=dict)
    forfeited: set[str] = field(default_factory=set)
    committed: set[str] = field(default_factory=set)
    reveals: list[Reveal] = field(default_factory=list)
    history: list[RoundResult] = field(default_factory=list)

    @classmethod
    def open(cls, terms: Terms, pool: int, initial: Sequence[int] = ()) -> TaskMirror:
        params = list(initial) if initial else [0] * terms.n_params
        return cls(terms=terms, pool=pool, params=params)

    def join(self, who: str) -> None:
        self.members.append(who)
        self.stakes[who] = self.terms.stake
        self.balances[who] = 0
        self.earned[who] = 0

    def commit(self, who: str) -> None:
        self.committed.add(who)

    def reveal(self, who: str, samples: int, update: Sequence[int]) -> None:
        self.reveals.append(Reveal(who, samples, list(update)))

    def close_round(self) -> RoundResult:
        t = self.terms
        r = self.round
        shown = {rv.who for rv in self.reveals}
        lost = [w for w in self.members if w in self.committed and w not in shown]
        for who in lost:
            self.pool += self.stakes[who]
            self.stakes[who] = 0
            self.forfeited.add(who)
        share = self.pool // (t.rounds - r)
        accepted: list[str] = []
        each = 0
        g = [0] * t.n_params
        if len(self.reveals) >= t.min_participants:
            g = aggregate_change(
                [rv.update for rv in self.reveals],
                [rv.samples for rv in self.reveals],
                t.rule,
                t.trim,
            )
            self.params = [w + d for w, d in zip(self.params, g, strict=True)]
            accepted = [rv.who for rv in self.reveals if agrees(rv.update, g, t.min_agreement)]
            if accepted:
                each = share // len(accepted)
                for who in accepted:
                    self.balances[who] += each
                    self.earned[who] += each
                self.pool -= each * len(accepted)
            self.model_hash = chain_hash(r, self.params)
        result = RoundResult(
            round=r,
            revealed=len(self.reveals),
            accepted=accepted,
            paid_each=each,
            forfeited=lost,
            model_hash=self.model_hash,
            change=g,
        )
        self.history.append(result)
        self.reveals, self.committed = [], set()
        self.round += 1
        self.done = self.round == t.rounds
        if self.done:
            self.share_leftover(shown)
        return result

    def share_leftover(self, last_revealers: set[str]) -> None:
        """The contract's ``_share_leftover``: the pool left at the end to the participants paid
        over the task, by what they earned (those that revealed in the last round if any of
        them earned, else all that did not forfeit); remainder to the first; nobody: the pool
        stays for the coordinator."""
        left = self.pool
        if not left:
            return
        for level in (0, 1):
            weights = {
                w: self.earned[w]
                for w in self.members
                if w not in self.forfeited and (level or w in last_revealers)
            }
            total = sum(weights.values())
            if total:
                break
        if not total:
            return
        amounts = {w: left * v // total for w, v in weights.items()}
        first = next(w for w in self.members if weights.get(w, 0) > 0)
        amounts[first] += left - sum(amounts.values())
        for w, a in amounts.items():
            if a:
                self.balances[w] += a
                self.earned[w] += a
                self.shared[w] = a
        self.pool = 0

    def payout(self, who: str) -> int:
        """What ``withdraw`` pays ``who`` now (rewards; the stake or the pool once done)."""
        amount = self.balances.get(who, 0)
        if self.done:
            amount += self.stakes.get(who, 0)
        return amount

    def withdraw(self, who: str) -> int:
        """What ``withdraw`` pays ``who`` (0: it reverts), and the state after it."""
        amount = self.payout(who)
        self.balances[who] = 0
        if self.done:
            self.stakes[who] = 0
        return amount

    def coordinator_payout(self) -> int:
        """What the coordinator's ``withdraw`` pays once the task is done."""
        return self.pool if self.done else 0

    def total_out_when_done(self) -> int:
        """Everything ``withdraw`` pays once the task is done, the coordinator's pool included."""
        return self.pool + sum(self.balances.values()) + sum(self.stakes.values())
