"""The main demo as a job: a staked model, an honest and a label-flipping contributor, days pass.

``run`` deploys ``PerceptronStake`` pre-trained on a slice of ``rt``, then simulates days on the
connected dev chain (time moves with ``chain.pending_timestamp``). Each day both contributors
first claim what they can (refunds of their own contributions the model agrees with, reports of
the other's it disagrees with), the owner takes deposits older than ``owner_wait``, then each
adds samples while its wallet allows: it starts with ``budget`` wei it is willing to spend and
stops when deposits it has not got back leave too little. The honest one sends rt labels, the
flipper sends the opposite. After the last day everything is left to mature and claimed.

The summary compares accuracy on held-out rt before and after, replays every accepted
contribution through scikit-learn to show the on-chain model is still bit-identical, and
reports each actor's balance change, gas per action and contributions by state.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .chain import predict_many
from .collab import claim_all, contribute, status, verdicts
from .features import Encoder
from .jobs import Encoded, deploy_model, encode_dataset
from .parity import ParityResult
from .trainer import Incentive, scan

DAY = 86_400


@dataclass
class DemoConfig:
    pretrain: int = 4000
    holdout: int = 1000
    days: int = 6
    per_day: int = 12
    flipper_per_day: int = 6
    gap: int = 1800  # seconds between consecutive contributions
    budget: int = 3 * 10**18
    incentive: Incentive = field(
        default_factory=lambda: Incentive("stake", DAY, 3 * DAY, 7 * DAY, 10**15)
    )


@dataclass
class DemoResult:
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


def _accuracy(predictions: list[int], labels: list[int]) -> float:
    return sum(int(p == y) for p, y in zip(predictions, labels, strict=True)) / max(len(labels), 1)


def run(
    config: DemoConfig,
    owner: Any,
    honest: Any,
    flipper: Any,
    log: Callable[[str], None] = lambda _: None,
) -> DemoResult:
    from ape import chain, project

    encoder = Encoder()
    data = encode_dataset("rt", encoder)
    n = len(data)
    if config.pretrain + config.holdout + 2 * config.days * config.per_day > n:
        raise ValueError("rt is too small for these demo settings")
    pre = Encoded(data.rows[: config.pretrain], data.labels[: config.pretrain])
    test_rows, test_labels = data.rows[n - config.holdout :], data.labels[n - config.holdout :]
    pool = list(zip(data.rows[config.pretrain :], data.labels[config.pretrain :], strict=False))
    honest_pool = iter(pool[0::2])
    flipped_pool = iter((row, 1 - y) for row, y in pool[1::2])

    dep = deploy_model(
        project.PerceptronStake, owner, encoder, pretrain_data=pre, incentive=config.incentive
    )
    contract = dep.contract
    start_block = chain.blocks.height
    reference = dep.reference
    before = _accuracy(predict_many(contract, test_rows), test_labels)
    log(f"deployed PerceptronStake at {contract.address}, pre-trained on {len(pre)} rt snippets")

    actors = {"owner": owner, "honest": honest, "flipper": flipper}
    start_balance = {name: int(a.balance) for name, a in actors.items()}
    gas: dict[str, list[int]] = defaultdict(list)
    gas_by_id: dict[int, int] = {}
    added = {"honest": 0, "flipper": 0}
    clock = int(chain.pending_timestamp)

    def set_time(t: int) -> None:
        nonlocal clock
        clock = max(t, int(chain.blocks.head.timestamp) + 1)
        chain.pending_timestamp = clock

    def claim_eligible(when: str, name: str, action: str) -> None:
        actor = actors[name]
        todo = [
            v.contribution
            for v in verdicts(contract, action, actor, from_block=start_block)
            if v.eligible
        ]
        done = claim_all(contract, actor, action, todo)
        gas[action].extend(d.gas for d in done if not d.error)
        if done:
            got = sum(d.amount for d in done)
            log(f"{when}: {name} {action}s {len(done)} ({got / 1e18:.4f} ETH)")

    def claims(when: str) -> None:
        for name in ("honest", "flipper"):
            claim_eligible(when, name, "refund")
            claim_eligible(when, name, "report")
        claim_eligible(when, "owner", "take")

    def wallet(name: str) -> int:
        return config.budget + int(actors[name].balance) - start_balance[name]

    day0 = clock
    for day in range(config.days):
        set_time(day0 + day * DAY)
        claims(f"day {day + 1}")
        t = day0 + day * DAY + 3600
        for i in range(config.per_day):
            for name, source in (("honest", honest_pool), ("flipper", flipped_pool)):
                if name == "flipper" and i * config.flipper_per_day // config.per_day == (
                    (i + 1) * config.flipper_per_day // config.per_day
                ):
                    continue  # the flipper adds flipper_per_day of every per_day slots
                t += config.gap
                set_time(t)
                deposit = config.incentive.deposit(t - int(contract.last_contribution_time()))
                if wallet(name) < deposit + 10**16:  # keep something for gas
                    continue
                row, label = next(source)
                (a,) = contribute(contract, actors[name], [row], [label], fast=False)
                gas_by_id[a.id] = a.gas
                added[name] += 1
        log(f"day {day + 1}: honest has added {added['honest']}, flipper {added['flipper']}")
    set_time(clock + config.incentive.refund_wait)
    claims("after the last day")
    set_time(clock + config.incentive.any_wait)
    claims("a week later")

    history = scan(contract, start_block)
    for c in history:  # replay every accepted contribution, in the order the chain took them
        row = list(c.features)
        prior = (reference.weights(row), reference.intercept_units())
        reference.update(row, c.label)
        changed = prior != (reference.weights(row), reference.intercept_units())
        gas["addData, update" if changed else "addData, no update"].append(gas_by_id[c.id])
    parity = ParityResult()
    chain_pred = predict_many(contract, test_rows)
    ref_pred = [reference.predict(r) for r in test_rows]
    parity.total = len(test_rows)
    parity.agree = sum(int(a == b) for a, b in zip(chain_pred, ref_pred, strict=True))
    touched = set(reference.nonzero_weights()).union(*(c.features for c in history))
    parity.mismatches = dep.kind.mismatches(contract, reference, touched)
    after = _accuracy(chain_pred, test_labels)

    st = status(contract, history)
    states: dict[str, dict[str, int]] = {}
    for name in ("honest", "flipper"):
        counts: dict[str, int] = defaultdict(int)
        for c in history.by(str(actors[name].address)):
            counts[c.state(clock + 10**9, config.incentive.refund_wait)] += 1
        states[name] = dict(counts)
    balances = {name: int(a.balance) - start_balance[name] for name, a in actors.items()}
    return DemoResult(
        accuracy_before=before,
        accuracy_after=after,
        parity=parity,
        replayed=len(history),
        balances=balances,
        gas=dict(gas),
        states=states,
        added=added,
        wei_ok=st.balance == st.owed,
        contract=contract,
    )
