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
        raise FeeTooHigh(
            f"{what} would cost {_eth(q.fee)} ({q.gas:,} gas at {_gwei(q.base_fee)} + tip "
            f"{_gwei(q.tip)}), above --max-fee {_eth(max_fee)}; nothing was sent"
        )


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


#: Calls per ``eth_simulateV1`` block (geth and Anvil accept up to 256 blocks a request).
_MAX_BLOCKS = 256


def preview_deploy(
    container: Any,
    sender: Any,
    args: Sequence[Any],
    upload: Callable[[Any], Any],
    seal: bool = True,
    rpc: Any = None,
) -> DeployPreview:
    """The gas of deploying ``container(*args)``, running ``upload(contract)`` and sealing,
    found without sending anything (see the module docstring)."""
    from ape.contracts import ContractInstance

    from sharedmodels.rpc.fastpath import RPC, create_address

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
        per_block = -(-len(calls) // _MAX_BLOCKS)
        blocks = [
            {
                "calls": [
                    {"from": me, "to": address, "data": "0x" + c.hex()}
                    for c in calls[i : i + per_block]
                ],
                **({"stateOverrides": override} if i == 0 else {}),
            }
            for i in range(0, len(calls), per_block)
        ]
        result = rpc.call("eth_simulateV1", [{"blockStateCalls": blocks}, "latest"])
        gas = 0
        for block in result:
            for call in block["calls"]:
                if int(call["status"], 16) != 1:
                    return DeployPreview(creation_gas, None, len(calls))
                gas += int(call["gasUsed"], 16)
    except Exception:  # the node lacks debug_traceCall or eth_simulateV1
        return DeployPreview(creation_gas, None, len(calls))
    return DeployPreview(creation_gas, gas, len(calls))


def announce_deploy(
    preview: DeployPreview, max_fee: int | None, echo: Callable[[str], Any], rpc: Any = None
) -> Quote:
    """Print a deployment's gas and fee before it starts (creation, then the pre-training
    upload and seal); refuse above ``max_fee`` wei. Returns the quote of the whole."""
    if rpc is None:
        from sharedmodels.rpc.fastpath import RPC

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


def announce(
    gas: int, what: str, max_fee: int | None, echo: Callable[[str], Any], rpc: Any = None
) -> Quote:
    """Before one transaction of ``gas`` (an estimate): print its gas and fee when it is above
    ``NOTICE_GAS`` or a cap is set, and refuse above ``max_fee`` wei (one line, nothing sent)."""
    if rpc is None:
        from sharedmodels.rpc.fastpath import RPC

        rpc = RPC()
    q = quote(rpc, gas)
    if gas > NOTICE_GAS or max_fee is not None:
        echo(q.line(what))
    check_cap(q, max_fee, what)
    return q
