"""sharedmodels.rpc.node without a chain: PATH order, the fork preflight, the port check."""

import json
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sharedmodels.rpc import node
from sharedmodels.rpc.node import NodeError, prefer_repo_anvil, upstream_chain_id

ROOT = Path(__file__).resolve().parents[2]


def _bin_with_anvil(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "anvil").write_text("#!/bin/sh\n")
    return bin_dir


def test_repo_bin_moves_to_the_front(tmp_path):
    bin_dir = _bin_with_anvil(tmp_path)
    env = {"PATH": os.pathsep.join(["/x/node_modules/.bin", str(bin_dir), "/usr/bin"])}
    assert prefer_repo_anvil(env, bin_dir)
    assert env["PATH"].split(os.pathsep) == [str(bin_dir), "/x/node_modules/.bin", "/usr/bin"]
    assert prefer_repo_anvil(env, bin_dir)  # idempotent
    assert env["PATH"].split(os.pathsep) == [str(bin_dir), "/x/node_modules/.bin", "/usr/bin"]


def test_repo_bin_added_when_missing_from_path(tmp_path):
    bin_dir = _bin_with_anvil(tmp_path)
    env = {"PATH": "/usr/bin"}
    prefer_repo_anvil(env, bin_dir)
    assert env["PATH"] == f"{bin_dir}{os.pathsep}/usr/bin"
    env = {}
    prefer_repo_anvil(env, bin_dir)
    assert env["PATH"] == str(bin_dir)


def test_symlinked_spelling_of_bin_is_not_kept_twice(tmp_path):
    bin_dir = _bin_with_anvil(tmp_path)
    link = tmp_path / "link"
    link.symlink_to(bin_dir)
    env = {"PATH": f"/a{os.pathsep}{link}"}
    prefer_repo_anvil(env, bin_dir)
    assert env["PATH"] == f"{bin_dir}{os.pathsep}/a"


def test_path_untouched_without_bin_anvil(tmp_path):
    env = {"PATH": "/a:/b"}
    assert not prefer_repo_anvil(env, tmp_path)
    assert env["PATH"] == "/a:/b"


def test_project_bin_anvil_wins_after_importing_the_cli():
    """What the scripts get: ``import sharedmodels.cli`` with node_modules/.bin first."""
    code = "import shutil, sharedmodels.cli; print(shutil.which('anvil'))"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PATH": f"{ROOT / 'node_modules/.bin'}{os.pathsep}{os.environ['PATH']}",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == str(ROOT / "bin" / "anvil")


class _Answer:
    """A one-route JSON-RPC stand-in: ``body`` is what every POST gets."""

    def __init__(self, body: bytes, status: int = 200):
        self.body, self.status = body, status

    def __enter__(self) -> str:
        answer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(answer.status)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_chain_id_of_an_answering_node():
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "result": "0xaa36a7"}).encode()
    with _Answer(body) as url:
        assert upstream_chain_id(url) == 11155111


@pytest.mark.parametrize(
    "body,status,message",
    [
        (b"<html>", 200, "did not answer with JSON-RPC"),
        (b'{"jsonrpc":"2.0","id":1,"error":{"message":"nope"}}', 200, "refused eth_chainId: nope"),
        (b"", 502, "answered HTTP 502"),
    ],
)
def test_chain_id_refusals(body, status, message):
    with _Answer(body, status) as url, pytest.raises(NodeError, match=message):
        upstream_chain_id(url)


def test_unreachable_and_malformed_urls():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(NodeError, match="cannot reach fork URL"):
        upstream_chain_id(f"http://127.0.0.1:{port}", timeout=2)
    with pytest.raises(NodeError, match="not an http"):
        upstream_chain_id("mainnet")


def test_silent_upstream_times_out():
    with socket.socket() as s:  # listens, never answers
        s.bind(("127.0.0.1", 0))
        s.listen()
        with pytest.raises(NodeError, match="did not answer within|cannot reach"):
            upstream_chain_id(f"http://127.0.0.1:{s.getsockname()[1]}", timeout=0.5)


def test_port_in_use_is_refused():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        with pytest.raises(NodeError, match="already in use"):
            node.check_port_free(s.getsockname()[1])


def test_main_prints_one_error_line_and_exits_1(capsys):
    with pytest.raises(SystemExit) as exit_info:
        node.main(["--port", "0", "--fork-url", "ftp://example"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.splitlines() == ["error: fork URL 'ftp://example' is not an http(s):// RPC address"]


def test_port_with_connections_in_time_wait_is_free():
    """A node that just stopped leaves its connections in TIME_WAIT for a minute: a restart
    right away must not be refused (it was, when the trial bind lacked SO_REUSEADDR)."""
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()  # the server side closes first: its end goes to TIME_WAIT
        client.close()
    with socket.socket() as plain:  # what the old check did: refused
        with pytest.raises(OSError):
            plain.bind(("127.0.0.1", port))
    node.check_port_free(port)


def test_anvil_command():
    assert node.anvil_command(8545, None, None)[1:] == ["--port", "8545", "--silent"]
    assert node.anvil_command(8545, None, None, log=True)[1:] == ["--port", "8545"]
    assert node.anvil_command(9, "http://u", 1)[1:] == [
        "--port",
        "9",
        "--silent",
        "--fork-url",
        "http://u",
        "--chain-id",
        "1",
    ]


def test_anvil_command_with_a_block_time():
    """``make node BLOCK_TIME=N``: a block every N seconds instead of automine."""
    assert node.anvil_command(9, None, None, block_time=2)[1:] == [
        "--port",
        "9",
        "--silent",
        "--block-time",
        "2",
    ]
