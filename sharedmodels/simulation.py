"""The articles' incentive simulations, on a real chain (issue 8): agents with balances, a
simulated clock, refunds, reports and takes, accuracy on a hidden test set along the way.

Every agent's transactions go through the pipelined fast path (``fastpath.Pipeline``), a
round of samples at a time. Before each round the chain's clock jumps by the round's simulated
duration (``evm_increaseTime``), so days pass in seconds. A round's transactions are mined a
few dozen to a block (one block per transaction caps Anvil near 100-250 a second, measured), so
contributions in one block pay the deposit for zero quiet seconds, ``cost_weight * 3600``: in the
simulation the deposit is in effect a fixed stake, which the presets size. An
agent's balance here is its ledger in the incentive: start, minus the deposits it paid, plus what
refunds, reports and takes paid it (gas left out, as in the articles).

    result = simulate(PRESETS["drt"], samples=25_000)
    write_outputs(result, Path("simulations/drt"))
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_abi import decode, encode
from eth_utils import keccak

from .fastpath import RPC, Pipeline, abi_encoder, event_topic, view_many
from .features import Encoder
from .jobs import Encoded, deploy_model, encode_dataset
from .kinds import kind
from .trainer import Incentive

ETH = 10**18
DAY = 86_400


@dataclass(frozen=True)
class AgentSpec:
    """``kind``: good (the dataset's labels, wrong at ``mistake_rate``), bad (flipped labels),
    or adversary (flipped labels, with more money and a faster pace than the good agent)."""

    name: str
    kind: str
    start_eth: float = 100.0
    pace: float = 1.0
    mistake_rate: float = 0.0

    @property
    def flips(self) -> bool:
        return self.kind in ("bad", "adversary")


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    agents: tuple[AgentSpec, ...]
    incentive: Incentive
    #: Simulated seconds per sample: a round of ``round_size`` samples advances the clock by
    #: ``round_size * sample_s``. A round's transactions share few blocks, so most
    #: contributions pay the deposit for zero quiet seconds (``cost_weight * 3600``).
    sample_s: int = 60
    pretrain: int = 2000
    test_size: int = 500
    round_size: int = 500


PRESETS: dict[str, Preset] = {
    "drt": Preset(
        "drt",
        "deposit, refund and take: one good agent, one label-flipping agent, same pace",
        (AgentSpec("good", "good"), AgentSpec("bad", "bad")),
        Incentive("stake", DAY, 3 * DAY, 7 * DAY, 2 * 10**13),
    ),
    "drt-adversary": Preset(
        "drt-adversary",
        "deposit, refund and take against an adversary with twice the money and twice the pace",
        (AgentSpec("good", "good"), AgentSpec("adversary", "adversary", 200.0, 2.0)),
        Incentive("stake", DAY, 3 * DAY, 7 * DAY, 2 * 10**13),
    ),
}


@dataclass
class Item:
    """One contribution as the simulation tracks it."""

    id: int
    who: int
    time: int
    label: int
    deposit: int
    features: list[int]
    claimable: int
    refunded: bool = False
    checked: bool = False


@dataclass
class Row:
    time: int
    samples: int
    accuracy: float | None
    balances: list[int]
    contributions: list[int]
    refunds: list[int]
    reports: list[int]
    takes: list[int]


@dataclass
class Result:
    preset: Preset
    samples: int
    dataset: str
    with_replacement: bool
    rows: list[Row]
    starts: list[int]
    baseline_accuracy: float
    elapsed_s: float
    rate: float
    baseline_rate: float
    transactions: int
    model: str = "naive_bayes"
    contract: Any = None


def _send(pipe: Pipeline, to: str, calls: Sequence[bytes], value: int = 0) -> list[dict]:
    """One agent's calls through its pipeline, 256 to a batch; a failed transaction (a claim
    someone else won first) comes back as its receipt instead of raising."""
    out: list[dict] = []
    for start in range(0, len(calls), 256):
        raws = [pipe.sign(to, data, value) for data in calls[start : start + 256]]
        out.extend(pipe.send_batch(raws, timeout=60, strict=False))
    return out


def _sample_stream(data: Encoded, n: int, rng: random.Random) -> tuple[list, bool]:
    pool = list(zip(data.rows, data.labels, strict=True))
    if n <= len(pool):
        return pool[:n], False
    return [rng.choice(pool) for _ in range(n)], True


def simulate(
    preset: Preset,
    samples: int,
    dataset: str = "rt",
    seed: int = 0,
    model: str = "naive_bayes",
    accounts: Sequence[Any] | None = None,
    on_progress: Callable[[int, float], None] | None = None,
    sample_every: int | None = None,
    baseline_n: int = 40,
) -> Result:
    """Run ``preset`` for ``samples`` contributions on the connected local chain."""
    from ape import accounts as ape_accounts
    from ape import chain, project

    rng = random.Random(seed)
    # About 20 accuracy samples a run: each is one eth_call per test sample, which at 1,000
    # samples every 1,000 contributions cost as much as the contributions themselves.
    sample_every = sample_every or max(preset.round_size, samples // 20)
    encoder = Encoder(n_features=2**20)
    data = encode_dataset(dataset, encoder)
    n = len(data)
    if preset.pretrain + preset.test_size + 100 > n:
        raise ValueError(f"{dataset} has {n} samples, too few for this preset")
    pre = Encoded(data.rows[: preset.pretrain], data.labels[: preset.pretrain])
    test_rows = data.rows[n - preset.test_size :]
    test_labels = data.labels[n - preset.test_size :]
    pool = Encoded(
        data.rows[preset.pretrain : n - preset.test_size],
        data.labels[preset.pretrain : n - preset.test_size],
    )
    stream, replaced = _sample_stream(pool, samples, rng)

    accts = list(accounts or ape_accounts.test_accounts)
    owner, agents = accts[0], accts[1 : 1 + len(preset.agents)]
    container = getattr(project, kind(model).contract("stake"))
    dep = deploy_model(
        container, owner, encoder, pretrain_data=pre, incentive=preset.incentive, model=model
    )
    contract = dep.contract
    rpc = RPC()
    to = str(contract.address)
    add = abi_encoder(contract.addData)
    refund = abi_encoder(contract.refund)
    report = abi_encoder(contract.report)
    take = abi_encoder(contract.take)
    predict_abi = abi_encoder(contract.predict)
    topics = {
        name: event_topic(contract, name)
        for name in ("ContributionAdded", "DepositRefunded", "DepositReported", "DepositTaken")
    }

    def predictions(rows: Sequence[Sequence[int]]) -> list[int]:
        return view_many(contract.predict, ([list(r)] for r in rows), "uint8", encode=predict_abi)

    def accuracy() -> float:
        got = predictions(test_rows)
        return sum(int(a == b) for a, b in zip(got, test_labels, strict=True)) / len(test_labels)

    baseline_accuracy = accuracy()
    baseline_rate = _baseline_rate(contract, agents[0], stream[:baseline_n], chain)

    senders = [Pipeline(a, rpc, gas=2_000_000) for a in agents]
    k = len(agents)
    starts = [int(spec.start_eth * ETH) for spec in preset.agents]
    balance = list(starts)
    counts = {name: [0] * k for name in ("contributions", "refunds", "reports", "takes")}
    open_items: list[Item] = []
    max_deposit = preset.incentive.cost_weight * 3600
    weights = [spec.pace for spec in preset.agents]
    owners = rng.choices(range(k), weights=weights, k=len(stream))
    rows_out: list[Row] = []
    acc = baseline_accuracy
    sent = 0
    txs = 0
    t0 = time.monotonic()

    def now() -> int:
        return int(rpc.call("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)

    def amount(receipt: dict, name: str) -> int:
        """The first data word of the claim's event: the wei it paid."""
        for log in receipt["logs"]:
            if log["topics"][0] == topics[name]:
                return int(log["data"][2:66], 16)
        return 0

    def claims() -> None:
        nonlocal txs
        # Agents look at a contribution twice: once its refund window opens (the contributor
        # refunds it if the model agrees, the others report it if not) and once anyone may take
        # what is left of it. Checking every open contribution every round would cost an
        # eth_call each, which at 25,000 samples outweighed the transactions.
        t = now()
        due = [
            c for c in open_items if not c.checked and t >= c.time + preset.incentive.refund_wait
        ]
        late = [c for c in open_items if t >= c.time + preset.incentive.any_wait]
        if not due and not late:
            return
        pred = predictions([c.features for c in due])
        good_count = [counts["refunds"][i] for i in range(k)]
        plans: list[list[tuple[str, Item]]] = [[] for _ in range(k)]
        for c, p in zip(due, pred, strict=True):
            c.checked = True
            if p == c.label:
                plans[c.who].append(("refund", c))
                continue
            for i in range(k):
                if i != c.who and good_count[i] > 0:
                    plans[i].append(("report", c))
        for c in late:
            taker = (c.who + 1) % k
            if taker != c.who and c not in due:
                plans[taker].append(("take", c))
        for i, plan in enumerate(plans):
            if not plan:
                continue
            calls = []
            for action, c in plan:
                key = (c.id, agents[c.who].address, c.time, c.label, c.deposit)
                if action == "take":
                    calls.append(take(key, keccak(encode(["uint32[]"], [c.features]))))
                else:
                    calls.append((refund if action == "refund" else report)(key, c.features))
            receipts = _send(senders[i], to, calls)
            txs += len(receipts)
            for (action, c), r in zip(plan, receipts, strict=True):
                if int(r["status"], 16) != 1:
                    continue
                name = {
                    "refund": "DepositRefunded",
                    "report": "DepositReported",
                    "take": "DepositTaken",
                }[action]
                got = amount(r, name)
                balance[i] += got
                c.claimable -= got
                counts[action + "s"][i] += 1
                if action == "refund":
                    c.refunded = True
        open_items[:] = [
            c
            for c in open_items
            if c.claimable > 0 and not c.refunded and t < c.time + preset.incentive.any_wait
        ]

    for start in range(0, len(stream), preset.round_size):
        # A round is round_size samples' worth of simulated time (sample_s seconds a sample).
        rpc.call("evm_increaseTime", [preset.round_size * preset.sample_s])
        chunk = list(
            zip(
                stream[start : start + preset.round_size],
                owners[start : start + preset.round_size],
                strict=True,
            )
        )
        for i in range(k):
            mine = [(x, y) for (x, y), who in chunk if who == i]
            spec = preset.agents[i]
            labels = []
            for _, y in mine:
                wrong = spec.flips or (spec.mistake_rate and rng.random() < spec.mistake_rate)
                labels.append(1 - y if wrong else y)
            affordable = max(0, balance[i]) // max_deposit if max_deposit else len(mine)
            mine, labels = mine[:affordable], labels[:affordable]
            if not mine:
                continue
            receipts = _send(
                senders[i],
                to,
                [add(list(x), y) for (x, _), y in zip(mine, labels, strict=True)],
                value=max_deposit,
            )
            txs += len(receipts)
            for (x, _), r in zip(mine, receipts, strict=True):
                if int(r["status"], 16) != 1:
                    continue
                log = next(lg for lg in r["logs"] if lg["topics"][0] == topics["ContributionAdded"])
                cid = int(log["topics"][1], 16)
                label, deposit, when = decode(
                    ["uint8", "uint256", "uint256"], bytes.fromhex(log["data"][2:])
                )
                c = Item(cid, i, when, label, deposit, list(x), deposit)
                open_items.append(c)
                balance[i] -= deposit
                counts["contributions"][i] += 1
        sent += len(chunk)
        claims()
        if sent % sample_every < preset.round_size or sent == len(stream):
            acc = accuracy()
        rows_out.append(
            Row(
                now(),
                sent,
                acc,
                list(balance),
                *(list(counts[name]) for name in ("contributions", "refunds", "reports", "takes")),
            )
        )
        if on_progress:
            on_progress(len(chunk), acc)
    elapsed = time.monotonic() - t0
    # Let every window close so the last contributions are settled too.
    for _ in range(2):
        rpc.call("evm_increaseTime", [preset.incentive.any_wait])
        rpc.call("evm_mine", [])
        claims()
    rows_out.append(
        Row(
            now(),
            sent,
            accuracy(),
            list(balance),
            *(list(counts[name]) for name in ("contributions", "refunds", "reports", "takes")),
        )
    )
    return Result(
        preset,
        samples,
        dataset,
        replaced,
        rows_out,
        starts,
        baseline_accuracy,
        elapsed,
        samples / elapsed if elapsed else 0.0,
        baseline_rate,
        txs,
        model,
        contract,
    )


def _baseline_rate(contract: Any, account: Any, stream: Sequence, chain: Any) -> float:
    """Contributions per second through Ape, one transaction at a time, on a snapshot that is
    then reverted (the same contract, the same run)."""
    if not stream:
        return 0.0
    snap = chain.snapshot()
    t = time.monotonic()
    for x, y in stream:
        contract.addData(list(x), y, sender=account, value=int(contract.next_deposit()))
    rate = len(stream) / (time.monotonic() - t)
    chain.restore(snap)
    return rate


# ---------------------------------------------------------------- outputs


def write_outputs(result: Result, folder: Path) -> dict[str, Path]:
    """series.csv, series.json, plot.png and summary.txt in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    names = [a.name for a in result.preset.agents]
    t0 = result.rows[0].time if result.rows else 0
    series = []
    for r in result.rows:
        row: dict[str, Any] = {
            "day": round((r.time - t0) / DAY, 4),
            "samples": r.samples,
            "accuracy": r.accuracy,
        }
        for i, name in enumerate(names):
            row[f"{name}_balance_pct"] = round(100 * r.balances[i] / result.starts[i], 4)
            row[f"{name}_balance_wei"] = r.balances[i]
            row[f"{name}_contributions"] = r.contributions[i]
            row[f"{name}_refunds"] = r.refunds[i]
            row[f"{name}_reports"] = r.reports[i]
            row[f"{name}_takes"] = r.takes[i]
        series.append(row)
    paths = {
        "csv": folder / "series.csv",
        "json": folder / "series.json",
        "plot": folder / "plot.png",
        "summary": folder / "summary.txt",
    }
    columns = list(series[0]) if series else []
    with open(paths["csv"], "w") as f:
        f.write(",".join(columns) + "\n")
        for row in series:
            f.write(",".join("" if row[c] is None else str(row[c]) for c in columns) + "\n")
    paths["json"].write_text(
        json.dumps(
            {
                "preset": result.preset.name,
                "description": result.preset.description,
                "dataset": result.dataset,
                "samples": result.samples,
                "with_replacement": result.with_replacement,
                "baseline_accuracy": result.baseline_accuracy,
                "rate": result.rate,
                "baseline_rate": result.baseline_rate,
                "series": series,
            },
            indent=1,
        )
    )
    _plot(result, series, names, paths["plot"])
    paths["summary"].write_text("\n".join(summary_lines(result)) + "\n")
    return paths


def _plot(result: Result, series: list[dict], names: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    days = [r["day"] for r in series]
    for name in names:
        ax.plot(days, [r[f"{name}_balance_pct"] for r in series], label=f"{name} balance")
    ax.set_xlabel("simulated time (days)")
    ax.set_ylabel("balance (% of start)")
    ax.axhline(100, color="grey", lw=0.5, ls=":")
    acc_ax = ax.twinx()
    acc_ax.plot(
        days,
        [100 * r["accuracy"] for r in series],
        color="black",
        lw=1.2,
        ls="--",
        label="accuracy",
    )
    acc_ax.set_ylabel("accuracy on the hidden test set (%)")
    acc_ax.set_ylim(0, 100)
    lines = ax.get_legend_handles_labels()
    more = acc_ax.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], loc="lower left")
    ax.set_title(
        f"{result.preset.name}: {result.samples:,} samples on {result.dataset} ({result.model})"
    )
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def summary_lines(result: Result) -> list[str]:
    last = result.rows[-1]
    days = (last.time - result.rows[0].time) / DAY if result.rows else 0
    out = [
        f"== simulate {result.preset.name}: {result.preset.description} ==",
        f"samples      {result.samples:,} from {result.dataset}, model {result.model} (staked)"
        + (" (drawn with replacement: the pool is smaller)" if result.with_replacement else ""),
        f"time         {days:.1f} simulated days; {result.transactions:,} transactions",
        f"accuracy     {100 * result.baseline_accuracy:.1f}% at the start -> "
        f"{100 * (last.accuracy or 0):.1f}% at the end (hidden test set)",
    ]
    for i, spec in enumerate(result.preset.agents):
        pct = 100 * last.balances[i] / result.starts[i]
        out.append(
            f"{spec.name:<12} {pct:6.1f}% of its start ({spec.start_eth:g} ETH); "
            f"{last.contributions[i]:,} contributions, {last.refunds[i]:,} refunded, "
            f"{last.reports[i]:,} reports and {last.takes[i]:,} takes of others'"
        )
    ratio = result.rate / result.baseline_rate if result.baseline_rate else 0
    out.append(
        f"rate         {result.rate:.0f} samples/s (fast path, claims included) against "
        f"{result.baseline_rate:.1f}/s one Ape transaction at a time ({ratio:.0f}x), same run"
    )
    return out
