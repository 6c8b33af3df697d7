"""The send stack: sign locally, send in JSON-RPC batches, read results from receipts.

Driving Anvil through Ape one transaction at a time costs a dozen RPC round trips and a 0.1 s
receipt poll per transaction. When only the order of effects matters (training a model in
sample order), one sender's transactions can be signed locally with consecutive nonces and sent
together: the chain still executes them one by one in nonce order, and each transaction's own
event records what happened inside it. A window of signed transactions goes out as one JSON-RPC
batch, and their receipts come back as another.

This is the one place outside Ape that sends transactions, and only where that speed pays:
bulk contributions (``trainers.actions.contribute``), parity streams (``trainers.parity``), the
simulations and the throughput bench. Its interface is ``__all__``: ``can_pipeline`` (whether
an account can take this path), ``call_in_order`` (one contract method for many arguments, in
order), ``Pipeline`` (sign and send one account's transactions a batch at a time),
``mine_together`` (many senders' transactions, mined in full blocks on a dev node) and
``NodeStalled``. Everything else sends through Ape and reads through ``sharedmodels.rpc.reads``.

Works for accounts whose key is at hand (Ape's test accounts); callers fall back to Ape's
normal path otherwise (see ``parity.train_stream``).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from coincurve import PrivateKey
from eth_utils import keccak, to_checksum_address

from sharedmodels.errors import InputError, SharedModelsError
from sharedmodels.rpc.reads import RPC, batches, rlp

__all__ = ["NodeStalled", "Pipeline", "call_in_order", "can_pipeline", "mine_together"]

#: Gas limit per pipelined transaction; unused gas is not charged.
DEFAULT_GAS = 15_000_000
#: Seconds a non-empty pool must stand still before ``Pipeline`` nudges an automining node.
STALL_S = 0.1
#: Seconds without any progress (none of the batch mined, the node's pool unchanged) after
#: which ``Pipeline`` gives up on a batch. Generous: a slow or busy node still moves.
GIVE_UP_S = 120.0
#: A batch of ``call_in_order`` asks for at most about this many blocks of gas.
BATCH_BLOCKS = 4
#: The first batch of a ``call_in_order`` whose gas cannot be estimated.
PROBE_BATCH = 8
#: Times one batch may be put back into a dev node's pool (see ``Pipeline._requeue``).
REQUEUES = 3


class NodeStalled(SharedModelsError, RuntimeError):
    """Pipelined transactions stopped making progress: the node mined none of them and its
    pool did not move for the whole stall period, or it dropped them (neither mined nor
    pending). Scripts print it as one ``error:`` line."""


def sign_1559(
    key: PrivateKey,
    chain_id: int,
    *,
    nonce: int,
    max_fee: int,
    gas: int,
    to: str | None,
    value: int,
    data: bytes,
) -> str:
    """A signed EIP-1559 transaction (no priority fee, empty access list), as 0x-hex.

    Encoded and signed here (RLP by hand, secp256k1 through coincurve): eth_account's
    ``sign_transaction`` validates and normalises a dict first: 0.31 ms a transaction
    against 0.034 ms here (measured), which was most of a simulation's client time.
    ``tests/test_fastpath`` checks the bytes against eth_account's.
    """
    fields = [
        chain_id,
        nonce,
        0,
        max_fee,
        gas,
        b"" if to is None else bytes.fromhex(to[2:]),
        value,
        bytes(data),
        [],
    ]
    sig = key.sign_recoverable(keccak(b"\x02" + rlp(fields)), hasher=None)
    r, s, v = sig[:32].lstrip(b"\0"), sig[32:64].lstrip(b"\0"), sig[64]
    return "0x02" + rlp([*fields, v, r, s]).hex()


def _rlp_item(data: bytes, at: int) -> tuple[int, int]:
    """(start, end) of the payload of the RLP item at ``data[at]``; a list's payload is its
    items' encodings."""
    head = data[at]
    if head < 0x80:
        return at, at + 1
    for short, long_ in ((0x80, 0xB7), (0xC0, 0xF7)):
        if short <= head <= long_:
            return at + 1, at + 1 + head - short
        if long_ < head < short + 0x40:
            size = head - long_
            n = int.from_bytes(data[at + 1 : at + 1 + size], "big")
            return at + 1 + size, at + 1 + size + n
    raise InputError(f"bad RLP head 0x{head:02x}")


def nonce_of(raw: str) -> int:
    """The nonce of a signed EIP-1559 transaction (as ``sign_1559`` makes them)."""
    data = bytes.fromhex(raw[4:])  # "0x02" + the RLP list
    body, _ = _rlp_item(data, 0)
    _, chain_end = _rlp_item(data, body)
    start, end = _rlp_item(data, chain_end)
    return int.from_bytes(data[start:end], "big")


def can_pipeline(account: Any) -> bool:
    return bool(getattr(account, "private_key", None))


class Pipeline:
    """Send many calls from one account, in order, a batch at a time."""

    def __init__(self, account: Any, rpc: RPC | None = None, gas: int = DEFAULT_GAS) -> None:
        if not can_pipeline(account):
            raise InputError(f"account {account} cannot sign locally; use the Ape path")
        self.rpc = rpc or RPC()
        self.address = str(account.address)
        key = account.private_key
        self._key = PrivateKey(bytes.fromhex(key[2:]) if isinstance(key, str) else bytes(key))
        chain_id, nonce, block, gas_price = self.rpc.batch(
            [
                ("eth_chainId", []),
                ("eth_getTransactionCount", [self.address, "pending"]),
                ("eth_getBlockByNumber", ["latest", False]),
                ("eth_gasPrice", []),
            ]
        )
        self.chain_id = int(chain_id, 16)
        self.nonce = int(nonce, 16)
        base = int(block.get("baseFeePerGas") or "0x0", 16)
        self.max_fee = max(2 * base + 1, int(gas_price, 16))
        self.gas = gas
        self.block_gas_limit = int(block.get("gasLimit") or hex(2 * gas), 16)
        self.nudges_disabled = False
        self.requeues_disabled = False
        #: Batches put back into the pool after the node lost track of them (``_requeue``).
        self.requeued = 0
        self._pool_readable: bool | None = None

    def sign(self, to: str | None, data: bytes, value: int = 0) -> str:
        """Sign the next transaction (``to=None`` creates a contract) and advance the nonce."""
        raw = sign_1559(
            self._key,
            self.chain_id,
            nonce=self.nonce,
            max_fee=self.max_fee,
            gas=self.gas,
            to=to,
            value=value,
            data=data,
        )
        self.nonce += 1
        return raw

    def send_batch(
        self, raw_txs: Sequence[str], strict: bool = True, give_up_s: float | None = None
    ) -> list[dict]:
        """Send signed transactions (consecutive nonces of this pipeline's account) in one
        batch; wait for and return their receipts. With ``strict`` a failed transaction
        raises; without, its receipt (status 0) is returned.

        The wait is on progress, not on a clock: as long as the node mines some of the batch
        or its pool moves, it goes on; only ``give_up_s`` (default ``GIVE_UP_S``) without
        either, or transactions the node dropped, raise ``NodeStalled``.
        """
        if not raw_txs:
            return []
        first = nonce_of(raw_txs[0])
        hashes = self.rpc.batch([("eth_sendRawTransaction", [raw]) for raw in raw_txs])
        self._wait_mined(raw_txs, hashes, first, GIVE_UP_S if give_up_s is None else give_up_s)
        receipts = self.rpc.batch([("eth_getTransactionReceipt", [h]) for h in hashes])
        failed = [i for i, r in enumerate(receipts) if r is None or int(r["status"], 16) != 1]
        if failed and (strict or any(r is None for r in receipts)):
            raise RuntimeError(f"{len(failed)} pipelined transactions failed (first: #{failed[0]})")
        return receipts

    def _wait_mined(
        self, raw_txs: Sequence[str], hashes: Sequence[str], first: int, give_up_s: float
    ) -> None:
        """Until the batch's last transaction has a receipt (a block stores its receipts
        together, and the batch is mined in nonce order, so then every one has).

        Progress is the batch being mined (the sender's nonce rising) or the node's pool
        changing. A pool that has stood still for ``STALL_S`` is helped along on a dev node:
        ready transactions left unmined are nudged (``_nudge``); the batch's next transaction
        held back as "queued" with nothing ready is put back into the pool (``_requeue``).
        Polls fast while things move and backs off to 50 ms while they do not.
        """
        n = len(hashes)
        start = time.monotonic()
        moved_at = nudged_at = start
        state: tuple[int, int, int] | None = None
        pause = 0.002
        requeues = 0
        while True:
            calls = [
                ("eth_getTransactionReceipt", [hashes[-1]]),
                ("eth_getTransactionCount", [self.address, "latest"]),
            ]
            if self.pool_readable:
                calls.append(("txpool_status", []))
            last, nonce, *pool = self.rpc.batch(calls)
            if last is not None:
                return
            mined = int(nonce, 16) - first
            # -1: unknown (a node without txpool_status)
            pending = int(pool[0]["pending"], 16) if pool else -1
            queued = int(pool[0]["queued"], 16) if pool else -1
            now = time.monotonic()
            if (mined, pending, queued) != state:
                state, moved_at, pause = (mined, pending, queued), now, 0.002
            elif now - moved_at >= STALL_S and now - nudged_at >= STALL_S:
                # Still for a while: either the node lost the rest of the batch, or it is
                # waiting for something to make it mine (or mining a long block).
                next_hash = hashes[min(max(mined, 0), n - 1)]
                if self.rpc.call("eth_getTransactionByHash", [next_hash]) is None:
                    raise NodeStalled(
                        f"the node dropped {n - mined} of {n} pipelined transactions "
                        "(neither mined nor pending)"
                    )
                if pending:
                    self._nudge()
                elif queued > 0 and requeues < REQUEUES and self._requeue(raw_txs[mined:]):
                    requeues += 1
                nudged_at = now
            if now - moved_at > give_up_s:
                raise NodeStalled(
                    f"node stalled: {n - mined} of {n} pipelined transactions not mined and "
                    f"nothing moved for {give_up_s:g} s (node pool: {self._pool_status()})"
                )
            time.sleep(pause)
            pause = min(pause * 1.5, 0.05)

    def _requeue(self, raw_txs: Sequence[str]) -> bool:
        """Put the unmined rest of a batch back into a dev node's pool; whether it was.

        Anvil (1.7) decides whether a new transaction waits for an earlier one ("queued") from
        the sender's nonce in the state it reads before it takes the pool's lock. A
        transaction that arrives while the block holding its predecessor is being stored can
        read the old nonce, then find the predecessor already gone from the pool: it waits
        for a transaction that will never come, and every later one of the batch waits behind
        it, with nothing ready to mine (seen in CI under load: "0 pending, 38 queued" after
        10 of 48 were mined). Taking the sender's transactions out of the pool
        (``anvil_removePoolTransactions``) and sending the same signed bytes again files them
        against the current nonce. A node without the method (a public network, which has no
        such race) is left alone.
        """
        if self.requeues_disabled or not raw_txs:
            return False
        try:
            self.rpc.call("anvil_removePoolTransactions", [self.address])
        except RuntimeError:
            self.requeues_disabled = True
            return False
        self.rpc.batch([("eth_sendRawTransaction", [raw]) for raw in raw_txs])
        self.requeued += 1
        return True

    def deploy(self, data: bytes) -> str:
        """Send a contract-creation transaction; returns the new contract's address."""
        raw = self.sign(None, data)
        (receipt,) = self.send_batch([raw])
        return to_checksum_address(receipt["contractAddress"])

    def _nudge(self) -> None:
        """Have an automining dev node mine what it left pending.

        Anvil's automine mines when a transaction arrives; a burst that arrives together can
        leave the last few pending with nothing left to trigger a block (seen here: 1-9 of 256
        stuck for good), because a block holds only as many as its gas limit allows.

        The nudge switches automine off and on again: the fresh automine takes every ready
        transaction at once, and mines it through the node's own block producer, one block
        after another. ``evm_mine`` is no substitute: it builds a block from its own snapshot
        of the pool beside the block producer's, and when it finishes first, the producer's
        block finds those transactions already mined, counts them invalid and removes them
        from the pool with every transaction of the same sender after them, mined or not:
        the tail of a heavy burst vanished without a receipt (``tests/test_fastpath``).

        A node that mines on its own schedule (interval mining) or has mining paused is left
        alone, and so is a node without these methods (a public network mines by itself).
        """
        if self.nudges_disabled:
            return
        try:
            if not self.rpc.call("anvil_getAutomine", []):
                return
            try:
                self.rpc.call("evm_setAutomine", [False])
            finally:  # never leave a node that automined with its mining paused
                self.rpc.call("evm_setAutomine", [True])
        except RuntimeError:
            self.nudges_disabled = True

    @property
    def pool_readable(self) -> bool:
        """Whether the node answers ``txpool_status`` (checked once)."""
        if self._pool_readable is None:
            try:
                self.rpc.call("txpool_status", [])
                self._pool_readable = True
            except RuntimeError:
                self._pool_readable = False
        return self._pool_readable

    def _pool_status(self) -> str:
        try:
            status = self.rpc.call("txpool_status", [])
            return f"{int(status['pending'], 16)} pending, {int(status['queued'], 16)} queued"
        except (RuntimeError, KeyError, TypeError, ValueError):
            return "unknown"

    def batch_size(self, gas_per_tx: int, blocks: int = BATCH_BLOCKS) -> int:
        """How many transactions of ``gas_per_tx`` gas fill about ``blocks`` blocks.

        A block takes a transaction while the gas used so far plus the transaction's gas
        limit fits the block's limit, so a block holds ``(limit - gas limit) / used + 1``.
        """
        per_block = max(0, self.block_gas_limit - self.gas) // max(gas_per_tx, 1) + 1
        return blocks * per_block

    def estimate(self, to: str | None, data: bytes, value: int = 0) -> int | None:
        """The node's gas estimate of one call from this account (None if it cannot tell)."""
        tx = {"from": self.address, "data": "0x" + bytes(data).hex(), "value": hex(value)}
        if to is not None:
            tx["to"] = to
        try:
            return int(self.rpc.call("eth_estimateGas", [tx]), 16)
        except (RuntimeError, TypeError, ValueError):
            return None


def mine_together(rpc: RPC, raw_txs: Sequence[str], max_blocks: int = 10_000) -> list[dict]:
    """Send signed transactions (from any number of senders) to a local dev node with its
    automine paused, then mine them with ``evm_mine`` until the pool is empty; returns their
    receipts in order, failed ones (status 0) included.

    Automine seals a block for nearly every arriving transaction; a paused pool fills blocks
    up to the gas limit instead (about 85 Naive Bayes updates a block), which measured 2.7
    times faster for 512 updates (0.23 s against 0.63 s). Dev nodes only: the automine state
    is restored afterwards, whatever happens.
    """
    if not raw_txs:
        return []
    was_auto = rpc.call("anvil_getAutomine", [])
    rpc.call("evm_setAutomine", [False])
    try:
        hashes: list[str] = []
        for batch in batches(raw_txs, len(raw_txs), len):
            hashes.extend(rpc.batch([("eth_sendRawTransaction", [raw]) for raw in batch]))
        for _ in range(max_blocks):
            if not int(rpc.call("txpool_status", [])["pending"], 16):
                break
            rpc.call("evm_mine", [])
        else:
            raise TimeoutError(f"{len(hashes)} transactions not mined in {max_blocks} blocks")
    finally:
        rpc.call("evm_setAutomine", [bool(was_auto)])
    receipts = rpc.batch([("eth_getTransactionReceipt", [h]) for h in hashes])
    if any(r is None for r in receipts):
        raise RuntimeError(f"{sum(r is None for r in receipts)} transactions left unmined")
    return receipts


def call_in_order(
    account: Any,
    method: Any,
    *,
    calls: Iterable[Sequence[Any]],
    progress: Callable[[int], None] | None = None,
    window: int = 256,
    value: int = 0,
) -> list[dict]:
    """``method(*args)`` for every args in ``calls``, in order, each sending ``value`` wei.

    Returns the receipts in call order. Batches hold at most ``window`` calls and about
    ``BATCH_BLOCKS`` blocks of gas: the first call's gas estimate sizes the first batch, the
    heaviest call mined so far the next ones (ten-class models' updates take over a million
    gas each, a Perceptron's a tenth of that). Waiting for each batch bounds the node's pending
    pool (and the wei in flight) and gives an honest progress bar.
    """
    pipe = Pipeline(account)
    to = str(method.contract.address)
    encoded = (method.encode_input(*args) for args in calls)
    receipts: list[dict] = []
    heaviest = 0
    while True:
        if receipts:
            limit = min(window, pipe.batch_size(heaviest))
            chunk = list(itertools.islice(encoded, limit))
        else:  # the first batch: sized by the first call's estimate, or a probe of a few
            chunk = list(itertools.islice(encoded, 1))
            estimate = pipe.estimate(to, chunk[0], value) if chunk else None
            limit = min(window, pipe.batch_size(estimate) if estimate else PROBE_BATCH)
            chunk += itertools.islice(encoded, limit - 1)
        if not chunk:
            return receipts
        for batch in batches((pipe.sign(to, data, value) for data in chunk), limit, len):
            done = pipe.send_batch(batch)
            receipts.extend(done)
            heaviest = max(heaviest, *(int(r["gasUsed"], 16) for r in done))
            if progress:
                progress(len(batch))
