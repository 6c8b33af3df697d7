"""A user's first day (issue 28), each step as the user ran it: a subprocess per command.

Deploying with no standing node, restarting ``make node`` at once, a stale manifest whose
address now holds another model, and moving the clock to try a refund.
"""

import json
import os
import re
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from anvil_helpers import free_port, own_anvil

from sharedmodels.rpc.reads import RPC

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TEXTS = [
    ("A warm, funny and beautifully acted story that stays with you.", 1),
    ("Two hours of my life I will never get back; dull and lifeless.", 0),
    ("The score soars, the cast shines, and the ending earns every tear.", 1),
    ("Clumsy dialogue, a plot full of holes and jokes that never land.", 0),
]


def run(node: str, *args: str, check: bool = True, timeout: int = 600):
    """``ape run ARGS`` with ``APE_FOUNDRY_HOST=node``, as a user in a second shell."""
    env = {
        **os.environ,
        "APE_FOUNDRY_HOST": node,
        "PATH": f"{ROOT / 'bin'}:{ROOT / 'node_modules/.bin'}:{BIN}:{os.environ['PATH']}",
        "PYTHONWARNINGS": "ignore:Field 'import_remapping'",
    }
    proc = subprocess.run(
        [str(BIN / "ape"), "run", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        pytest.fail(f"ape run {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return proc


def one_error_line(proc) -> str:
    assert proc.returncode == 1, proc.stdout + proc.stderr
    (line,) = proc.stderr.splitlines()
    assert line.startswith("error: ")
    return line


@pytest.fixture(scope="module")
def reviews(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("first_day") / "reviews.csv"
    path.write_text("text,label\n" + "".join(f'"{t}",{y}\n' for t, y in TEXTS * 2))
    return path


def _default_manifests() -> dict[str, bytes]:
    folder = ROOT / "deployments"
    return {p.name: p.read_bytes() for p in folder.glob("ethereum_local*.json")}


# ---------------------------------------------------------------- 1. deploy to a vanishing chain


def test_deploy_without_a_standing_node_refuses_before_writing(tmp_path):
    uri = f"http://127.0.0.1:{free_port()}"  # nothing listens: Ape would start its own Anvil
    manifests = _default_manifests()
    manifest = tmp_path / "m.json"
    proc = run(uri, "deploy", "--n-features", "1024", "--manifest", str(manifest), check=False)
    line = one_error_line(proc)
    assert f"no node is standing at {uri}" in line and "make node PORT=" in line, line
    assert "--throwaway" in line
    assert proc.stdout == ""
    assert not manifest.exists()
    assert _default_manifests() == manifests

    asked = run(uri, "deploy", "--n-features", "1024", "--throwaway")
    assert "deployed PerceptronStake" in asked.stdout
    assert asked.stdout.splitlines()[-1].startswith("throwaway chain: it stops when this command")
    assert "manifest:" not in asked.stdout
    assert _default_manifests() == manifests  # nothing that would be stale a second later


# ---------------------------------------------------------------- 2 and 10. make node


def _node(port: int, *flags: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "sharedmodels.rpc.node", "--port", str(port), *flags],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _answering(url: str, proc: subprocess.Popen) -> RPC:
    rpc = RPC(url, timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the node exited {proc.returncode}: {proc.stderr.read()}")
        try:
            rpc.call("eth_chainId", [])
            return rpc
        except Exception:
            time.sleep(0.05)
    pytest.fail(f"no node answered at {url}")


def test_make_node_restarts_right_after_a_stop_and_is_quiet():
    """Stop a node that served requests (its connections linger in TIME_WAIT), start it again
    at once: it starts (it was refused for about a minute). Its log is quiet unless asked."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    for flags in ((), (), ("--log",)):
        proc = _node(port, *flags)
        try:
            rpc = _answering(url, proc)
            for _ in range(5):
                rpc.call("eth_blockNumber", [])
        finally:
            proc.terminate()
            out, err = proc.communicate(timeout=10)
        if flags:
            assert "eth_blockNumber" in out  # LOG=1: Anvil's own log of every call
        else:
            assert "eth_blockNumber" not in out + err
            assert "LOG=1" in err
            assert len((out + err).splitlines()) <= 5, out + err


# ---------------------------------------------------------------- 3. the wrong contract


def test_stale_manifest_whose_address_holds_another_model_is_refused(tmp_path, reviews):
    """A node restarted from scratch reuses addresses: the Perceptron's manifest now points at
    a Naive Bayes model. predict and status refuse in one line (they answered from it)."""
    perceptron, bayes = tmp_path / "perceptron.json", tmp_path / "bayes.json"
    common = ("--pretrain", f"csv:{reviews}", "--n-features", "1024")
    with own_anvil() as rpc:
        start = rpc.call("evm_snapshot", [])
        run(rpc.url, "deploy", "--model", "perceptron", *common, "--manifest", str(perceptron))
        rpc.call("evm_revert", [start])  # as a restart does: the same addresses come again
        run(rpc.url, "deploy", "--model", "naive_bayes", *common, "--manifest", str(bayes))
        address = json.loads(perceptron.read_text())["address"]
        assert json.loads(bayes.read_text())["address"] == address
        block = rpc.call("eth_blockNumber", [])
        for args in (("predict", "--text", TEXTS[0][0]), ("status",)):
            proc = run(rpc.url, *args, "--manifest", str(perceptron), check=False)
            line = one_error_line(proc)
            assert f"{address} holds a NaiveBayesStake, not the PerceptronStake" in line, line
            assert proc.stdout == ""
        assert rpc.call("eth_blockNumber", []) == block  # nothing sent
        assert "PerceptronStake" not in run(rpc.url, "status", "--manifest", str(bayes)).stdout


# ---------------------------------------------------------------- 4 and 6. deposits, funds


ADDED = re.compile(r"^#(\d+): label \w+, deposit ([\d.]+) ETH, gas [\d,]+$")


def test_deposits_are_shown_first_and_never_above_the_cap(tmp_path, reviews):
    """contribute --limit 20 paid 3.6 ETH a sample (the deposit of the same second) where
    deploy had said 0.06: now a batch that would pay above the cap is refused before sending,
    and a paced one waits so each deposit stays at most the cap."""
    manifest = tmp_path / "m.json"
    args = ("--dataset", f"csv:{reviews}", "--manifest", str(manifest))
    with own_anvil() as rpc:
        run(rpc.url, "deploy", "--n-features", "1024", "--manifest", str(manifest))
        address = json.loads(manifest.read_text())["address"]
        block = rpc.call("eth_blockNumber", [])
        burst = run(rpc.url, "contribute", *args, "--limit", "4", check=False)
        line = one_error_line(burst)
        assert "a batch of 4 sent at once pays 3.600000 ETH for each sample after the first" in line
        assert "above the cap of 0.514286 ETH per sample (--max-deposit)" in line, line
        assert "--pace" in line and "--max-deposit 3.600000 to pay it" in line
        assert rpc.call("eth_blockNumber", []) == block  # nothing sent

        paced = run(rpc.url, "contribute", *args, "--limit", "3", "--max-deposit", "1.8", "--pace")
        out = paced.stdout.splitlines()
        assert out[0].startswith("deposit now ") and "cap 1.800000 ETH per sample" in out[0]
        assert out[1].startswith("3 samples paced") and "at most 5.400000 ETH" in out[1], out
        deposits = [Decimal(m[2]) for ln in out if (m := ADDED.match(ln))]
        assert len(deposits) == 3 and all(d <= Decimal("1.8") for d in deposits), out
        held = int(rpc.call("eth_getBalance", [address, "latest"]), 16)
        assert held <= 3 * 18 * 10**17
        assert abs(held - sum(deposits) * 10**18) <= 3 * 10**12  # the printed 6 decimals

        # One sample's deposit fits a 2 ETH balance, the batch's (at most 3.6 each) does not.
        # An hour passes first: right after the runs above, even one sample's deposit (priced at
        # the pending block, a second after the last contribution) is 3.6 ETH.
        rpc.call("evm_increaseTime", [3600])
        rpc.call("evm_mine", [])
        poor = rpc.call("eth_accounts", [])[7]
        rpc.call("anvil_setBalance", [poor, hex(2 * 10**18)])
        block = rpc.call("eth_blockNumber", [])
        batch = ("--limit", "5", "--account", "TEST::7", "--max-deposit", "3.6")
        line = one_error_line(run(rpc.url, "contribute", *args, *batch, check=False))
        assert line.lower().startswith(
            f"error: insufficient funds for the batch: {poor.lower()} has 2.000000 eth"
        ), line
        assert rpc.call("eth_blockNumber", []) == block


def test_node_killed_mid_command_is_one_line(tmp_path, reviews):
    """The node stops while a paced run waits between samples: one line saying so (it was
    RemoteDisconnected's traceback), and what landed before is on the chain's record."""
    manifest = tmp_path / "m.json"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    node = subprocess.Popen(
        [str(ROOT / "bin" / "anvil"), "--port", str(port), "--silent"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        rpc = _answering(url, node)
        run(url, "deploy", "--n-features", "1024", "--manifest", str(manifest))
        start = int(rpc.call("eth_blockNumber", []), 16)
        args = ("--dataset", f"csv:{reviews}", "--limit", "4", "--manifest", str(manifest))
        proc = subprocess.Popen(
            [str(BIN / "ape"), "run", "contribute", *args, "--max-deposit", "1.2", "--pace"],
            cwd=ROOT,
            env={**os.environ, "APE_FOUNDRY_HOST": url, "PYTHONWARNINGS": "ignore"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 120
        while int(rpc.call("eth_blockNumber", []), 16) == start:  # the first sample landed
            assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
            time.sleep(0.2)
        node.terminate()  # the run now waits ~9 s for the deposit to fall
        node.wait(timeout=10)
        out, err = proc.communicate(timeout=120)
    finally:
        node.kill()
        node.wait()
    assert proc.returncode == 1, out + err
    line = err.strip().splitlines()[-1]
    assert line == (
        f"error: lost the node at {url}: it stopped or restarted mid-command; what it mined "
        "before stays on chain (contribute: a rerun with the same arguments resumes)"
    ), err
    assert "Traceback" not in err


def test_a_misspelt_dataset_is_a_usage_error():
    proc = run("http://127.0.0.1:1", "contribute", "--dataset", "rtt", check=False)
    assert proc.returncode == 2
    (line,) = proc.stderr.splitlines()
    assert line.startswith("error: Invalid value for '--dataset': bad dataset spec 'rtt'; ")


# ---------------------------------------------------------------- 8. several texts


def test_several_texts_echo_each_with_its_probability(tmp_path, reviews):
    manifest = tmp_path / "m.json"
    long = "An absolutely gorgeous, witty and warm film, " * 3
    with own_anvil() as rpc:
        deployed = (
            "--model",
            "naive_bayes",
            "--pretrain",
            f"csv:{reviews}",
            "--n-features",
            "1024",
        )
        run(rpc.url, "deploy", *deployed, "--manifest", str(manifest))
        texts = ("a warm, funny story", "dull and lifeless", long)
        args = [a for t in texts for a in ("--text", t)]
        proc = run(rpc.url, "predict", *args, "--manifest", str(manifest))
        shape = re.compile(r"^(neg|pos) \([01]\)  probability (0\.\d{3}|1\.000)  (.+)$")
        answers = [shape.match(ln) for ln in proc.stdout.splitlines()]
        assert len(answers) == 3 and all(answers), proc.stdout
        assert [m[3] for m in answers[:2]] == list(texts[:2])
        assert answers[2][3] == " ".join(long.split())[:59] + "…"
        assert all(0.5 <= float(m[2]) <= 1 for m in answers)  # the answer is the likelier class

        emoji = ("predict", *args[:2], "--text", "😀🎬", *args[2:], "--manifest", str(manifest))
        emoji = run(rpc.url, *emoji, check=False)
        assert emoji.returncode == 2 and emoji.stdout == ""  # refused before any answer
        (line,) = emoji.stderr.splitlines()
        assert line.startswith("error: --text '😀🎬' (text 2 of 4) has no words the model reads")


# ---------------------------------------------------------------- 9. ape console


CONSOLE = """\
contribute("a warm, funny story", "positive")
refund(1)
chain.pending_timestamp += 61
chain.mine()
got = refund(1)
print("returned", repr(got))
contribute("a warm, funny story", "great")
refund(99)
"""


def test_console_helpers_refuse_in_one_line_and_speak_eth(tmp_path, reviews):
    manifest = tmp_path / "m.json"
    waits = ("--refund-wait", "60", "--owner-wait", "120", "--any-wait", "240")
    with own_anvil() as rpc:
        common = ("--pretrain", f"csv:{reviews}", "--n-features", "1024", *waits)
        run(rpc.url, "deploy", *common, "--manifest", str(manifest))
        env = {
            **os.environ,
            "APE_FOUNDRY_HOST": rpc.url,
            "SHAREDMODELS_MANIFEST": str(manifest),
            "PATH": f"{ROOT / 'bin'}:{BIN}:{os.environ['PATH']}",
            "PYTHONWARNINGS": "ignore",
        }
        proc = subprocess.run(
            [str(BIN / "ape"), "console", "--network", "ethereum:local:foundry"],
            input=CONSOLE,
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out and "INFO" not in out, out
    assert re.search(r"#1: deposit \d+\.\d{6} ETH, gas [\d,]+", out), out
    assert "error: cannot refund contribution #1: too early" in out, out
    assert re.search(r"#1: \d+\.\d{6} ETH received, gas [\d,]+", out), out
    assert re.search(r"returned Decimal\('[\d.]+'\)", out), out
    assert "error: unknown class 'great': choose one of ['neg', 'pos']" in out
    assert "error: no contribution #99 (ids are 1 to 1)" in out


# ---------------------------------------------------------------- 12. the clock


def test_advance_moves_the_clock_so_a_refund_can_be_tried(tmp_path, reviews):
    manifest = tmp_path / "m.json"
    with own_anvil() as rpc:
        args = ("--manifest", str(manifest))
        run(rpc.url, "deploy", "--pretrain", f"csv:{reviews}", "--n-features", "1024", *args)
        one = ("--dataset", f"csv:{reviews}", "--limit", "1", "--max-deposit", "3.6", "--quiet")
        run(rpc.url, "contribute", *one, *args)
        early = run(rpc.url, "refund", "--all", *args)
        assert "0 of 1 contributions eligible to refund now" in early.stdout
        before = int(rpc.call("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)
        moved = run(rpc.url, "advance", "--days", "1")
        assert moved.stdout.startswith("clock moved 1 day: now block ")
        after = int(rpc.call("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)
        assert after - before >= 86_400
        refund = run(rpc.url, "refund", "--all", *args)
        assert "1 of 1 contributions eligible to refund now" in refund.stdout, refund.stdout


def test_advance_refuses_what_it_cannot_do():
    uri = f"http://127.0.0.1:{free_port()}"  # no standing node: the time would go nowhere
    line = one_error_line(run(uri, "advance", "--hours", "1", check=False))
    assert f"no node is standing at {uri}" in line
    nothing = run(uri, "advance", check=False)
    assert nothing.returncode == 2
    assert nothing.stderr.startswith("error: give how far to move")


# ---------------------------------------------------------------- 7. the federated demo's accounts


def test_federated_demo_passes_over_an_emptied_test_account(accounts, chain):
    """It crashed with AccountsError when a test account had been emptied earlier."""
    from sharedmodels.federated.demo import FUNDED, NotFunded, participants

    emptied = accounts[3]
    chain.provider.set_balance(emptied.address, 0)
    people = participants(accounts, 11)
    assert len(people) == 11 and emptied not in people
    assert all(int(p.balance) >= FUNDED for p in people)

    for a in accounts:
        chain.provider.set_balance(a.address, 5 * 10**18)
    with pytest.raises(NotFunded, match="the demo needs 11 accounts with 10 ETH each"):
        participants(accounts, 11)
