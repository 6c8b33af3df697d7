"""A throwaway Anvil of a test's own, on a free loopback port.

Not a test module: ``test_fastpath`` (nodes that mine slowly or not at all) and ``test_fork``
(the upstream chain a fork reads) import it. The session's own Anvil is never touched.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from sharedmodels.rpc.node import free_port
from sharedmodels.rpc.reads import RPC

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def own_anvil(*flags: str, attempts: int = 3) -> Iterator[RPC]:
    """``bin/anvil --port <free> FLAGS`` until the block ends; yields an RPC client to it.

    A port can be taken by someone else between choosing it and Anvil binding it; Anvil then
    exits at once, and another port is tried.
    """
    for _ in range(attempts):
        port = free_port()
        proc = subprocess.Popen(
            [str(ROOT / "bin" / "anvil"), "--port", str(port), "--silent", *flags],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        rpc = RPC(f"http://127.0.0.1:{port}", timeout=30)
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                rpc.call("eth_chainId", [])
                break
            except Exception:
                time.sleep(0.05)
        if proc.poll() is not None:
            continue  # the port was taken: try another
        if time.monotonic() >= deadline:
            proc.kill()
            proc.wait()
            raise RuntimeError(f"Anvil on port {port} did not answer in 30 s")
        try:
            yield rpc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return
    raise RuntimeError(f"no Anvil started in {attempts} attempts")
