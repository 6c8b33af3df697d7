"""What a transaction will cost before it is sent, and a cap the user sets.

A fee is gas times the price per gas: the block's base fee (which moves with demand) plus the
tip the sender offers. ``prices`` reads both from the node (the latest block's
``baseFeePerGas`` and ``eth_maxPriorityFeePerGas``); ``Quote`` prices an amount of gas and
writes the line the scripts print; ``check_cap`` refuses, with one line, a cost above
``--max-fee``.

``preview_deploy`` finds the gas of a whole deployment before anything is sent: the contract
creation (``eth_estimateGas``), then every upload transaction and the seal, run in order by
``eth_simulateV1`` against the state the creation would leave (read with ``debug_traceCall``'s
prestate tracer). Nodes without those two methods (many public ones) get the creation's
estimate and the number of upload transactions only.

``guard`` does the same for any list of transactions a command is about to send (claims, a
batch of contributions, a bounty's uploads and scoring steps, a hub reveal, a market step): it
prices them in order (``eth_simulateV1``, else ``eth_estimateGas`` each), prints the total and
the spread per transaction when it is above ``NOTICE_GAS`` or a cap is set, and refuses above
the cap before anything is sent. Every script's ``--max-fee`` goes through it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sharedmodels.errors import SharedModelsError

#: Gas above which a script prints a transaction's (or a deployment's) gas and fee first.
NOTICE_GAS = 1_000_000
GWEI = 10**9


class FeeTooHigh(SharedModelsError):
    """The fee at the current base fee and tip is above the user's ``--max-fee``."""


def _eth(wei: int) -> str:
    return f"{wei / 10**18:.6f} ETH"


def _gwei(wei: int) -> str:
    return f"{wei / GWEI:.3g} gwei"


def _call(rpc: Any, method: str, params: list) -> Any:
    if hasattr(rpc, "make_request"):
        return rpc.make_request(method, params)
    return rpc.call(method, params)


def prices(rpc: Any) -> tuple[int, int]:
    """(base fee, tip) in wei per gas now: the latest block's base fee and the node's
    suggested priority fee (0 where the node has none)."""
    block = _call(rpc, "eth_getBlockByNumber", ["latest", False])
    base = int(block.get("baseFeePerGas") or "0x0", 16)
    try:
        tip = int(_call(rpc, "eth_maxPriorityFeePerGas", []), 16)
    except Exception:  # a node without the method (pre-London chains, some L2 gateways)
        tip = 0
    return base, tip


@dataclass(frozen=True)
class Quote:
    """An amount of gas priced at a base fee and tip (wei per gas)."""

    gas: int
    base_fee: int
    tip: int
    transactions: int = 1

    @property
    def fee(self) -> int:
        return self.gas * (self.base_fee + self.tip)

    def line(self, what: str) -> str:
        txs = f" in {self.transactions} transactions" if self.transactions > 1 else ""
        return (
            f"{what}: {self.gas:,} gas{txs}, {_eth(self.fee)} at base fee "
            f"{_gwei(self.base_fee)} + tip {_gwei(self.tip)}"
        )


def quote(rpc: Any, gas: int, transactions: int = 1) -> Quote:
    base, tip = prices(rpc)
    return Quote(gas, base, tip, transactions)


def check_cap(q: Quote, max_fee: int | None, what: str) -> None:
    """FeeTooHigh (one line, nothing sent) when ``q`` costs more than ``max_fee`` wei."""
    if max_fee is not None and q.fee > max_fee:
        txs = f" in {q.transactions} transactions" if q.transactions > 1 else ""
        raise FeeTooHigh(
            f"{what} would cost {_eth(q.fee)} ({q.gas:,} gas{txs} at {_gwei(q.base_fee)} + tip "
            f"{_gwei(q.tip)}), above --max-fee {_eth(max_fee)}; nothing was sent"
        )


# ---------------------------------------------------------------- any list of transactions


@dataclass(frozen=True)
class Call:
    """One transaction to price before it is sent: its target, calldata and value (wei)."""

    to: str
    data: bytes
    value: int = 0


def call_of(method: Any, *args: Any, value: int = 0) -> Call:
    """The ``Call`` an Ape contract method (``contract.refund``) would send with ``args``."""
    return Call(str(method.contract.address), bytes(method.encode_input(*args)), value)


#: Calls per ``eth_simulateV1`` block (geth and Anvil accept up to 256 blocks a request).
_MAX_BLOCKS = 256
#: The balance a simulation gives the sender: deposits carried as the largest (the excess comes
#: back in the same transaction) and the sender's funds are checked elsewhere, not here.
_PLENTY = hex(10**30)


_REVERTS = "would revert as things stand:"


class _Reverts(Exception):
    """A simulated call failed: the transaction would revert as things stand."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(index, reason)
        self.index = index
        self.reason = reason


def simulate(
    rpc: Any, sender: str, calls: Sequence[Call], overrides: dict | None = None
) -> list[int]:
    """The gas of each call sent in order by ``sender``, each seeing the state the ones before
    it leave (``eth_simulateV1``; ``overrides``: extra state for the first block). Raises
    ``_Reverts`` naming the first call that fails, and the node's error when it lacks the
    method."""
    first = {sender: {"balance": _PLENTY}, **(overrides or {})}
    per_block = -(-len(calls) // _MAX_BLOCKS)
    blocks = [
        {
            "calls": [
                {"from": sender, "to": c.to, "data": "0x" + c.data.hex(), "value": hex(c.value)}
                for c in calls[i : i + per_block]
            ],
            **({"stateOverrides": first} if i == 0 else {}),
        }
        for i in range(0, len(calls), per_block)
    ]
    result = _call(rpc, "eth_simulateV1", [{"blockStateCalls": blocks}, "latest"])
    gas = []
    for block in result:
        for call in block["calls"]:
            if int(call["status"], 16) != 1:
                error = call.get("error") or {}
                raise _Reverts(len(gas), str(error.get("message") or "reverted"))
            gas.append(int(call["gasUsed"], 16))
    return gas


def gas_of(rpc: Any, sender: str, calls: Sequence[Call]) -> tuple[list[int] | None, str]:
    """(gas of each call in order, "") or (None, why it cannot be priced). A node without
    ``eth_simulateV1`` gets ``eth_estimateGas`` of each call against the state now, which
    fails for a call that needs the ones before it (the later chunks of an upload)."""
    if not calls:
        return [], ""
    try:
        return simulate(rpc, sender, calls), ""
    except _Reverts as exc:
        n = f"transaction {exc.index + 1} of {len(calls)}" if len(calls) > 1 else "it"
        return None, f"{n} {_REVERTS} {exc.reason}"
    except Exception:  # no eth_simulateV1 on this node: estimate each call on its own
        pass
    gas = []
    for c in calls:
        tx = {"from": sender, "to": c.to, "data": "0x" + c.data.hex(), "value": hex(c.value)}
        try:
            gas.append(int(_call(rpc, "eth_estimateGas", [tx]), 16))
        except Exception:
            return None, "this node cannot simulate them in order (no eth_simulateV1)"
    return gas, ""


def guard(
    calls: Sequence[Call],
    sender: Any,
    *,
    what: str,
    max_fee: int | None,
    echo: Callable[[str], Any],
    rpc: Any = None,
    each: str = "transaction",
    priced: tuple[Sequence[int] | None, str] | None = None,
) -> Quote | None:
    """Before a command sends ``calls`` (from ``sender``, in order): price them at the current
    base fee and tip; print the total, and the spread per ``each`` when there are several,
    when it is above ``NOTICE_GAS`` or a cap is set; refuse above ``max_fee`` wei with one line
    (``FeeTooHigh``, nothing sent). ``priced`` is (gas of each transaction, a note), as
    ``gas_of`` answers, from a caller that priced them itself (a sample of a long batch);
    ``calls`` is then unused. A list the node cannot price is said in one line, and refused
    under a cap. Returns the total's quote (None: nothing to send, or unpriced)."""
    if rpc is None:
        from sharedmodels.rpc.reads import RPC

        rpc = RPC()
    if priced is None:
        priced = gas_of(rpc, str(getattr(sender, "address", sender)), calls)
    gas, why = priced
    n = len(calls) if gas is None else len(gas)
    if not n:
        return None
    if gas is None:
        if max_fee is not None:
            raise FeeTooHigh(
                f"cannot price {what} ({n} transactions): {why}, so --max-fee cannot be "
                "honoured; nothing was sent"
            )
        if _REVERTS not in why:  # a revert: the command's own checks say why, in one line
            echo(f"{what}: {n} transactions, gas unknown ({why})")
        return None
    base, tip = prices(rpc)
    total = Quote(sum(gas), base, tip, n)
    if total.gas > NOTICE_GAS or max_fee is not None:
        line = total.line(what)
        if n > 1:
            top = Quote(max(gas), base, tip)
            line += f"; per {each} {min(gas):,} to {max(gas):,} gas (at most {_eth(top.fee)})"
        echo(line + (f" ({why})" if why else ""))
    check_cap(total, max_fee, what)
    return total


# ---------------------------------------------------------------- deployments


@dataclass(frozen=True)
class DeployPreview:
    """The gas a deployment will use: its creation, and the upload and seal after it (None
    when the node cannot simulate them), in ``transactions`` transactions."""

    creation: int
    upload: int | None
    upload_transactions: int

    @property
    def total(self) -> int | None:
        return None if self.upload is None else self.creation + self.upload

    @property
    def transactions(self) -> int:
        return 1 + self.upload_transactions


class _NoReceipt:
    gas_used = 0


class _Recorder:
    """Stands in for the deployed contract while an upload function runs: records the
    calldata of every transaction it would send, sends nothing."""

    def __init__(self, instance: Any) -> None:
        self._instance = instance
        self.calls: list[bytes] = []

    def __getattr__(self, name: str) -> Callable[..., _NoReceipt]:
        method = getattr(self._instance, name)

        def record(*args: Any, **_: Any) -> _NoReceipt:
            self.calls.append(bytes(method.encode_input(*args)))
            return _NoReceipt()

        return record


def preview_deploy(
    container: Any,
    sender: Any,
    *,
    args: Sequence[Any],
    upload: Callable[[Any], Any],
    seal: bool = True,
    rpc: Any = None,
) -> DeployPreview:
    """The gas of deploying ``container(*args)``, running ``upload(contract)`` and sealing,
    found without sending anything (see the module docstring)."""
    from ape.contracts import ContractInstance

    from sharedmodels.rpc.reads import RPC, create_address

    rpc = rpc or RPC()
    me = str(sender.address)
    creation = container.constructor.serialize_transaction(*args)
    data = "0x" + bytes(creation.data).hex()
    creation_gas = int(rpc.call("eth_estimateGas", [{"from": me, "data": data}]), 16)
    nonce = int(rpc.call("eth_getTransactionCount", [me, "pending"]), 16)
    address = create_address(me, nonce)
    recorder = _Recorder(ContractInstance(address, container.contract_type))
    upload(recorder)
    if seal:
        recorder.seal()
    calls = recorder.calls
    if not calls:
        return DeployPreview(creation_gas, 0, 0)
    try:
        trace = rpc.call(
            "debug_traceCall",
            [
                {"from": me, "data": data},
                "latest",
                {"tracer": "prestateTracer", "tracerConfig": {"diffMode": True}},
            ],
        )
        post = trace["post"][address.lower()]
        override = {address: {"code": post["code"], "state": post.get("storage", {})}}
        gas = sum(simulate(rpc, me, [Call(address, c) for c in calls], override))
    except Exception:  # a call would revert, or the node lacks debug_traceCall/eth_simulateV1
        return DeployPreview(creation_gas, None, len(calls))
    return DeployPreview(creation_gas, gas, len(calls))


def announce_deploy(
    preview: DeployPreview, max_fee: int | None, echo: Callable[[str], Any], rpc: Any = None
) -> Quote:
    """Print a deployment's gas and fee before it starts (creation, then the pre-training
    upload and seal); refuse above ``max_fee`` wei. Returns the quote of the whole."""
    if rpc is None:
        from sharedmodels.rpc.reads import RPC

        rpc = RPC()
    base, tip = prices(rpc)
    creation = Quote(preview.creation, base, tip)
    if preview.upload_transactions:
        echo(creation.line("contract creation"))
        if preview.upload is None:
            echo("pre-training upload and seal: unknown (this node cannot simulate them)")
        else:
            upload = Quote(preview.upload, base, tip, preview.upload_transactions)
            echo(upload.line("pre-training upload and seal"))
    whole = Quote(preview.total or preview.creation, base, tip, preview.transactions)
    if preview.total is None:
        if max_fee is not None:
            raise FeeTooHigh(
                "cannot price the pre-training upload on this node (no eth_simulateV1 or "
                "debug_traceCall), so --max-fee cannot be honoured; nothing was sent"
            )
        echo(creation.line("deploy (creation only)"))
        return whole
    echo(whole.line("deploy"))
    check_cap(whole, max_fee, "this deployment")
    return whole
