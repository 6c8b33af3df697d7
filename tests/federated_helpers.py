"""A small federated task for the chain tests: deploy, act in rounds, compare with the mirror
fed what the test sent, and check conservation after every call that moves wei."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

from sharedmodels.federated.driver import Pending, commit_update, conservation, reveal_update
from sharedmodels.federated.rules import RULE_FEDAVG, TaskMirror, Terms

#: 3 features, 2 classes: 8 parameters, 2 words.
SMALL = Terms(
    n_features=3,
    n_classes=2,
    rounds=3,
    commit_window=3600,
    reveal_window=3600,
    min_participants=3,
    max_participants=6,
    stake=10**15,
    clip=10**9,
    max_samples=1000,
    trim=1,
    min_agreement=100,
)
FEDAVG = replace(SMALL, rule=RULE_FEDAVG, trim=0)
POOL = 3 * 10**17


def direction(terms: Terms, seed: int = 7) -> list[float]:
    """The 'true' update direction the honest participants share (unit norm)."""
    rng = random.Random(seed)
    d = [rng.uniform(-1, 1) for _ in range(terms.n_params)]
    n = sum(v * v for v in d) ** 0.5
    return [v / n for v in d]


def honest_update(terms: Terms, rng: random.Random, d=None, noise=0.3) -> list[int]:
    """The shared direction plus noise, scaled to at most the clip bound (integers)."""
    d = d or direction(terms)
    u = [v + rng.gauss(0, noise / len(d) ** 0.5) for v in d]
    n = sum(v * v for v in u) ** 0.5
    scale = terms.clip * rng.uniform(0.3, 0.99) / n
    return [int(v * scale) for v in u]


def poisoned_update(terms: Terms, d=None) -> list[int]:
    """Against the shared direction, at the clip bound."""
    d = d or direction(terms)
    return [int(-v * terms.clip * 0.999) for v in d]


@dataclass
class Task:
    contract: object
    chain: object
    terms: Terms
    mirror: TaskMirror
    pending: dict[str, Pending] = field(default_factory=dict)
    steps: list[int] = field(default_factory=list)

    def check(self) -> None:
        ok, sheet = conservation(self.contract)
        assert ok, sheet
        assert sheet["pool"] == self.mirror.pool
        assert sheet["held"] == sum(self.mirror.stakes.values())
        assert sheet["owed"] + sheet["withdrawn"] >= 0

    def join(self, who) -> None:
        self.contract.join(sender=who, value=self.terms.stake)
        self.mirror.join(str(who.address))
        self.check()

    def deadlines(self) -> tuple[int, int]:
        c, d = self.contract.deadlines()
        return int(c), int(d)

    def commit(self, who, update, samples=10) -> Pending:
        p = commit_update(
            self.contract,
            who,
            int(self.contract.round()),
            samples=samples,
            update=update,
            terms=self.terms,
        )
        self.pending[str(who.address)] = p
        self.mirror.commit(str(who.address))
        return p

    def to_reveal(self) -> None:
        c, _ = self.deadlines()
        if self.chain.pending_timestamp < c:
            self.chain.pending_timestamp = c

    def reveal(self, who) -> None:
        p = self.pending.pop(str(who.address))
        reveal_update(self.contract, who, p)
        self.mirror.reveal(str(who.address), p.samples, p.update)

    def to_aggregate(self) -> None:
        _, d = self.deadlines()
        if self.chain.pending_timestamp < d:
            self.chain.pending_timestamp = d

    def close(self, anyone, budget=24, check_every_step=True):
        """Step until the round closes; the mirror's result. Checks the books every step."""
        self.to_aggregate()
        r = int(self.contract.round())
        while not self.contract.done() and int(self.contract.round()) == r:
            tx = self.contract.step(budget, sender=anyone)
            self.steps.append(int(tx.gas_used))
            if check_every_step:
                ok, sheet = conservation(self.contract)
                assert ok, sheet
        result = self.mirror.close_round()
        self.check()
        assert [int(v) for v in self.contract.parameters()] == self.mirror.params
        assert bytes(self.contract.model_hash()) == self.mirror.model_hash
        for who, bal in self.mirror.balances.items():
            assert int(self.contract.participants(who).balance) == bal
        return result

    def round(self, people, updates, anyone, budget=24, samples=None):
        """Everyone in ``people`` commits its update and reveals it; the round closes."""
        for i, (who, u) in enumerate(zip(people, updates, strict=True)):
            self.commit(who, u, samples[i] if samples else 10)
        self.to_reveal()
        for who in people:
            self.reveal(who)
        return self.close(anyone, budget)


def open_task(
    project, chain, owner, terms: Terms = SMALL, pool: int = POOL, initial=(), allowed=()
) -> Task:
    from sharedmodels.federated.driver import deploy_task

    contract = deploy_task(
        project.FederatedTask, owner, terms, pool=pool, initial=initial, allowed=allowed
    )
    return Task(contract, chain, terms, TaskMirror.open(terms, pool, initial))
