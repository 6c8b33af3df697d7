"""How the connected node makes blocks, and waiting for them the way a public network needs.

A node mines in one of four ways, and the scripts behave differently in each:

* ``automine``: a dev node (Anvil by default) seals a block the moment a transaction arrives,
  so a receipt exists as soon as the send returns.
* ``interval``: a dev node started with ``--block-time N`` (``make node BLOCK_TIME=N``) seals a
  block every N seconds, like a testnet or an L2. A receipt exists only after the next block.
* ``manual``: a dev node with automine off and no interval: nothing is mined until someone
  calls ``evm_mine`` (tests that build blocks by hand).
* ``network``: a node without Anvil's methods (a public network's RPC): blocks come on the
  network's own schedule and dev-only methods are not there to call.

Ape takes a receipt right after sending unless the provider says it automines; on an Anvil with
``--block-time`` it says it does not, so Ape returned a receipt of a transaction not yet in a
block (``'0x…' did not create a contract`` on deploy, no logs on ``addData``).
``wait_for_receipts`` makes the provider answer "automine" whenever the node mines on an
interval, so Ape polls for the receipt (``eth_getTransactionReceipt`` until the block lands),
exactly as it does on public networks. Nothing here mines a block on a node that does not
automine: ``advance_blocks`` and ``advance_time`` wait for the chain instead (they use the dev
methods ``anvil_mine``/``evm_setNextBlockTimestamp`` only on a dev node, where a demo needs to
skip a day in a second).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sharedmodels.errors import SharedModelsError

#: Seconds between polls of the chain head while waiting for blocks or block time.
POLL_S = 0.25


@dataclass(frozen=True)
class Mining:
    """The node's mining mode (see the module docstring) and its block interval, if any."""

    mode: str
    block_time: float | None = None

    @property
    def dev(self) -> bool:
        """Whether the node answers Anvil's dev methods (time travel, mining on demand)."""
        return self.mode != "network"

    @property
    def automine(self) -> bool:
        return self.mode == "automine"

    def describe(self) -> str:
        """One line for the user: which mode, and how the scripts wait."""
        if self.mode == "automine":
            return "mining: automine (a block per transaction)"
        if self.mode == "interval":
            return (
                f"mining: interval, a block every {self.block_time:g} s; waiting for receipts "
                "(no blocks mined on demand)"
            )
        if self.mode == "manual":
            return "mining: paused (automine off, no interval); transactions wait for evm_mine"
        return "mining: by the network; waiting for receipts and confirmations"


def _call(rpc: Any, method: str, params: list) -> Any:
    """``rpc.call`` for a ``reads.RPC``, ``make_request`` for an Ape provider."""
    if hasattr(rpc, "make_request"):
        return rpc.make_request(method, params)
    return rpc.call(method, params)


def detect(rpc: Any) -> Mining:
    """The mining mode of the node behind ``rpc`` (a ``reads.RPC`` or an Ape provider)."""
    try:
        auto = _call(rpc, "anvil_getAutomine", [])
    except Exception:  # a node without Anvil's methods refuses them: a public network's
        return Mining("network")
    if auto:
        return Mining("automine")
    try:
        interval = _call(rpc, "anvil_getIntervalMining", [])
    except Exception:  # an older Anvil without the method: assume it is paused
        interval = None
    if interval:
        return Mining("interval", float(interval))
    return Mining("manual")


def _mines_by_itself(provider: Any, automine: bool) -> bool:
    """What the patched ``auto_mine`` answers: the node's own answer, or True when it mines
    on an interval (a receipt will come without anyone mining)."""
    if automine:
        return True
    try:
        return bool(provider.make_request("anvil_getIntervalMining", []))
    except Exception:
        return False


def wait_for_receipts(provider: Any) -> Mining:
    """Make Ape wait for receipts on a node that mines on an interval; return its mode.

    Ape's ``send_transaction`` takes a receipt at once when the provider automines and makes
    a receipt of a transaction "not in a block" otherwise (meant for manual mining, where the
    caller mines). The provider's ``auto_mine`` property (Anvil's own ``anvil_getAutomine``)
    is wrapped to answer True on interval mining too, so Ape polls for the receipt as on a
    public network. A paused node (manual mining) keeps Ape's behaviour. Idempotent.
    """
    cls = type(provider)
    current = getattr(cls, "auto_mine", None)
    if isinstance(current, property) and not getattr(current.fget, "_waits", False):
        plain = current.fget

        def auto_mine(self: Any) -> bool:
            return _mines_by_itself(self, plain(self))

        auto_mine._waits = True  # type: ignore[attr-defined]
        cls.auto_mine = property(auto_mine, current.fset)
    return detect(provider)


# ---------------------------------------------------------------- blocks and time


def _head(rpc: Any) -> dict:
    return _call(rpc, "eth_getBlockByNumber", ["latest", False])


def advance_blocks(rpc: Any, n: int, timeout: float | None = None) -> int:
    """Let ``n`` more blocks pass; returns the new head's number.

    An automining dev node mines them (``anvil_mine``: nothing else would make blocks); any
    other node is waited for (interval mining and public networks make blocks on their own;
    a paused node raises instead of waiting forever).
    """
    mining = detect(rpc)
    start = int(_head(rpc)["number"], 16)
    if n <= 0:
        return start
    if mining.automine:
        _call(rpc, "anvil_mine", [hex(n)])
        return int(_head(rpc)["number"], 16)
    if mining.mode == "manual":
        raise RuntimeError("the node's mining is paused (no automine, no interval)")
    limit = timeout if timeout is not None else 60 + n * 4 * (mining.block_time or 15)
    deadline = time.monotonic() + limit
    while True:
        number = int(_head(rpc)["number"], 16)
        if number >= start + n:
            return number
        if time.monotonic() > deadline:
            raise TimeoutError(f"{n} blocks did not come within {limit:g} s")
        time.sleep(POLL_S)


def advance_time(rpc: Any, timestamp: int, timeout: float | None = None) -> None:
    """Make the next block carry ``timestamp`` or later (what ``chain.pending_timestamp = t``
    does on a dev node), by the means the node has.

    A dev node is told the next block's timestamp (``evm_setNextBlockTimestamp``); on interval
    mining that block is then waited for, so reads see the new time before the next
    transaction. A public network's clock cannot be moved: the chain is waited for until a
    block carries the time (wall time; the caller should say how long).
    """
    mining = detect(rpc)
    head = _head(rpc)
    if int(head["timestamp"], 16) >= timestamp:
        return
    if mining.dev:
        _call(rpc, "evm_setNextBlockTimestamp", [hex(timestamp)])
        if mining.mode != "interval":
            return
    behind = timestamp - int(head["timestamp"], 16)
    limit = timeout if timeout is not None else 60 + 4 * (mining.block_time or 15)
    if not mining.dev:
        limit += behind
    deadline = time.monotonic() + limit
    while int(_head(rpc)["timestamp"], 16) < timestamp:
        if time.monotonic() > deadline:
            raise TimeoutError(f"block time did not reach {timestamp} within {limit:g} s")
        time.sleep(POLL_S)


class ClockError(SharedModelsError):
    """A command asked to move the clock of a chain whose clock only real time moves."""


def move_clock(rpc: Any, timestamp: int, what: str, mined: bool = False) -> Mining:
    """For a dev-chain shortcut (``--advance``, the demos): make the next block carry
    ``timestamp`` or later, never by mining on a node that mines by itself (``advance_time``:
    automine: the next transaction's block carries it; interval: the node's next block is
    waited for). ``mined``: a block must carry it before the next call (a dry run that reads
    the time); an automining node then mines one. A public network's clock is not moved:
    ``ClockError`` names ``what`` and the block time to wait for. Returns the node's mode."""
    mining = detect(rpc)
    if not mining.dev:
        raise ClockError(
            f"{what} moves a development chain's clock; this network's clock moves only with "
            f"real time: run the command again once a block carries time {timestamp}"
        )
    advance_time(rpc, timestamp)
    if mined and mining.automine and int(_head(rpc)["timestamp"], 16) < timestamp:
        _call(rpc, "anvil_mine", ["0x1"])
    return mining
