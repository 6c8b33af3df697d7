"""Run the test suite as three `ape test` sessions side by side, each with its own Anvil.

    python tools/test_shards.py [PYTEST ARGS...]     # what `make test` runs

The sessions share the machine's two cores: what sets the wall time is the sum of the test
time over two, provided no shard runs much longer than the others. The contracts are compiled
once first (sessions compiling into the same `.build/` at once could race). The first shard is
the contract tests, the properties and the unit tests; the second the scripts as a user runs
them, with two contract files that balance the two; the third the page in a browser, alone
(small, and its module fixtures do not mix with the contract tests' snapshots). Each gets a
free port for its Anvil (`APE_FOUNDRY_HOST`). The output of each shard is printed whole once
all end, with its twelve slowest tests and the twelve files that took longest in all (what to
move from one shard to another when they drift apart), and the exit status is non-zero if any
failed. With `SHAREDMODELS_UNITS_DONE=1` (`.ci/run` sets it after `make check` ran them) the
unit tests are left out.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Files that run in another shard than their folder's, so the two long shards end at about the
#: same time (the totals per file each shard prints say what to move when they drift apart).
#: Measured on a fresh clone on 7 December 2026 with the contract files in the first shard: the
#: contract shard 21m28s, the scripts and browser 14m43s; with these two moved (and the browser
#: alone, the unit tests once): 16m48s, 15m09s and 1m43s.
TO_SCRIPTS = ["tests/chain/test_market.py", "tests/chain/test_fees.py"]
TO_CONTRACTS = ["tests/e2e/test_demo.py"]
SHARDS = {
    "contracts, properties and units": [
        "tests/chain",
        "tests/hypothesis",
        "tests/unit",
        *TO_CONTRACTS,
        *(f"--ignore={m}" for m in TO_SCRIPTS),
    ],
    "scripts end to end": ["tests/e2e", *TO_SCRIPTS, *(f"--ignore={m}" for m in TO_CONTRACTS)],
    # Alone: the page's module fixtures and the contract tests' snapshots do not share a session.
    "browser": ["tests/browser"],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: One line of pytest's `--durations` report: seconds, phase, test id.
DURATION = re.compile(r"^(\d+\.\d+)s (setup|call|teardown)\s+(\S.*)$")


def summarised(text: str, top: int = 12) -> str:
    """The shard's log with pytest's full durations report replaced by its `top` slowest tests
    and the `top` test files that took longest in all (what to move when the shards drift)."""
    kept, tests, files = [], [], Counter()
    for line in text.splitlines():
        if m := DURATION.match(line):
            seconds, test = float(m[1]), m[3]
            tests.append((seconds, f"{m[2]:8} {test}"))
            files[test.split("::")[0]] += seconds
        elif "(durations < 0.005s hidden" not in line:
            kept.append(line)
    if not tests:
        return text
    report = [f"---- slowest {top} tests"]
    report += [f"{s:8.2f}s {what}" for s, what in sorted(tests, reverse=True)[:top]]
    report.append(f"---- slowest {top} files (all their tests)")
    report += [f"{s:8.1f}s {f}" for f, s in files.most_common(top)]
    return "\n".join(kept + report)


def main(extra: list[str]) -> int:
    ape = str(Path(sys.executable).with_name("ape"))
    compiled = subprocess.run([ape, "compile"], cwd=ROOT, capture_output=True, text=True)
    if compiled.returncode:
        sys.stdout.write(compiled.stdout + compiled.stderr)
        return compiled.returncode
    logs = ROOT / ".test-logs"
    logs.mkdir(exist_ok=True)
    started = time.monotonic()
    running = []
    # `.ci/run` has just run the unit tests in `make check`: no need to run them twice.
    skip = {"tests/unit"} if os.environ.get("SHAREDMODELS_UNITS_DONE") == "1" else set()
    for name, paths in SHARDS.items():
        present = [
            p for p in paths if p not in skip and (p.startswith("--") or (ROOT / p).exists())
        ]
        env = {**os.environ, "APE_FOUNDRY_HOST": f"http://127.0.0.1:{free_port()}"}
        log = logs / ("-".join(name.replace(",", "").split()) + ".log")
        with log.open("w") as out:
            proc = subprocess.Popen(
                [ape, "test", *present, "-q", "--durations=0", *extra],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        running.append((name, proc, log))
    status = 0
    for name, proc, log in running:
        code = proc.wait()
        status = status or code
        print(f"==== {name}: {'passed' if code == 0 else f'FAILED (exit {code})'}", flush=True)
        print(summarised(log.read_text()), flush=True)
    print(f"==== all shards done in {time.monotonic() - started:.0f} s", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
