"""History scans through a node that limits them as public RPC providers do: a 5-block range
cap, a 3-result cap, every fourth request refused with HTTP 429, and an outage part-way.

The scan must return exactly what a scan of the unlimited node returns (nothing repeated,
nothing skipped), without one request over a cap, and a read cut off by the outage must resume
from its cursor."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from ape import chain
from limited_node import Limits, limited_node

from sharedmodels.rpc import logs as logreader
from sharedmodels.rpc.reads import RPC
from sharedmodels.trainers.client import Incentive, scan


@pytest.fixture(scope="module")
def busy_trainer(deploy_trainer, alice, owner):
    """A trainer with 9 contributions spread over ~40 blocks, two of them in one block's
    neighbourhood, and a refund (a claim event among the adds)."""
    trainer = deploy_trainer(
        incentive=Incentive(
            "stake", refund_wait=60, owner_wait=120, any_wait=240, cost_weight=10**12
        )
    )
    rows = [[1, 5], [2, 3], [7], [4, 8], [6], [9, 10], [11], [3, 12], [5, 13]]
    for i, row in enumerate(rows):
        who = alice if i % 2 else owner
        trainer.addData(row, i % 2, sender=who, value=trainer.next_deposit())
        chain.mine(1 + 3 * (i % 3))
    return trainer


def _fast(monkeypatch):
    """Back-off without the waiting (the counts still say it happened)."""
    monkeypatch.setattr(logreader, "BACKOFF", 0.0)
    monkeypatch.setattr("sharedmodels.rpc.reads.time.sleep", lambda s: None)


def test_scan_through_a_limited_node_sees_the_same_history(busy_trainer, monkeypatch):
    _fast(monkeypatch)
    direct = scan(busy_trainer, 0)
    limits = Limits(max_range=5, max_results=3, rate_every=4)
    with limited_node(chain.provider.http_uri, limits) as uri:
        limited = scan(busy_trainer, 0, rpc=RPC(uri))
    assert [(c.id, c.features, c.label, c.block) for c in limited] == [
        (c.id, c.features, c.label, c.block) for c in direct
    ]
    assert len(limited) == 9
    # Every cap was met by the reader: it was refused, then asked for less.
    assert limits.rate_limited > 0 and limits.refused_range > 0
    assert limits.widest <= limits.max_range


def test_a_read_cut_off_resumes_from_its_cursor(busy_trainer, monkeypatch):
    _fast(monkeypatch)
    rpc = RPC(chain.provider.http_uri)
    head = chain.blocks.height
    query = {"address": str(busy_trainer.address)}
    want = logreader.get_logs(rpc, query, from_block=0, to_block=head)
    limits = Limits(max_range=5, max_results=3, rate_every=0, fail_after=5)
    with limited_node(chain.provider.http_uri, limits) as uri:
        with pytest.raises(logreader.LogReadError) as info:
            logreader.get_logs(RPC(uri), query, from_block=0, to_block=head, window=4, retries=3)
    cursor = info.value.cursor
    # Five 4-block windows were read before the outage; the cursor stops after them.
    assert cursor.next_block == 20 and not cursor.done
    assert "read up to block" in str(info.value)
    # The node is back: resuming reads only the rest, and the whole is exactly the history.
    with limited_node(chain.provider.http_uri, Limits(max_range=5, max_results=3)) as uri:
        got = logreader.get_logs(RPC(uri), query, from_block=0, to_block=head, cursor=cursor)
    key = [(g["blockNumber"], g["logIndex"]) for g in got]
    assert key == [(g["blockNumber"], g["logIndex"]) for g in want]
    assert len(set(key)) == len(key)


def _page_reads(uri: str, address: str, head: int, *extra: str) -> dict:
    """The page's reader (web/src/logs.js) under Node, through ``uri``."""
    harness = Path(__file__).resolve().parents[1] / "unit" / "js" / "logs.mjs"
    proc = subprocess.run(
        ["node", str(harness), uri, address, "0", str(head), *extra],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
def test_the_page_reads_through_a_limited_node_too(busy_trainer):
    address = str(busy_trainer.address)
    head = chain.blocks.height
    want = [
        [int(g["blockNumber"], 16), int(g["logIndex"], 16)]
        for g in logreader.get_logs(
            RPC(chain.provider.http_uri), {"address": address}, from_block=0, to_block=head
        )
    ]
    limits = Limits(max_range=5, max_results=3, rate_every=4)
    with limited_node(chain.provider.http_uri, limits) as uri:
        got = _page_reads(uri, address, head)
    assert got["logs"] == want
    assert got["backoffs"] > 0 and got["splits"] > 0
    assert limits.rate_limited > 0 and limits.widest <= limits.max_range
    # An outage part-way: the error says how far it got; nothing of it is wrong.
    with limited_node(chain.provider.http_uri, Limits(rate_every=0, fail_after=5)) as uri:
        cut = _page_reads(uri, address, head, "4", "3")
    assert cut["next"] == 20 and "read up to block 19" in cut["error"]
