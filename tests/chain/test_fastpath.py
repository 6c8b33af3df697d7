"""The fast path: its own transaction signing matches eth_account's byte for byte, and its wait
for receipts follows the node's progress (a slow node is waited for, a stalled one is one line
of error, nudges never lose transactions)."""

import random
import threading
import time

import pytest
from anvil_helpers import own_anvil
from coincurve import PrivateKey
from eth_account import Account
from eth_utils import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st
from models_conftest_helpers import deploy, random_rows

from sharedmodels.cli import one_line_errors
from sharedmodels.rpc import fastpath
from sharedmodels.rpc.fastpath import NodeStalled, Pipeline, nonce_of, sign_1559
from sharedmodels.rpc.reads import NodeRefused, rlp

#: secp256k1 private keys: 1 to the group order minus one.
KEYS = st.integers(1, 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364140).map(
    lambda k: k.to_bytes(32, "big")
)
ADDRESSES = st.one_of(st.none(), st.binary(min_size=20, max_size=20).map(to_checksum_address))


@settings(max_examples=150, deadline=None)
@given(
    key=KEYS,
    chain_id=st.integers(1, 2**32),
    nonce=st.integers(0, 2**40),
    max_fee=st.integers(0, 10**12),
    gas=st.integers(21_000, 30_000_000),
    to=ADDRESSES,
    value=st.integers(0, 10**24),
    data=st.binary(max_size=300),
)
def test_sign_1559_matches_eth_account(key, chain_id, nonce, max_fee, gas, to, value, data):
    tx = {
        "type": 2,
        "chainId": chain_id,
        "nonce": nonce,
        "maxFeePerGas": max_fee,
        "maxPriorityFeePerGas": 0,
        "gas": gas,
        "value": value,
        "data": data,
    }
    if to is not None:
        tx["to"] = to
    want = "0x" + bytes(Account.sign_transaction(tx, key).raw_transaction).hex()
    got = sign_1559(
        PrivateKey(key),
        chain_id,
        nonce=nonce,
        max_fee=max_fee,
        gas=gas,
        to=to,
        value=value,
        data=data,
    )
    assert got == want
    assert nonce_of(got) == nonce


def test_rlp_lengths():
    # The short and long forms of strings and lists, and the single-byte rule.
    assert rlp(0) == b"\x80" and rlp(0x7F) == b"\x7f" and rlp(0x80) == b"\x81\x80"
    assert rlp(b"a" * 55)[:1] == b"\xb7" and rlp(b"a" * 56)[:2] == b"\xb8\x38"
    assert rlp([]) == b"\xc0" and rlp([b"a" * 60])[:2] == b"\xf8\x3e"


# ---------------------------------------------------------------- waiting on the node

#: Any key: the test's own Anvil funds it.
KEY = "0x" + "5a" * 32
#: Runtime code that burns gas until ``gasleft()`` falls to its first calldata word:
#: JUMPDEST PUSH1 0 CALLDATALOAD GAS GT PUSH1 0 JUMPI STOP.
BURNER = bytes.fromhex("5b6000355a1160005700")
#: Creation code returning BURNER.
BURNER_INIT = bytes.fromhex("600a600c600039600a6000f3") + BURNER


class KeyAccount:
    private_key = KEY
    address = Account.from_key(KEY).address


def funded_pipeline(rpc) -> Pipeline:
    rpc.call("anvil_setBalance", [KeyAccount.address, hex(10**21)])
    return Pipeline(KeyAccount(), rpc)


def burns(pipe: Pipeline, to: str, count: int, gas: int) -> list[str]:
    """``count`` signed calls of the burner, each using about ``gas``."""
    word = (pipe.gas - gas).to_bytes(32, "big")
    return [pipe.sign(to, word) for _ in range(count)]


def test_wait_outlasts_a_slow_node():
    """A node mining one block a second (automine off): 44 transactions of 1.5 million gas
    need four or five blocks, longer in all than the stall limit given, which the wait
    measures from the last progress, not from the start."""
    with own_anvil("--block-time", "1") as rpc:
        pipe = funded_pipeline(rpc)
        burner = pipe.deploy(BURNER_INIT)
        raws = burns(pipe, burner, 44, 1_500_000)
        receipts = pipe.send_batch(raws, give_up_s=2.5)
        assert all(int(r["status"], 16) == 1 for r in receipts)
        blocks = sorted({int(r["blockNumber"], 16) for r in receipts})
        assert len(blocks) >= 4
        # The node's own clock: the batch was mined over more than the 2.5 s stall limit.
        first, last = (
            rpc.call("eth_getBlockByNumber", [hex(b), False]) for b in blocks[:: len(blocks) - 1]
        )
        assert int(last["timestamp"], 16) - int(first["timestamp"], 16) >= 3
        assert rpc.call("anvil_getAutomine", []) is False  # never nudged: it mines by itself


class FakeClock:
    """``time`` for ``fastpath``: the clock moves only when the code sleeps, so what a test
    reads from it does not depend on how loaded the machine is."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_stalled_node_is_one_line_of_error(capsys, monkeypatch):
    """Mining switched off: nothing moves, and after the stall limit the wait gives up with
    ``NodeStalled``, which a script prints as one ``error:`` line. On a clock that moves only
    while the wait sleeps, it gives up at its first poll past the limit (polls are at most
    50 ms apart), not before and not after a retry."""
    clock = FakeClock()
    with own_anvil("--no-mining") as rpc:
        pipe = funded_pipeline(rpc)
        raws = [pipe.sign("0x" + "00" * 19 + "01", b"", 1) for _ in range(3)]

        @one_line_errors
        def script():
            pipe.send_batch(raws, give_up_s=0.5)

        monkeypatch.setattr(fastpath, "time", clock)
        with pytest.raises(SystemExit) as exit_:
            script()
        monkeypatch.undo()
        assert 0.5 < clock.now <= 0.5 + 0.05
        assert exit_.value.code == 1
        assert capsys.readouterr().err == (
            "error: node stalled: 3 of 3 pipelined transactions not mined and nothing moved "
            "for 0.5 s (node pool: 3 pending, 0 queued)\n"
        )


def test_dropped_transactions_end_the_wait_at_once():
    """A node that drops the batch from its pool (here on request) is reported as such, without
    waiting for the stall limit."""
    with own_anvil("--no-mining") as rpc:
        pipe = funded_pipeline(rpc)
        raws = [pipe.sign("0x" + "00" * 19 + "01", b"", 1) for _ in range(3)]
        timer = threading.Timer(0.3, rpc.call, ("anvil_dropAllTransactions", []))
        timer.start()
        try:
            with pytest.raises(NodeStalled, match=r"^the node dropped 3 of 3 pipelined"):
                pipe.send_batch(raws, give_up_s=60)
        finally:
            timer.join()


def test_a_batch_the_pool_holds_back_is_put_back():
    """Anvil's race under load (see ``Pipeline._requeue``) leaves the batch's next transaction
    "queued" behind a predecessor that is already mined: nothing is ready, nothing mines. The
    race is not reproducible on demand; the state it leaves is. Here the batch arrives while
    its first nonce is missing (so Anvil files it as queued), then the account's nonce is set
    past the missing one: the same state. The wait puts the batch back into the pool and it
    is mined, once, in order; a node that lacks the method is not asked again."""
    with own_anvil() as rpc:
        pipe = funded_pipeline(rpc)
        raws = [pipe.sign("0x" + "00" * 19 + "01", b"", 1) for _ in range(4)]
        held = raws[1:]
        hashes = rpc.batch([("eth_sendRawTransaction", [raw]) for raw in held])
        assert rpc.call("txpool_status", []) == {"pending": "0x0", "queued": "0x3"}
        rpc.call("anvil_setNonce", [KeyAccount.address, "0x1"])
        time.sleep(3 * fastpath.STALL_S)
        assert rpc.call("eth_getTransactionReceipt", [hashes[-1]]) is None  # held for good
        pipe._wait_mined(held, hashes, 1, give_up_s=10)
        receipts = [rpc.call("eth_getTransactionReceipt", [h]) for h in hashes]
        assert [int(r["status"], 16) for r in receipts] == [1, 1, 1]
        assert int(rpc.call("eth_getTransactionCount", [KeyAccount.address, "latest"]), 16) == 4
        assert pipe.requeued == 1
        assert rpc.call("txpool_status", []) == {"pending": "0x0", "queued": "0x0"}


def test_a_node_without_pool_methods_is_not_asked_to_requeue():
    """A node that does not know ``anvil_removePoolTransactions`` (every public network) gets
    the call once; the pipeline then leaves its pool alone and waits as before."""

    class NoPoolMethods:
        asked: list[str] = []

        def call(self, method, params):
            self.asked.append(method)
            raise NodeRefused(f"{method}: Method not found")

    pipe = Pipeline.__new__(Pipeline)
    pipe.rpc, pipe.address, pipe.requeues_disabled, pipe.requeued = NoPoolMethods(), "0x1", False, 0
    assert pipe._requeue(["0x02"]) is False
    assert pipe._requeue(["0x02"]) is False
    assert NoPoolMethods.asked == ["anvil_removePoolTransactions"] and pipe.requeued == 0


#: Clients nudging the node, how often each does, and batches of 200 updates sent meanwhile
#: (evm_mine nudges lost transactions in most runs of this test).
NUDGERS, NUDGE_EVERY_S, ROUNDS = 3, 0.002, 6


def test_nudges_while_the_node_mines_lose_nothing(project, owner):
    """Ten-class Nearest Centroid updates (over a million gas each, about eleven a block),
    mined by the session Anvil's automine while another client nudges it again and again.

    Nudging with ``evm_mine``, as the fast path did, lost transactions here: its block and the
    automine's were built from two snapshots of the pool, and the later one, finding the
    earlier one's transactions mined, removed them as invalid together with every later
    transaction of the sender, unmined ones included (the batch then never completed). The
    nudge now goes through the node's own block producer, so a nudge at any moment is safe.
    """
    contract, _ = deploy(project, owner, "ncc", n_classes=10, size=64)
    rnd = random.Random(11)
    to = str(contract.address)
    pipe = Pipeline(owner)
    stop = threading.Event()

    def nudge_again_and_again():
        nudger = Pipeline(owner)  # only its nudges are used, through a connection of its own
        while not stop.is_set():
            nudger._nudge()
            time.sleep(NUDGE_EVERY_S)

    threads = [threading.Thread(target=nudge_again_and_again) for _ in range(NUDGERS)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(ROUNDS):
            rows = random_rows("ncc", 200, rnd, size=64)
            raws = [
                pipe.sign(to, contract.update.encode_input(row, i % 10))
                for i, row in enumerate(rows)
            ]
            receipts = pipe.send_batch(raws)
            assert all(int(r["status"], 16) == 1 for r in receipts)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert int(contract.update_count()) == 200 * ROUNDS
