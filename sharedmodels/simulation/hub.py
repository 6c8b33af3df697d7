"""The hub's pool rule played by agents, to the wei, on the contracts' integer mirrors.

Agents contribute to a deposit-and-refund trainer whose model is the sparse Perceptron
(``IntPerceptron``, bit-identical to the contract). Each period ends with an accuracy record on a
fresh test set the agents never saw; the pool then releases ``available * gain / (1 - acc_a)``
(``rules.budget``) and splits it among the period's contributions that trained (changed the
model) and, for those whose refund wait ended before the closing record, that the trainer
holds as good (refunded: the model agrees with the label at the record, the period's end).
``unjudged`` is the fraction of a period's contributions, the latest, whose refund wait had not
ended at the record: no judgement is asked of them (about the refund wait over the period's
length, 1.0 for an attacker who sends only in the last refund wait before a record).
``HubPool.enter`` has asked no judgement of any contribution since the sixth review (a refund reads
the model when it is sent, so later steps decide it): ``unjudged=1.0`` is the contract's rule; the
default 0 keeps the earlier measurements reproducible. ``cancel=True`` lets the period's
contributions cut each other's shares where two opposite steps on the same features undid each other
(largest cut first, each contribution that cancels used once; ``HubPool.cancel`` keeps each feature
of each step to one cancellation instead). Rule ``push`` (``HubPool.enter``, ``rules.pushed``): each
gets shares by how far its own step moved the closing scores toward
their labels, and enters only above 0. Measured beside it: ``good`` (the hub before the first
review: one share each), ``influence`` (one share if its step, taken out, turns more closing
answers wrong than right) and ``fixed`` (that net count of answers as shares). Each agent
claims once (``rules.PeriodMirror``). Deposits follow the trainer: a
refund returns it, anything else is lost to the contributor.

Agents:
- ``honest``: labelled samples from the data, as they come (informative or not).
- ``farmer``: only samples the current model already gets right, with their true label: cheap
  to find, never wrong, and useless to a Perceptron (it learns only from its mistakes).
- ``flipper``: samples with the label flipped.
- ``noise``: one fresh feature no sample uses, labels alternating (the attacker review's noise
  farmer): each changes the model and is refunded, and no test answer moves.
- ``pairs``: a sample with the label the model does not give, then the same sample with the
  label it gave: the second undoes the first and is refunded; the model ends where it was.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from sharedmodels.errors import InputError
from sharedmodels.hub.rules import PeriodMirror, ScoredSample, budget
from sharedmodels.hub.rules import pushed as _pushed
from sharedmodels.mirrors.perceptron import INTERCEPT_BITS, IntPerceptron


@dataclass(kw_only=True)
class Agent:
    """One contributor: a policy over the data, and its ledger."""

    name: str
    policy: str  # honest | farmer | flipper | noise | pairs
    sent: int = 0
    trained: int = 0
    good: int = 0
    shares: int = 0
    paid: int = 0
    deposits_lost: int = 0
    last: tuple | None = None

    def choose(self, model: IntPerceptron, pool: list[tuple[list[int], int]], rng: random.Random):
        """The sample and label this agent sends next (and removes from ``pool``)."""
        if self.policy == "pairs":
            # Odd turns undo the even turn before: the same sample, the model's own answer.
            if self.sent % 2 == 1 and self.last is not None:
                x, y = self.last
                self.last = None
                return x, 1 - y
            x, _ = pool.pop(0)
            self.last = (x, 1 - model.predict(x))
            return self.last
        if self.policy == "noise":
            feature = model.n_features - 1 - self.sent
            return [feature], self.sent % 2
        if self.policy == "farmer":
            for k in range(min(len(pool), 400)):
                x, y = pool[k]
                if model.predict(x) == y:
                    return pool.pop(k)
        x, y = pool.pop(0)
        return (x, 1 - y) if self.policy == "flipper" else (x, y)


@dataclass
class PeriodRow:
    period: int
    accuracy: float
    budget: int
    shares: dict[str, int]
    paid: dict[str, int]


@dataclass
class HubSimulation:
    agents: list[Agent]
    rows: list[PeriodRow] = field(default_factory=list)
    funded: int = 0
    available: int = 0
    anchor_accuracy: float = 0.0

    @property
    def paid_total(self) -> int:
        return sum(a.paid for a in self.agents)

    def conservation(self) -> bool:
        """No wei created or lost: funded == paid out + what the pool still holds."""
        return self.funded == self.paid_total + self.available

    def summary(self) -> list[str]:
        total_sent = sum(a.sent for a in self.agents)
        lines = [
            f"periods: {len(self.rows)}; accuracy {self.anchor_accuracy:.3f} -> "
            + " -> ".join(f"{r.accuracy:.3f}" for r in self.rows),
            f"pool: funded {self.funded} wei, paid {self.paid_total}, left {self.available}",
        ]
        for a in self.agents:
            share = a.paid / self.paid_total if self.paid_total else 0.0
            lines.append(
                f"{a.name} ({a.policy}): sent {a.sent} ({a.sent / total_sent:.1%} of all), "
                f"changed the model {a.trained}, judged good {a.good}, shares {a.shares}, "
                f"paid {a.paid} wei ({share:.1%} of payouts), deposits lost {a.deposits_lost}"
            )
        lines.append(f"conservation: {'ok' if self.conservation() else 'BROKEN'}")
        return lines


def topics(
    n: int,
    *,
    seed: int = 0,
    vocabulary: int = 2000,
    words: int = 12,
    shared: float = 0.5,
    n_features: int = 2**12,
) -> tuple[list[list[int]], list[int]]:
    """A two-topic corpus with a learnable signal: each sample draws ``words`` distinct words,
    each from its class's half of the vocabulary with probability ``1 - shared``, else from
    the whole vocabulary; a word is a feature index below ``n_features``."""
    rng = random.Random(seed)
    rows, labels = [], []
    half = vocabulary // 2
    for _ in range(n):
        y = rng.randrange(2)
        x = set()
        while len(x) < words:
            w = (
                rng.randrange(vocabulary)
                if rng.random() < shared
                else y * half + rng.randrange(half)
            )
            x.add(w % n_features)
        rows.append(sorted(x))
        labels.append(y)
    return rows, labels


def helped(model: IntPerceptron, x: Sequence[int], y: int, test: Sequence) -> int:
    """Rules ``influence`` and ``fixed`` (measured, not in the contract): test samples of the
    period's closing set that
    the model gets right minus those it would get right with this contribution's own step
    taken out (its ``eta`` per feature and one intercept step), over the test samples that
    share a feature with it."""
    sign = 1 if y == 1 else -1
    own = set(x)
    out = 0
    for t, label in test:
        if own.isdisjoint(t):
            continue  # credited only where it shares a feature (HubPool.enter)
        s = model.score(t)
        without = (
            s
            - sign * ((model.eta * len(own.intersection(t))) << INTERCEPT_BITS)
            - sign * model.step
        )
        out += ((s > 0) == (label == 1)) - ((without > 0) == (label == 1))
    return out


def pushed(x: Sequence[int], y: int, test: Sequence) -> int:
    """Rule ``push`` (``rules.pushed``) on ``(indices, label)`` test samples."""
    return _pushed(x, y, [ScoredSample(tuple(t), (), label, 0) for t, label in test])


def accuracy(
    model: IntPerceptron, rows: Sequence[Sequence[int]], labels: Sequence[int]
) -> tuple[int, int]:
    correct = sum(model.predict(x) == y for x, y in zip(rows, labels, strict=True))
    return len(rows), correct


def simulate_hub(
    rows: Sequence[Sequence[int]],
    labels: Sequence[int],
    n_features: int,
    *,
    policies: Sequence[str] = ("honest", "honest", "farmer", "flipper"),
    periods: int = 4,
    per_agent: int = 30,
    test_size: int = 300,
    pretrain: int = 50,
    fund: int = 10**19,
    deposit: int = 10**15,
    seed: int = 0,
    rule: str = "push",
    unjudged: float = 0.0,
    cancel: bool = False,
) -> HubSimulation:
    """Run the pool over ``periods`` periods; each agent sends ``per_agent`` samples a period.
    ``unjudged`` and ``cancel``: see the module docstring.

    The data is split once: ``pretrain`` samples the owner trains on, then one fresh test set
    of ``test_size`` samples per record (periods + 1 of them), then the contributors' stream.
    """
    need = pretrain + (periods + 1) * test_size + periods * per_agent * len(policies) * 3
    if len(rows) < need:
        raise InputError(f"the simulation needs {need} samples, the data has {len(rows)}")
    rng = random.Random(seed)
    order = list(range(len(rows)))
    rng.shuffle(order)
    data = [(list(rows[i]), int(labels[i])) for i in order]
    model = IntPerceptron(n_features)
    for x, y in data[:pretrain]:
        model.update(x, y)
    at = pretrain
    tests = []
    for _ in range(periods + 1):
        tests.append(data[at : at + test_size])
        at += test_size
    stream = data[at:]
    agents = [Agent(name=f"{p}{i}", policy=p) for i, p in enumerate(policies)]
    sim = HubSimulation(agents, funded=fund, available=fund)

    def record(test):
        return accuracy(model, [x for x, _ in test], [y for _, y in test])

    a_samples, a_correct = record(tests[0])
    sim.anchor_accuracy = a_correct / a_samples
    for p in range(periods):
        sent = []  # (agent, x, y, trained)
        turns = [a for a in agents for _ in range(per_agent)]
        rng.shuffle(turns)
        for agent in turns:
            x, y = agent.choose(model, stream, rng)
            trained = model.update(x, y).changed
            agent.sent += 1
            agent.trained += trained
            sent.append((agent, x, y, trained))
        # After the refund wait: a refund needs the model to agree with the label.
        entries: dict[str, int] = {}
        # The first ``judged`` of the period's contributions had their refund wait end before
        # the closing record: they enter only if judged good (the model agrees at the record).
        judged = len(sent) - round(unjudged * len(sent))
        closing = [(list(t), label) for t, label in tests[p + 1]]
        entered = []  # (agent, x, y, index in sent, shares)
        for k, (agent, x, y, trained) in enumerate(sent):
            good = model.predict(x) == y
            agent.good += good
            if not good:
                agent.deposits_lost += deposit
            if not trained or (k < judged and not good):
                continue
            if rule == "good":
                weight = 1
            elif rule == "influence":
                weight = int(helped(model, x, y, tests[p + 1]) > 0)
            elif rule == "fixed":
                weight = max(helped(model, x, y, tests[p + 1]), 0)
            else:
                weight = max(pushed(x, y, closing), 0)
            if weight:
                entered.append([agent, x, y, k, weight])
        if cancel:
            # Every cancellation anyone may make, largest cut first (each contribution that
            # cancels is used once): the period's contributors cut each other's undone shares.
            offers = []
            for e in entered:
                _, x, y, k, _ = e
                for j, (_, ux, uy, utrained) in enumerate(sent):
                    if j == k or not utrained or uy == y:
                        continue
                    shared = sorted(set(x).intersection(ux))
                    cut = pushed(shared, y, closing) if shared else 0
                    if cut > 0:
                        offers.append((cut, j, e))
            offers.sort(key=lambda o: -o[0])
            used = set()
            for cut, j, e in offers:
                if j in used or e[4] == 0:
                    continue
                e[4] -= min(cut, e[4])
                used.add(j)
        for agent, _, _, _, weight in entered:
            if weight:
                entries[agent.name] = entries.get(agent.name, 0) + weight
        b_samples, b_correct = record(tests[p + 1])
        released = budget(sim.available, a_samples, a_correct, b_samples, b_correct)
        sim.available -= released
        period = PeriodMirror(released, entries)
        paid = {}
        if period.total == 0:
            sim.available += released  # HubPool.release
        else:
            names = list(entries)
            rng.shuffle(names)  # claims in any order
            for name in names:
                amount = period.claim(name)
                paid[name] = amount
                agent = next(a for a in agents if a.name == name)
                agent.paid += amount
                agent.shares += entries[name]
        sim.rows.append(PeriodRow(p, b_correct / b_samples, released, entries, paid))
        a_samples, a_correct = b_samples, b_correct
    return sim
