"""The main demo as a job: a staked model, an honest and a label-flipping contributor, days pass.

``run`` deploys the staked trainer of ``config.model`` (``NearestCentroidStake`` by default,
judging refunds leave-one-out; a text model takes its measured encoder width and smoothing)
pre-trained on a slice of ``config.dataset`` (``sklearn:digits``, ten samples: a weak start;
a dense model needs a numeric dataset; the held-out part is at
most a quarter of it, the pre-training what is left after that and the contributions), then
simulates days on the
connected dev chain (time moves with ``chain.pending_timestamp``). Each day both contributors
first claim what they can (refunds of their own contributions the model agrees with, reports of
the other's it disagrees with), the owner takes deposits older than ``owner_wait``, then each
adds samples while its wallet allows: it starts with ``budget`` wei it is willing to spend and
stops when deposits it has not got back leave too little. The honest one sends the dataset's
labels, the flipper a wrong one (class y + 1, modulo the class count). After the last day
everything is left to mature and claimed.

The summary compares accuracy on held-out data before, after each day (the learning curve) and
at the end against always answering the commoner class, counts how many of each contributor's
samples were refunded and forfeited, replays every accepted
contribution through the reference (scikit-learn for the Perceptron, the integer mirror for the
other models) to show the on-chain model is still identical, and
reports each actor's balance change, gas per action and contributions by state.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sharedmodels.encoding.encoded import Encoded, encode_dataset
from sharedmodels.errors import InputError
from sharedmodels.registry import make_encoder, model_spec
from sharedmodels.rpc.deployments import predict_many
from sharedmodels.trainers.actions import claim_all, contribute, status, verdicts
from sharedmodels.trainers.client import Incentive, scan
from sharedmodels.trainers.deploy import deploy_model
from sharedmodels.trainers.parity import ParityResult, describe
from sharedmodels.units import DAY


@dataclass(kw_only=True)
class TrainerDemoConfig:
    # A model that starts weak (ten samples, one per digit on average) so that the story can
    # show it learning from the honest contributor while the flipper loses its deposits.
    model: str = "ncc"
    dataset: str = "sklearn:digits"
    pretrain: int = 10
    holdout: int = 1000
    days: int = 6
    per_day: int = 12
    flipper_per_day: int = 6
    gap: int = 1800  # seconds between consecutive contributions
    #: None: the model's measured default (registry, from ``ape run sweep``).
    n_features: int | None = None
    budget: int = 3 * 10**18
    incentive: Incentive = field(
        default_factory=lambda: Incentive(
            "stake",
            refund_wait=DAY,
            owner_wait=3 * DAY,
            any_wait=7 * DAY,
            cost_weight=10**15,
            leave_one_out=True,
        )
    )


@dataclass(kw_only=True)
class TrainerDemoResult:
    accuracy_before: float
    accuracy_after: float
    parity: ParityResult
    replayed: int
    balances: dict[str, int]  # actor -> wei change (gas included)
    gas: dict[str, list[int]]  # action -> gas per call
    states: dict[str, dict[str, int]]  # actor -> state -> count
    added: dict[str, int]
    wei_ok: bool
    contract: Any = None
    contract_name: str = ""
    pretrained: int = 0
    held_out: int = 0
    #: Always answering the held-out part's commoner class.
    majority: float = 0.0
    #: Accuracy on the held-out part at the start and after each day's contributions.
    curve: list[float] = field(default_factory=list)
    judging: str = "as-is"

    def rate(self, name: str, state: str) -> tuple[int, int]:
        """(contributions of ``name`` that ended in ``state``, all of its contributions);
        ``forfeited`` counts every state in which someone else took the deposit."""
        counts = self.states.get(name, {})
        if state == "forfeited":
            got = sum(v for k, v in counts.items() if k in ("taken", "reported", "partly reported"))
        else:
            got = counts.get(state, 0)
        return got, sum(counts.values())


def result_line(r: TrainerDemoResult) -> str:
    """The demo's last line: whether its numbers bear out the story it told (the model learned
    or held, the honest contributor gained, the flipper lost, parity and the wei check held),
    and if not, which of them failed."""
    # The flipped samples train the model too: a model pre-trained on much already may lose a
    # little (held within a point); more would mean the mechanism let the flipper through.
    learned = r.accuracy_after >= r.accuracy_before + 0.01
    held = learned or r.accuracy_after >= r.accuracy_before - 0.01
    change = f"{r.accuracy_before:.1%} -> {r.accuracy_after:.1%}"
    failed = [
        why
        for ok, why in (
            (r.balances["honest"] > 0, "the honest contributor did not gain"),
            (r.balances["flipper"] < 0, "the flipper did not lose"),
            (held, f"accuracy fell more than a point ({change})"),
            (r.accuracy_after > r.majority, "the model is no better than the commoner class"),
            (r.parity.ok, "the chain's model differs from the reference"),
            (r.wei_ok, "the wei check failed"),
        )
        if not ok
    ]
    if failed:
        return f"result: NOT as expected: {'; '.join(failed)}"
    if learned:
        return (
            f"result: the model learned from the contributions ({change}); the honest "
            "contributor gained, the flipper lost its deposits; parity exact"
        )
    return (
        f"result: accuracy held within a point ({change}: a model pre-trained on this much "
        "learns little more); the honest contributor gained, the flipper lost; parity exact"
    )


def _accuracy(predictions: list[int], labels: list[int]) -> float:
    return sum(int(p == y) for p, y in zip(predictions, labels, strict=True)) / max(len(labels), 1)


@dataclass(kw_only=True)
class _Split:
    """The dataset cut for the story: pre-training, the two contributors' streams, held out."""

    pre: Encoded
    test_rows: list
    test_labels: list[int]
    honest: Iterator
    flipped: Iterator


def _split(config: TrainerDemoConfig, data: Encoded) -> _Split:
    n = len(data)
    needed = 2 * config.days * config.per_day
    n_hold = min(config.holdout, n // 4)
    n_pre = min(config.pretrain, n - n_hold - needed)
    if n_pre < 0:
        raise InputError(f"{config.dataset} is too small for these demo settings")
    k = len(data.class_names)
    stream = list(zip(data.rows[n_pre : n - n_hold], data.labels[n_pre : n - n_hold], strict=True))
    return _Split(
        pre=Encoded(data.rows[:n_pre], data.labels[:n_pre], 0, data.class_names),
        test_rows=data.rows[n - n_hold :],
        test_labels=data.labels[n - n_hold :],
        honest=iter(stream[0::2]),
        flipped=iter((row, (y + 1) % k) for row, y in stream[1::2]),
    )


class _Story:
    """The days of the story on one deployed trainer: the chain's clock, the actors' claims and
    contributions, and the gas each action cost."""

    def __init__(self, *, config, contract, actors, start_block, log) -> None:
        from ape import chain

        self.config, self.contract, self.actors, self.log = config, contract, actors, log
        self.start_block = start_block
        self.start_balance = {name: int(a.balance) for name, a in actors.items()}
        self.gas: dict[str, list[int]] = defaultdict(list)
        self.gas_by_id: dict[int, int] = {}
        self.added = {"honest": 0, "flipper": 0}
        self.clock = int(chain.pending_timestamp)

    def set_time(self, t: int) -> None:
        from ape import chain

        self.clock = max(t, int(chain.blocks.head.timestamp) + 1)
        chain.pending_timestamp = self.clock

    def claim_eligible(self, when: str, name: str, action: str) -> None:
        actor = self.actors[name]
        todo = [
            v.contribution
            for v in verdicts(self.contract, action, actor, from_block=self.start_block)
            if v.eligible
        ]
        done = claim_all(self.contract, actor, action, todo)
        self.gas[action].extend(d.gas for d in done if not d.error)
        if done:
            got = sum(d.amount for d in done)
            self.log(f"{when}: {name} {action}s {len(done)} ({got / 1e18:.4f} ETH)")

    def claims(self, when: str) -> None:
        for name in ("honest", "flipper"):
            self.claim_eligible(when, name, "refund")
            self.claim_eligible(when, name, "report")
        self.claim_eligible(when, "owner", "take")

    def wallet(self, name: str) -> int:
        """What ``name`` may still spend: its budget less what it is down so far."""
        return self.config.budget + int(self.actors[name].balance) - self.start_balance[name]

    def sends(self, i: int, name: str) -> bool:
        """Whether ``name`` contributes in slot ``i`` of a day: the honest one in every slot,
        the flipper in ``flipper_per_day`` of every ``per_day``."""
        c = self.config
        return name == "honest" or (
            i * c.flipper_per_day // c.per_day != (i + 1) * c.flipper_per_day // c.per_day
        )

    def day(self, day0: int, day: int, split: _Split) -> None:
        c = self.config
        self.set_time(day0 + day * DAY)
        self.claims(f"day {day + 1}")
        t = day0 + day * DAY + 3600
        for i in range(c.per_day):
            for name, source in (("honest", split.honest), ("flipper", split.flipped)):
                if not self.sends(i, name):
                    continue
                t += c.gap
                self.set_time(t)
                deposit = c.incentive.deposit(t - int(self.contract.last_contribution_time()))
                if self.wallet(name) < deposit + 10**16:  # keep something for gas
                    continue
                row, label = next(source)
                (a,) = contribute(
                    self.contract, self.actors[name], [row], labels=[label], fast=False
                )
                self.gas_by_id[a.id] = a.gas
                self.added[name] += 1

    def replay(self, history, reference, spec) -> None:
        """Every accepted contribution through the reference, in the chain's order; the gas of
        each sorted by whether it changed the model."""
        for c in history:
            row = list(c.features)
            if spec.name != "perceptron":  # every step of the counting models changes them
                reference.update(row, c.label)
                self.gas["addData"].append(self.gas_by_id[c.id])
                continue
            prior = (reference.weights(row), reference.intercept_units())
            reference.update(row, c.label)
            changed = prior != (reference.weights(row), reference.intercept_units())
            kind = "addData, update" if changed else "addData, no update"
            self.gas[kind].append(self.gas_by_id[c.id])

    def states(self, history) -> dict[str, dict[str, int]]:
        """Each contributor's contributions by the state they end in."""
        out: dict[str, dict[str, int]] = {}
        for name in ("honest", "flipper"):
            counts: dict[str, int] = defaultdict(int)
            for c in history.by(str(self.actors[name].address)):
                counts[c.state(self.clock + 10**9, self.config.incentive.refund_wait)] += 1
            out[name] = dict(counts)
        return out


def run(
    config: TrainerDemoConfig,
    owner: Any,
    honest: Any,
    flipper: Any,
    log: Callable[[str], None] = lambda _: None,
) -> TrainerDemoResult:
    from ape import chain, project

    spec = model_spec(config.model)
    encoder = make_encoder(config.model, fit_spec=config.dataset, n_features=config.n_features)
    data = encode_dataset(config.dataset, encoder)
    split = _split(config, data)
    K = len(data.class_names)
    contract_name = spec.contract("stake")
    dep = deploy_model(
        getattr(project, contract_name),
        owner,
        encoder,
        class_names=data.class_names,
        pretrain_data=split.pre,
        incentive=config.incentive,
        model=config.model,
    )
    contract = dep.contract
    test_rows, test_labels = split.test_rows, split.test_labels
    before = _accuracy(predict_many(contract, test_rows), test_labels)
    curve = [before]
    majority = max(test_labels.count(k) for k in range(K)) / max(len(test_labels), 1)
    log(f"deployed {contract_name} at {contract.address}, pre-trained on {len(split.pre)} samples")

    actors = {"owner": owner, "honest": honest, "flipper": flipper}
    story = _Story(
        config=config, contract=contract, actors=actors, start_block=chain.blocks.height, log=log
    )
    day0 = story.clock
    for day in range(config.days):
        story.day(day0, day, split)
        curve.append(_accuracy(predict_many(contract, test_rows), test_labels))
        log(
            f"day {day + 1}: honest has added {story.added['honest']}, flipper "
            f"{story.added['flipper']}; accuracy {curve[-1]:.2%}"
        )
    story.set_time(story.clock + config.incentive.refund_wait)
    story.claims("after the last day")
    story.set_time(story.clock + config.incentive.any_wait)
    story.claims("a week later")

    history = scan(contract, story.start_block)
    story.replay(history, dep.reference, spec)
    parity = ParityResult()
    chain_pred = predict_many(contract, test_rows)
    ref_pred = [dep.reference.predict(r) for r in test_rows]
    parity.total = len(test_rows)
    parity.agree = sum(int(a == b) for a, b in zip(chain_pred, ref_pred, strict=True))
    touched = set() if spec.dense else set().union(*(c.features for c in history))
    describe(parity, spec)
    parity.mismatches = spec.mismatches(contract, dep.reference, touched)
    st = status(contract, history)
    return TrainerDemoResult(
        accuracy_before=before,
        accuracy_after=_accuracy(chain_pred, test_labels),
        parity=parity,
        replayed=len(history),
        balances={n: int(a.balance) - story.start_balance[n] for n, a in actors.items()},
        gas=dict(story.gas),
        states=story.states(history),
        added=story.added,
        wei_ok=st.balance == st.owed,
        contract=contract,
        contract_name=contract_name,
        pretrained=len(split.pre),
        held_out=len(test_rows),
        majority=majority,
        curve=curve,
        judging=config.incentive.judging,
    )


def plot_curve(result: TrainerDemoResult, path: Any) -> None:
    """The learning curve as a PNG: held-out accuracy at the start and after each day, and the
    commoner-class baseline."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=120)
    days = list(range(len(result.curve)))
    ax.plot(days, [100 * a for a in result.curve], marker="o", label=result.contract_name)
    ax.axhline(100 * result.majority, color="grey", linestyle="--", label="commoner class")
    ax.set_xlabel("day (0: pre-trained, before any contribution)")
    ax.set_ylabel(f"accuracy on {result.held_out} held-out samples (%)")
    ax.set_title(f"demo: learning curve ({result.judging} judging)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
