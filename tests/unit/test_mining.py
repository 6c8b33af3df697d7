"""The mining-mode detection and fee lines, against a stand-in node (no chain)."""

import pytest

from sharedmodels.rpc import fees, mining


class FakeNode:
    """Answers the few methods the modules ask, as Anvil (or a public node) would."""

    def __init__(self, answers: dict):
        self.answers = answers

    def call(self, method, params):
        if method not in self.answers:
            raise RuntimeError(f"{method}: Method not found")
        return self.answers[method]


@pytest.mark.parametrize(
    ("answers", "mode", "block_time"),
    [
        ({"anvil_getAutomine": True}, "automine", None),
        ({"anvil_getAutomine": False, "anvil_getIntervalMining": 2}, "interval", 2.0),
        ({"anvil_getAutomine": False, "anvil_getIntervalMining": None}, "manual", None),
        ({}, "network", None),
    ],
)
def test_mining_modes(answers, mode, block_time):
    found = mining.detect(FakeNode(answers))
    assert (found.mode, found.block_time) == (mode, block_time)
    assert found.dev == (mode != "network")
    assert found.describe().startswith("mining: ")


def test_advance_blocks_refuses_a_paused_node():
    node = FakeNode(
        {
            "anvil_getAutomine": False,
            "anvil_getIntervalMining": None,
            "eth_getBlockByNumber": {"number": "0x5", "timestamp": "0x10"},
        }
    )
    with pytest.raises(RuntimeError, match="paused"):
        mining.advance_blocks(node, 1)


def test_fee_line_and_cap():
    node = FakeNode(
        {
            "eth_getBlockByNumber": {"baseFeePerGas": hex(2 * 10**9)},
            "eth_maxPriorityFeePerGas": hex(10**9),
        }
    )
    q = fees.quote(node, 1_000_000)
    assert q.fee == 3 * 10**15
    assert q.line("deploy") == "deploy: 1,000,000 gas, 0.003000 ETH at base fee 2 gwei + tip 1 gwei"
    fees.check_cap(q, 3 * 10**15, "deploy")  # at the cap: allowed
    with pytest.raises(fees.FeeTooHigh, match="above --max-fee 0.002000 ETH; nothing was sent"):
        fees.check_cap(q, 2 * 10**15, "deploy")


def test_a_deploy_the_node_cannot_simulate_is_refused_under_a_cap():
    node = FakeNode({"eth_getBlockByNumber": {"baseFeePerGas": "0x1"}})
    preview = fees.DeployPreview(creation=3_000_000, upload=None, upload_transactions=4)
    lines = []
    with pytest.raises(fees.FeeTooHigh, match="cannot price the pre-training upload"):
        fees.announce_deploy(preview, 10**18, lines.append, rpc=node)
    fees.announce_deploy(preview, None, lines.append, rpc=node)
    assert "pre-training upload and seal: unknown" in lines[-2]


def _simulated(*gas: int, status: tuple[int, ...] = ()) -> list:
    codes = status or (1,) * len(gas)
    return [
        {"calls": [{"status": hex(s), "gasUsed": hex(g), "error": {"message": "nope"}}]}
        for g, s in zip(gas, codes, strict=True)
    ]


PRICES = {
    "eth_getBlockByNumber": {"baseFeePerGas": hex(2 * 10**9)},
    "eth_maxPriorityFeePerGas": hex(10**9),
}
CALLS = [fees.Call("0x" + "11" * 20, b"\x01"), fees.Call("0x" + "11" * 20, b"\x02", 5)]


def test_guard_prints_the_total_and_the_spread_and_refuses_one_wei_over():
    node = FakeNode({**PRICES, "eth_simulateV1": _simulated(400_000, 700_000)})
    lines = []
    fee = 1_100_000 * 3 * 10**9
    q = fees.guard(
        CALLS, "0x" + "22" * 20, what="refund of 2", max_fee=fee, echo=lines.append, rpc=node
    )
    assert q.fee == fee and q.transactions == 2  # at the cap: allowed
    assert lines == [
        "refund of 2: 1,100,000 gas in 2 transactions, 0.003300 ETH at base fee 2 gwei + tip "
        "1 gwei; per transaction 400,000 to 700,000 gas (at most 0.002100 ETH)"
    ]
    with pytest.raises(fees.FeeTooHigh, match=r"^refund of 2 would cost 0\.003300 ETH "):
        fees.guard(
            CALLS,
            "0x" + "22" * 20,
            what="refund of 2",
            max_fee=fee - 1,
            echo=lines.append,
            rpc=node,
        )
    lines.clear()
    fees.guard(
        CALLS[:1],
        "0x" + "22" * 20,
        what="x",
        max_fee=None,
        echo=lines.append,
        rpc=node,
        priced=([10], ""),
    )
    assert lines == []  # under a million gas and no cap: quiet
    fees.guard(CALLS, "0x" + "22" * 20, what="x", max_fee=None, echo=lines.append, rpc=node)
    assert len(lines) == 1  # above a million gas: said


def test_guard_falls_back_to_estimates_and_refuses_what_it_cannot_price_under_a_cap():
    estimates = FakeNode({**PRICES, "eth_estimateGas": hex(600_000)})
    lines = []
    q = fees.guard(
        CALLS, "0x" + "22" * 20, what="upload", max_fee=None, echo=lines.append, rpc=estimates
    )
    assert q.gas == 1_200_000
    node = FakeNode(PRICES)  # neither simulates nor estimates
    with pytest.raises(fees.FeeTooHigh, match="cannot price upload .2 transactions.: this node"):
        fees.guard(
            CALLS, "0x" + "22" * 20, what="upload", max_fee=10**18, echo=lines.append, rpc=node
        )
    assert (
        fees.guard(
            CALLS, "0x" + "22" * 20, what="upload", max_fee=None, echo=lines.append, rpc=node
        )
        is None
    )
    assert lines[-1].startswith("upload: 2 transactions, gas unknown (this node cannot")
    reverting = FakeNode({**PRICES, "eth_simulateV1": _simulated(1, 2, status=(1, 0))})
    with pytest.raises(fees.FeeTooHigh, match="transaction 2 of 2 would revert .*: nope"):
        fees.guard(
            CALLS, "0x" + "22" * 20, what="reveal", max_fee=10**18, echo=lines.append, rpc=reverting
        )
    n = len(lines)
    fees.guard(
        CALLS, "0x" + "22" * 20, what="reveal", max_fee=None, echo=lines.append, rpc=reverting
    )
    assert len(lines) == n  # a revert without a cap: the command's own check says why
