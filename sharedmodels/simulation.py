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

from eth_abi import encode
from eth_utils import keccak

from .fastpath import (
    RPC,
    Pipeline,
    abi_encoder,
    decode_event,
    event_topic,
    mine_together,
    view_many,
)
from .features import Encoder
from .jobs import Encoded, deploy_model, encode_dataset
from .kinds import kind
from .simulation_market import MarketSetup, simulate_market
from .trainer import Incentive

ETH = 10**18
DAY = 86_400
#: The event each claim emits; its first data word is the wei it paid.
EVENTS = {"refund": "DepositRefunded", "report": "DepositReported", "take": "DepositTaken"}
#: Under Points a refund earns a point and a report rejects the contribution.
POINT_EVENTS = {"refund": "PointEarned", "report": "ContributionRejected"}


@dataclass(frozen=True)
class AgentSpec:
    """``kind``: good (the dataset's labels, wrong at ``mistake_rate``), bad (flipped labels),
    or adversary (flipped labels, with more money to spend than the good agent). ``pace`` is
    the agent's share of the samples relative to the others'. ``budget_eth`` is the most it
    will have out at any time, deposits or stakes net of what came back (None: its whole
    balance); it skips samples that would take it further below its start."""

    name: str
    kind: str
    start_eth: float = 100.0
    pace: float = 1.0
    mistake_rate: float = 0.0
    budget_eth: float | None = None

    def affordable(self, balance: int, price: int) -> int:
        """How many contributions at ``price`` wei it will pay for at ``balance``."""
        if not price:
            return 1 << 62
        start = int(self.start_eth * ETH)
        floor = 0 if self.budget_eth is None else max(0, start - int(self.budget_eth * ETH))
        return max(0, balance - floor) // price

    @property
    def flips(self) -> bool:
        return self.kind in ("bad", "adversary")


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    agents: tuple[AgentSpec, ...]
    #: The model's incentive (deposit/refund/take or Points), or None for the market.
    incentive: Incentive | None
    #: Simulated seconds per sample: a round of ``round_size`` samples advances the clock by
    #: ``round_size * sample_s``. A round's transactions share few blocks, so most
    #: contributions pay the deposit for zero quiet seconds (``cost_weight * 3600``).
    sample_s: int = 60
    pretrain: int = 2000
    test_size: int = 500
    round_size: int = 500
    #: The prediction market's terms (the ``market`` preset).
    market: MarketSetup | None = None
    #: ``ape run simulate``'s default sample count.
    default_samples: int = 25_000

    @property
    def mechanism(self) -> str:
        return "market" if self.market else self.incentive.kind


PRESETS: dict[str, Preset] = {
    "drt": Preset(
        "drt",
        "deposit, refund and take: one good agent, one label-flipping agent, same pace",
        (AgentSpec("good", "good"), AgentSpec("bad", "bad")),
        Incentive("stake", DAY, 3 * DAY, 7 * DAY, 2 * 10**13),
    ),
    "drt-adversary": Preset(
        "drt-adversary",
        "deposit, refund and take against an adversary willing to spend twice as much",
        (AgentSpec("good", "good"), AgentSpec("adversary", "adversary", 200.0)),
        Incentive("stake", DAY, 3 * DAY, 7 * DAY, 2 * 10**13),
    ),
    "points": Preset(
        "points",
        "Points: free contributions, a point for each one the model later agrees with; a good "
        "agent, a careless one (30% wrong labels) and a label flipper",
        (
            AgentSpec("good", "good", 0.0),
            AgentSpec("careless", "good", 0.0, mistake_rate=0.3),
            AgentSpec("bad", "bad", 0.0),
        ),
        Incentive("points", DAY, 0, 0, 0),
    ),
    "market": Preset(
        "market",
        "prediction market: a good and a label-flipping contributor stake 0.001 ETH a sample; "
        "a committed test set of 128 scores them and shares a 10 ETH bounty",
        (AgentSpec("good", "good", 10.0), AgentSpec("bad", "bad", 10.0)),
        None,
        pretrain=1000,
        market=MarketSetup(),
        default_samples=8_000,
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
    reported: bool = False


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
    #: Wei of each agent's deposits still waiting for their refund window, their fate open
    #: (0 under Points).
    held: list[int]
    #: Each agent's own contributions that others reported (rejected, under Points).
    rejected: list[int]


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
    #: Simulated day on which contributions stopped (the rest is settlement).
    stop_day: float | None = None
    #: Transactions a second through the fast path over ``elapsed_s`` (contributions and
    #: claims; the market: its contributions), against Ape's ``baseline_rate``.
    tx_rate: float = 0.0


def rounds(rpc: RPC, preset: Preset, stream: Sequence, owners: Sequence[int]):
    """Each round's ``((x, y), agent)`` pairs, after the chain's clock has jumped by the
    round's simulated time (``round_size * sample_s`` seconds)."""
    size = preset.round_size
    for start in range(0, len(stream), size):
        rpc.call("evm_increaseTime", [size * preset.sample_s])
        yield list(zip(stream[start : start + size], owners[start : start + size], strict=True))


def labels_sent(spec: AgentSpec, samples: Sequence, rng: random.Random) -> list[int]:
    """The labels ``spec`` sends for ``(x, y)`` samples: flipped by a bad agent or an
    adversary, wrong at ``mistake_rate`` for a good one."""
    out = []
    for _, y in samples:
        wrong = spec.flips or (spec.mistake_rate and rng.random() < spec.mistake_rate)
        out.append(1 - y if wrong else y)
    return out


def send_all(
    rpc: RPC, to: str, work: Sequence[tuple[Pipeline, Sequence[bytes], int]]
) -> list[list[dict]]:
    """Every agent's calls (``(pipeline, calldata list, value)``), signed and mined together
    in full blocks; one receipt list per agent. A failed transaction (a claim someone else
    won first) comes back as its receipt instead of raising."""
    raws = [[pipe.sign(to, data, value) for data in calls] for pipe, calls, value in work]
    receipts = mine_together(rpc, [raw for part in raws for raw in part])
    out, at = [], 0
    for part in raws:
        out.append(receipts[at : at + len(part)])
        at += len(part)
    return out


def chain_time(rpc: RPC) -> int:
    """The latest block's timestamp."""
    return int(rpc.call("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)


def hidden_accuracy(contract: Any, rows: Sequence[Sequence[int]], labels: Sequence[int]) -> float:
    """The contract's accuracy on ``rows``, one batched ``eth_call`` of ``predict`` each."""
    got = predictions(contract, rows)
    return sum(int(a == b) for a, b in zip(got, labels, strict=True)) / len(labels)


def predictions(contract: Any, rows: Sequence[Sequence[int]]) -> list[int]:
    predict = abi_encoder(contract.predict)
    return view_many(contract.predict, ([list(r)] for r in rows), "uint8", encode=predict)


def ok(receipt: dict) -> bool:
    """Whether a raw receipt's transaction succeeded."""
    return int(receipt["status"], 16) == 1


def sample_stream(data: Encoded, n: int, rng: random.Random) -> tuple[list, bool]:
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
    baseline_n: int = 25,
    on_status: Callable[[str], None] | None = None,
) -> Result:
    """Run ``preset`` for ``samples`` contributions on the connected local chain."""
    if preset.market:
        return simulate_market(
            preset,
            samples,
            dataset,
            seed,
            accounts,
            on_progress,
            baseline_n,
            on_status,
        )
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
    stream, replaced = sample_stream(pool, samples, rng)

    accts = list(accounts or ape_accounts.test_accounts)
    owner, agents = accts[0], accts[1 : 1 + len(preset.agents)]
    points = preset.incentive.kind == "points"
    container = getattr(project, kind(model).contract(preset.incentive.kind))
    dep = deploy_model(
        container, owner, encoder, pretrain_data=pre, incentive=preset.incentive, model=model
    )
    contract = dep.contract
    rpc = RPC()
    to = str(contract.address)
    add = abi_encoder(contract.addData)
    refund = abi_encoder(contract.refund)
    report = abi_encoder(contract.report)
    take = None if points else abi_encoder(contract.take)
    events = POINT_EVENTS if points else EVENTS
    topics = {name: event_topic(contract, name) for name in events.values()}

    def accuracy() -> float:
        return hidden_accuracy(contract, test_rows, test_labels)

    baseline_accuracy = accuracy()
    max_deposit = 0 if points else preset.incentive.cost_weight * 3600
    baseline_rate = ape_rate(contract.addData, agents[0], stream[:baseline_n], chain, max_deposit)

    senders = [Pipeline(a, rpc, gas=2_000_000) for a in agents]
    k = len(agents)
    starts = [int(spec.start_eth * ETH) for spec in preset.agents]
    balance = list(starts)
    counts = {
        name: [0] * k for name in ("contributions", "refunds", "reports", "takes", "rejected")
    }
    open_items: list[Item] = []
    weights = [spec.pace for spec in preset.agents]
    owners = rng.choices(range(k), weights=weights, k=len(stream))
    rows_out: list[Row] = []
    acc = baseline_accuracy
    sent = 0
    txs = 0
    t0 = time.monotonic()

    def now() -> int:
        return chain_time(rpc)

    def amount(receipt: dict, name: str) -> int:
        """What the claim's event says it paid: its first data word (wei), or one point."""
        if points:
            return int(name == "PointEarned")
        for log in receipt["logs"]:
            if log["topics"][0] == topics[name]:
                return int(log["data"][2:66], 16)
        return 0

    def row() -> Row:
        held = [0] * k
        for c in open_items:
            if not c.checked:
                held[c.who] += c.claimable
        return Row(
            now(),
            sent,
            acc,
            list(balance),
            *(list(counts[name]) for name in ("contributions", "refunds", "reports", "takes")),
            held,
            list(counts["rejected"]),
        )

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
        pred = predictions(contract, [c.features for c in due])
        plans: list[list[tuple[str, Item]]] = [[] for _ in range(k)]
        wrong = []
        for c, p in zip(due, pred, strict=True):
            c.checked = True
            if p == c.label:
                plans[c.who].append(("refund", c))
            else:
                wrong.append(c)
        # A reporter needs a good point (the deposit rules). Each agent's refunds go out before its
        # reports, in nonce order, so a refund in this same batch counts.
        good_count = [counts["refunds"][i] + len(plans[i]) for i in range(k)]
        for c in wrong:
            if points:  # one rejection settles it: the next agent round makes it
                plans[(c.who + 1) % k].append(("report", c))
                continue
            for i in range(k):
                if i != c.who and good_count[i] > 0:
                    plans[i].append(("report", c))
        for c in [] if points else late:
            # Also one checked just now (a round longer than the gap between the windows):
            # if its refund or report takes it all first, the take fails, which is harmless.
            taker = (c.who + 1) % k
            if taker != c.who:
                plans[taker].append(("take", c))
        work = []
        for i, plan in enumerate(plans):
            calls = []
            for action, c in plan:
                key = (c.id, agents[c.who].address, c.time, c.label, c.deposit)
                if action == "take":
                    calls.append(take(key, keccak(encode(["uint32[]"], [c.features]))))
                else:
                    calls.append((refund if action == "refund" else report)(key, c.features))
            work.append((senders[i], calls, 0))
        for i, (plan, receipts) in enumerate(zip(plans, send_all(rpc, to, work), strict=True)):
            txs += len(receipts)
            for (action, c), r in zip(plan, receipts, strict=True):
                if not ok(r):
                    continue
                got = amount(r, events[action])
                balance[i] += got
                c.claimable -= got
                counts[action + "s"][i] += 1
                if action == "refund":
                    c.refunded = True
                if action == "report" and not c.reported:
                    c.reported = True
                    counts["rejected"][c.who] += 1
        if points:  # validated once, either way
            open_items[:] = [c for c in open_items if not c.checked]
            return
        open_items[:] = [
            c
            for c in open_items
            if c.claimable > 0 and not c.refunded and t < c.time + preset.incentive.any_wait
        ]

    rows_out.append(row())  # the start: every balance at 100%
    if on_progress:
        on_progress(0, acc)  # set-up done: the clock for samples/s starts here
    for chunk in rounds(rpc, preset, stream, owners):
        batches = []
        for i in range(k):
            mine = [(x, y) for (x, y), who in chunk if who == i]
            labels = labels_sent(preset.agents[i], mine, rng)
            affordable = preset.agents[i].affordable(balance[i], max_deposit)
            batches.append((mine[:affordable], labels[:affordable]))
        work = [
            (
                senders[i],
                [add(list(x), y) for (x, _), y in zip(mine, labels, strict=True)],
                max_deposit,
            )
            for i, (mine, labels) in enumerate(batches)
        ]
        for i, ((mine, _), receipts) in enumerate(
            zip(batches, send_all(rpc, to, work), strict=True)
        ):
            txs += len(receipts)
            added = [(x, r) for (x, _), r in zip(mine, receipts, strict=True) if ok(r)]
            events_added = decode_event(contract, "ContributionAdded", [r for _, r in added])
            for (x, _), e in zip(added, events_added, strict=True):
                c = Item(e["id"], i, e["time"], e["label"], e["deposit"], list(x), e["deposit"])
                open_items.append(c)
                balance[i] -= c.deposit
                counts["contributions"][i] += 1
        sent += len(chunk)
        claims()
        if sent % sample_every < preset.round_size or sent == len(stream):
            acc = accuracy()
        rows_out.append(row())
        if on_progress:
            on_progress(len(chunk), acc)
    stop_time = now()
    # Contributions stop; the clock runs on, a round at a time, until every window has closed
    # and the last contributions are settled too (drawn as the flat tail of the plot).
    last_window = preset.incentive.refund_wait if points else preset.incentive.any_wait
    for _ in range(last_window // (preset.round_size * preset.sample_s) + 2):
        if not open_items:
            break
        rpc.call("evm_increaseTime", [preset.round_size * preset.sample_s])
        rpc.call("evm_mine", [])
        claims()
        rows_out.append(row())
    elapsed = time.monotonic() - t0
    acc = accuracy()
    rows_out.append(row())
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
        (stop_time - rows_out[0].time) / DAY if rows_out else None,
        txs / elapsed if elapsed else 0.0,
    )


def ape_rate(method: Any, account: Any, stream: Sequence, chain: Any, value: int) -> float:
    """Contributions (``method(x, y)`` sending ``value``) per second through Ape, one
    transaction at a time, on a snapshot that is then reverted (same contract, same run)."""
    if not stream:
        return 0.0
    snap = chain.snapshot()
    t = time.monotonic()
    for x, y in stream:
        method(list(x), y, sender=account, value=value)
    rate = len(stream) / (time.monotonic() - t)
    chain.restore(snap)
    return rate


# ---------------------------------------------------------------- outputs


def is_points(result: Result) -> bool:
    return result.preset.mechanism == "points"


def series_rows(result: Result) -> list[dict[str, Any]]:
    """One flat dict per row: simulated day, samples sent, accuracy and, per agent, its
    balance (wei and % of start; points under Points), deposits held and claim counts."""
    names = [a.name for a in result.preset.agents]
    t0 = result.rows[0].time if result.rows else 0
    out = []
    for r in result.rows:
        row: dict[str, Any] = {
            "day": round((r.time - t0) / DAY, 4),
            "samples": r.samples,
            "accuracy": r.accuracy,
        }
        for i, name in enumerate(names):
            if is_points(result):
                row[f"{name}_points"] = r.balances[i]
            else:
                start = result.starts[i]
                row[f"{name}_balance_pct"] = round(100 * r.balances[i] / start, 4)
                row[f"{name}_with_held_pct"] = round(100 * (r.balances[i] + r.held[i]) / start, 4)
                row[f"{name}_balance_wei"] = r.balances[i]
                row[f"{name}_held_wei"] = r.held[i]
            row[f"{name}_contributions"] = r.contributions[i]
            row[f"{name}_refunds"] = r.refunds[i]
            row[f"{name}_reports"] = r.reports[i]
            row[f"{name}_takes"] = r.takes[i]
            row[f"{name}_rejected"] = r.rejected[i]
        out.append(row)
    return out


def write_outputs(result: Result, folder: Path) -> dict[str, Path]:
    """series.csv, series.json, plot.png and summary.txt in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    series = series_rows(result)
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
                "model": result.model,
                "samples": result.samples,
                "with_replacement": result.with_replacement,
                "baseline_accuracy": result.baseline_accuracy,
                "rate": result.rate,
                "tx_rate": result.tx_rate,
                "baseline_rate": result.baseline_rate,
                "series": series,
            },
            indent=1,
        )
    )
    plot(result, series, paths["plot"])
    paths["summary"].write_text("\n".join(summary_lines(result)) + "\n")
    return paths


def plot(result: Result, series: list[dict], path: Path) -> None:
    """Balances as % of start (points under Points) and accuracy, over simulated days."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    days = [r["day"] for r in series]
    market = result.preset.mechanism == "market"
    # The market moves balances only when a reward pass settles: steps, not slopes.
    style = {"drawstyle": "steps-post"} if market else {}
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, spec in enumerate(result.preset.agents):
        colour = colours[i % len(colours)]
        if is_points(result):
            ax.plot(days, [r[f"{spec.name}_points"] for r in series], color=colour, label=spec.name)
            continue
        ax.plot(
            days,
            [r[f"{spec.name}_with_held_pct"] for r in series],
            color=colour,
            label=spec.name,
            **style,
        )
        ax.plot(
            days,
            [r[f"{spec.name}_balance_pct"] for r in series],
            color=colour,
            lw=0.8,
            ls=":",
            label=f"{spec.name}: wallet only",
            **style,
        )
    if is_points(result):
        ax.set_ylabel("points (contributions the model agreed with)")
    elif market:
        ax.set_ylabel("balance (% of start), stakes in the market included")
    else:
        ax.set_ylabel("balance (% of start), deposits awaiting review included")
        ax.axhline(100, color="grey", lw=0.5)
    ax.set_xlabel("simulated time (days)")
    if result.stop_day is not None:
        ax.axvline(result.stop_day, color="grey", lw=0.5, ls="--")
    acc_ax = ax.twinx()
    acc_ax.plot(
        days,
        [100 * r["accuracy"] for r in series],
        color="black",
        lw=1.2,
        ls="--",
        label="accuracy (right axis)",
        **style,
    )
    acc_ax.set_ylabel("accuracy on the hidden test set (%)")
    acc_ax.set_ylim(0, 100)
    lines = ax.get_legend_handles_labels()
    more = acc_ax.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], loc="lower left", fontsize="small")
    ax.set_title(
        f"{result.preset.name}: {result.samples:,} samples on {result.dataset} ({result.model})"
    )
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def summary_lines(result: Result) -> list[str]:
    last = result.rows[-1]
    days = (last.time - result.rows[0].time) / DAY if result.rows else 0
    incentive = {"points": "Points", "stake": "staked", "market": "prediction market"}[
        result.preset.mechanism
    ]
    out = [
        f"== simulate {result.preset.name}: {result.preset.description} ==",
        f"samples      {result.samples:,} from {result.dataset}, model {result.model} ({incentive})"
        + (" (drawn with replacement: the pool is smaller)" if result.with_replacement else ""),
        f"time         {days:.1f} simulated days; {result.transactions:,} transactions",
        f"accuracy     {100 * result.baseline_accuracy:.1f}% at the start -> "
        f"{100 * (last.accuracy or 0):.1f}% at the end (hidden test set)",
    ]
    for i, spec in enumerate(result.preset.agents):
        if is_points(result):
            head = f"{last.balances[i]:,} points"
        else:
            pct = 100 * last.balances[i] / result.starts[i]
            head = f"{pct:6.1f}% of its start ({spec.start_eth:g} ETH)"
        if result.preset.mechanism == "market":
            out.append(f"{spec.name:<12} {head}; {last.contributions[i]:,} contributions staked")
            continue
        out.append(
            f"{spec.name:<12} {head}; {last.contributions[i]:,} contributions, "
            f"{last.refunds[i]:,} refunded, {last.rejected[i]:,} reported by others; "
            f"it made {last.reports[i]:,} reports and {last.takes[i]:,} takes"
        )
    ratio = result.tx_rate / result.baseline_rate if result.baseline_rate else 0
    what = "contributions" if result.preset.mechanism == "market" else "contributions and claims"
    out.append(
        f"rate         {result.rate:.0f} samples/s; {result.tx_rate:.0f} transactions/s ({what}) "
        f"through the fast path against {result.baseline_rate:.1f}/s one Ape transaction at a "
        f"time ({ratio:.0f}x), same run"
    )
    return out
