"""A standing local node for the scripts: ``make node`` runs ``python -m sharedmodels.rpc.node``.

Three things live here:

* ``prefer_repo_anvil`` puts the project's ``bin/`` first on PATH. ape-foundry finds Anvil with
  ``shutil.which("anvil")``; if ``node_modules/.bin`` comes first, it runs the npm wrapper with
  ``--steps-tracing``, which keeps a snapshot of every EVM step and grows without bound.
  ``bin/anvil`` drops that flag. ``sharedmodels.cli`` calls it on import (before any script
  connects) and so does ``tests/conftest.py``.
* ``upstream_chain_id`` asks an RPC endpoint for its chain id with a short timeout, so a wrong
  or unreachable fork URL is one ``error:`` line instead of Anvil's retries.
* ``main`` checks the port and the upstream, then replaces itself with ``bin/anvil`` (in the
  foreground: Ctrl-C stops the node).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import sys
import urllib.error
import urllib.request
from collections.abc import MutableMapping, Sequence
from pathlib import Path

from sharedmodels.errors import SharedModelsError

ROOT = Path(__file__).resolve().parents[2]
REPO_BIN = ROOT / "bin"
DEFAULT_PORT = 8545
#: Seconds to wait for an upstream's answer to eth_chainId before giving up.
PREFLIGHT_TIMEOUT = 5.0


class NodeError(SharedModelsError):
    """The node cannot start: port taken, upstream unreachable or not an Ethereum RPC."""


def _same_dir(a: str, b: Path) -> bool:
    try:
        return os.path.realpath(a) == os.path.realpath(b)
    except (OSError, ValueError):
        return False


def prefer_repo_anvil(
    environ: MutableMapping[str, str] | None = None, bin_dir: Path = REPO_BIN
) -> bool:
    """Move ``bin_dir`` to the front of ``environ["PATH"]`` (``os.environ`` by default) when
    ``bin_dir/anvil`` exists, removing its other occurrences; True if PATH now starts with it.

    Child processes (Anvil started by ape-foundry, ``ape`` subprocesses of tests) inherit it.
    """
    env = os.environ if environ is None else environ
    if not (bin_dir / "anvil").is_file():
        return False
    rest = [p for p in env.get("PATH", "").split(os.pathsep) if p and not _same_dir(p, bin_dir)]
    env["PATH"] = os.pathsep.join([str(bin_dir), *rest])
    return True


def upstream_chain_id(url: str, timeout: float = PREFLIGHT_TIMEOUT) -> int:
    """The chain id ``url`` answers to ``eth_chainId``; NodeError (one line) if it does not."""
    if not url.startswith(("http://", "https://")):
        raise NodeError(f"fork URL {url!r} is not an http(s):// RPC address")
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
    request = urllib.request.Request(
        url, data=body.encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as exc:
        raise NodeError(f"fork URL {url} answered HTTP {exc.code} ({exc.reason})") from None
    except urllib.error.URLError as exc:
        raise NodeError(f"cannot reach fork URL {url}: {exc.reason}") from None
    except TimeoutError:
        raise NodeError(f"fork URL {url} did not answer within {timeout:g} s") from None
    except OSError as exc:
        raise NodeError(f"cannot reach fork URL {url}: {exc}") from None
    except ValueError:
        raise NodeError(f"fork URL {url} did not answer with JSON-RPC") from None
    result = answer.get("result") if isinstance(answer, dict) else None
    if not isinstance(result, str):
        error = answer.get("error") if isinstance(answer, dict) else None
        detail = error.get("message") if isinstance(error, dict) else "no chain id"
        raise NodeError(f"fork URL {url} refused eth_chainId: {detail}")
    try:
        return int(result, 16)
    except ValueError:
        raise NodeError(f"fork URL {url} answered eth_chainId with {result!r}") from None


def check_port_free(port: int, host: str = "127.0.0.1") -> None:
    """NodeError if something already listens on ``host:port`` (often a node from earlier).

    The trial bind uses SO_REUSEADDR, as Anvil's own bind does: connections of a node that just
    stopped linger in TIME_WAIT for a minute, and they must not count as the port being in use
    (else ``make node`` refuses a restart right after Ctrl-C)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            raise NodeError(
                f"port {port} is already in use (a node still running?): stop it, or use "
                f"another port, make node PORT=N (and APE_FOUNDRY_HOST=http://{host}:N)"
            ) from None


def anvil_command(
    port: int,
    fork_url: str | None,
    chain_id: int | None,
    log: bool = False,
    block_time: int | None = None,
) -> list[str]:
    """The ``bin/anvil`` command line ``make node`` runs: ``--silent`` unless ``log`` (Anvil
    otherwise prints the name of every RPC call, tens of thousands of lines in a session);
    ``block_time``: a block every N s, as a public network mines, instead of one per
    transaction."""
    cmd = [str(REPO_BIN / "anvil"), "--port", str(port)]
    if not log:
        cmd.append("--silent")
    if block_time:
        cmd += ["--block-time", str(block_time)]
    if fork_url:
        cmd += ["--fork-url", fork_url]
    if chain_id is not None:
        cmd += ["--chain-id", str(chain_id)]
    return cmd


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="make node", description="A standing Anvil for the scripts (foreground)."
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--fork-url", default="", help="RPC address to fork (empty: no fork).")
    parser.add_argument("--chain-id", type=int, default=None)
    parser.add_argument(
        "--log", action="store_true", help="Anvil's own log: every RPC call and transaction."
    )
    parser.add_argument(
        "--block-time", type=int, default=None, help="Mine a block every N s (default: automine)."
    )
    args = parser.parse_args(argv)
    try:
        check_port_free(args.port)
        if args.fork_url:
            upstream = upstream_chain_id(args.fork_url)
            print(f"forking {args.fork_url} (chain id {upstream})", file=sys.stderr, flush=True)
        if not (REPO_BIN / "anvil").is_file():
            raise NodeError(f"{REPO_BIN / 'anvil'} is missing")
    except NodeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    cmd = anvil_command(
        args.port, args.fork_url or None, args.chain_id, log=args.log, block_time=args.block_time
    )
    print(
        f"node: {' '.join(cmd)}\n"
        f"listening on http://127.0.0.1:{args.port}; test accounts TEST::0 to TEST::9 "
        "(Anvil's default mnemonic, 10,000 ETH each)\n"
        "`ape run SCRIPT` in another shell uses it"
        + (
            ""
            if args.port == DEFAULT_PORT
            else f" with APE_FOUNDRY_HOST=http://127.0.0.1:{args.port}"
        )
        + "; Ctrl-C stops it, and its state goes with it"
        + ("" if args.log else "\nquiet: make node LOG=1 shows Anvil's log of every RPC call"),
        file=sys.stderr,
        flush=True,
    )
    os.execv(cmd[0], cmd)


def free_port() -> int:
    """A loopback port nothing listens on right now (test nodes, mutation copies): within
    ``SHAREDMODELS_TEST_PORTS`` (``first-last``) when set, so that runs on a shared machine keep
    to their own range; else the OS picks it. A port whose last connections are in TIME_WAIT
    counts as free (Anvil binds with ``SO_REUSEADDR``, and so does the probe): a range of ten
    ports was otherwise used up by the runs of the last minute."""
    span = os.environ.get("SHAREDMODELS_TEST_PORTS", "")
    if span:
        first, last = (int(v) for v in span.split("-"))
        for port in random.sample(range(first, last + 1), last - first + 1):
            with socket.socket() as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
        raise RuntimeError(f"no free port in SHAREDMODELS_TEST_PORTS={span}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    main()
