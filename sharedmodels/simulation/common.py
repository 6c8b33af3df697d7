"""What every simulation shares: rows, results, rounds of samples, accuracy on the hidden test
set, and the rate of Ape's one-at-a-time path for comparison."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sharedmodels.encoding.encoded import Encoded
from sharedmodels.encoding.packed import packer
from sharedmodels.rpc.fastpath import Pipeline, mine_together
from sharedmodels.rpc.reads import RPC, abi_encoder, view_many
from sharedmodels.simulation.presets import Preset

#: The event each claim emits; its first data word is the wei it paid.
EVENTS = {"refund": "DepositRefunded", "report": "DepositReported", "take": "DepositTaken"}
#: Under Points a refund earns a point and a report rejects the contribution.
POINT_EVENTS = {"refund": "PointEarned", "report": "ContributionRejected"}


@dataclass(kw_only=True)
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


@dataclass(kw_only=True)
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


@dataclass(kw_only=True)
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
    #: Accuracy of always answering the hidden test set's most common label.
    majority_accuracy: float = 0.0


@dataclass(kw_only=True)
class Run:
    """What a simulation was asked to do (``simulate``'s arguments)."""

    preset: Preset
    samples: int
    dataset: str = "rt"
    seed: int = 0
    model: str = "naive_bayes"
    accounts: Sequence[Any] | None = None
    on_progress: Callable[[int, float], None] | None = None
    #: Contributions between two accuracy samples (default: about 20 a run).
    sample_every: int | None = None
    #: Contributions sent through Ape one at a time for the rate comparison.
    baseline_n: int = 25
    on_status: Callable[[str], None] | None = None


def rounds(rpc: RPC, preset: Preset, stream: Sequence, owners: Sequence[int]):
    """Each round's ``((x, y), agent)`` pairs, after the chain's clock has jumped by the
    round's simulated time (``round_size * sample_s`` seconds)."""
    size = preset.round_size
    for start in range(0, len(stream), size):
        rpc.call("evm_increaseTime", [size * preset.sample_s])
        yield list(zip(stream[start : start + size], owners[start : start + size], strict=True))


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
    to_x = packer(contract)
    return view_many(contract.predict, ([to_x(r)] for r in rows), "uint8", encode=predict)


def verdicts(contract: Any, items: Sequence[tuple[tuple, Sequence[int]]]) -> list[int]:
    """The class refund and report compare with each contribution's label now (the trainer's
    ``verdict``, which applies its judging rule), for (Contribution struct, features) pairs."""
    verdict = abi_encoder(contract.verdict)
    to_x = packer(contract)
    return view_many(
        contract.verdict, ([key, to_x(x)] for key, x in items), "uint8", encode=verdict
    )


def ok(receipt: dict) -> bool:
    """Whether a raw receipt's transaction succeeded."""
    return int(receipt["status"], 16) == 1


def sample_stream(data: Encoded, n: int, rng: random.Random) -> tuple[list, bool]:
    pool = list(zip(data.rows, data.labels, strict=True))
    if n <= len(pool):
        return pool[:n], False
    return [rng.choice(pool) for _ in range(n)], True


def ape_rate(
    method: Any,
    account: Any,
    stream: Sequence,
    *,
    chain: Any,
    value: int,
    to_x: Any = list,
) -> float:
    """Contributions (``method(to_x(x), y)`` sending ``value``) per second through Ape, one
    transaction at a time, on a snapshot that is then reverted (same contract, same run).
    ``to_x``: how the contract takes a sample (a ``packer`` for a sparse Perceptron)."""
    if not stream:
        return 0.0
    snap = chain.snapshot()
    t = time.monotonic()
    for x, y in stream:
        method(to_x(x), y, sender=account, value=value)
    rate = len(stream) / (time.monotonic() - t)
    chain.restore(snap)
    return rate
