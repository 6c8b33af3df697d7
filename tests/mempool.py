"""A public mempool for tests: the session's Anvil with automine off, so that transactions wait
in the pool where anyone can read them, and a block is mined only when the test says so.

Not a test module: the ``mempool`` fixture (``tests/conftest.py``) yields a :class:`Mempool`.
A test sets its scene with ordinary Ape calls, then, inside ``with mempool.paused():``
(automine off; back on when the block ends, even when the test fails):

- :meth:`Mempool.send` signs and sends a contract call without waiting: it stays pending.
  Each sender's nonces are taken from the pool, so one address can queue several calls.
- :meth:`Mempool.calls` is what an attacker sees: the pending calls to a contract, read from
  ``txpool_content`` and decoded with the contract's ABI (method, arguments, sender, tip).
- :meth:`Mempool.copy` sends a seen call again from another address (or with other
  arguments), with a higher priority fee by default: the front-runner's move.
- :meth:`Mempool.mine` mines one block and returns a :class:`Block`: the order in which the
  calls landed, each one's outcome (return value or revert reason) and what each address
  gained in wei over the block, gas excluded.

Anvil orders a block by fee (its default ``--order fees``); every call here pays a fee cap of
``FEE_CAP + tip``, so a higher tip means a higher fee cap too and the two orders agree. Calls
from one sender land in nonce order whatever their tips.

Example (a front-runner copying a refund it reads in the pool)::

    def test_copy(mempool, trainer, alice, mallory):
        ...  # alice contributed c with features x; the refund window is open
        with mempool.paused():
            mine = mempool.send(trainer.refund, c.key(), x, sender=alice)
            (seen,) = mempool.calls(trainer, "refund")
            theirs = mempool.copy(seen, sender=mallory)  # the same call, twice the tip
            block = mempool.mine()
        assert block.order(mine, theirs) == [theirs, mine]
        assert block[theirs].reason == "refund: not the contributor"
        assert block[mine].ok and block.gain(alice) == c.deposit
        assert block.gain(mallory) == 0
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import to_checksum_address

GWEI = 10**9
#: The priority fee of a call sent without one.
TIP = GWEI
#: Added to the tip to make every call's fee cap (far above Anvil's base fee, so the cap never
#: decides whether a call is included, only, with the tip, where it lands).
FEE_CAP = 100 * GWEI
#: Gas limit of a call sent without one. Not estimated: a call may depend on other pending
#: calls, or be meant to revert, and ten of these fit in Anvil's 30M-gas block.
GAS = 3_000_000
#: Selector of Solidity's and Vyper's ``Error(string)`` revert data.
_ERROR = bytes.fromhex("08c379a0")


@dataclass(frozen=True)
class Sent:
    """A call this harness sent (it may not have landed yet)."""

    hash: str
    sender: str
    method: str
    tip: int


@dataclass(frozen=True)
class Call:
    """A pending call to a contract, decoded from the pool: what anyone can see."""

    hash: str
    sender: str
    contract: Any
    method: str
    args: tuple
    value: int
    tip: int
    gas: int


@dataclass(frozen=True)
class Landed:
    """One transaction of a mined block."""

    hash: str
    sender: str
    index: int
    ok: bool
    #: The revert reason (``None`` when it succeeded or reverted without one).
    reason: str | None
    gas_used: int
    fee: int
    _provider: Any = field(repr=False, compare=False)

    @property
    def return_value(self) -> Any:
        """What the call returned (decoded by Ape from the trace)."""
        return self._provider.get_receipt(self.hash).return_value


@dataclass
class Block:
    """A block :meth:`Mempool.mine` mined."""

    number: int
    timestamp: int
    landed: dict[str, Landed]
    _provider: Any = field(repr=False)

    def __getitem__(self, sent: Sent | str) -> Landed:
        return self.landed[sent.hash if isinstance(sent, Sent) else sent]

    def order(self, *sent: Sent) -> list[Sent]:
        """``sent`` sorted by where they landed in the block."""
        return sorted(sent, key=lambda s: self[s].index)

    def gain(self, who: Any) -> int:
        """Wei ``who`` gained over this block, gas fees added back: what its calls (and anyone
        else's) moved to or from it. Negative when it paid (a deposit, a stake)."""
        address = getattr(who, "address", who)
        before, after = (
            int(self._provider.make_request("eth_getBalance", [address, hex(n)]), 16)
            for n in (self.number - 1, self.number)
        )
        fees = sum(t.fee for t in self.landed.values() if t.sender == address)
        return after - before + fees


class Mempool:
    """The pool of an Anvil whose automine is off (see the module's docstring)."""

    def __init__(self, provider: Any):
        self.provider = provider

    @contextlib.contextmanager
    def paused(self) -> Iterator[Mempool]:
        """Automine (and interval mining) off until the block ends; then every call still
        pending is dropped and automine is back on, even if the block raised."""
        self._rpc("evm_setAutomine", [False])
        self._rpc("evm_setIntervalMining", [0])
        try:
            yield self
        finally:
            self.restore()

    def restore(self) -> None:
        """Drop whatever is pending and mine automatically again (what the session expects)."""
        try:
            self._rpc("anvil_dropAllTransactions", [])
        finally:
            self._rpc("evm_setAutomine", [True])

    def _rpc(self, method: str, params: list) -> Any:
        return self.provider.make_request(method, params)

    def send(
        self,
        handler: Any,
        *args: Any,
        sender: Any,
        value: int = 0,
        tip: int = TIP,
        gas: int = GAS,
    ) -> Sent:
        """Sign ``handler(*args)`` (a contract method, e.g. ``trainer.refund``) as ``sender``
        with priority fee ``tip`` and put it in the pool; returns at once."""
        nonce = int(self._rpc("eth_getTransactionCount", [sender.address, "pending"]), 16)
        txn = handler.as_transaction(
            *args,
            sender=sender,
            value=value,
            nonce=nonce,
            gas=gas,
            max_fee=FEE_CAP + tip,
            max_priority_fee=tip,
        )
        signed = sender.sign_transaction(txn)
        raw = "0x" + bytes(signed.serialize_transaction()).hex()
        tx_hash = self._rpc("eth_sendRawTransaction", [raw])
        return Sent(_hex(tx_hash), sender.address, handler.abis[0].name, tip)

    def calls(self, contract: Any, method: str | None = None) -> list[Call]:
        """The pending calls to ``contract`` (optionally only ``method``), decoded; highest tip
        first."""
        pool = self._rpc("txpool_content", [])
        out = []
        for by_nonce in pool.get("pending", {}).values():
            for tx in by_nonce.values():
                if (tx.get("to") or "").lower() != contract.address.lower():
                    continue
                data = bytes.fromhex(tx["input"][2:])
                selector, decoded = contract.decode_input(data)
                name = selector.split("(")[0]
                if method is not None and name != method:
                    continue
                out.append(
                    Call(
                        hash=_hex(tx["hash"]),
                        sender=to_checksum_address(tx["from"]),
                        contract=contract,
                        method=name,
                        args=tuple(decoded.values()),
                        value=int(tx["value"], 16),
                        tip=int(tx.get("maxPriorityFeePerGas") or tx["gasPrice"], 16),
                        gas=int(tx["gas"], 16),
                    )
                )
        return sorted(out, key=lambda c: -c.tip)

    def copy(
        self,
        call: Call,
        sender: Any,
        *,
        args: tuple | None = None,
        value: int | None = None,
        tip: int | None = None,
    ) -> Sent:
        """Send ``call`` again as ``sender``: the same method, arguments and value unless
        given, with twice its tip unless given (so it lands first)."""
        return self.send(
            getattr(call.contract, call.method),
            *(call.args if args is None else args),
            sender=sender,
            value=call.value if value is None else value,
            tip=2 * call.tip if tip is None else tip,
            gas=call.gas,
        )

    def mine(self, timestamp: int | None = None) -> Block:
        """Mine one block (at ``timestamp`` if given) holding every pending call; raises if one
        was left out (the block was full), so no call silently lands later."""
        if timestamp is not None:
            self._rpc("evm_setNextBlockTimestamp", [timestamp])
        self._rpc("evm_mine", [])
        left = int(self._rpc("txpool_status", [])["pending"], 16)
        if left:
            raise RuntimeError(f"{left} pending transactions did not fit in the block")
        block = self._rpc("eth_getBlockByNumber", ["latest", True])
        landed = {}
        for tx in block["transactions"]:
            tx_hash = _hex(tx["hash"])
            receipt = self._rpc("eth_getTransactionReceipt", [tx_hash])
            ok = int(receipt["status"], 16) == 1
            gas_used = int(receipt["gasUsed"], 16)
            landed[tx_hash] = Landed(
                hash=tx_hash,
                sender=to_checksum_address(tx["from"]),
                index=int(tx["transactionIndex"], 16),
                ok=ok,
                reason=None if ok else self._reason(tx_hash),
                gas_used=gas_used,
                fee=gas_used * int(receipt["effectiveGasPrice"], 16),
                _provider=self.provider,
            )
        return Block(int(block["number"], 16), int(block["timestamp"], 16), landed, self.provider)

    def _reason(self, tx_hash: str) -> str | None:
        """The revert reason of a mined transaction, from its call trace."""
        trace = self._rpc("debug_traceTransaction", [tx_hash, {"tracer": "callTracer"}])
        out = bytes.fromhex((trace.get("output") or "0x")[2:])
        if out[:4] != _ERROR:
            return None
        (reason,) = abi_decode(["string"], out[4:])
        return reason


def _hex(value: Any) -> str:
    text = value if isinstance(value, str) else bytes(value).hex()
    return text if text.startswith("0x") else "0x" + text
