"""Pipelined submission: sign locally, send without waiting, collect results from logs.

Driving Anvil through Ape one transaction at a time costs a dozen RPC round trips and a 0.1 s
receipt poll per transaction. When the order of effects is all that matters (training a model
in sample order), transactions from one sender can instead be signed locally with consecutive
nonces and sent back to back: the chain still executes them one by one in nonce order, and each
transaction's own event records what happened inside it. Results are then read with one
``eth_getLogs`` per block range instead of one receipt per transaction.

Works for accounts whose key is at hand (Ape's test accounts); callers fall back to Ape's
normal path otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import requests
from eth_account import Account
from web3 import HTTPProvider, Web3

#: Gas limit per pipelined transaction; unused gas is not charged.
DEFAULT_GAS = 15_000_000


def can_pipeline(account: Any) -> bool:
    return bool(getattr(account, "private_key", None))


class Pipeline:
    """Send many calls from one account, in order, without waiting for each receipt."""

    def __init__(self, account: Any, gas: int = DEFAULT_GAS) -> None:
        from ape import chain

        if not can_pipeline(account):
            raise ValueError(f"account {account} cannot sign locally; use the Ape path")
        # A session of our own: the provider's pooled connection may have been idle long
        # enough for the node to close it, and a stale keep-alive socket resets on POST.
        self.w3 = Web3(HTTPProvider(chain.provider.http_uri, request_kwargs={"timeout": 60}))
        self.address = str(account.address)
        self._signer = Account.from_key(account.private_key)
        self.chain_id = self.w3.eth.chain_id
        self.nonce = self.w3.eth.get_transaction_count(self.address, "pending")
        self.gas = gas
        base = self.w3.eth.get_block("latest").get("baseFeePerGas", 0)
        self.max_fee = max(2 * base + 1, self.w3.eth.gas_price)
        self.hashes: list[bytes] = []

    def send(self, to: str, data: bytes, value: int = 0) -> bytes:
        tx = {
            "type": 2,
            "chainId": self.chain_id,
            "nonce": self.nonce,
            "to": to,
            "data": bytes(data),
            "value": value,
            "gas": self.gas,
            "maxFeePerGas": self.max_fee,
            "maxPriorityFeePerGas": 0,
        }
        raw = self._signer.sign_transaction(tx).raw_transaction
        try:
            tx_hash = self.w3.eth.send_raw_transaction(raw)
        except requests.ConnectionError:
            # Re-sending the same signed bytes is safe: one nonce, one hash.
            tx_hash = self.w3.eth.send_raw_transaction(raw)
        self.nonce += 1
        self.hashes.append(bytes(tx_hash))
        return tx_hash

    def wait(self, timeout: float = 120.0) -> list[dict]:
        """Wait for every sent transaction (nonce order: the last one mined means all are)."""
        if not self.hashes:
            return []
        deadline = time.monotonic() + timeout
        last = self.hashes[-1]
        while True:
            receipt = self.w3.eth.get_transaction_receipt(last) if self._mined(last) else None
            if receipt is not None:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self.hashes)} pipelined transactions not mined in time")
            time.sleep(0.005)
        receipts = [self.w3.eth.get_transaction_receipt(h) for h in self.hashes]
        failed = [i for i, r in enumerate(receipts) if r["status"] != 1]
        if failed:
            raise RuntimeError(
                f"{len(failed)} pipelined transactions reverted (first: #{failed[0]})"
            )
        return receipts

    def _mined(self, tx_hash: bytes) -> bool:
        try:
            self.w3.eth.get_transaction_receipt(tx_hash)
            return True
        except Exception:  # web3 raises TransactionNotFound while pending
            return False


def call_in_order(
    account: Any,
    method: Any,
    calls: Iterable[Sequence[Any]],
    progress: Callable[[int], None] | None = None,
    window: int = 256,
) -> list[dict]:
    """``method(*args)`` for every args in ``calls``, pipelined ``window`` at a time.

    Returns the receipts in call order. Waiting every ``window`` transactions bounds the
    node's pending pool and gives an honest progress bar.
    """
    pipe = Pipeline(account)
    to = str(method.contract.address)
    receipts: list[dict] = []
    pending = 0
    for args in calls:
        pipe.send(to, method.encode_input(*args))
        pending += 1
        if pending == window:
            receipts.extend(pipe.wait())
            pipe.hashes.clear()
            if progress:
                progress(pending)
            pending = 0
    receipts.extend(pipe.wait())
    if progress and pending:
        progress(pending)
    return receipts


def decode_event(contract: Any, event_name: str, receipts: Sequence[dict]) -> list[Any]:
    """One decoded event per receipt, in receipt order (each must log exactly one)."""
    from ape import chain

    abi = getattr(contract, event_name).abi
    address = str(contract.address).lower()
    out = []
    for receipt in receipts:
        logs = [dict(log) for log in receipt["logs"] if str(log["address"]).lower() == address]
        decoded = list(chain.provider.network.ecosystem.decode_logs(logs, abi))
        if len(decoded) != 1:
            raise RuntimeError(f"expected one {event_name} log, got {len(decoded)}")
        out.append(decoded[0])
    return out
