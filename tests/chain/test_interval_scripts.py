"""Scripts on a node that mines a block every second (the session's Anvil switched to interval
mining for the test, automine restored after): they say which mode they found, wait for their
receipts, and never make the node mine (no ``evm_mine``/``anvil_mine``); the clock of a dev
node is moved only by naming the next block's time (``evm_setNextBlockTimestamp``).

The scripts run in this process (click's runner), so the test costs block time, not Ape's
start-up: a one-round federated task with one participant, from ``open`` to ``status``.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sharedmodels.rpc.mining import ClockError, detect, move_clock, wait_for_receipts

ROOT = Path(__file__).resolve().parents[2]
NETWORK = ("--network", "ethereum:local:foundry")
INTERVAL = "mining: interval, a block every 1 s"
#: Methods that make a node mine: none may be called while it mines by itself.
MINING = {"evm_mine", "anvil_mine", "hardhat_mine", "evm_setAutomine"}


def script(name: str):
    spec = importlib.util.spec_from_file_location(f"iv_{name}", ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli


@pytest.fixture
def interval(chain, monkeypatch):
    """The session's Anvil mining every second, automine off; every method Ape asks of it
    is recorded. Automine again afterwards, whatever happens."""
    provider = chain.provider
    seen: list[str] = []
    plain = type(provider).make_request

    def recorded(self, method, parameters=None):
        seen.append(method)
        return plain(self, method, parameters)

    wait_for_receipts(provider)
    provider.make_request("evm_setIntervalMining", [1])
    provider.make_request("evm_setAutomine", [False])
    monkeypatch.setattr(type(provider), "make_request", recorded)
    try:
        assert detect(provider).mode == "interval"
        yield seen
    finally:
        monkeypatch.undo()
        provider.make_request("evm_setIntervalMining", [0])
        provider.make_request("evm_setAutomine", [True])


def fed(*args: str) -> str:
    r = CliRunner(mix_stderr=False).invoke(
        script("federated"), [*args, *NETWORK], prog_name="ape run federated"
    )
    assert r.exit_code == 0, (r.stdout[-2000:], r.stderr[-2000:])
    assert INTERVAL in r.stderr, r.stderr
    return r.stdout


def test_federated_round_on_interval_mining(interval, chain, tmp_path):
    rec = ("--record", str(tmp_path / "federated.json"))
    terms = "--rounds 1 --rule fedavg --trim 0 --min-participants 1 --max-participants 1 --pool 0.1"
    fed("open", *terms.split(), *rec)
    assert "joined as participant #" in fed("join", "--account", "TEST::1", *rec)
    who = ("--client", "0", "--clients", "3", "--account", "TEST::1")
    out = fed("train-round", *who, "--advance", *rec)
    assert "round 0: committed" in out and "round 0: revealed" in out
    out = fed("aggregate", "--advance", *rec)
    assert "round 0 closed in" in out and "conservation: ok" in out
    out = fed("status", *rec)
    assert "round 1/1 (done)" in out and "conservation: ok" in out
    assert not MINING & set(interval), sorted(set(interval))
    assert "evm_setNextBlockTimestamp" in interval  # the windows, moved by naming a block's time
    task = json.loads((tmp_path / "federated.json").read_text())["address"]
    assert chain.provider.get_code(task)


class _PublicNode:
    """Answers as a public network's node: none of Anvil's methods."""

    def call(self, method, params):
        if method.startswith(("anvil_", "evm_")):
            raise RuntimeError(f"the method {method} does not exist/is not available")
        return {"number": "0x10", "timestamp": "0x100"}


def test_advance_is_refused_on_a_public_network():
    with pytest.raises(ClockError, match="--advance moves a development chain's clock"):
        move_clock(_PublicNode(), 10**6, "--advance")
