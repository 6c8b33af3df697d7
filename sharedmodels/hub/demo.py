"""``ape run hub demo``: a hub on the running chain, three models, two evaluations some
simulated days apart, a funded pool paid out to the contributors who made a model better.

The dev chain's clock is moved (``rpc.mining.move_clock``: on a node that mines on an interval
it waits for the node's block instead of mining one), so this runs on a local node or a fork
only. Every step prints one line through ``say``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sharedmodels.encoding.encoded import encode_dataset
from sharedmodels.encoding.features import Encoder
from sharedmodels.encoding.packed import packer
from sharedmodels.hub import driver
from sharedmodels.hub.rules import TestSet
from sharedmodels.registry import model_spec
from sharedmodels.rpc.mining import move_clock
from sharedmodels.trainers.client import Incentive, scan
from sharedmodels.trainers.deploy import deploy_model
from sharedmodels.units import DAY, ETH

HOUR = 3600


@dataclass(kw_only=True)
class HubDemoConfig:
    dataset: str = "rt"
    n_features: int = 2**20
    pretrain: int = 50
    test_size: int = 128
    #: Samples each contributor sends in the period.
    sends: tuple[tuple[str, int], ...] = (("honest", 48), ("farmer", 8), ("flipper", 8))
    fund: int = ETH
    plot: Path | None = None


@dataclass(kw_only=True)
class HubDemoResult:
    hub: str
    pool: str
    models: dict[str, str]
    history: dict[str, list[driver.AccuracyRecord]]
    budget: int = 0
    paid: dict[str, int] = field(default_factory=dict)
    conservation_ok: bool = False


#: (name in the hub, model kind, incentive): the funded pool is the first one's.
MODELS = (
    ("sentiment perceptron", "perceptron", "stake"),
    ("sentiment naive bayes", "naive_bayes", "stake"),
    ("sentiment centroids", "sparse_ncc", "points"),
)


def run_hub_demo(
    project: Any, chain: Any, accounts: Any, cfg: HubDemoConfig, say: Callable[[str], None] = print
) -> HubDemoResult:
    owner, evaluator, funder, honest, farmer, flipper = (accounts[i] for i in range(6))
    encoder = Encoder(n_features=cfg.n_features)
    need = cfg.pretrain + 2 * cfg.test_size + 4 * sum(n for _, n in cfg.sends) + 400
    data = encode_dataset(cfg.dataset, encoder, limit=need)
    if len(data) < need:
        raise driver.HubError(
            f"{cfg.dataset} has {len(data)} usable samples, the demo needs {need}"
        )
    rows, labels = data.rows, data.labels
    at = cfg.pretrain
    sets = []
    for _ in range(2):
        sets.append(
            TestSet.make(
                rows[at : at + cfg.test_size], labels[at : at + cfg.test_size], dense=False
            )
        )
        at += cfg.test_size
    stream = list(zip(rows[at:], labels[at:], strict=True))
    pre = type(data)(rows[: cfg.pretrain], labels[: cfg.pretrain])

    hub, pool = driver.deploy_hub_and_pool(project, owner)
    say(
        f"hub: {hub.address} accepts {hub.kind_count()} model codes; its pools: {pool.address}"
        " (no admin)"
    )
    incentives = {
        "stake": Incentive(
            "stake", refund_wait=HOUR, owner_wait=2 * HOUR, any_wait=4 * HOUR, cost_weight=10**15
        ),
        "points": Incentive(
            "points", refund_wait=HOUR, owner_wait=2 * HOUR, any_wait=4 * HOUR, cost_weight=0
        ),
    }
    contracts = {}
    for name, model, incentive in MODELS:
        k = model_spec(model)
        container = getattr(project, k.contract(incentive))
        d = deploy_model(
            container,
            owner,
            encoder,
            pretrain_data=pre,
            incentive=incentives[incentive],
            model=model,
        )
        kind = driver.detect_kind(hub, chain.provider, d.contract.address)
        receipt = hub.register(d.contract, kind, name, f"demo://{model}", sender=owner)
        contracts[name] = d.contract
        say(
            f"registered {name}: {d.contract.address} as {k.contract(incentive)} "
            f"(gas {receipt.gas_used:,})"
        )
    trainer = contracts[MODELS[0][0]]

    # Day 0: both test sets committed for every model before anything is revealed.
    ids = {
        name: [driver.commit(hub, c.address, s, evaluator, chain.chain_id) for s in sets]
        for name, c in contracts.items()
    }
    pool.fund(trainer, evaluator, value=cfg.fund, sender=funder)
    say(
        f"committed 2 test sets of {cfg.test_size} samples per model; "
        f"pool of {MODELS[0][0]} funded with {cfg.fund / ETH:g} ETH for the evaluator's records"
    )

    def advance(seconds: int) -> None:
        # A dev chain's clock, moved without mining on a node that mines on an interval (a
        # block must carry the time: the reveals' dry runs read it).
        move_clock(chain.provider, chain.pending_timestamp + seconds, "the hub demo", mined=True)

    advance(DAY)
    for name, c in contracts.items():
        driver.reveal(hub, ids[name][0], sets[0], evaluator, c)
    pool.close_period(trainer, ids[MODELS[0][0]][0], sender=evaluator)
    say("day 1: first records written; the pool is anchored on the perceptron's")

    # The period: an honest contributor, a farmer of samples the model already gets right,
    # a label flipper, each sending per_contributor samples.
    start_block = chain.blocks.head.number
    sent = {"honest": 0, "farmer": 0, "flipper": 0}
    who = {"honest": honest, "farmer": farmer, "flipper": flipper}
    as_x = packer(trainer)  # the perceptron takes its indices packed
    turns = [role for role, n in cfg.sends for _ in range(n)]
    random.Random(0).shuffle(turns)
    for role in turns:
        if role == "farmer":
            k = next((i for i, (x, y) in enumerate(stream) if trainer.predict(as_x(x)) == y), 0)
            x, y = stream.pop(k)
        else:
            x, y = stream.pop(0)
            y = 1 - y if role == "flipper" else y
        trainer.addData(as_x(x), y, value=trainer.next_deposit(), sender=who[role])
        sent[role] += 1
    advance(HOUR)
    history = scan(trainer, start_block)
    refunded = {role: 0 for role in who}
    for c in history:
        if trainer.verdict(c.key(), c.args()) == c.label:
            trainer.refund(c.key(), c.args(), sender=who_of(who, c.contributor))
            refunded[role_of(who, c.contributor)] += 1
    say(
        "days 1-3: sent "
        + ", ".join(f"{r} {n}" for r, n in sent.items())
        + "; refunded (the model agrees after the wait) "
        + ", ".join(f"{r} {n}" for r, n in refunded.items())
    )

    advance(2 * DAY)
    for name, c in contracts.items():
        driver.reveal(hub, ids[name][1], sets[1], evaluator, c)
    budget = pool.close_period(trainer, ids[MODELS[0][0]][1], sender=evaluator).return_value
    a, b = (hub.evaluations(i) for i in ids[MODELS[0][0]])
    say(
        f"day 3: second records; perceptron {a.correct}/{a.samples} -> {b.correct}/{b.samples}: "
        f"period 0 releases {budget / ETH:.6f} ETH"
    )
    receipts: list = []
    # Entering adds no contribution: one scan of the trainer serves both the keeper's calls.
    keeper = {
        "history": scan(trainer, start_block),
        "test_set": None,
        "sender": evaluator,
        "provider": chain.provider,
        "receipts": receipts,
    }
    entered = driver.enter_eligible(hub, pool, trainer, 0, **keeper)
    entering = len(receipts)
    # Where a step of the other label undid an entered one on the features both carry, the
    # keeper cuts it (HubPool.cancel), largest cut first.
    cancelled = driver.cancel_eligible(hub, pool, trainer, 0, **keeper)
    shares = {r: int(pool.shares(trainer, 0, a)) for r, a in who.items()}
    advance(7 * DAY + 1)
    paid = {}
    for role, acct in who.items():
        got = driver.claim_all(pool, trainer.address, acct, chain.pending_timestamp)
        paid[role] = sum(w for _, w in got)
    say(
        f"day 10: {len(entered)} contributions entered in {entering} transactions "
        f"(they changed the model, and their own step pushed the closing set toward its labels), "
        f"{len(cancelled)} cancellations cutting {sum(n for _, _, n in cancelled)} shares "
        f"undone by a step of the other label (gas {sum(r.gas_used for r in receipts):,}); "
        "shares "
        + ", ".join(f"{r} {n}" for r, n in shares.items())
        + "; paid "
        + ", ".join(f"{r} {w / ETH:.6f} ETH" for r, w in paid.items())
    )
    # What the cancellations paid their sender back (HubPool.KeeperPaid: its gas at the base
    # fee, out of the period's budget; nothing at a base fee of 0).
    keepers = sum(int(e.amount) for r in receipts for e in r.decode_logs(pool.KeeperPaid))
    held, owed = driver.conservation(pool, chain.provider, driver.pooled_models(hub))
    ok = held == owed and cfg.fund == owed + sum(paid.values()) + keepers
    say(
        f"conservation: {'ok' if ok else 'BROKEN'} (pool contract holds {held} wei, owes {owed}; "
        f"funded {cfg.fund} = paid {sum(paid.values())} + keepers {keepers} + left {owed})"
    )
    result = HubDemoResult(
        hub=hub.address,
        pool=pool.address,
        models={n: c.address for n, c in contracts.items()},
        history={n: driver.history(hub, c.address) for n, c in contracts.items()},
        budget=budget,
        paid=paid,
        conservation_ok=ok,
    )
    for line in history_lines(result.history):
        say(line)
    if cfg.plot:
        plot_history(result.history, cfg.plot)
        say(f"plot: {cfg.plot}")
    return result


def who_of(accounts: dict[str, Any], address: str) -> Any:
    return next(a for a in accounts.values() if a.address == address)


def role_of(accounts: dict[str, Any], address: str) -> str:
    return next(r for r, a in accounts.items() if a.address == address)


def history_lines(history: dict[str, list[driver.AccuracyRecord]]) -> list[str]:
    lines = []
    for name, records in history.items():
        cells = "  ".join(
            f"#{r.evaluation} block {r.block}: {r.correct}/{r.samples} ({r.accuracy:.1%})"
            + (f" [pinned {r.pins} times: pays no pool]" if r.pins > 1 else "")
            for r in records
        )
        lines.append(f"{name}: {cells}")
    return lines


def plot_history(history: dict[str, list[driver.AccuracyRecord]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    t0 = min(r.time for rs in history.values() for r in rs)
    for name, records in history.items():
        ax.plot(
            [(r.time - t0) / DAY for r in records],
            [r.accuracy for r in records],
            marker="o",
            label=name,
        )
    ax.set_xlabel("days since the first record")
    ax.set_ylabel("accuracy on a committed test set")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
