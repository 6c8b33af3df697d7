"""A development chain's clock: move it forward (``ape run advance``) and say where it is."""

from __future__ import annotations

import time
from typing import Any

_UNITS = ((86_400, "day"), (3_600, "hour"), (60, "minute"), (1, "second"))


def describe(seconds: int) -> str:
    """``90061`` -> ``1 day 1 hour 1 minute 1 second``."""
    parts = []
    for size, name in _UNITS:
        n, seconds = divmod(seconds, size)
        if n:
            parts.append(f"{n} {name}{'s' if n != 1 else ''}")
    return " ".join(parts) or "0 seconds"


def block_time(number: int, timestamp: int) -> str:
    """``block 12 at 2026-12-07 09:30:00 UTC``."""
    return f"block {number} at {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(timestamp))}"


def advance(provider: Any, seconds: int) -> tuple[str, str]:
    """Mine one block ``seconds`` after the latest block's time (``evm_increaseTime`` adds to
    the node's offset from the wall clock, so later blocks stay that far ahead). A node that
    mines on an interval is not made to mine: its next block, waited for, carries the time.
    Returns the latest block before and after, described."""
    from sharedmodels.rpc.mining import advance_blocks, detect

    before = provider.make_request("eth_getBlockByNumber", ["latest", False])
    provider.make_request("evm_increaseTime", [seconds])
    if detect(provider).mode == "interval":
        advance_blocks(provider, 1)
    else:
        provider.make_request("evm_mine", [])
    after = provider.make_request("eth_getBlockByNumber", ["latest", False])

    def text(block: Any) -> str:
        return block_time(int(block["number"], 16), int(block["timestamp"], 16))

    return text(before), text(after)
