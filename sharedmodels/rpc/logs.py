"""Reading event history from nodes that limit what one request may ask.

Public RPC providers cap ``eth_getLogs``: a block range (often 10,000 blocks, sometimes 2,000
or fewer), a number of results (often 10,000), or a response size, and they answer a client
that asks too fast with HTTP 429. ``get_logs`` reads a block range in windows with a cursor:

* it starts with ``window`` blocks and halves the window when the node says the range or the
  result is too large, growing it back after successes;
* it backs off on HTTP 429 and 503 (honouring ``Retry-After``) and on dropped connections,
  retrying the same window, up to ``retries`` times in a row;
* every finished window moves the ``LogCursor`` on; when the retries run out, ``LogReadError``
  carries the cursor, and passing it back resumes after the last finished window, so nothing
  is read twice and nothing skipped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from sharedmodels.errors import SharedModelsError

#: The first window, in blocks: what most public nodes accept.
WINDOW = 10_000
#: Attempts of one window in a row before giving up (the cursor keeps what was read).
RETRIES = 8
#: First back-off in seconds; doubled per failure, at most ``MAX_BACKOFF``.
BACKOFF = 0.25
MAX_BACKOFF = 8.0
#: Words in a node's error message that mean "ask for less" (range, results or size caps).
_TOO_MUCH = (
    "range",
    "too many",
    "more than",
    "limit",
    "exceed",
    "too large",
    "response size",
    "query timeout",
)


class LogReadError(SharedModelsError):
    """The node kept failing; ``cursor`` says how far the read got (pass it back to resume)."""

    def __init__(self, message: str, cursor: LogCursor) -> None:
        super().__init__(message)
        self.cursor = cursor


@dataclass(kw_only=True)
class LogCursor:
    """How far a read has got: every log of blocks before ``next_block`` is in ``logs``."""

    next_block: int
    to_block: int
    logs: list[dict] = field(default_factory=list)
    requests: int = 0
    backoffs: int = 0
    splits: int = 0

    @property
    def done(self) -> bool:
        return self.next_block > self.to_block


def _too_much(message: str) -> bool:
    text = message.lower()
    return any(word in text for word in _TOO_MUCH)


def _retry_after(exc: requests.HTTPError, default: float) -> float:
    value = exc.response.headers.get("Retry-After") if exc.response is not None else None
    try:
        return min(float(value), MAX_BACKOFF) if value else default
    except ValueError:
        return default


def get_logs(
    rpc: Any,
    query: dict,
    *,
    from_block: int,
    to_block: int,
    cursor: LogCursor | None = None,
    window: int = WINDOW,
    retries: int = RETRIES,
    sleep: Callable[[float], None] = time.sleep,
) -> list[dict]:
    """Every log matching ``query`` (``address``, ``topics``) in ``[from_block, to_block]``,
    in the order the node returns them per window (block order). ``rpc`` is a
    ``reads.RPC``. ``cursor`` resumes an earlier read (see the module docstring)."""
    cur = cursor or LogCursor(next_block=from_block, to_block=to_block)
    span = max(1, window)
    failures = 0
    while not cur.done:
        stop = min(cur.to_block, cur.next_block + span - 1)
        q = {**query, "fromBlock": hex(cur.next_block), "toBlock": hex(stop)}
        cur.requests += 1
        try:
            found = rpc.call("eth_getLogs", [q])
        except RuntimeError as exc:  # the node's JSON-RPC error (reads.NodeRefused)
            if _too_much(str(exc)) and span > 1:
                span = max(1, span // 2)
                cur.splits += 1
                continue
            failures += 1
            wait = min(BACKOFF * 2 ** (failures - 1), MAX_BACKOFF)
            message = str(exc)
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else 0
            if status == 413 and span > 1:  # the answer was too big to send
                span = max(1, span // 2)
                cur.splits += 1
                continue
            failures += 1
            wait = _retry_after(exc, min(BACKOFF * 2 ** (failures - 1), MAX_BACKOFF))
            message = f"HTTP {status}"
        except (requests.ConnectionError, requests.Timeout) as exc:
            failures += 1
            wait = min(BACKOFF * 2 ** (failures - 1), MAX_BACKOFF)
            message = type(exc).__name__
        else:
            cur.logs.extend(found)
            cur.next_block = stop + 1
            failures = 0
            span = min(window, span * 2)
            continue
        if failures >= retries:
            raise LogReadError(
                f"reading logs failed {failures} times in a row at blocks {cur.next_block}-{stop} "
                f"({message}); {len(cur.logs)} logs read up to block {cur.next_block - 1}",
                cur,
            )
        cur.backoffs += 1
        sleep(wait)
    return cur.logs
