"""The page's server forwards to the node only what the page uses, and only for the page itself.

A stand-in node (a local HTTP server that records each method it is asked) sits behind a real
``sharedmodels.runs.web.Server``; requests are made as a browser would make them from the page,
from another site (its ``Origin``), through a rebound DNS name (its ``Host``), and with methods
the page never sends (Anvil's, signing); beyond loopback, with transactions signed by the node's
own (public) keys; and with bodies that attack the server itself (nested 600,000 deep, a lying
Content-Length, a repeated key, a frame, a HEAD with a rebound host). Every refusal must leave the
node untouched. Other sites, a frame and the node's own port, from a real browser against a real
node, are in tests/browser/test_web.py."""

import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sharedmodels.runs.web import RPC_METHODS, Server, host_allowed, rpc_refusal

#: Anvil's first account, from the mnemonic every Anvil starts with ("test test … junk"): its
#: key is public, as every local node's keys are.
NODE_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


class Node:
    """Answers ``eth_accounts`` with Anvil's first account and every other JSON-RPC call with
    ``"0x1"`` (a list for a batch); records the methods and the bodies it receives."""

    def __init__(self):
        from eth_account import Account

        self.methods: list[str] = []
        self.bodies: list[bytes] = []
        self.accounts = [Account.from_key(NODE_KEY).address]
        node = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                node.bodies.append(body)
                payload = json.loads(body)
                calls = payload if isinstance(payload, list) else [payload]
                node.methods += [c["method"] for c in calls]
                answers = [
                    {
                        "jsonrpc": "2.0",
                        "id": c.get("id"),
                        "result": node.accounts if c["method"] == "eth_accounts" else "0x1",
                    }
                    for c in calls
                ]
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
        expected = node.accounts if method == "eth_accounts" else "0x1"
        assert status == 200 and answer["result"] == expected, (method, answer)
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
        # A wallet's signed transaction goes through (the server asks the node for its
        # accounts, then forwards).
        status, answer = post(srv, call("eth_sendRawTransaction", [signed(STRANGER_KEY)]))
        assert status == 200, answer
        assert node.methods == ["eth_accounts", "eth_sendRawTransaction"]
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


STRANGER_KEY = "0x" + "42" * 32


def signed(key, kind=2, **extra):
    """A transfer signed with ``key``, as a wallet sends it: 0x-prefixed hex."""
    from eth_account import Account

    tx = {"to": "0x" + "22" * 20, "value": 10**18, "gas": 100_000, "nonce": 0, "chainId": 31337}
    if kind == 0:
        tx["gasPrice"] = 10**9
    else:
        tx |= {"type": kind, "maxFeePerGas": 10**9, "maxPriorityFeePerGas": 1}
    return "0x" + Account.from_key(key).sign_transaction(tx | extra).raw_transaction.hex()


def delegation(authority_key):
    """An EIP-7702 authorization by ``authority_key``: its account runs the code at 0x33…33."""
    from eth_account import Account

    auth = {"chainId": 31337, "address": "0x" + "33" * 20, "nonce": 0}
    return Account.from_key(authority_key).sign_authorization(auth)


@pytest.fixture
def wide(node, tmp_path):
    """The server as ``--host 0.0.0.0`` makes it: the node's accounts not offered."""
    srv = serve(node, tmp_path, node_accounts=False)
    yield srv
    srv.stop()


@pytest.mark.parametrize(
    "raw, expected",
    [
        (lambda: signed(NODE_KEY), "signed by the node's account 0xf39F"),
        (lambda: signed(NODE_KEY, kind=0), "signed by the node's account 0xf39F"),
        (
            lambda: signed(STRANGER_KEY, kind=4, authorizationList=[delegation(NODE_KEY)]),
            "a type-4 transaction is not forwarded",
        ),
        (lambda: "0x02", "cannot be read"),
        (lambda: "0xzz", "0x-prefixed hex"),
        (lambda: None, "0x-prefixed hex"),
    ],
    ids=["node-key", "node-key-legacy", "7702-node-authority", "garbage", "not-hex", "none"],
)
def test_beyond_this_machine_the_node_keys_cannot_send(node, wide, raw, expected):
    """The node's keys are public (Anvil's come from a well-known mnemonic): with its accounts
    not offered, a transaction signed by one of them, or delegating one's code (EIP-7702), must
    not reach the node either, alone or in a batch."""
    node.methods.clear()
    for payload in (
        call("eth_sendRawTransaction", [raw()]),
        [call("eth_chainId"), call("eth_sendRawTransaction", [raw()])],
    ):
        status, answer = post(wide, payload)
        assert status == 403, answer
        assert expected in answer["error"]["message"]
    assert "eth_sendRawTransaction" not in node.methods


def test_on_this_machine_the_node_keys_may_send(node, server):
    node.methods.clear()
    status, answer = post(server, call("eth_sendRawTransaction", [signed(NODE_KEY)]))
    assert status == 200 and node.methods == ["eth_sendRawTransaction"], answer


def raw_request(server, request: bytes) -> tuple[int, bytes, dict]:
    """Send ``request`` as bytes on a fresh connection; the status, body and headers."""
    import socket

    with socket.create_connection(server.httpd.server_address[:2], timeout=10) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), body, headers


def rpc_request(server, body: bytes, length: str | None = None) -> bytes:
    host, port = server.httpd.server_address[:2]
    head = f"POST /rpc HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
    if length is not None:
        head += f"Content-Length: {length}\r\n"
    return head.encode() + b"\r\n" + body


def alive(server) -> bool:
    status, answer = post(server, call("eth_chainId"))
    return status == 200 and answer["result"] == "0x1"


@pytest.mark.parametrize("depth", [33, 100_000, 600_000])
def test_a_deeply_nested_body_is_refused_before_parsing(node, server, depth):
    """Python's JSON parser recurses once per level: 100,000 ``[`` took the handler down
    (RecursionError) instead of an answer. The nesting is bounded before parsing."""
    node.methods.clear()
    for body in (b"[" * depth + b"]" * depth, b'{"a":' * depth + b"1" + b"}" * depth):
        status, answer, _ = raw_request(server, rpc_request(server, body, str(len(body))))
        assert status == 400 and b"nested more than 32 deep" in answer, answer[:200]
    assert node.methods == [] and alive(server)


def test_brackets_inside_strings_and_escapes_do_not_count():
    from sharedmodels.runs.web import json_too_deep

    assert not json_too_deep(b'["' + b"[" * 100 + b'"]')
    assert not json_too_deep(b'["a\\"' + b"[" * 100 + b'"]')  # an escaped quote stays inside
    assert json_too_deep(b'["a\\\\",' + b"[" * 40 + b"]" * 41)  # an escaped backslash ends it
    assert json_too_deep(b"[" * 33) and not json_too_deep(b"[" * 32 + b"]" * 32)
    assert not json_too_deep(b"[]" * 100_000)


@pytest.mark.parametrize(
    "length, status, expected",
    [
        ("-5", 400, b"needs a Content-Length"),
        ("abc", 400, b"needs a Content-Length"),
        ("0x10", 400, b"needs a Content-Length"),
        ("+10", 400, b"needs a Content-Length"),
        ("9" * 5000, 400, b"needs a Content-Length"),
        (None, 400, b"needs a Content-Length"),
        ("0", 400, b"needs a Content-Length"),
        (str(2**40), 413, b"larger than"),
    ],
    ids=["negative", "word", "hex", "plus", "5000-digits", "missing", "zero", "a-terabyte"],
)
def test_a_bad_content_length_is_refused_without_reading(node, server, length, status, expected):
    """Before: ``int()`` of a word or of 5,000 digits raised in the handler (no answer), and a
    negative length was read as "up to the end of the connection"."""
    node.methods.clear()
    body = json.dumps(call("eth_chainId")).encode()
    got, answer, _ = raw_request(server, rpc_request(server, body, length))
    assert (got, expected in answer) == (status, True), answer
    assert node.methods == [] and alive(server)


def test_the_node_reads_the_call_that_was_checked(node, server):
    """Two parsers may read the same bytes differently: with a repeated key Python's keeps the
    last ``method``, another may keep the first. What reaches the node is the checked call
    written out again, never the bytes received."""
    node.methods.clear()
    node.bodies.clear()
    body = b'{"jsonrpc":"2.0","id":1,"method":"anvil_setBalance","method":"eth_chainId",'
    body += b'"params":[]}'
    status, answer, _ = raw_request(server, rpc_request(server, body, str(len(body))))
    assert status == 200, answer
    assert node.bodies == [b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}']
    # NaN and Infinity are Python's, not JSON: refused rather than forwarded as invalid JSON.
    body = b'{"jsonrpc":"2.0","id":1,"method":"eth_call","params":[NaN]}'
    status, answer, _ = raw_request(server, rpc_request(server, body, str(len(body))))
    assert status == 400 and b"NaN is not JSON" in answer
    assert node.methods == ["eth_chainId"]


def test_no_site_may_frame_the_page(server):
    """Clickjacking: a site showing the page in a transparent frame over a decoy button. Every
    answer (the page, the API, a refusal) forbids framing."""
    host, port = server.httpd.server_address[:2]
    for request in (
        f"GET /index.html HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode(),
        f"GET /api/deployments HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode(),
        f"GET /missing HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode(),
        rpc_request(server, b"{}", "2"),
    ):
        _, _, headers = raw_request(server, request)
        assert headers["X-Frame-Options"] == "DENY", request
        assert headers["Content-Security-Policy"] == "frame-ancestors 'none'"
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_head_checks_the_host_as_get_does(server):
    host, port = server.httpd.server_address[:2]
    status, body, headers = raw_request(
        server, b"HEAD /index.html HTTP/1.1\r\nHost: rebound.example:8000\r\n\r\n"
    )
    assert status == 403 and body == b""
    status, body, headers = raw_request(
        server, f"HEAD /index.html HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    )
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0


def anvil_flags(tmp_path, *args, **env) -> list[str]:
    """The flags bin/anvil gives Anvil for ``args`` and ``env``: a copy of the shim in front of
    a stand-in Anvil that prints them (no chain needed)."""
    import os
    import shutil
    import subprocess
    from pathlib import Path

    (tmp_path / "bin").mkdir(exist_ok=True)
    shim = tmp_path / "bin" / "anvil"
    shutil.copy(Path(__file__).resolve().parents[2] / "bin" / "anvil", shim)
    fake = tmp_path / "node_modules" / ".bin" / "anvil"
    fake.parent.mkdir(parents=True, exist_ok=True)
    fake.write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$@"\n')
    fake.chmod(0o755)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SHAREDMODELS_ANVIL")}
    out = subprocess.run(
        ["bash", str(shim), *args], env={**clean, **env}, capture_output=True, text=True, check=True
    )
    return out.stdout.split()


def test_the_node_port_lets_no_other_origin_in(tmp_path):
    """Anvil answers every origin by default (``*``): any page open in the browser could call
    ``anvil_setBalance`` or send from the unlocked accounts on the node's port directly,
    whatever the page server refuses. bin/anvil starts it with ``--no-cors``; an origin is let
    in only when asked for (``--allow-origin``), or every one with SHAREDMODELS_ANVIL_CORS=1
    (Anvil refuses ``--no-cors`` beside ``--allow-origin``, and twice). The attack on a real
    Anvil from Chromium is in tests/browser/test_web.py."""
    assert "--no-cors" in anvil_flags(tmp_path, "--port", "8545")
    assert anvil_flags(tmp_path, "--no-cors").count("--no-cors") == 1
    for args, env in [
        (("--allow-origin", "http://models.example"), {}),
        (("--allow-origin=http://models.example",), {}),
        ((), {"SHAREDMODELS_ANVIL_EXTRA": "--allow-origin http://models.example"}),
        ((), {"SHAREDMODELS_ANVIL_CORS": "1"}),
    ]:
        assert "--no-cors" not in anvil_flags(tmp_path, *args, **env), (args, env)
