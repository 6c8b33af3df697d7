"""A rehearsal of a public network: the user's whole flow on an Anvil that mines a block every
second (``--block-time 1``), as testnets and L2s do, instead of one block per transaction.

One node of this module's own (not the session's automining Anvil): deploy, contribute on both
paths (pipelined and ``--one-by-one``), wait in block time for the refund and take windows,
refund / report / take, status and export; beside it, one prediction-market round and one
bounty round (the demos, small). Every script must wait for its receipts rather than mine, and
say which mining mode it found.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from anvil_helpers import own_anvil
from e2e_runner import finish, lines, start

#: Seconds of block time: the refund, owner and anyone waits of the rehearsal's deployment.
REFUND, OWNER, ANY = 3, 4, 5
INTERVAL_LINE = "mining: interval, a block every 1 s"


@pytest.fixture(scope="module")
def node():
    """An Anvil of this module's own that mines a block every second; its URI."""
    with own_anvil("--block-time", "1") as rpc:
        yield rpc


def ape(node, *args: str) -> str:
    """``ape ARGS`` against the rehearsal node; its stdout. Fails the test on a non-zero exit,
    and unless the script said it found interval mining."""
    proc = finish(args, start(args, node=node.url), check=True)
    assert INTERVAL_LINE in proc.stderr, proc.stderr[-1500:]
    return proc.stdout


def head_time(node) -> int:
    return int(node.call("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)


def wait_block_time(node, until: int, limit: float = 60) -> None:
    """Until the chain's head carries ``until`` or later (block time, not wall time)."""
    deadline = time.monotonic() + limit
    while head_time(node) < until:
        assert time.monotonic() < deadline, f"block time did not reach {until}"
        time.sleep(0.25)


def blocks_shared(node, to: str, *senders: str) -> int:
    """Blocks in which every one of ``senders`` sent a transaction to ``to`` (the last 200)."""
    head = int(node.call("eth_blockNumber", []), 16)
    count = 0
    for n in range(max(0, head - 200), head + 1):
        block = node.call("eth_getBlockByNumber", [hex(n), True])
        sent = {
            t["from"].lower()
            for t in block["transactions"]
            if (t["to"] or "").lower() == to.lower()
        }
        count += {s.lower() for s in senders} <= sent
    return count


def test_rehearsal_on_one_second_blocks(node, tmp_path):
    started = time.monotonic()
    # The demos use test accounts 0-4, one after the other; the trainer flow below 5-7.
    demos: dict[str, str] = {}

    def market_then_bounty() -> None:
        try:
            _demos()
        except BaseException as exc:  # pytest.fail in a thread: report it in the test
            demos["error"] = str(exc)

    def _demos() -> None:
        demos["market"] = ape(
            node,
            *("run", "market", "demo", "--test-size", "16", "--pieces", "2"),
            *("--pretrain", "100", "--honest", "3", "--flippers", "1"),
            *("--flipper-samples", "2", "--quiet", "--record", str(tmp_path / "market.json")),
        )
        demos["bounty"] = ape(node, "run", "bounty", "demo", "--limit", "60")

    side = threading.Thread(target=market_then_bounty)
    side.start()
    try:
        manifest = str(tmp_path / "model.json")
        m = ("--manifest", manifest)
        out = ape(
            node,
            *("run", "deploy", "--model", "perceptron", "--pretrain", "rt"),
            *("--pretrain-limit", "100", "--refund-wait", str(REFUND)),
            *("--owner-wait", str(OWNER), "--any-wait", str(ANY), "--account", "TEST::5", *m),
        )
        assert "deployed PerceptronStake" in out
        address = json.loads((tmp_path / "model.json").read_text())["address"]
        assert node.call("eth_getCode", [address, "latest"]) != "0x"

        # Side by side, as two contributors on a real network: their contributions share
        # blocks. Each one-by-one sample carries the most it may owe (here the cap, the
        # same-block deposit) and gets the rest back, so the other run's contribution landing
        # first in its block does not make it too low (tests/chain/test_contribute_race.py).
        honest, flipper = (
            finish(args, popen, check=True)
            for args, popen in [
                (args, start(args, node=node.url))
                for args in (
                    ("run", "contribute", "--dataset", "rt", "--offset", "7000", "--limit", "4")
                    + ("--account", "TEST::5", "--quiet", "--fresh", *m)
                    + ("--max-deposit", "3.6", "--max-fee", "1"),
                    ("run", "contribute", "--dataset", "rt", "--offset", "7100", "--limit", "3")
                    + ("--flip-labels", "--one-by-one", "--account", "TEST::6", "--quiet")
                    + ("--fresh", "--max-deposit", "3.6", *m),
                )
            ]
        )
        assert "contributed 4 samples" in honest.stdout
        assert "4 contributions: " in honest.stdout  # priced on the interval node, under a cap
        assert "contributed 3 samples" in flipper.stdout and "(labels flipped)" in flipper.stdout
        shared = blocks_shared(node, address, *node.call("eth_accounts", [])[5:7])
        print(f"\nblocks holding contributions of both runs: {shared}")
        # The waits run in block time: wait for the chain, not the wall clock.
        wait_block_time(node, head_time(node) + ANY + 1)

        refund = ape(node, "run", "refund", "--all", "--account", "TEST::5", "--max-fee", "1", *m)
        assert "refund:" in refund
        ape(node, "run", "report", "--all", "--account", "TEST::5", *m)
        take = ape(node, "run", "take", "--all", "--account", "TEST::7", *m)
        assert "take:" in take
        status, export = (
            finish(args, popen, check=True).stdout
            for args, popen in [
                (args, start(args, node=node.url))
                for args in (
                    ("run", "status", *m),
                    ("run", "export", "--out", str(tmp_path / "data.csv"), *m),
                )
            ]
        )
        # Every deposit is back with someone: nothing held, nothing owed, books balanced.
        assert "held 0.000000 ETH, owed 0.000000 ETH: wei check ok" in status
        assert "contributions 7:" in status
        assert "exported 7 contributions" in lines(export)[-1]
        assert "all 7 verified against chain state" in export
    finally:
        side.join(timeout=900)
    assert "error" not in demos, demos["error"]
    assert "conservation: ok" in demos.get("market", "")
    # Its units said in words (it printed "30,000,000,000,000,000 rounds" and "budget 2048"
    # with nothing to say what a round or a budget unit is).
    assert (
        "rounds       the payout unit: one round moves each contributor's balance"
        in demos["market"]
    )
    assert "the bounty buys bounty // test-set size rounds" in demos["market"]
    assert "work units a step, about 2,100 gas each: --budget)" in demos["market"]
    assert "conservation: ok" in demos.get("bounty", "")
    print(f"\nrehearsal on 1-second blocks: {time.monotonic() - started:.0f} s")
