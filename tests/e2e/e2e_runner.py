"""Running ``ape`` commands as a user does, against the Anvil this pytest session started.

Subprocesses inherit the environment (``APE_FOUNDRY_HOST`` included), get the project's
``bin/`` and ``node_modules/.bin`` on PATH, and connect to ``ethereum:local:foundry``.
"""

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
NETWORK = ["--network", "ethereum:local:foundry"]
BIN = Path(sys.executable).parent


def start(args: tuple[str, ...], node: str | None = None) -> subprocess.Popen:
    """``ape ARGS`` on the session's Anvil, or through ``node`` (a URI; see ``gated_node``)."""
    env = {
        **os.environ,
        **({"APE_FOUNDRY_HOST": node} if node else {}),
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


class Gate:
    """What ``gated_node`` lets through: ``sent`` transactions so far; ``held`` is set once a
    client has asked for more and is being kept waiting."""

    def __init__(self, sends: int) -> None:
        self.sends = sends
        self.sent = 0
        self.held = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()


@contextlib.contextmanager
def gated_node(upstream: str, sends: int) -> Iterator[tuple[str, Gate]]:
    """A JSON-RPC proxy to ``upstream`` on a free loopback port that forwards everything but
    lets only ``sends`` transactions through: a request that would send one more is held,
    unanswered and unforwarded, until the block ends (then it fails). Yields (its URI, the
    gate). A client sending one transaction at a time thus stops, for certain, with exactly
    ``sends`` of its transactions on chain, however fast or slow it runs.
    """
    gate = Gate(sends)
    session = requests.Session()
    session.trust_env = False

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            calls = json.loads(body)
            calls = calls if isinstance(calls, list) else [calls]
            sending = sum(c.get("method") == "eth_sendRawTransaction" for c in calls)
            with gate.lock:
                allowed = gate.sent + sending <= gate.sends
                if allowed:
                    gate.sent += sending
            if not allowed:
                gate.held.set()
                gate.release.wait()
                self.send_error(503, "gated")
                return
            answer = session.post(upstream, data=body, headers={"Content-Type": "application/json"})
            self.send_response(answer.status_code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", gate
    finally:
        gate.release.set()
        server.shutdown()
        server.server_close()
        thread.join()
