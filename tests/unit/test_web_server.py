"""The page's server forwards to the node only what the page uses, and only for the page itself.

A stand-in node (a local HTTP server that records each method it is asked) sits behind a real
``sharedmodels.runs.web.Server``; requests are made as a browser would make them from the page,
from another site (its ``Origin``), through a rebound DNS name (its ``Host``), and with methods
the page never sends (Anvil's, signing). Every refusal must leave the node untouched. The same
attack from a real browser against a real node is in tests/browser/test_web.py."""

import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sharedmodels.runs.web import RPC_METHODS, Server, host_allowed, rpc_refusal


class Node:
    """Answers every JSON-RPC call with ``"0x1"`` (a list for a batch) and records methods."""

    def __init__(self):
        self.methods: list[str] = []
        node = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                calls = payload if isinstance(payload, list) else [payload]
                node.methods += [c["method"] for c in calls]
                answers = [{"jsonrpc": "2.0", "id": c.get("id"), "result": "0x1"} for c in calls]
                body = json.dumps(answers if isinstance(payload, list) else answers[0]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture(scope="module")
def node():
    n = Node()
    yield n
    n.httpd.shutdown()


def serve(node, tmp_path, **kw):
    (tmp_path / "index.html").write_text("<!doctype html><title>page</title>")
    return Server(node.url, port=0, dist=tmp_path, dirs=[], **kw).start()


@pytest.fixture(scope="module")
def server(node, tmp_path_factory):
    srv = serve(node, tmp_path_factory.mktemp("dist"))
    yield srv
    srv.stop()


def post(server, payload, headers=None, path="/rpc"):
    host, port = server.httpd.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    base = {"Host": f"{host}:{port}", "Content-Type": "application/json"}
    body = json.dumps(payload).encode()
    conn.request("POST", path, body=body, headers={**base, **(headers or {})})
    r = conn.getresponse()
    status, answer = r.status, json.loads(r.read() or b"null")
    conn.close()
    return status, answer


def call(method, params=()):
    return {"jsonrpc": "2.0", "id": 7, "method": method, "params": list(params)}


def test_the_page_own_requests_are_forwarded(node, server):
    node.methods.clear()
    origin = "http://{}:{}".format(*server.httpd.server_address[:2])
    for method in sorted(RPC_METHODS):
        status, answer = post(server, call(method), {"Origin": origin})
        assert status == 200 and answer["result"] == "0x1", (method, answer)
    assert node.methods == sorted(RPC_METHODS)
    # A batch of allowed calls, and a client with no Origin (curl, scripts).
    status, answer = post(server, [call("eth_chainId"), call("eth_blockNumber")])
    assert status == 200 and len(answer) == 2


@pytest.mark.parametrize(
    "headers, expected",
    [
        ({"Origin": "http://evil.example"}, "requests from http://evil.example are refused"),
        ({"Origin": "null"}, "requests from null are refused"),
        ({"Origin": "http://127.0.0.1:1"}, "requests from http://127.0.0.1:1 are refused"),
        ({"Sec-Fetch-Site": "cross-site"}, "requests from another site are refused"),
        ({"Host": "rebound.example:8000"}, "is not this server's (DNS rebinding?)"),
        ({"Host": ""}, "is not this server's"),
        ({"Content-Type": "text/plain"}, "send JSON-RPC as application/json"),
    ],
    ids=[
        "foreign-origin",
        "null-origin",
        "other-port",
        "cross-site",
        "rebound-host",
        "no-host",
        "text-plain",
    ],
)
def test_other_sites_are_refused(node, server, headers, expected):
    node.methods.clear()
    status, answer = post(
        server, call("eth_sendTransaction", [{"from": "0x" + "11" * 20}]), headers
    )
    assert status in (403, 415)
    assert expected in answer["error"]["message"]
    assert node.methods == []


@pytest.mark.parametrize(
    "payload",
    [
        call("anvil_setBalance", ["0x" + "11" * 20, "0x1"]),
        call("evm_increaseTime", [86400]),
        call("eth_sign", ["0x" + "11" * 20, "0x00"]),
        call("personal_unlockAccount"),
        [call("eth_chainId"), call("anvil_impersonateAccount", ["0x" + "11" * 20])],
        [],
        {"jsonrpc": "2.0", "id": 1},
    ],
    ids=["anvil", "evm", "sign", "personal", "batch-with-one", "empty-batch", "no-method"],
)
def test_methods_the_page_does_not_use_are_refused(node, server, payload):
    node.methods.clear()
    status, answer = post(server, payload)
    assert status == 403, answer
    assert (
        "not forwarded" in answer["error"]["message"]
        or "not a JSON-RPC" in answer["error"]["message"]
        or "empty batch" in answer["error"]["message"]
    )
    assert node.methods == []


def test_beyond_this_machine_the_node_accounts_are_not_offered(node, tmp_path):
    srv = serve(node, tmp_path, node_accounts=False)
    try:
        node.methods.clear()
        status, answer = post(srv, call("eth_accounts"))
        assert status == 200 and answer == {"jsonrpc": "2.0", "id": 7, "result": []}
        status, answer = post(srv, call("eth_sendTransaction", [{"from": "0x" + "11" * 20}]))
        assert status == 403 and "send with a wallet" in answer["error"]["message"]
        status, answer = post(srv, call("eth_sendRawTransaction", ["0x02"]))
        assert status == 200  # a wallet's signed transaction goes through
        assert node.methods == ["eth_sendRawTransaction"]
    finally:
        srv.stop()
    # Listening on every interface turns the accounts off by default; loopback keeps them.
    assert Server(node.url, host="127.0.0.1", dist=tmp_path, dirs=[]).node_accounts
    wide = Server(node.url, host="0.0.0.0", dist=tmp_path, dirs=[])
    assert not wide.node_accounts
    wide.httpd.server_close()


def get(server, path, headers):
    host, port = server.httpd.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("GET", path, headers={"Host": f"{host}:{port}", **headers})
    r = conn.getresponse()
    status, body = r.status, r.read()
    conn.close()
    return status, body


def test_a_foreign_site_cannot_read_the_deployments_but_may_link_to_the_page(server):
    rebound = {"Host": "rebound.example:8000"}
    for path in ("/api/deployments", "/index.html"):
        status, body = get(server, path, rebound)
        assert status == 403 and b"DNS rebinding" in body
    status, body = get(server, "/api/deployments", {"Sec-Fetch-Site": "cross-site"})
    assert status == 403 and b"another site" in body
    # A link on another site opens the page itself.
    status, body = get(server, "/index.html", {"Sec-Fetch-Site": "cross-site"})
    assert status == 200 and b"<title>page</title>" in body


def test_hosts_and_refusals():
    assert host_allowed("127.0.0.1:8000") and host_allowed("localhost:8000")
    assert host_allowed("[::1]:8000") and host_allowed("192.168.1.20:8000")
    assert host_allowed("models.lan:8000", ["models.lan"])
    assert not host_allowed("evil.example:8000") and not host_allowed(None)
    assert not host_allowed("127.0.0.1:notaport")
    assert rpc_refusal(call("eth_call"), True) is None
    assert "send with a wallet" in rpc_refusal(call("eth_accounts"), False)


def test_a_static_export_needs_a_public_endpoint(node, tmp_path):
    from sharedmodels.runs.web import WebError, export_static

    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<!doctype html>")
    with pytest.raises(WebError, match="--rpc must be an http"):
        export_static(tmp_path / "site", node.url, "ws://node:8546", dist=dist, dirs=[])
    assert not (tmp_path / "site").exists()
    site = export_static(tmp_path / "site", node.url, "https://rpc.example", dist=dist, dirs=[])
    body = json.loads((site / "api" / "deployments").read_text())
    assert body == {"chain_id": 1, "deployments": [], "rpc": "https://rpc.example"}
