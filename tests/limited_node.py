"""A JSON-RPC proxy that limits its clients the way public RPC providers do.

Not a test module: ``test_logs`` (Python's log reader) and ``tests/unit/js`` (the page's) use
it. In front of an upstream node, on a free loopback port, it:

* refuses an ``eth_getLogs`` whose block range is wider than ``max_range`` blocks, and one whose
  answer would hold more than ``max_results`` logs (JSON-RPC errors worded as public nodes word
  them);
* answers every ``rate_every``-th request with HTTP 429 (``Retry-After: 0``) without forwarding it;
* with ``fail_after``, answers every request after that many with HTTP 503 (an outage).

It counts what it saw (``Limits``), so a test can check the client met every limit.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests


@dataclass
class Limits:
    max_range: int = 5
    max_results: int = 3
    rate_every: int = 4
    fail_after: int | None = None
    requests: int = 0
    rate_limited: int = 0
    refused_range: int = 0
    refused_results: int = 0
    widest: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _range(call: dict) -> tuple[int, int]:
    q = call["params"][0]
    return int(q["fromBlock"], 16), int(q["toBlock"], 16)


@contextlib.contextmanager
def limited_node(upstream: str, limits: Limits) -> Iterator[str]:
    """Serve the proxy until the block ends; yields its URI."""
    session = requests.Session()
    session.trust_env = False

    def forward(body: bytes) -> bytes:
        return session.post(
            upstream, data=body, headers={"Content-Type": "application/json"}, timeout=30
        ).content

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def _send(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Access-Control-Allow-Origin", "*")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_OPTIONS(self) -> None:
            self.send_response(204)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Allow-Headers", "content-type")
            self.send_header("Access-Control-Allow-Methods", "POST")
            self.end_headers()

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with limits.lock:
                limits.requests += 1
                n = limits.requests
            if limits.fail_after is not None and n > limits.fail_after:
                self._send(503, b"service unavailable")
                return
            if limits.rate_every and n % limits.rate_every == 0:
                with limits.lock:
                    limits.rate_limited += 1
                self._send(429, b"too many requests", {"Retry-After": "0"})
                return
            calls = json.loads(body)
            single = isinstance(calls, dict)
            answers = []
            for call in [calls] if single else calls:
                answers.append(self._answer(call))
            out = answers[0] if single else answers
            self._send(200, json.dumps(out).encode())

        def _answer(self, call: dict) -> dict:
            if call.get("method") == "eth_getLogs":
                lo, hi = _range(call)
                if hi - lo + 1 > limits.max_range:
                    with limits.lock:
                        limits.refused_range += 1
                    return _error(call, f"block range is too wide (max {limits.max_range})")
                answer = json.loads(forward(json.dumps(call).encode()))
                with limits.lock:
                    limits.widest = max(limits.widest, hi - lo + 1)
                if len(answer.get("result") or []) > limits.max_results:
                    with limits.lock:
                        limits.refused_results += 1
                    return _error(call, f"query returned more than {limits.max_results} results")
                return answer
            return json.loads(forward(json.dumps(call).encode()))

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _error(call: dict, message: str) -> dict:
    return {"jsonrpc": "2.0", "id": call.get("id"), "error": {"code": -32005, "message": message}}
