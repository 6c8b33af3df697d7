"""The web page's Python side: its build assets, the demo deployments and the local server.

* ``write_assets`` exports what the page's bundle needs from this checkout (``make web-build``
  runs ``python -m sharedmodels.runs.web assets``, then esbuild): every deployable's ABI as Ape
  compiled it (``.build/__local__.json``), the length and keccak256 of its runtime code (the page
  recognises a pasted address by them), and the code point ranges this Python's Unicode tables
  leave unassigned (the page's tokeniser must not treat newer characters as letters, as Python's
  ``re`` and ``str.lower()`` do not).
* ``DEMO`` and ``deploy_demo`` put the page's demo models on the connected chain (reusing those
  whose manifests still point at a live contract) and write their manifests.
* ``Server`` serves ``web/dist/`` with two more paths: ``POST /rpc`` forwards JSON-RPC to the
  node (the page reads and, with the node's test accounts, sends through it) and
  ``GET /api/deployments`` lists the manifests of the node's chain whose contract is there.
  Only the methods the page uses are forwarded (``RPC_METHODS``), and only for the page itself:
  a request from another origin, or naming a host that is not this machine's (DNS rebinding),
  is refused. Listening beyond this machine, the node's accounts are not offered, neither
  through the node (``eth_sendTransaction``) nor through their publicly known keys (a signed
  transaction from one of them).
* Every response forbids framing the page (clickjacking); a request body is read only with a
  sane ``Content-Length``, parsed only when its nesting is shallow, and forwarded as this server
  parsed it (``json.dumps`` of the parsed call), so the node reads what was checked.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import re
import sys
import threading
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sharedmodels.errors import InputError, SharedModelsError

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
DIST = WEB / "dist"
ASSETS = WEB / "build"
BUILD_JSON = ROOT / ".build" / "__local__.json"
WEB_MANIFESTS = ROOT / "deployments" / "web"
#: Largest JSON-RPC request body the proxy forwards (a contribution's calldata is ~20 kB).
MAX_RPC_BODY = 4 * 2**20
#: The JSON-RPC methods the page uses, the only ones ``POST /rpc`` forwards: reads, gas and fee
#: estimates, receipts, and (``ACCOUNT_METHODS``) the node's unlocked test accounts. Anvil's own
#: (``anvil_*``, ``evm_*``), signing and account management never reach the node from a browser.
READ_METHODS = frozenset(
    {
        "eth_chainId",
        "net_version",
        "eth_blockNumber",
        "eth_getBlockByNumber",
        "eth_getBlockByHash",
        "eth_getBalance",
        "eth_getCode",
        "eth_getTransactionCount",
        "eth_call",
        "eth_estimateGas",
        "eth_gasPrice",
        "eth_maxPriorityFeePerGas",
        "eth_feeHistory",
        "eth_getLogs",
        "eth_getTransactionByHash",
        "eth_getTransactionReceipt",
        "eth_sendRawTransaction",
    }
)
ACCOUNT_METHODS = frozenset({"eth_accounts", "eth_sendTransaction"})
RPC_METHODS = READ_METHODS | ACCOUNT_METHODS
#: Deepest nesting of arrays and objects in a request body that is parsed at all (the page's
#: calls nest a few levels: a batch, a call, its params, a filter's topic lists). Python's parser
#: recurses once per level: a body of 100,000 ``[`` crashed the whole server (a segfault).
MAX_JSON_DEPTH = 32
#: Transaction types a wallet's ``eth_sendRawTransaction`` may have when the node's accounts are
#: not offered: legacy, EIP-2930 and EIP-1559. A type-4 (EIP-7702) transaction carries
#: authorizations signed by other accounts (one by a node account would hand its ether to the
#: sender's code), a type-3 blobs; the page sends neither.
RAW_TX_TYPES = frozenset({0, 1, 2})
#: Headers of every response: no site may show the page inside a frame (clickjacking: a
#: transparent frame over a decoy button), and files are taken as the type they are sent as.
SECURITY_HEADERS = (
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", "frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
)


class WebError(SharedModelsError):
    """The page cannot be built or served (missing build, unreachable node)."""


# ---------------------------------------------------------------- build assets


def unassigned_ranges() -> list[list[int]]:
    """Inclusive ``[first, last]`` runs of code points this Python's ``unicodedata`` does not
    assign (category ``Cn``), surrogates excluded: the characters Python treats as neither
    letters nor cased, whatever a newer browser knows about them."""
    out: list[list[int]] = []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF or unicodedata.category(chr(cp)) != "Cn":
            continue
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


def python_word_ranges() -> list[list[int]]:
    """Inclusive runs of the code points Python's ``re`` matches with ``\\w``: what the page's
    tokeniser must count as word characters (the parity tests compare)."""
    word = re.compile(r"\w")
    out: list[list[int]] = []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF or not word.match(chr(cp)):
            continue
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


def python_lowercase() -> dict[str, str]:
    """Every code point whose ``str.lower()`` differs from it (keys are decimal strings, as in
    JSON): what the page's lowercasing must give, one code point at a time."""
    out = {}
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        if ch.lower() != ch:
            out[str(cp)] = ch.lower()
    return out


def contract_assets(build_json: Path = BUILD_JSON) -> dict[str, dict]:
    """Per deployable: its ABI, and the byte length and keccak256 of its runtime code."""
    from eth_utils import keccak

    if not build_json.is_file():
        raise WebError(f"{build_json} is missing: compile the contracts first (ape compile)")
    types = json.loads(build_json.read_text())["contractTypes"]
    out = {}
    for name, ct in sorted(types.items()):
        code = bytes.fromhex((ct.get("runtimeBytecode") or {}).get("bytecode", "0x")[2:])
        out[name] = {
            "abi": ct["abi"],
            "runtime_length": len(code),
            "runtime_keccak": "0x" + keccak(code).hex(),
        }
    return out


def write_assets(out_dir: Path = ASSETS, build_json: Path = BUILD_JSON) -> list[Path]:
    """Write ``contracts.json`` and ``unicode.json`` for the bundle; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    contracts = out_dir / "contracts.json"
    contracts.write_text(json.dumps(contract_assets(build_json), separators=(",", ":")))
    text = out_dir / "unicode.json"
    text.write_text(
        json.dumps(
            {"unidata_version": unicodedata.unidata_version, "unassigned": unassigned_ranges()},
            separators=(",", ":"),
        )
    )
    return [contracts, text]


# ---------------------------------------------------------------- demo deployments


@dataclass(kw_only=True, frozen=True)
class DemoModel:
    """One model the page shows after ``make web``."""

    name: str  # manifest file stem under deployments/web/
    model: str
    incentive: str
    pretrain: str
    pretrain_limit: int
    encoder: str | None = None  # hash:BITS, vocab:K, or None (the model's default)


DEMO: tuple[DemoModel, ...] = (
    DemoModel(
        name="perceptron", model="perceptron", incentive="stake", pretrain="rt", pretrain_limit=4000
    ),
    DemoModel(
        name="naive_bayes_vocab",
        model="naive_bayes",
        incentive="stake",
        pretrain="rt",
        pretrain_limit=4000,
        encoder="vocab:2000",
    ),
    DemoModel(
        name="sparse_ncc_points",
        model="sparse_ncc",
        incentive="points",
        pretrain="rt",
        pretrain_limit=1000,
    ),
    DemoModel(
        name="wine_ncc", model="ncc", incentive="stake", pretrain="sklearn:wine", pretrain_limit=100
    ),
)
#: Short waits, so that a visitor sees a refund window open: refund after 2 minutes, the owner
#: may take after 10, anyone after 30. Deposits as the scripts' default (0.06 ETH after a
#: quiet hour).
DEMO_WAITS = (120, 600, 1800)
DEMO_COST_WEIGHT = 10**15


def demo_incentive(model: str, kind: str):
    from sharedmodels.registry import model_spec
    from sharedmodels.trainers.client import Incentive

    refund, owner, anyone = DEMO_WAITS
    loo = model_spec(model).leave_one_out
    if kind == "points":
        return Incentive(
            "points",
            refund_wait=refund,
            owner_wait=refund,
            any_wait=refund,
            cost_weight=0,
            leave_one_out=loo,
        )
    return Incentive(
        "stake",
        refund_wait=refund,
        owner_wait=owner,
        any_wait=anyone,
        cost_weight=DEMO_COST_WEIGHT,
        leave_one_out=loo,
    )


def _live(manifest: Any, chain: Any) -> bool:
    """The manifest's contract is on this chain and is the one it names."""
    from ape import project

    if manifest.chain_id != chain.chain_id:
        return False
    code = bytes(chain.provider.get_code(manifest.address))
    try:
        runtime = getattr(project, manifest.contract).contract_type.runtime_bytecode.bytecode
    except AttributeError:
        return False
    expected = bytes.fromhex(runtime[2:])
    if not code or code[: len(expected)] != expected:
        return False
    # The same kind of contract at the same address on a restarted chain may be another
    # deployment: its encoder (a vocabulary's hash included) must be the manifest's.
    from sharedmodels.rpc.deployments import encoder_descriptor

    contract = getattr(project, manifest.contract).at(manifest.address)
    return str(contract.encoder()) == encoder_descriptor(manifest.encoder_obj)


def deploy_demo(
    sender: Any,
    network_choice: str,
    out_dir: Path = WEB_MANIFESTS,
    models: Sequence[DemoModel] = DEMO,
    say: Callable[[str], None] = print,
) -> list[Path]:
    """Deploy each of ``models`` unless its manifest in ``out_dir`` is live on this chain."""
    from ape import chain, project

    from sharedmodels.encoding.encoded import encode_dataset
    from sharedmodels.registry import make_encoder, model_spec
    from sharedmodels.rpc.deployments import read_manifest, write_manifest
    from sharedmodels.trainers.deploy import deploy_model, describe_pretraining, manifest_for

    paths = []
    for demo in models:
        path = out_dir / f"{demo.name}.json"
        if path.is_file() and _live(read_manifest(path), chain):
            say(f"{demo.name}: already at {read_manifest(path).address}")
            paths.append(path)
            continue
        k = model_spec(demo.model)
        encoder = make_encoder(
            demo.model,
            fit_spec=demo.pretrain,
            n_features=None,
            overflow="truncate",
            encoder=demo.encoder,
            fit_limit=demo.pretrain_limit,
            fit_offset=0,
        )
        data = encode_dataset(demo.pretrain, encoder, demo.pretrain_limit, 0)
        params = demo_incentive(demo.model, demo.incentive)
        container = getattr(project, k.contract(demo.incentive))
        dep = deploy_model(
            container,
            sender,
            encoder,
            eta=1,
            class_names=data.class_names,
            pretrain_data=data,
            incentive=params,
            model=demo.model,
        )
        info = {
            "dataset": demo.pretrain,
            "offset": 0,
            "limit": demo.pretrain_limit,
            "samples": len(data),
            "dropped": data.dropped,
        }
        info = describe_pretraining(
            info, dep, demo.pretrain, encoder=encoder, offset=0, limit=demo.pretrain_limit
        )
        man = manifest_for(
            dep,
            network_choice,
            chain.chain_id,
            deployer=str(sender.address),
            block=chain.blocks.height,
            encoder=encoder,
            eta=1,
            class_names=data.class_names,
            pretrain_info=info,
            incentive=params,
        )
        write_manifest(man, path)
        say(f"{demo.name}: deployed {man.contract} at {man.address}")
        paths.append(path)
    return paths


# ---------------------------------------------------------------- the server


def rpc_call(node: str, method: str, params: list, timeout: float = 10.0) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    request = urllib.request.Request(
        node, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        answer = json.loads(response.read())
    if "error" in answer:
        raise WebError(f"{method}: {answer['error'].get('message')}")
    return answer["result"]


def manifest_dirs() -> list[Path]:
    """Where the server looks for manifests: the demo's, then the scripts' own."""
    return [WEB_MANIFESTS, ROOT / "deployments"]


def live_manifests(node: str, dirs: Iterable[Path]) -> dict:
    """``{"chain_id": N, "deployments": [manifest, …]}``: every manifest in ``dirs`` written for
    the node's chain whose address holds code, once per address, in file-name order."""
    chain_id = int(rpc_call(node, "eth_chainId", []), 16)
    seen: set[str] = set()
    out = []
    for folder in dirs:
        for path in sorted(folder.glob("*.json")):
            try:
                data = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            if not isinstance(data, dict) or "address" not in data or "contract" not in data:
                continue
            address = str(data["address"]).lower()
            if data.get("chain_id") != chain_id or address in seen:
                continue
            if rpc_call(node, "eth_getCode", [data["address"], "latest"]) in ("0x", "", None):
                continue
            seen.add(address)
            out.append(
                {
                    **data,
                    "source": str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path),
                }
            )
    return {"chain_id": chain_id, "deployments": out}


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def loopback(host: str) -> bool:
    """Whether listening on ``host`` reaches this machine only."""
    if host == "localhost":
        return True
    return _is_ip(host) and ipaddress.ip_address(host).is_loopback


def host_allowed(host_header: str | None, names: Iterable[str] = ()) -> bool:
    """Whether a request's ``Host`` names this machine in a way no other site can: an IP
    literal or ``localhost`` (a DNS name could be rebound to 127.0.0.1 by another site), or one
    of ``names`` (the names ``ape run web --host`` was given)."""
    if not host_header:
        return False
    parsed = urllib.parse.urlsplit(f"//{host_header}")
    try:
        hostname = parsed.hostname
        parsed.port  # noqa: B018 (raises on a malformed port)
    except ValueError:
        return False
    if not hostname:
        return False
    return hostname == "localhost" or hostname in names or _is_ip(hostname)


def rpc_refusal(payload: Any, node_accounts: bool) -> str | None:
    """Why a JSON-RPC request (one call or a batch) is not forwarded, or None."""
    calls = payload if isinstance(payload, list) else [payload]
    if not calls:
        return "an empty batch"
    allowed = RPC_METHODS if node_accounts else READ_METHODS
    for call in calls:
        method = call.get("method") if isinstance(call, dict) else None
        if not isinstance(method, str):
            return "not a JSON-RPC call"
        if method not in allowed:
            why = (
                "the node's accounts are not offered beyond this machine: send with a wallet"
                if method in ACCOUNT_METHODS
                else "the page does not use it"
            )
            return f"method {method} is not forwarded to the node ({why})"
    return None


def json_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``body`` nests arrays and objects more than ``limit`` deep, counted without
    parsing it, in linear time: escapes are dropped, then strings (brackets in them do not
    count; an unterminated string counts its brackets, which errs on the side of refusing)."""
    outside = _JSON_STRING.sub(b"", _JSON_ESCAPE.sub(b"", body)).translate(None, _NOT_BRACKETS)
    if outside.count(b"[") + outside.count(b"{") <= limit:
        return False
    depth = 0
    for byte in outside:
        depth += 1 if byte in b"[{" else -1
        if depth > limit:
            return True
    return False


_JSON_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_JSON_STRING = re.compile(rb'"[^"]*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def content_length(value: str | None) -> int | None:
    """A request's ``Content-Length`` as a number of bytes, or None if it is missing or not
    plain decimal digits (a sign, spaces, hex, or more digits than any body this server reads)."""
    if value is None or not re.fullmatch(r"[0-9]{1,18}", value):
        return None
    return int(value)


def _no_constant(name: str) -> Any:
    raise InputError(f"{name} is not JSON")


def parse_rpc_body(body: bytes) -> Any:
    """The request body as JSON (``ValueError`` if it is not, or is nested too deep; ``NaN``
    and ``Infinity``, which Python accepts and JSON does not, are refused too)."""
    if json_too_deep(body):
        raise InputError(f"nested more than {MAX_JSON_DEPTH} deep")
    return json.loads(body, parse_constant=_no_constant)


def raw_transactions(payload: Any) -> list[Any]:
    """The signed transactions of every ``eth_sendRawTransaction`` in a call or a batch."""
    calls = payload if isinstance(payload, list) else [payload]
    out = []
    for call in calls:
        if isinstance(call, dict) and call.get("method") == "eth_sendRawTransaction":
            params = call.get("params")
            out.append(params[0] if isinstance(params, list) and params else None)
    return out


def raw_refusal(raws: Iterable[Any], node_accounts: Iterable[str]) -> str | None:
    """Why signed transactions are not forwarded where the node's accounts are not offered, or
    None: one is not a readable legacy, EIP-2930 or EIP-1559 transaction, or is signed by one of
    ``node_accounts`` (a local node's keys are public: Anvil's come from a well-known mnemonic)."""
    import rlp
    from eth_account import Account
    from eth_keys.exceptions import BadSignature

    theirs = {a.lower() for a in node_accounts}
    for raw in raws:
        if not (isinstance(raw, str) and re.fullmatch(r"0x(?:[0-9a-fA-F]{2})+", raw)):
            return "eth_sendRawTransaction needs a signed transaction as 0x-prefixed hex"
        first = int(raw[2:4], 16)
        kind = 0 if first >= 0xC0 else first
        if kind not in RAW_TX_TYPES:
            return (
                f"a type-{kind} transaction is not forwarded beyond this machine "
                "(legacy, EIP-2930 and EIP-1559 transactions are)"
            )
        try:
            sender = Account.recover_transaction(raw)
        except (ValueError, TypeError, rlp.exceptions.RLPException, BadSignature):
            return "the signed transaction cannot be read (no sender can be recovered from it)"
        if sender.lower() in theirs:
            return (
                f"the transaction is signed by the node's account {sender}, whose key is public: "
                "the node's accounts are not offered beyond this machine"
            )
    return None


def make_handler(
    node: str,
    dist: Path,
    dirs: Sequence[Path],
    node_accounts: bool = True,
    host_names: Sequence[str] = (),
) -> type:
    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(dist), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:  # quiet by default
            pass

        def end_headers(self) -> None:
            for name, value in SECURITY_HEADERS:
                self.send_header(name, value)
            super().end_headers()

        def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _refuse(self, status: int, message: str, rpc_id: Any = None) -> None:
            body = {"jsonrpc": "2.0", "id": rpc_id, "error": {"code": -32000, "message": message}}
            self._send(status, json.dumps(body).encode())

        def _foreign(self, files: bool = False) -> str | None:
            """Why this request does not come from the page itself, or None. For the page's
            ``files``, only the host counts: a link from another site may open the page."""
            host = self.headers.get("Host")
            if not host_allowed(host, host_names):
                return f"host {host!r} is not this server's (DNS rebinding?)"
            if files:
                return None
            origin = self.headers.get("Origin")
            if origin is not None and origin != f"http://{host}":
                return f"requests from {origin} are refused: only the page itself may use /rpc"
            if self.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site"):
                return "requests from another site are refused"
            return None

        def do_GET(self) -> None:
            api = self.path.split("?")[0] == "/api/deployments"
            if why := self._foreign(files=not api):
                self._refuse(403, why)
                return
            if api:
                try:
                    body = json.dumps(live_manifests(node, dirs)).encode()
                except (OSError, WebError, ValueError) as exc:
                    body = json.dumps({"error": f"the node at {node} did not answer: {exc}"})
                    self._send(502, body.encode())
                    return
                self._send(200, body)
                return
            super().do_GET()

        def do_HEAD(self) -> None:
            if why := self._foreign(files=True):
                self._refuse(403, why)
                return
            super().do_HEAD()

        def do_POST(self) -> None:
            if self.path != "/rpc":
                self._send(404, b'{"error":"not found"}')
                return
            if why := self._foreign():
                self._refuse(403, why)
                return
            kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if kind != "application/json":
                self._refuse(415, "send JSON-RPC as application/json")
                return
            # A body that is not read must not be taken for the next request on the connection.
            length = content_length(self.headers.get("Content-Length"))
            if not length:
                self.close_connection = True
                self._refuse(400, "the request needs a Content-Length of 1 or more bytes")
                return
            if length > MAX_RPC_BODY:
                self.close_connection = True
                self._refuse(413, f"the request is larger than {MAX_RPC_BODY} bytes")
                return
            body = self.rfile.read(length)
            try:
                payload = parse_rpc_body(body)
            except ValueError as exc:
                self._refuse(400, f"the body is not JSON-RPC ({exc})")
                return
            rpc_id = payload.get("id") if isinstance(payload, dict) else None
            if not node_accounts and rpc_id is not None and payload.get("method") == "eth_accounts":
                # No test accounts to offer: the page shows the browser wallet alone.
                answer = {"jsonrpc": "2.0", "id": rpc_id, "result": []}
                self._send(200, json.dumps(answer).encode())
                return
            if why := rpc_refusal(payload, node_accounts):
                self._refuse(403, why, rpc_id)
                return
            if not node_accounts and (raws := raw_transactions(payload)):
                try:
                    theirs = rpc_call(node, "eth_accounts", [])
                except (OSError, WebError, ValueError) as exc:
                    self._refuse(502, f"the node at {node} did not answer: {exc}", rpc_id)
                    return
                if why := raw_refusal(raws, theirs):
                    self._refuse(403, why, rpc_id)
                    return
            # What was checked is what the node reads: the parsed call written out again, not
            # the bytes received (two parsers may disagree on those, e.g. on a repeated key).
            forward = json.dumps(payload, separators=(",", ":")).encode()
            request = urllib.request.Request(
                node, data=forward, headers={"Content-Type": "application/json"}, method="POST"
            )
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    self._send(response.status, response.read())
            except urllib.error.HTTPError as exc:
                self._send(exc.code, exc.read())
            except OSError as exc:
                message = json.dumps({"error": f"the node at {node} did not answer: {exc}"})
                self._send(502, message.encode())

    return Handler


def export_static(
    out: Path,
    node: str,
    rpc: str,
    dist: Path = DIST,
    dirs: Sequence[Path] | None = None,
) -> Path:
    """The page as plain files for any static host: ``dist`` copied to ``out``, and
    ``out/api/deployments`` holding the live manifests of ``node``'s chain and ``rpc``, the
    public JSON-RPC endpoint the visitors' browsers read from (it must allow CORS). There is no
    proxy and no node account: visitors send with their own wallet."""
    import shutil

    if not (dist / "index.html").is_file():
        raise WebError(f"{dist}/index.html is missing: build the page first (make web-build)")
    if not re.match(r"^https?://", rpc):
        raise WebError(
            f"--rpc must be an http(s) URL the visitors' browsers can reach, not {rpc!r}"
        )
    body = live_manifests(node, manifest_dirs() if dirs is None else dirs)
    shutil.copytree(dist, out, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".built"))
    (out / "api").mkdir(exist_ok=True)
    (out / "api" / "deployments").write_text(json.dumps({**body, "rpc": rpc}))
    return out


class Server:
    """The page's HTTP server in a background thread (``start``/``stop``), or in the
    foreground (``serve_forever``)."""

    def __init__(
        self,
        node: str,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        dist: Path = DIST,
        dirs: Sequence[Path] | None = None,
        node_accounts: bool | None = None,
    ) -> None:
        if not (dist / "index.html").is_file():
            raise WebError(f"{dist}/index.html is missing: build the page first (make web-build)")
        #: Whether the page may send from the node's unlocked accounts: only when the server
        #: listens on this machine alone (default), never for visitors from elsewhere.
        self.node_accounts = loopback(host) if node_accounts is None else node_accounts
        names = () if _is_ip(host) else (host,)
        handler = make_handler(
            node,
            dist,
            list(dirs) if dirs is not None else manifest_dirs(),
            self.node_accounts,
            names,
        )
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> Server:
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self.thread:
            self.thread.join(timeout=5)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sharedmodels.runs.web")
    sub = parser.add_subparsers(dest="command", required=True)
    assets = sub.add_parser("assets", help="Export ABIs and Unicode tables for the bundle.")
    assets.add_argument("--out", type=Path, default=ASSETS)
    args = parser.parse_args(argv)
    try:
        paths = write_assets(args.out)
    except WebError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("web assets: " + ", ".join(str(p.relative_to(ROOT)) for p in paths), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
