"""The newcomer's workflow: one standing node, then one ``ape run`` per step, each its own process.

A test node (``bin/anvil`` on a free port, as ``make node`` runs it) stands for the whole module;
every script is a subprocess with ``APE_FOUNDRY_HOST`` pointing at it, which makes ape-foundry
connect to that node instead of starting (and at exit stopping) one of its own. State written by
one process (the deployment, then contributions) must be there for the next.

PATH puts ``node_modules/.bin`` before ``bin/`` on purpose: the scripts must still use the
project's Anvil (``sharedmodels.rpc.node.prefer_repo_anvil``).

The fork test runs ``python -m sharedmodels.rpc.node`` (what ``make node FORK_URL=…`` runs)
against an upstream node holding a deployment, and uses that deployment from the fork.
"""

import contextlib
import csv
import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from anvil_helpers import free_port, own_anvil

from sharedmodels.rpc.reads import RPC

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
#: Written for these tests; label 1 is positive.
REVIEWS = [
    ("A warm, funny and beautifully acted story that stays with you.", 1),
    ("Two hours of my life I will never get back; dull and lifeless.", 0),
    ("The score soars, the cast shines, and the ending earns every tear.", 1),
    ("Clumsy dialogue, a plot full of holes and jokes that never land.", 0),
]
PREDICTED = re.compile(r"^(neg|pos) \([01]\)$")


def env_for(node: str) -> dict[str, str]:
    return {
        **os.environ,
        "APE_FOUNDRY_HOST": node,
        # The wrong order on purpose (see the module docstring).
        "PATH": f"{ROOT / 'node_modules/.bin'}:{ROOT / 'bin'}:{BIN}:{os.environ['PATH']}",
        "PYTHONWARNINGS": "ignore:Field 'import_remapping'",
    }


def ape_run(node: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [str(BIN / "ape"), "run", *args],
        cwd=ROOT,
        env=env_for(node),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check and proc.returncode != 0:
        pytest.fail(
            f"ape run {' '.join(args)} exited {proc.returncode}:\n"
            f"{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
        )
    return proc


@pytest.fixture(scope="module")
def reviews_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("newcomer") / "reviews.csv"
    path.write_text("text,label\n" + "".join(f'"{t}",{y}\n' for t, y in REVIEWS * 2))
    return path


def deploy(node: str, manifest: Path, reviews_csv: Path) -> subprocess.CompletedProcess:
    return ape_run(
        node,
        "deploy",
        "--n-features",
        "1024",
        "--pretrain",
        f"csv:{reviews_csv}",
        "--manifest",
        str(manifest),
    )


def test_deploy_then_each_step_in_its_own_process(tmp_path, reviews_csv):
    manifest = tmp_path / "m.json"
    with own_anvil() as rpc:
        node = rpc.url
        deployed = deploy(node, manifest, reviews_csv)
        assert "deployed PerceptronStake (perceptron, incentive stake) at 0x" in deployed.stdout
        # Quiet by default: Ape's per-transaction INFO lines are not shown.
        assert "Confirmed" not in deployed.stdout + deployed.stderr
        assert manifest.is_file()
        after_deploy = int(rpc.call("eth_blockNumber", []), 16)

        predicted = ape_run(node, "predict", "--text", REVIEWS[0][0], "--manifest", str(manifest))
        assert PREDICTED.match(predicted.stdout.strip()), predicted.stdout

        contributed = ape_run(
            node,
            "contribute",
            "--dataset",
            f"csv:{reviews_csv}",
            "--limit",
            "3",
            "--max-deposit",
            "3.6",
            "--quiet",
            "--manifest",
            str(manifest),
        )
        assert "ids 1-3" in contributed.stdout

        status = ape_run(node, "status", "--manifest", str(manifest))
        assert "contributions 3: waiting 3" in status.stdout
        assert "wei check ok" in status.stdout

        refund = ape_run(node, "refund", "--all", "--manifest", str(manifest))
        assert "0 of 3 contributions eligible to refund now" in refund.stdout

        # Still the same node, with everything on it.
        assert int(rpc.call("eth_chainId", []), 16) == 31337
        assert int(rpc.call("eth_blockNumber", []), 16) > after_deploy


@pytest.fixture(scope="module")
def standing(tmp_path_factory, reviews_csv):
    """(RPC to a module-wide node, the manifest of a deployment on it)."""
    manifest = tmp_path_factory.mktemp("standing") / "m.json"
    with own_anvil() as rpc:
        deploy(rpc.url, manifest, reviews_csv)
        yield rpc, manifest


def test_verbosity_info_shows_ape_log(tmp_path, standing):
    rpc, _ = standing
    args = ("deploy", "-v", "INFO", "--n-features", "1024", "--manifest", str(tmp_path / "m.json"))
    proc = ape_run(rpc.url, *args)
    assert "Confirmed" in proc.stdout + proc.stderr


def _journal_files() -> set[Path]:
    folder = ROOT / "deployments" / "journal"
    return set(folder.rglob("*")) if folder.is_dir() else set()


FAILURES = [
    (["contribute", "--dataset", "rt", "--limit", "0"], "--limit 0 selects no samples"),
    (
        ["contribute", "--dataset", "rt", "--offset", "99999999"],
        "--offset 99999999 is past the end of rt",
    ),
    (["predict", "--dataset", "rt", "--limit", "0"], "--limit 0 selects no samples"),
    (["predict", "--dataset", "rt", "--offset", "99999999"], "past the end of rt"),
    (
        ["deploy", "--pretrain", "rt", "--pretrain-offset", "99999999"],
        "--pretrain-offset 99999999 is past the end of rt",
    ),
    (
        ["contribute", "--dataset", "rt", "--limit", "1", "--account", "TEST::99"],
        "no test account 'TEST::99'",
    ),
    (["predict", "--text", ""], "--text is empty"),
    (["predict", "--text", "  "], "--text is empty"),
    (["predict", "--text", "?!"], "has no words the model reads"),
    (["predict", "--text", "fine", "--text", ""], "--text is empty"),
]


@pytest.mark.parametrize("args,message", FAILURES, ids=lambda v: " ".join(v)[:40])
def test_mistakes_are_one_line_and_cost_nothing(standing, args, message):
    rpc, manifest = standing
    block = rpc.call("eth_blockNumber", [])
    journals = _journal_files()
    proc = ape_run(rpc.url, *args, "--manifest", str(manifest), check=False)
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()], proc.stderr[-2000:]
    assert proc.stderr.startswith("error: ") and message in proc.stderr, proc.stderr
    assert proc.stdout == ""
    assert rpc.call("eth_blockNumber", []) == block  # nothing sent
    assert _journal_files() == journals  # nothing written


def test_non_utf8_text_is_refused(standing):
    rpc, manifest = standing
    proc = subprocess.run(
        [str(BIN / "ape"), "run", "predict", "--manifest", str(manifest), "--text", b"bad \xff"],
        cwd=ROOT,
        env=env_for(rpc.url),
        capture_output=True,
        timeout=600,
    )
    assert proc.returncode == 2  # a usage error
    assert proc.stderr.decode() == "error: --text is not valid UTF-8\n"


def test_several_texts_one_answer_each(standing):
    rpc, manifest = standing
    texts = [t for t, _ in REVIEWS[:3]]
    args = [a for t in texts for a in ("--text", t)]
    proc = ape_run(rpc.url, "predict", *args, "--manifest", str(manifest))
    answers = proc.stdout.splitlines()
    # Each text echoed (cut to 60 characters) beside its class and the Perceptron's score.
    echoed = [re.match(r"^((?:neg|pos) \([01]\))  score [+-]\d+\.\d{3}  (.+)$", a) for a in answers]
    assert len(answers) == 3 and all(echoed), proc.stdout
    assert [m[2] for m in echoed] == [t if len(t) <= 60 else t[:59] + "…" for t in texts]
    single = ape_run(rpc.url, "predict", "--text", texts[1], "--manifest", str(manifest))
    assert single.stdout.strip() == echoed[1][1]


def test_unlabelled_csv_gets_per_row_predictions(standing, tmp_path):
    rpc, manifest = standing
    texts = tmp_path / "texts.csv"
    texts.write_text("text\n" + "".join(f'"{t}"\n' for t, _ in REVIEWS))
    to_stdout = ape_run(
        rpc.url, "predict", "--dataset", f"csv:{texts}", "--manifest", str(manifest)
    )
    rows = list(csv.DictReader(io.StringIO(to_stdout.stdout)))
    assert [r["text"] for r in rows] == [t for t, _ in REVIEWS]
    assert [r["row"] for r in rows] == ["1", "2", "3", "4"]
    assert all(r["class"] == ("neg", "pos")[int(r["label"])] for r in rows)
    out = tmp_path / "preds.csv"
    args = ("predict", "--dataset", f"csv:{texts}", "--out", str(out), "--manifest", str(manifest))
    to_file = ape_run(rpc.url, *args)
    assert to_file.stdout.strip() == f"predictions: 4 of 4 rows written to {out}"
    assert list(csv.DictReader(out.open())) == rows


def _node_process(port: int, *flags: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "sharedmodels.rpc.node", "--port", str(port), *flags],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(url: str, proc: subprocess.Popen) -> RPC:
    rpc = RPC(url, timeout=30)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the node exited {proc.returncode}: {proc.stderr.read()}")
        try:
            rpc.call("eth_chainId", [])
            return rpc
        except Exception:
            time.sleep(0.1)
    pytest.fail(f"no node answered at {url}")


def test_fork_node_uses_upstream_deployment(tmp_path, reviews_csv):
    manifest = tmp_path / "m.json"
    with own_anvil("--chain-id", "1") as upstream:
        deploy(upstream.url, manifest, reviews_csv)
        port = free_port()
        proc = _node_process(port, "--fork-url", upstream.url)
        try:
            fork = f"http://127.0.0.1:{port}"
            rpc = _wait_for(fork, proc)
            assert int(rpc.call("eth_chainId", []), 16) == 1  # the upstream's
            predicted = ape_run(
                fork, "predict", "--text", REVIEWS[1][0], "--manifest", str(manifest)
            )
            assert PREDICTED.match(predicted.stdout.strip()), predicted.stdout
            ape_run(
                fork,
                "contribute",
                "--dataset",
                f"csv:{reviews_csv}",
                "--limit",
                "2",
                "--max-deposit",
                "3.6",
                "--quiet",
                "--manifest",
                str(manifest),
            )
            on_fork = ape_run(fork, "status", "--manifest", str(manifest))
            assert "contributions 2: waiting 2" in on_fork.stdout
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        # What was contributed on the fork stays on the fork.
        upstream_status = ape_run(upstream.url, "status", "--manifest", str(manifest))
        assert "contributions 0" in upstream_status.stdout


def test_fork_of_unreachable_upstream_is_one_line():
    proc = _node_process(free_port(), "--fork-url", f"http://127.0.0.1:{free_port()}")
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert stderr.splitlines() == [stderr.splitlines()[0]]
    assert stderr.startswith("error: cannot reach fork URL http://127.0.0.1:")


@pytest.mark.parametrize("script", ["status", "deploy", "refund --all", "market status"])
def test_unreachable_network_is_one_line(script):
    """Nothing listens at the URI: one line (no retries, no traceback)."""
    uri = f"http://127.0.0.1:{free_port()}"
    proc = ape_run(uri, *script.split(), "--network", uri, check=False)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"error: cannot connect: No (supported) node found on '{uri}'."
    ]


def test_public_network_offline_is_one_line():
    """ethereum:sepolia from a machine without internet: Ape's ten retries are not shown. (With
    internet the connection works, and the missing deployment is the one line instead.)"""
    proc = ape_run("http://127.0.0.1:1", "status", "--network", "ethereum:sepolia", check=False)
    assert proc.returncode == 1
    (line,) = proc.stderr.splitlines()
    assert line.startswith("error: ")
    assert "retrying" not in proc.stdout + proc.stderr


def _tracked_outputs() -> dict[Path, bytes]:
    """The committed files a benchmark script could rewrite, with their contents."""
    paths = [ROOT / "BENCHMARKS.md", ROOT / "README.md", *(ROOT / "bench").rglob("*")]
    return {p: p.read_bytes() for p in paths if p.is_file()}


def test_benchmark_scripts_write_only_with_out(standing, tmp_path):
    rpc, _ = standing
    before = _tracked_outputs()
    quick = ape_run(rpc.url, "throughput", "--samples", "50", "--quiet")
    assert "not saved: pass --out PATH" in quick.stdout
    gas = ape_run(rpc.url, "gas", "--model", "ncc")
    assert "not saved: pass --model-out PATH" in gas.stdout
    assert _tracked_outputs() == before

    table = tmp_path / "BENCH.md"
    table.write_text("<!-- bench:throughput -->\nold\n<!-- /bench:throughput -->\n")
    out = tmp_path / "t.json"
    args = ("--samples", "20", "--quiet", "--out", str(out), "--benchmarks", str(table))
    saved = ape_run(rpc.url, "throughput", *args)
    assert f"written: {out}" in saved.stdout
    assert out.is_file()
    assert "fast path" in table.read_text()
    assert _tracked_outputs() == before


def _wallet(rpc: RPC, address: str) -> tuple[str, str]:
    """(balance, nonce) of ``address``: both unchanged means it sent and paid for nothing."""
    return (
        rpc.call("eth_getBalance", [address, "latest"]),
        rpc.call("eth_getTransactionCount", [address, "latest"]),
    )


def _one_line_refusal(proc: subprocess.CompletedProcess, message: str) -> None:
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stderr.splitlines() == [f"error: {message}"], proc.stderr[-2000:]
    assert proc.stdout == ""


def test_deposit_above_balance_is_one_line(standing):
    """The default fast path, with a balance below one deposit: refused before anything is
    sent or journalled (it was ``RuntimeError: eth_sendRawTransaction: Insufficient funds``)."""
    rpc, manifest = standing
    poor = rpc.call("eth_accounts", [])[7]
    rpc.call("anvil_setBalance", [poor, hex(10**15)])  # 0.001 ETH; a deposit is more
    before, block, journals = _wallet(rpc, poor), rpc.call("eth_blockNumber", []), _journal_files()
    args = ("contribute", "--dataset", "rt", "--limit", "5", "--account", "TEST::7", "--quiet")
    proc = ape_run(rpc.url, *args, "--manifest", str(manifest), check=False)
    assert proc.returncode == 1
    (line,) = proc.stderr.splitlines()
    assert line.lower().startswith(f"error: insufficient funds: {poor} has 0.001000 eth"), line
    assert _wallet(rpc, poor) == before
    assert rpc.call("eth_blockNumber", []) == block
    assert _journal_files() == journals


def _market_create(csv_path: Path, folder: Path, *extra: str) -> tuple[str, ...]:
    return (
        "market",
        "create",
        "--dataset",
        f"csv:{csv_path}",
        "--test-size",
        "4",
        "--pieces",
        "2",
        "--pretrain",
        "0",
        "--secrets",
        str(folder / "secrets.json"),
        "--record",
        str(folder / "market.json"),
        *extra,
    )


@pytest.mark.parametrize(
    "extra,message",
    [
        (("--bounty", "100000000"), "insufficient funds: 0x"),
        (("--min-stake", "1e11"), "market: amount too large"),
    ],
    ids=["bounty above balance", "constructor reverts"],
)
def test_failed_market_create_leaves_nothing(standing, reviews_csv, tmp_path, extra, message):
    """A deployment that would fail is refused before it is sent: no secrets file, no record,
    nothing mined. (A create that fails after the contract exists keeps its secrets:
    tests/chain/test_market.py.)"""
    rpc, _ = standing
    provider = rpc.call("eth_accounts", [])[0]
    before, block = _wallet(rpc, provider), rpc.call("eth_blockNumber", [])
    proc = ape_run(rpc.url, *_market_create(reviews_csv, tmp_path, *extra), check=False)
    assert proc.returncode == 1
    (line,) = proc.stderr.splitlines()
    assert line.startswith(f"error: {message}"), line
    assert list(tmp_path.iterdir()) == []
    assert _wallet(rpc, provider) == before
    assert rpc.call("eth_blockNumber", []) == block


@pytest.fixture(scope="module")
def committed_market(standing, reviews_csv, tmp_path_factory):
    """(RPC, record path) of a market just created: committed, participation not open."""
    rpc, _ = standing
    folder = tmp_path_factory.mktemp("market")
    created = ape_run(rpc.url, *_market_create(reviews_csv, folder))
    assert (folder / "secrets.json").is_file() and "market     0x" in created.stdout
    return rpc, folder / "market.json"


#: Market calls before participation opens: (subcommand, account index, the contract's reason).
WRONG_PHASE = [
    (["end"], 0, "market: participation is not open"),
    (["step"], 2, "market: not in reward phase"),
    (["run-rewards"], 2, "market: not in reward phase"),
    (["collect"], 1, "market: not done"),
    (["forfeit"], 2, "market: not in reveal phase"),
    (["expire"], 2, "market: not in reward phase"),
    (
        ["reveal"],
        0,
        "market: not in a reveal phase (participation has not opened: reveal-init first)",
    ),
    (["contribute", "--dataset", "rt", "--limit", "2"], 1, "market: participation is not open"),
]


@pytest.mark.parametrize("args,who,reason", WRONG_PHASE, ids=lambda v: str(v).split(",")[0])
def test_market_call_in_wrong_phase_costs_nothing(committed_market, args, who, reason):
    """Checked with an ``eth_call`` first: the contract's reason in one line, and no
    transaction (it used to be mined, reverting, with a call trace on stdout)."""
    rpc, record = committed_market
    sender = rpc.call("eth_accounts", [])[who]
    before, block = _wallet(rpc, sender), rpc.call("eth_blockNumber", [])
    account = ("--account", f"TEST::{who}")
    proc = ape_run(rpc.url, "market", *args, *account, "--record", str(record), check=False)
    _one_line_refusal(proc, reason)
    assert _wallet(rpc, sender) == before  # balance and nonce: nothing sent, no gas
    assert rpc.call("eth_blockNumber", []) == block


@contextlib.contextmanager
def default_manifests_restored():
    """The network's default manifests (``deployments/ethereum_local*.json``) put back as they
    were when the block ends: the test below deploys without ``--manifest``."""
    folder = ROOT / "deployments"
    before = {p: p.read_bytes() for p in folder.glob("ethereum_local*.json")}
    try:
        yield
    finally:
        for p in folder.glob("ethereum_local*.json"):
            if p not in before:
                p.unlink()
        for p, data in before.items():
            p.write_bytes(data)


def test_several_models_deployed_need_model(reviews_csv):
    """One model deployed: commands use it. Several: a one-line refusal naming each (it used
    to act silently on the latest deployment of any model), until --model picks one."""
    with own_anvil() as rpc, default_manifests_restored():
        ape_run(rpc.url, "deploy", "--n-features", "1024")
        assert "model      perceptron: PerceptronStake" in ape_run(rpc.url, "status").stdout
        ape_run(rpc.url, "deploy", "--model", "naive_bayes", "--n-features", "1024")
        block = rpc.call("eth_blockNumber", [])
        for args in (("status",), ("predict", "--text", "a witty film")):
            proc = ape_run(rpc.url, *args, check=False)
            assert proc.returncode == 1 and proc.stdout == ""
            (line,) = proc.stderr.splitlines()
            assert re.fullmatch(
                r"error: 2 models are deployed on ethereum:local: naive_bayes \(0x[0-9a-fA-F]{40}, "
                r"the latest\), perceptron \(0x[0-9a-fA-F]{40}\); pass --model NAME \(or "
                r"--manifest PATH\)",
                line,
            ), line
        contribute = ("contribute", "--dataset", f"csv:{reviews_csv}", "--limit", "1", "--quiet")
        assert ape_run(rpc.url, *contribute, check=False).returncode == 1
        assert rpc.call("eth_blockNumber", []) == block  # nothing sent
        picked = ape_run(rpc.url, "status", "--model", "perceptron")
        assert "model      perceptron: PerceptronStake" in picked.stdout
