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


class Relay:
    """A node that can be stopped and started again: a relay on a fixed port that forwards
    JSON-RPC to the session's Anvil while it runs, and refuses connections (as a stopped
    node does) while it does not. With ``cors`` it answers any origin, as a public JSON-RPC
    endpoint does (the session's Anvil, started with --no-cors by bin/anvil, answers none)."""

    def __init__(self, node: str, cors: bool = False) -> None:
        import socket

        self.node, self.cors = node, cors
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.httpd = None

    def start(self) -> "Relay":
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        node, cors = self.node, self.cors

        class Forward(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def end_headers(self):
                if cors:
                    self.send_header("Access-Control-Allow-Origin", "*")
                    self.send_header("Access-Control-Allow-Headers", "content-type")
                super().end_headers()

            def do_OPTIONS(self):
                self.send_response(200 if cors else 405)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                req = urllib.request.Request(
                    node, data=body, headers={"Content-Type": "application/json"}
                )
                with urllib.request.urlopen(req, timeout=30) as response:
                    answer = response.read()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Forward)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None
