"""Running ``ape`` commands as a user does, against the Anvil this pytest session started.

Subprocesses inherit the environment (``APE_FOUNDRY_HOST`` included), get the project's
``bin/`` and ``node_modules/.bin`` on PATH, and connect to ``ethereum:local:foundry``.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NETWORK = ["--network", "ethereum:local:foundry"]
BIN = Path(sys.executable).parent


def start(args: tuple[str, ...]) -> subprocess.Popen:
    env = {
        **os.environ,
        "PATH": f"{ROOT / 'bin'}:{ROOT / 'node_modules/.bin'}:{BIN}:{os.environ['PATH']}",
        # Ape's settings models warn on every start (the Makefile silences it the same way).
        "PYTHONWARNINGS": "ignore:Field 'import_remapping'",
    }
    return subprocess.Popen(
        [str(BIN / "ape"), *args, *NETWORK],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(
    args: tuple[str, ...], popen: subprocess.Popen, check: bool
) -> subprocess.CompletedProcess:
    """Wait for ``popen``; with ``check``, fail the test on a non-zero exit (showing output)."""
    try:
        stdout, stderr = popen.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        popen.kill()
        popen.communicate()
        pytest.fail(f"ape {' '.join(args)} timed out")
    proc = subprocess.CompletedProcess(popen.args, popen.returncode, stdout, stderr)
    if check and proc.returncode != 0:
        pytest.fail(
            f"ape {' '.join(args)} exited {proc.returncode}:\n"
            f"{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
        )
    return proc


def ape_many(*commands: tuple[str, ...], check: bool = True) -> list[subprocess.CompletedProcess]:
    """Independent ``ape`` commands side by side (each pays Ape's start-up; they overlap)."""
    started = [(args, start(args)) for args in commands]
    return [finish(args, popen, check) for args, popen in started]


def lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip()]


def contract_at(name: str, address: str):
    """``project.<name>`` at ``address``, whatever Ape cached for that address before.

    Every module reverts the chain when it ends, so the next one's first deployment lands at
    the same address; Ape's contract cache would still hold the earlier module's type there
    (``ContainerType.at`` prefers the cache), and calls would be encoded with the wrong ABI.
    """
    from ape import chain, project

    del chain.contracts[address]
    return getattr(project, name).at(address)


class FromManifest:
    """For a test's record of one deployment: its ``manifest`` (a Path attribute) read back as
    ``data``, and the deployed ``contract``."""

    manifest: Path

    @property
    def data(self) -> dict:
        return json.loads(self.manifest.read_text())

    @property
    def contract(self):
        data = self.data
        return contract_at(data["contract"], data["address"])
