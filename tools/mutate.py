"""Mutation check of the contracts (``make mutate``; not in CI: it takes most of an hour).

Each mutant removes one ``assert`` (replaced by ``pass``) or one ``@nonreentrant`` from one
file in ``contracts/``. The tests of that file run against it in a scratch copy of the
repository; a mutant the tests do not kill *survives*. Every survivor is listed with its line,
and the run ends non-zero if one of them guards money or access (its reason or its function
moves wei or checks who the caller is, see ``guards_money_or_access``); the others are defensive
checks the tests cannot reach, and are listed for a person to judge.

    python tools/mutate.py                       # every mutant, two at a time
    python tools/mutate.py --only market --jobs 1
    python tools/mutate.py --list                # the mutants, without running them
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APE = ROOT / ".venv" / "bin" / "ape"

TRAINERS = [
    "tests/test_attacks.py",
    "tests/test_stake.py",
    "tests/test_points.py",
    "tests/test_model_trainers.py",
    "tests/test_sponsor.py",
    "tests/hypothesis/test_stake_machine.py",
]
MODELS = [
    "tests/test_models.py",
    "tests/test_perceptron.py",
    "tests/test_dense_data.py",
    "tests/test_model_trainers.py",
]
MARKET = [
    "tests/test_market.py",
    "tests/test_market_attacks.py",
    "tests/hypothesis/test_market_property.py",
]
#: The tests that exercise each contract file (first match wins; globs on the path under
#: contracts/).
TESTS: list[tuple[str, list[str]]] = [
    ("PredictionMarket.vy", MARKET),
    ("incentives/*", TRAINERS),
    ("data/*", TRAINERS),
    ("auth/signed.vy", ["tests/test_sponsor.py"]),
    ("auth/ownable.vy", ["tests/test_attacks.py", "tests/test_models.py", *MODELS[1:]]),
    ("models/*", MODELS),
    ("*Stake.vy", TRAINERS),
    ("*Points.vy", TRAINERS),
    ("*.vy", MODELS),
]
#: Words in an assert's reason or its function that mark it as guarding money or access.
MONEY_OR_ACCESS = re.compile(
    r"deposit|refund|report|take|withdraw|stake|bounty|pay|owner|provider|only|contributor|"
    r"nothing|already|too early|deadline|not done|reward|forfeit|cancel|draw|commitment|"
    r"signature|nonce|batch|reentr",
    re.IGNORECASE,
)


@dataclass
class Mutant:
    path: Path  # relative to ROOT
    line: int  # 1-based
    kind: str  # "assert" or "nonreentrant"
    text: str
    function: str

    @property
    def name(self) -> str:
        return f"{self.path}:{self.line} ({self.kind} in {self.function})"

    def guards_money_or_access(self) -> bool:
        return self.kind == "nonreentrant" or bool(
            MONEY_OR_ACCESS.search(self.text) or MONEY_OR_ACCESS.search(self.function)
        )

    def apply(self, source: str) -> str:
        lines = source.split("\n")
        old = lines[self.line - 1]
        indent = old[: len(old) - len(old.lstrip())]
        if self.kind == "nonreentrant":
            del lines[self.line - 1]
        else:
            lines[self.line - 1] = f"{indent}pass"
        return "\n".join(lines)


def mutants(files: list[Path]) -> list[Mutant]:
    out = []
    for rel in files:
        function = "(module)"
        for n, raw in enumerate((ROOT / rel).read_text().split("\n"), start=1):
            stripped = raw.strip()
            m = re.match(r"def (\w+)\(", stripped)
            if m:
                function = m.group(1)
            if re.match(r"assert\b", stripped) and "," in stripped:
                out.append(Mutant(rel, n, "assert", stripped, function))
            elif stripped == "@nonreentrant":
                following = _next_def((ROOT / rel).read_text().split("\n"), n)
                out.append(Mutant(rel, n, "nonreentrant", stripped, following))
    return out


def _next_def(lines: list[str], n: int) -> str:
    for raw in lines[n:]:
        m = re.match(r"def (\w+)\(", raw.strip())
        if m:
            return m.group(1)
    return "?"


def tests_for(rel: Path) -> list[str]:
    from fnmatch import fnmatch

    inside = str(rel.relative_to("contracts"))
    for pattern, tests in TESTS:
        if fnmatch(inside, pattern):
            return [t for t in dict.fromkeys(tests) if (ROOT / t).exists()]
    return []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scratch_copy() -> Path:
    """A copy of the repository's tracked files (contracts, tests, config, package), sharing
    the installed ``.venv``, ``node_modules`` and dataset cache by symlink."""
    dest = Path(tempfile.mkdtemp(prefix="sharedmodels-mutant-"))
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for f in files:
        target = dest / f
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, target)
    for link in (".venv", "node_modules", "data/cache"):
        if (ROOT / link).exists():
            (dest / link).parent.mkdir(parents=True, exist_ok=True)
            (dest / link).symlink_to(ROOT / link)
    return dest


def run_tests(copy: Path, tests: list[str], timeout: int) -> tuple[bool, str]:
    """True if the tests pass (the mutant survives)."""
    env = {
        **os.environ,
        "PATH": f"{ROOT / 'bin'}:{ROOT / '.venv/bin'}:{os.environ['PATH']}",
        "APE_FOUNDRY_HOST": f"http://127.0.0.1:{free_port()}",
        "PYTHONPATH": str(copy),
        "PYTHONWARNINGS": "ignore:Field 'import_remapping'",
    }
    try:
        proc = subprocess.run(
            [str(APE), "test", *tests, "-x", "-q", "-p", "no:cacheprovider"],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return False, "timed out (counted as killed)"
    tail = (proc.stdout + proc.stderr).strip().splitlines()[-1:] or [""]
    return proc.returncode == 0, tail[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="Only contract paths containing this.")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=1200, help="Seconds per mutant.")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()

    files = sorted(
        p.relative_to(ROOT)
        for p in (ROOT / "contracts").rglob("*.vy")
        if args.only.lower() in str(p).lower()
    )
    todo = mutants(files)
    if args.list:
        for m in todo:
            print(f"{m.name}: {m.text}")
        print(f"{len(todo)} mutants")
        return 0
    if not APE.exists():
        print("error: no .venv; run 'make setup' first", file=sys.stderr)
        return 1

    copies = [scratch_copy() for _ in range(max(1, args.jobs))]
    free = list(copies)
    survivors: list[Mutant] = []
    started = time.monotonic()

    def one(m: Mutant) -> None:
        copy = free.pop()
        try:
            target = copy / m.path
            original = target.read_text()
            target.write_text(m.apply(original))
            try:
                tests = tests_for(m.path)
                survived, last = run_tests(copy, tests, args.timeout) if tests else (True, "")
            finally:
                target.write_text(original)
            verdict = "SURVIVED" if survived else "killed"
            print(f"{verdict:8} {m.name}: {m.text[:70]}  [{last[:60]}]", flush=True)
            if survived:
                survivors.append(m)
        finally:
            free.append(copy)

    try:
        with ThreadPoolExecutor(max_workers=len(copies)) as pool:
            list(pool.map(one, todo))
    finally:
        for c in copies:
            shutil.rmtree(c, ignore_errors=True)
    minutes = (time.monotonic() - started) / 60
    print(f"\n{len(todo)} mutants, {len(todo) - len(survivors)} killed in {minutes:.0f} min")
    bad = [m for m in survivors if m.guards_money_or_access()]
    for m in survivors:
        mark = "MONEY/ACCESS" if m.guards_money_or_access() else "defensive"
        print(f"survivor ({mark}) {m.name}: {m.text}")
    if bad:
        print(f"error: {len(bad)} survivors guard money or access", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
