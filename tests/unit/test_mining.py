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
