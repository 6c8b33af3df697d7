"""The prediction market's benchmark (``ape run market bench``; ``make bench`` saves it): the
gas of a whole market against its test-set size and contribution count, as rows for
``bench/market_gas.json`` and a table for the ``market`` section of ``BENCHMARKS.md``.

Each run is the demo's market (rt, 4,000 pre-training samples, a third of the contributions
from two label flippers, a 20 ETH bounty) on a snapshot of the chain, restored after it.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sharedmodels.errors import InputError
from sharedmodels.market.demo import MarketDemoConfig, run_demo
from sharedmodels.market.rules import default_pieces
from sharedmodels.runs.bench import replace_section
from sharedmodels.units import ETH


def sizes_of(text: str, option: str, *, least: int) -> list[int]:
    """A comma-separated list of whole numbers of at least ``least`` (``--sizes 64,128``)."""
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        raise InputError(f"{option}: {text!r} is not a comma-separated list of numbers") from None
    if min(values) < least:
        raise InputError(f"{option}: every value must be at least {least}, not {min(values)}")
    return values


def runs(sizes: Sequence[int], counts: Sequence[int]) -> list[tuple[int, int]]:
    """``(test size, contributions)`` pairs: every size at the middle count and every count at
    the middle size, in order."""
    return sorted(
        {(t, counts[len(counts) // 2]) for t in sizes}
        | {(sizes[len(sizes) // 2], n) for n in counts}
    )


def run_one(
    chain: Any, accounts: Sequence[Any], test_size: int, contributions: int, budget: int
) -> dict:
    """One market of ``test_size`` and ``contributions`` on a snapshot of ``chain`` (restored
    after): its row of gas figures. ``accounts``: the provider, the honest contributor and the
    two flippers."""
    per_flipper = contributions // 6
    config = MarketDemoConfig(
        test_size=test_size,
        pieces=default_pieces(test_size),
        pretrain=4000,
        honest=contributions - 2 * per_flipper,
        flippers=2,
        flipper_samples=per_flipper,
        bounty=20 * ETH,
        budget=budget,
    )
    provider, honest, *flippers = accounts
    snap = chain.snapshot()
    with tempfile.TemporaryDirectory() as tmp:
        r = run_demo(config, provider, honest, flippers=flippers, secrets_path=Path(tmp) / "s.json")
    chain.restore(snap)
    return {
        "test_size": test_size,
        "contributions": contributions,
        "budget": budget,
        "passes": len(r.passes),
        "steps": len(r.steps),
        "reward_gas_total": sum(r.steps),
        "heaviest_step": max(r.steps),
        "median_step": sorted(r.steps)[len(r.steps) // 2],
        "deploy": r.gas["deploy"][0],
        "reveal_per_piece_max": max(r.gas["reveal"]),
        "participate_median": sorted(r.gas["participate"])[contributions // 2],
        "withdraw_max": max(r.gas["withdraw"]),
        "conservation": r.conservation_ok,
        "mirror": r.mirror_ok,
    }


def measure(
    chain: Any,
    accounts: Sequence[Any],
    sizes: Sequence[int],
    *,
    counts: Sequence[int],
    budget: int,
    say: Callable[[dict], None] = lambda row: None,
) -> list[dict]:
    """Every run of ``runs(sizes, counts)``; ``say`` gets each row as it is measured."""
    rows = []
    for t, n in runs(sizes, counts):
        rows.append(run_one(chain, accounts, t, n, budget))
        say(rows[-1])
    return rows


def row_line(row: dict) -> str:
    """One run as the script prints it."""
    return (
        f"T={row['test_size']:>4} N={row['contributions']:>3}: {row['passes']} passes, "
        f"{row['steps']:>4} steps, reward gas {row['reward_gas_total']:>13,}, heaviest step "
        f"{row['heaviest_step']:>10,}"
    )


def market_table(rows: list[dict]) -> str:
    """The ``market`` section of BENCHMARKS.md."""
    out = [
        "| test set T | contributions N | passes | steps | reward pass gas | heaviest step "
        "| median step | reveal (16 samples) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| {r['test_size']} | {r['contributions']} | {r['passes']} | {r['steps']} "
            f"| {r['reward_gas_total']:,} | {r['heaviest_step']:,} | {r['median_step']:,} "
            f"| {r['reveal_per_piece_max']:,} |"
        )
    r = rows[0]
    out.append("")
    out.append(
        f"Budget {r['budget']} work units a step. Deployment {r['deploy']:,} gas; "
        f"`commit` + `reveal_sample` {r['participate_median']:,} (median); "
        f"`withdraw` {r['withdraw_max']:,}."
    )
    return "\n".join(out) + "\n"


def save(rows: list[dict], out: Path, benchmarks: Path) -> list[Path]:
    """Write ``rows`` to ``out`` (JSON) and their table into ``benchmarks`` if that file exists;
    the paths written."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"runs": rows}, indent=1) + "\n")
    if not benchmarks.is_file():
        return [out]
    replace_section(benchmarks, "market", market_table(rows))
    return [out, benchmarks]
