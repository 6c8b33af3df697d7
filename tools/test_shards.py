"""Run the test suite as two `ape test` sessions side by side, each with its own Anvil.

    python tools/test_shards.py [PYTEST ARGS...]     # what `make test` runs

Most of a test's time is spent waiting on Anvil or on a subprocess, so two sessions on two
cores finish in a little over half the time of one. The contracts are compiled once first (two
sessions compiling into the same `.build/` at once could race). Shard A is the contract tests,
the properties and the unit tests, shard B the scripts as a user runs them and the browser;
each gets a free port for its Anvil (`APE_FOUNDRY_HOST`). The output of each shard is printed
whole once both end, with its twelve slowest tests (what to look at when the shards drift
apart), and the exit status is non-zero if either failed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: One end-to-end file joins the first shard, so both end at about the same time. Measured on
#: a fresh clone with the market scripts' file in the first shard too: 20m36s against 14m30s;
#: that file alone takes about 2m35s.
MOVED = ["tests/e2e/test_demo.py"]
SHARDS = {
    "contracts, properties and units": ["tests/chain", "tests/hypothesis", "tests/unit", *MOVED],
    "scripts end to end": ["tests/e2e", "tests/browser", *(f"--ignore={m}" for m in MOVED)],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    for name, paths in SHARDS.items():
        present = [p for p in paths if p.startswith("--") or (ROOT / p).exists()]
        env = {**os.environ, "APE_FOUNDRY_HOST": f"http://127.0.0.1:{free_port()}"}
        log = logs / ("-".join(name.replace(",", "").split()) + ".log")
        with log.open("w") as out:
            proc = subprocess.Popen(
                [ape, "test", *present, "-q", "--durations=12", *extra],
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
        print(log.read_text(), flush=True)
    print(f"==== both shards done in {time.monotonic() - started:.0f} s", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
