"""The simulations' participants and their books.

An :class:`Agent` is one account with a policy: which of a round's samples are its own, the
labels it sends for them (true, careless or flipped, as its :class:`AgentSpec` says) and how many
it will pay for. The :class:`Ledger` is every agent's balance in the mechanism and what it did,
from which each row of a run's series is read. A simulator (``incentives``, ``market``) steps
the agents through a mechanism on the chain and writes what the chain paid into the ledger.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sharedmodels.rpc.fastpath import Pipeline
from sharedmodels.simulation.common import Row
from sharedmodels.simulation.presets import AgentSpec
from sharedmodels.units import ETH


@dataclass(kw_only=True)
class Agent:
    """One participant: its place among the agents, its account and signer, its policy."""

    index: int
    spec: AgentSpec
    account: Any
    #: Signs and sends its transactions through the fast path (None until the run starts).
    pipe: Pipeline | None = None

    @property
    def address(self) -> str:
        return str(self.account.address)

    def own(self, chunk: Sequence[tuple[tuple[Any, int], int]]) -> list[tuple[Any, int]]:
        """Its ``(x, y)`` samples among a round's ``((x, y), agent index)`` pairs."""
        return [sample for sample, who in chunk if who == self.index]

    def labels(self, samples: Sequence[tuple[Any, int]], rng: random.Random) -> list[int]:
        """The labels it sends for ``(x, y)`` samples: flipped by a bad agent or an adversary,
        wrong at ``mistake_rate`` for a good one (one draw of ``rng`` a sample then)."""
        spec = self.spec
        out = []
        for _, y in samples:
            wrong = spec.flips or (spec.mistake_rate and rng.random() < spec.mistake_rate)
            out.append(1 - y if wrong else y)
        return out

    def affordable(self, balance: int, price: int) -> int:
        """How many contributions at ``price`` wei it pays for at ``balance`` (its budget)."""
        return self.spec.affordable(balance, price)


def make_agents(specs: Sequence[AgentSpec], accounts: Sequence[Any]) -> list[Agent]:
    return [
        Agent(index=i, spec=spec, account=account)
        for i, (spec, account) in enumerate(zip(specs, accounts, strict=False))
    ]


def draw_owners(agents: Sequence[Agent], n: int, rng: random.Random) -> list[int]:
    """Which agent sends each of ``n`` samples, drawn by pace (one ``rng.choices`` call)."""
    return rng.choices(range(len(agents)), weights=[a.spec.pace for a in agents], k=n)


@dataclass(kw_only=True)
class Ledger:
    """Every agent's balance in the mechanism (wei, or points) and counts of what it did."""

    starts: list[int]
    balances: list[int]
    contributions: list[int]
    refunds: list[int]
    reports: list[int]
    takes: list[int]
    #: Its own contributions that others reported (rejected, under Points).
    rejected: list[int]
    rows: list[Row] = field(default_factory=list)

    @classmethod
    def open(cls, agents: Sequence[Agent]) -> Ledger:
        """Each agent at its start balance, nothing done yet."""
        starts = [int(a.spec.start_eth * ETH) for a in agents]
        zeros = [0] * len(agents)
        return cls(
            starts=starts,
            balances=list(starts),
            contributions=list(zeros),
            refunds=list(zeros),
            reports=list(zeros),
            takes=list(zeros),
            rejected=list(zeros),
        )

    def count(self, what: str, i: int, n: int = 1) -> None:
        """Add ``n`` to agent ``i``'s count of ``what`` (``contributions``, ``refunds``, …)."""
        getattr(self, what)[i] += n

    def record(self, *, time: int, samples: int, accuracy: float | None, held: list[int]) -> Row:
        """Append (and return) the row of the series as the books stand now."""
        row = Row(
            time=time,
            samples=samples,
            accuracy=accuracy,
            balances=list(self.balances),
            contributions=list(self.contributions),
            refunds=list(self.refunds),
            reports=list(self.reports),
            takes=list(self.takes),
            held=held,
            rejected=list(self.rejected),
        )
        self.rows.append(row)
        return row
