"""Reading the chain over bare JSON-RPC: one keep-alive client, batched ``eth_call``s, raw logs
and receipts decoded, a transaction's revert reason found by a dry run, a contract's future
address.

Ape answers one call at a time with a dozen round trips around it; the readers here (model
state, contribution histories, fee quotes, deployments' checks) ask for hundreds of values at
once. Nothing here signs or sends a transaction: users' transactions go through Ape, and the
few places where sending in bulk pays use the send stack in ``sharedmodels.rpc.fastpath``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import requests
from eth_utils import keccak, to_checksum_address

from sharedmodels.errors import SharedModelsError

T = TypeVar("T")

#: Retries of a request the node answers with HTTP 429 or 503 (see ``RPC._post``).
RATE_RETRIES = 6


class NodeRefused(SharedModelsError, RuntimeError):
    """The node answered a call with an error (e.g. ``Insufficient funds for gas * price +
    value`` for a transaction the sender cannot pay for). Scripts print it as one line."""


#: Selectors of Solidity's and Vyper's revert payloads: ``Error(string)``, ``Panic(uint256)``.
_ERROR_SELECTOR = bytes.fromhex("08c379a0")
_PANIC_SELECTOR = bytes.fromhex("4e487b71")


def rlp(item: int | bytes | list) -> bytes:
    """Recursive-length-prefix encoding of ints (big-endian, no leading zeros), bytes and
    lists: all a transaction needs."""
    if isinstance(item, list):
        body = b"".join(rlp(i) for i in item)
        return _rlp_length(len(body), 0xC0) + body
    if isinstance(item, int):
        item = item.to_bytes((item.bit_length() + 7) // 8, "big")
    if len(item) == 1 and item[0] < 0x80:
        return item
    return _rlp_length(len(item), 0x80) + item


def _rlp_length(n: int, offset: int) -> bytes:
    if n < 56:
        return bytes([offset + n])
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([offset + 55 + len(size)]) + size


class RPC:
    """A bare JSON-RPC client with one keep-alive session and batch support.

    ``trust_env=False`` skips the proxy/netrc lookups ``requests`` otherwise redoes on every
    request, which dominate the cost of a local call.
    """

    def __init__(self, url: str | None = None, timeout: float = 60.0) -> None:
        if url is None:
            from ape import chain

            url = chain.provider.http_uri
        if not url:
            raise RuntimeError("the connected provider has no HTTP endpoint")
        self.url = url
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = False
        self._id = 0

    def batch(self, calls: Sequence[tuple[str, list]]) -> list[Any]:
        """Results in call order; any error aborts with its message."""
        if not calls:
            return []
        payload = []
        for method, params in calls:
            self._id += 1
            payload.append({"jsonrpc": "2.0", "id": self._id, "method": method, "params": params})
        resp = self._post(payload)
        answers = resp.json()
        if isinstance(answers, dict):  # the node refused the whole batch
            raise RuntimeError(f"batch of {len(payload)}: {answers.get('error', answers)}")
        by_id = {item["id"]: item for item in answers}
        out = []
        for item in payload:
            answer = by_id[item["id"]]
            if "error" in answer:
                raise NodeRefused(f"{item['method']}: {answer['error'].get('message')}")
            out.append(answer["result"])
        return out

    def _post(self, payload: Any) -> requests.Response:
        """POST with a retry after a reset connection, and back-off while the node answers
        HTTP 429 or 503 (rate limited, busy; ``Retry-After`` honoured), up to ``RATE_RETRIES``
        times; any other HTTP error raises. The calls made here (sending signed bytes,
        reading) are safe to repeat."""
        for attempt in range(RATE_RETRIES + 1):
            try:
                resp = self.session.post(self.url, json=payload, timeout=self.timeout)
            except requests.ConnectionError:
                # A keep-alive socket the node closed while idle resets on POST.
                resp = self.session.post(self.url, json=payload, timeout=self.timeout)
            if resp.status_code not in (429, 503) or attempt == RATE_RETRIES:
                break
            try:
                pause = float(resp.headers.get("Retry-After", ""))
            except ValueError:
                pause = 0.25 * 2**attempt
            time.sleep(min(pause, 8.0))
        resp.raise_for_status()
        return resp

    def call(self, method: str, params: list) -> Any:
        return self.batch([(method, params)])[0]

    def answer(self, method: str, params: list) -> dict:
        """The node's whole answer to one call: ``{"result": …}`` or ``{"error": {…}}``."""
        self._id += 1
        payload = {"jsonrpc": "2.0", "id": self._id, "method": method, "params": params}
        return self._post(payload).json()


def create_address(sender: str, nonce: int) -> str:
    """The address of the contract ``sender`` creates with its transaction of ``nonce``."""
    digest = keccak(rlp([bytes.fromhex(sender[2:]), nonce]))
    return to_checksum_address(digest[12:])


def revert_reason(
    rpc: RPC,
    sender: str,
    *,
    to: str | None,
    data: bytes,
    value: int = 0,
    block: str = "latest",
) -> str | None:
    """None when an ``eth_call`` of this transaction (``to=None``: a contract creation, ``data``
    its bytecode and arguments) succeeds; else why it would fail: the contract's reason string,
    ``panic 0x…``, or the node's own message (e.g. insufficient funds). A dry run that costs
    nothing and, unlike Ape's call, prints nothing (ape-foundry shows a call trace)."""
    tx = {"from": sender, "data": "0x" + bytes(data).hex(), "value": hex(value)}
    if to is not None:
        tx["to"] = to
    answer = rpc.answer("eth_call", [tx, block])
    error = answer.get("error")
    if error is None:
        return None
    raw = error.get("data")
    payload = bytes.fromhex(raw[2:]) if isinstance(raw, str) and raw.startswith("0x") else b""
    try:
        if payload[:4] == _ERROR_SELECTOR:
            from eth_abi import decode

            return decode(["string"], payload[4:])[0]
        if payload[:4] == _PANIC_SELECTOR:
            return f"panic {hex(int.from_bytes(payload[4:36], 'big'))}"
    except Exception:  # undecodable payload: fall back to the node's message
        pass
    message = str(error.get("message") or "").removeprefix("execution reverted").lstrip(": ")
    return message or "reverted without a reason"


#: Anvil refuses a JSON-RPC request body over about 2 MB ("Invalid request"), which a full
#: window of calls with large inputs exceeds; batches are cut below this many characters.
MAX_BATCH_BYTES = 1_000_000


def batches(items: Iterable[T], window: int, size: Callable[[T], int]) -> Iterator[list[T]]:
    """Consecutive runs of ``items``, at most ``window`` long, cut as soon as their ``size``
    passes MAX_BATCH_BYTES. Lazy: an item is drawn only when its batch is being built."""
    batch: list[T] = []
    total = 0
    for item in items:
        batch.append(item)
        total += size(item)
        if len(batch) == window or total > MAX_BATCH_BYTES:
            yield batch
            batch, total = [], 0
    if batch:
        yield batch


def abi_encoder(method: Any) -> Callable[..., bytes]:
    """Calldata for ``method`` from its selector and ``eth_abi.encode``. Ape's own
    ``encode_input`` checks and converts every argument, which costs more than signing; this
    takes arguments already in ABI form (ints, lists, tuples for structs)."""
    from eth_abi import encode

    abi = method.abis[0]
    types = [i.canonical_type for i in abi.inputs]
    selector = keccak(text=abi.selector)[:4]
    return lambda *args: selector + encode(types, list(args))


def view_many(
    method: Any,
    calls: Iterable[Sequence[Any]],
    out_type: str,
    window: int = 512,
    encode: Callable[..., Any] | None = None,
) -> list[Any]:
    """``method(*args)`` as ``eth_call``s for many args, batched, without Ape per call;
    ``encode`` (e.g. ``abi_encoder(method)``) replaces Ape's argument encoding."""
    from eth_abi import decode

    rpc = RPC()
    to = str(method.contract.address)
    encode = encode or method.encode_input

    def request(args: Sequence[Any]) -> tuple[str, list]:
        data = encode(*args)
        hex_data = data if isinstance(data, str) else "0x" + bytes(data).hex()
        return ("eth_call", [{"to": to, "data": hex_data}, "latest"])

    out: list[Any] = []
    for batch in batches(map(request, calls), window, lambda r: len(r[1][0]["data"])):
        out.extend(decode([out_type], bytes.fromhex(raw[2:]))[0] for raw in rpc.batch(batch))
    return out


def event_topic(contract: Any, event_name: str) -> str:
    """topic0 of one of the contract's events."""
    abi = getattr(contract, event_name).abi
    types = ",".join(i.canonical_type for i in abi.inputs)
    return "0x" + keccak(text=f"{event_name}({types})").hex()


def decode_log(abi: Any, log: dict) -> dict:
    """The fields of one raw JSON-RPC log of the event ``abi``."""
    from eth_abi import decode

    plain = [i for i in abi.inputs if not i.indexed]
    indexed = [i for i in abi.inputs if i.indexed]
    values = decode([i.canonical_type for i in plain], bytes.fromhex(log["data"][2:]))
    fields = {i.name: v for i, v in zip(plain, values, strict=True)}
    for i, topic in zip(indexed, log["topics"][1:], strict=True):
        fields[i.name] = decode([i.canonical_type], bytes.fromhex(topic[2:]))[0]
    return fields


def decode_event(contract: Any, event_name: str, receipts: Sequence[dict]) -> list[dict]:
    """One decoded event (a dict of its fields) per raw receipt, in receipt order.

    Each receipt must carry exactly one such log from ``contract``.
    """
    abi = getattr(contract, event_name).abi
    topic0 = event_topic(contract, event_name)
    address = str(contract.address).lower()
    out = []
    for receipt in receipts:
        logs = [
            log
            for log in receipt["logs"]
            if log["address"].lower() == address and log["topics"][0] == topic0
        ]
        if len(logs) != 1:
            raise RuntimeError(f"expected one {event_name} log, got {len(logs)}")
        out.append(decode_log(abi, logs[0]))
    return out
