"""The benchmark arithmetic of the reference implementation's benchmark: its figures, the floor,
and the generated tables in the project's ``BENCHMARKS.md``.

The floor is that of the design in use (docs/operations.md works it out): what any
implementation that stores weights as the sparse Perceptron's trainer does (sixteen to a slot)
must pay for one transaction carrying a sample whose indices fall in ``S`` weight slots:

- ``addData``: 21,000 + the calldata (16 gas per non-zero byte, 4 per zero byte) + 2,100 per
  weight slot read (cold) + 2,100 for the model's state slot (the intercept) + 5,000 to read
  and rewrite the slot holding the id counter and the last contribution's time (the deposit
  needs it) + 22,100 for the one new record slot + 2,268 for its ``ContributionAdded`` log
  (LOG3, three data words); with an update, 2,900 more per weight slot and for the state slot
  (each rewritten once).
- ``refund``: 21,000 + the calldata + 2,100 per weight slot + 2,100 for the state slot +
  3 x 5,000 to rewrite the record and the two good-contribution counters + 6,800 to send the
  deposit back (a value call to a warm address) + 1,756 for its ``DepositRefunded`` log.

``reference_floor_*`` is the reference page's floor (one slot per weight: 2,100 per weight
read, 2,900 more per weight changed, 22,100 for the record).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from sharedmodels.errors import InputError

SIZES = (20, 60, 100, 200)
#: The original implementation (solc 0.6.2, optimizer off) on Anvil 1.7.1.
REFERENCE = {
    "addData": {
        20: (269_930, 325_159),
        60: (399_322, 596_055),
        100: (545_780, 907_057),
        200: (893_309, 1_615_016),
    },
    "refund": {20: 221_223, 60: 320_275, 100: 453_494, 200: 787_823},
    "deploy_1000": 30_227_593,
}
TARGET_REFERENCE = 0.5
TARGET_FLOOR = 1.15
TARGET_DEPLOY = 0.25

TX = 21_000
COLD_READ = 2_100
WRITE_MORE = 2_900
NEW_SLOT = 22_100
SLOT_REWRITE = COLD_READ + WRITE_MORE
VALUE_CALL = 6_800
#: LOG3 with three data words (ContributionAdded: label, deposit, time) and with one
#: (DepositRefunded: amount): 375 + 3 x 375 per topic + 8 per data byte.
LOG_ADDED = 375 + 3 * 375 + 8 * 96
LOG_REFUNDED = 375 + 3 * 375 + 8 * 32
#: Weights per storage slot in the sparse Perceptron.
LANES = 16


def calldata_gas(data: bytes) -> int:
    return sum(16 if b else 4 for b in data)


def weight_slots(row: Sequence[int]) -> int:
    """Storage slots the weights of ``row`` live in (sixteen weights to a slot)."""
    return len({int(j) // LANES for j in row})


def add_data_floor(calldata: bytes, row: Sequence[int], update: bool) -> int:
    """The floor of one ``addData`` of ``row`` in the design in use (module docstring)."""
    s = weight_slots(row)
    base = TX + calldata_gas(calldata) + COLD_READ * (s + 1) + SLOT_REWRITE + NEW_SLOT + LOG_ADDED
    return base + (WRITE_MORE * (s + 1) if update else 0)


def refund_floor(calldata: bytes, row: Sequence[int]) -> int:
    """The floor of one ``refund`` of ``row`` in the design in use (module docstring)."""
    s = weight_slots(row)
    return (
        TX
        + calldata_gas(calldata)
        + COLD_READ * (s + 1)
        + 3 * SLOT_REWRITE
        + VALUE_CALL
        + LOG_REFUNDED
    )


def reference_floor_add(calldata: bytes, n: int, update: bool) -> int:
    """The reference page's floor: one slot per weight."""
    return (
        TX + calldata_gas(calldata) + COLD_READ * n + (WRITE_MORE * n if update else 0) + NEW_SLOT
    )


def gas_table(gas: dict, floors: dict) -> str:
    """The comparison table: ours, reference, ratio, ratio to the floor, per cell."""
    head = (
        "| operation | n | ours | reference | ours / reference | floor | ours / floor | targets |\n"
        "|---|---|---|---|---|---|---|---|\n"
    )
    rows = []

    def row(op: str, n: int, ours: int, ref: int | None, floor: int | None) -> None:
        r = f"{ours / ref:.2f}" if ref else "-"
        f = f"{ours / floor:.2f}" if floor else "-"
        ok = "-"
        if ref and floor:
            met = ours <= TARGET_REFERENCE * ref and ours <= TARGET_FLOOR * floor
            ok = "met" if met else "not yet"
        rows.append(
            f"| {op} | {n} | {ours:,} | {f'{ref:,}' if ref else '-'} | {r} | "
            f"{f'{floor:,}' if floor else '-'} | {f} | {ok} |"
        )

    for n in SIZES:
        k = str(n)
        no_up, up = REFERENCE["addData"][n]
        row(
            "addData, no update",
            n,
            gas["addData"][k]["no_update"],
            no_up,
            floors["addData"][k]["no_update"],
        )
        row("addData, update", n, gas["addData"][k]["update"], up, floors["addData"][k]["update"])
    for n in SIZES:
        k = str(n)
        row("refund", n, gas["refund"][k], REFERENCE["refund"][n], floors["refund"][k])
    for n in SIZES:
        row("report", n, gas["report"][str(n)], None, None)
    deploy = gas["deploy_1000"]
    ratio = deploy / REFERENCE["deploy_1000"]
    tail = (
        f"\nDeployment of the trainer plus 1,000 weights: {deploy:,} gas, {ratio:.2f} x the "
        f"reference's {REFERENCE['deploy_1000']:,} (target {TARGET_DEPLOY} x: "
        f"{'met' if ratio <= TARGET_DEPLOY else 'not yet'}).\n"
    )
    return head + "\n".join(rows) + "\n" + tail


def replace_section(path: Path, name: str, body: str) -> None:
    """Replace the text between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->``."""
    text = path.read_text()
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise InputError(f"{path} has no {start} ... {end} section")
    path.write_text(pattern.sub(lambda _: f"{start}\n{body}{end}", text))


# ---------------------------------------------------------------- changes between two runs

#: The gas files ``make bench`` writes, compared leaf by leaf with the run before.
GAS_FILES = ("gas.json", "model_gas.json", "market_gas.json", "models.json")


def _leaves(data, prefix: str = "") -> dict[str, int]:
    """Every integer leaf of a bench file, by a readable path. A market run (an item of
    ``runs``) is named by its test-set size and contribution count, a model's gas row by the
    model and sample size, not by position."""
    out: dict[str, int] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            out.update(_leaves(value, f"{prefix}{key}/"))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            name = str(i)
            if isinstance(value, dict) and {"test_size", "contributions"} <= value.keys():
                name = f"T={value['test_size']} N={value['contributions']}"
            elif isinstance(value, dict) and {"model", "size"} <= value.keys():
                name = f"{value['model']} n={value['size']}"
            out.update(_leaves(value, f"{prefix}{name}/"))
    elif isinstance(data, int) and not isinstance(data, bool):
        out[prefix.rstrip("/")] = data
    return out


def changes_table(before_dir: Path, after_dir: Path) -> str:
    """A Markdown table of every gas figure that moved between two ``bench/`` folders."""
    import json

    rows = []
    for name in GAS_FILES:
        before_path, after_path = Path(before_dir) / name, Path(after_dir) / name
        if not (before_path.is_file() and after_path.is_file()):
            continue
        before = _leaves(json.loads(before_path.read_text()))
        after = _leaves(json.loads(after_path.read_text()))
        for key in sorted(before.keys() & after.keys()):
            old, new = before[key], after[key]
            if old != new and old:
                rows.append(f"| `{name}` {key} | {old:,} | {new:,} | {(new - old) / old:+.2%} |")
        for key in sorted(after.keys() - before.keys()):
            rows.append(f"| `{name}` {key} | (new) | {after[key]:,} | |")
    if not rows:
        return "No gas figure moved since the previous run.\n"
    head = ["| figure | previous run | this run | change |", "|---|---|---|---|"]
    return "\n".join(head + rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m sharedmodels.runs.bench")
    sub = parser.add_subparsers(dest="command", required=True)
    changes = sub.add_parser("changes", help="Write the gas that moved into BENCHMARKS.md.")
    changes.add_argument("before", type=Path)
    changes.add_argument("after", type=Path)
    changes.add_argument("--out", type=Path, default=Path("BENCHMARKS.md"))
    args = parser.parse_args(argv)
    replace_section(args.out, "changes", changes_table(args.before, args.after))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
