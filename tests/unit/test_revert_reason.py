"""The dry run behind every market transaction (``reads.revert_reason``) and the address a
deployment creates (``reads.create_address``), without a chain."""

from eth_abi import encode

from sharedmodels.rpc.reads import create_address, revert_reason

SENDER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # Anvil's and Ape's test account 0


class Node:
    """Answers every call with ``answer`` and keeps the calls."""

    def __init__(self, answer: dict) -> None:
        self.reply = answer
        self.calls: list[tuple[str, list]] = []

    def answer(self, method: str, params: list) -> dict:
        self.calls.append((method, params))
        return self.reply


def error(data: str | None = None, message: str = "execution reverted") -> dict:
    return {"error": {"code": 3, "message": message, **({"data": data} if data else {})}}


def test_success_is_none_and_a_creation_has_no_to():
    node = Node({"result": "0x"})
    assert revert_reason(node, SENDER, to=None, data=b"\x60\x00", value=5) is None
    ((method, (tx, block)),) = node.calls
    assert method == "eth_call" and block == "latest"
    assert tx == {"from": SENDER, "data": "0x6000", "value": "0x5"}


def test_reason_string_is_decoded():
    payload = "0x08c379a0" + encode(["string"], ["market: not done"]).hex()
    assert revert_reason(Node(error(payload)), SENDER, to=SENDER, data=b"") == "market: not done"


def test_panic_and_bare_reverts():
    panic = "0x4e487b71" + (0x11).to_bytes(32, "big").hex()
    assert revert_reason(Node(error(panic)), SENDER, to=SENDER, data=b"") == "panic 0x11"
    assert (
        revert_reason(Node(error("0x")), SENDER, to=SENDER, data=b"") == "reverted without a reason"
    )


def test_node_refusals_keep_their_message():
    refusal = error(message="Insufficient funds for gas * price + value")
    got = revert_reason(Node(refusal), SENDER, to=None, data=b"", value=10**30)
    assert got == "Insufficient funds for gas * price + value"


def test_create_address():
    assert create_address(SENDER, 0) == "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    assert create_address(SENDER, 1) == "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
