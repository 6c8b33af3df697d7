"""A simulation's outputs: the series as CSV/JSON, the plot, and the summary lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sharedmodels.simulation.common import (
    Result,
)
from sharedmodels.units import DAY


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
                "majority_accuracy": result.majority_accuracy,
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
    acc_ax.axhline(
        100 * result.majority_accuracy,
        color="black",
        lw=0.8,
        ls=":",
        label="majority-class baseline (right axis)",
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
    if result.preset.incentive is not None:
        incentive += f", judged {result.preset.incentive.judging}"
    if result.preset.encoder:
        incentive += f", encoder {result.preset.encoder}"
    out = [
        f"== simulate {result.preset.name}: {result.preset.description} ==",
        f"samples      {result.samples:,} from {result.dataset}, model {result.model} ({incentive})"
        + (" (drawn with replacement: the pool is smaller)" if result.with_replacement else ""),
        f"time         {days:.1f} simulated days; {result.transactions:,} transactions",
        f"accuracy     {100 * result.baseline_accuracy:.1f}% at the start -> "
        f"{100 * (last.accuracy or 0):.1f}% at the end (hidden test set; always answering its "
        f"commoner class scores {100 * result.majority_accuracy:.1f}%)",
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
