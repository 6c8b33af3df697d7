"""Helpers of the browser tests: the node's JSON-RPC, the clock, a contract that is no model."""

import json
import time
import urllib.request


def rpc(method: str, params: list):
    from ape import chain

    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    req = urllib.request.Request(
        chain.provider.uri, data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=30) as response:
        answer = json.loads(response.read())
    assert "error" not in answer, answer
    return answer["result"]


def advance(seconds: int) -> None:
    """Move the chain's clock on and mine a block, as a day passing would."""
    rpc("evm_increaseTime", [seconds])
    rpc("evm_mine", [])


#: Creation code of a contract whose runtime code returns 42 from any call: no model.
ANSWER_42 = "0x600a600c600039600a6000f3602a60005260206000f3"


def deploy_other(sender: str) -> str:
    """Deploy the contract above from ``sender`` (an unlocked account); its address."""
    tx = rpc("eth_sendTransaction", [{"from": sender, "data": ANSWER_42}])
    for _ in range(100):
        receipt = rpc("eth_getTransactionReceipt", [tx])
        if receipt:
            return receipt["contractAddress"]
        time.sleep(0.1)
    raise TimeoutError(f"transaction {tx} not mined")
