"""Building and running model bounties in tests, checked against the Python rules."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from sharedmodels.bounty.driver import (
    Entrant,
    Terms,
    conservation,
    deploy_bounty,
    entries,
    evaluate,
    group_split,
    reveal_tests,
    reveal_training,
    submit,
    upload,
)
from sharedmodels.bounty.models import CENTROID, MLP, PERCEPTRON, Model, n_params
from sharedmodels.bounty.rules import (
    OrganiserSecrets,
    forfeit_settle,
    scoring_fee,
    settle,
)

SCALE = 10**9
DIM = 4
CLASSES = 3
#: 0.01 gwei per work unit: the largest model's fee on these bounties is below 10**15 wei.
FEE = 10**7
TERMS = Terms(min_stake=10**15, scoring_fee=FEE)
PRIZE = 10**18
#: The concept every synthetic dataset follows: three fixed linear scores, the highest wins.
CONCEPT = ((3, -1, 0, 1), (-2, 2, 1, 0), (0, 0, -2, 2))


def truth(x) -> int:
    s = [sum(w * v for w, v in zip(row, x, strict=True)) for row in CONCEPT]
    return max(range(CLASSES), key=lambda k: (s[k], -k))


def dataset(rng: random.Random, n: int) -> list[tuple[list[int], int]]:
    out = []
    for _ in range(n):
        x = [rng.randint(-2 * SCALE, 2 * SCALE) for _ in range(DIM)]
        out.append((x, truth(x)))
    return out


def groups(rng: random.Random, k: int = 4, size: int = 5) -> list[list[tuple[list[int], int]]]:
    return [dataset(rng, size) for _ in range(k)]


def wide_model(
    rng: random.Random, kind: int, *, dim: int, n_classes: int, h1: int = 0, h2: int = 0
) -> Model:
    """A model of the given shape with parameters drawn from [-10**9, 10**9] (gas and size
    tests: what the values are does not matter, their width does)."""
    n = n_params(kind, dim, n_classes, h1, h2)
    params = tuple(rng.randint(-(10**9), 10**9) for _ in range(n))
    return Model(kind=kind, dim=dim, n_classes=n_classes, params=params, h1=h1, h2=h2)


def random_model(rng: random.Random, kind: int, h1: int = 0, h2: int = 0, span: int = 3) -> Model:
    n = n_params(kind, DIM, CLASSES, h1, h2)
    return Model(
        kind=kind,
        dim=DIM,
        n_classes=CLASSES,
        params=tuple(rng.randint(-span * SCALE, span * SCALE) for _ in range(n)),
        h1=h1,
        h2=h2,
    )


def good_perceptron() -> Model:
    """The concept itself: scores every sample right (ties aside)."""
    params = [w * SCALE for row in CONCEPT for w in row] + [0] * CLASSES
    return Model(kind=PERCEPTRON, dim=DIM, n_classes=CLASSES, params=tuple(params))


KINDS = {"perceptron": (PERCEPTRON, 0, 0), "centroid": (CENTROID, 0, 0), "mlp": (MLP, 5, 3)}


@dataclass
class Run:
    """One bounty under test: the contract, the organiser's secrets, and what went in."""

    contract: Any
    secrets: OrganiserSecrets
    organiser: Any
    chain: Any
    terms: Terms = TERMS
    prize: int = PRIZE
    threshold_bps: int = 0
    entrants: list[tuple[Any, Entrant, int]] = field(default_factory=list)

    def open(self) -> None:
        """Mine past the seed block, draw and reveal the training groups."""
        self.chain.mine(3)
        reveal_training(self.contract, self.organiser, self.secrets)

    def submit(self, who, model: Model, stake: int | None = None, chunk: int = 256) -> Entrant:
        e = Entrant(model, chunk=chunk)
        stake = stake or self.terms.min_stake
        submit(self.contract, who, e, stake)
        self.entrants.append((who, e, stake))
        return e

    def to_uploads(self) -> None:
        self.chain.pending_timestamp = int(self.contract.submit_deadline()) + 1
        self.chain.mine()

    def to_reveal(self) -> None:
        self.chain.pending_timestamp = int(self.contract.upload_deadline()) + 1
        self.chain.mine()

    def upload(self, who, e: Entrant, seal: bool = True) -> list[int]:
        return upload(self.contract, who, e, seal=seal)

    def to_scoring_deadline(self, after: int = 1) -> None:
        self.chain.pending_timestamp = int(self.contract.score_deadline()) + after
        self.chain.mine()

    def reveal_tests(self) -> list[int]:
        return reveal_tests(self.contract, self.organiser, self.secrets)

    def evaluate(self, keeper=None, ids=None) -> list[int]:
        """Score each sealed submission (or ``ids``) to the end, checking the balance sheet
        after every step."""
        keeper = keeper or self.organiser
        c = self.contract
        gas = []
        todo = (
            ids
            if ids is not None
            else [i for i in range(int(c.n_submissions())) if c.submissions(i).sealed]
        )
        for i in todo:
            while not c.submissions(i).scored:
                gas.append(int(c.step(i, sender=keeper).gas_used))
                ok, figures = conservation(c, self.chain)
                assert ok, figures
        return gas

    @property
    def mask(self) -> int:
        return int(self.contract.test_mask())

    def test_set(self) -> tuple[list[list[int]], list[int]]:
        _, test = group_split(self.mask, len(self.secrets.groups))
        xs, ys = [], []
        for i in test:
            for x, y in self.secrets.groups[i]:
                xs.append(x)
                ys.append(y)
        return xs, ys

    def fee(self, model: Model, sealed: bool, t: int) -> int:
        """The scoring fee the rules take from a sealed submission's stake once it is scored
        (from the mirror, not the contract); nothing from an unsealed one."""
        rate = self.terms.scoring_fee
        if not sealed:
            return 0
        return scoring_fee(
            rate, model.kind, model.dim, c=model.n_classes, h1=model.h1, h2=model.h2, t=t
        )

    def expected(self):
        xs, ys = self.test_set()
        es = entries(self.contract)
        scored = [
            type(e)(
                e.stake,
                e.sealed,
                ent.model.correct(xs, ys) if e.sealed else 0,
                self.fee(ent.model, e.sealed, len(xs)),
            )
            if e.scored or not e.sealed
            else e
            for e, (_, ent, _) in zip(es, self.entrants, strict=True)
        ]
        # The contract's threshold: 0 once a draw has lapsed.
        return settle(self.prize, scored, len(xs), int(self.contract.threshold_bps()))

    def expected_forfeit(self):
        return forfeit_settle(self.prize, entries(self.contract))

    def dues(self) -> tuple[int, ...]:
        return tuple(int(self.contract.due(i)) for i in range(int(self.contract.n_submissions())))


def open_bounty(
    project,
    chain,
    organiser,
    gs,
    test_groups: int = 2,
    threshold_bps: int = 0,
    terms: Terms = TERMS,
    prize: int = PRIZE,
    dim: int = DIM,
    classes: int = CLASSES,
) -> Run:
    secrets = OrganiserSecrets(gs)
    contract = deploy_bounty(
        project.ModelBounty,
        organiser,
        secrets,
        chain_id=chain.chain_id,
        prize=prize,
        dim=dim,
        n_classes=classes,
        test_groups=test_groups,
        threshold_bps=threshold_bps,
        terms=terms,
    )
    return Run(contract, secrets, organiser, chain, terms, prize, threshold_bps)


__all__ = ["evaluate", "Run", "open_bounty"]
