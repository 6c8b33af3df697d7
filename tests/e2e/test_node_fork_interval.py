"""``make node BLOCK_TIME=N FORK_URL=...`` together: a local Anvil of the test's own plays the
remote network; the standing node forks it and mines a block every second.

The fork must carry the remote's chain id and state (a balance set there, its head), mine on
its own (interval, not automine: blocks come with no transaction and no one mining), and land a
transaction in a later block with nobody calling ``evm_mine``; the scripts' detection must
call it interval mining.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

from anvil_helpers import free_port, own_anvil
from e2e_runner import ROOT

from sharedmodels.rpc.mining import detect
from sharedmodels.rpc.reads import RPC

RICH = "0x" + "ab" * 20
DEV = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # Anvil's test account 0, unlocked


def _answering(rpc: RPC, proc: subprocess.Popen, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        try:
            rpc.call("eth_chainId", [])
            return
        except Exception:
            time.sleep(0.1)
    raise AssertionError("the forked node did not answer")


def test_make_node_forks_and_mines_on_an_interval():
    with own_anvil("--chain-id", "4242") as remote:
        remote.call("anvil_setBalance", [RICH, hex(123 * 10**18)])
        remote.call("anvil_mine", ["0x5"])
        remote_head = int(remote.call("eth_blockNumber", []), 16)
        port = free_port()
        proc = subprocess.Popen(
            ["make", "-s", "node", f"PORT={port}", "BLOCK_TIME=1", f"FORK_URL={remote.url}"],
            cwd=ROOT,
            env={**os.environ, "MAKEFLAGS": ""},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # make, then Anvil in its place: stopped as one group
        )
        try:
            node = RPC(f"http://127.0.0.1:{port}", timeout=30)
            _answering(node, proc)
            assert int(node.call("eth_chainId", []), 16) == 4242
            assert int(node.call("eth_getBalance", [RICH, "latest"]), 16) == 123 * 10**18
            start = int(node.call("eth_blockNumber", []), 16)
            assert start >= remote_head
            mining = detect(node)
            assert (mining.mode, mining.block_time) == ("interval", 1.0)
            time.sleep(2.5)  # no transaction, no one mining: blocks come anyway
            assert int(node.call("eth_blockNumber", []), 16) >= start + 2
            sent_at = int(node.call("eth_blockNumber", []), 16)
            tx = node.call("eth_sendTransaction", [{"from": DEV, "to": RICH, "value": hex(10**18)}])
            deadline, receipt = time.monotonic() + 10, None
            while receipt is None and time.monotonic() < deadline:
                receipt = node.call("eth_getTransactionReceipt", [tx])
                time.sleep(0.2)
            assert receipt is not None and int(receipt["status"], 16) == 1
            assert int(receipt["blockNumber"], 16) > sent_at
            assert int(node.call("eth_getBalance", [RICH, "latest"]), 16) == 124 * 10**18
            # The remote is untouched: a fork writes only to itself.
            assert int(remote.call("eth_getBalance", [RICH, "latest"]), 16) == 123 * 10**18
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            _, err = proc.communicate(timeout=20)
        assert f"forking {remote.url} (chain id 4242)" in err
        assert "--block-time 1" in err and f"--fork-url {remote.url}" in err
