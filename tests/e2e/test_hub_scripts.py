"""``ape run hub ...`` as a user runs it: the demo's story and lines, and the subcommands one
after the other on a trainer, with the one-line errors of someone else's model, nothing to
claim and a missing hub."""

import json
from pathlib import Path

from e2e_runner import ape_many, lines

DAY = 86_400


def ape(*args, check=True):
    return ape_many(("run", "hub", *args), check=check)[0]


def test_hub_demo(tmp_path):
    plot = tmp_path / "history.png"
    r = ape("demo", "--plot", str(plot), "--record", str(tmp_path / "hub.json"))
    out = lines(r.stdout)
    assert sum(ln.startswith("registered ") for ln in out) == 3
    assert any(ln.startswith("day 3: second records") for ln in out)
    assert any(ln.startswith("conservation: ok") for ln in out)
    day10 = next(ln for ln in out if ln.startswith("day 10:"))
    assert "farmer 0.000000 ETH" in day10
    assert plot.stat().st_size > 1000
    record = json.loads((tmp_path / "hub.json").read_text())
    assert record["address"].startswith("0x") and record["pool"].startswith("0x")
    assert record["pool"] != record["address"]


def test_hub_subcommands(tmp_path, deploy_trainer, owner, chain):
    record = str(tmp_path / "hub.json")
    r = ape("list", "--record", record, check=False)
    assert r.returncode == 1 and r.stderr.strip().startswith("error: no hub record at")
    ape("deploy", "--record", record)
    trainer = deploy_trainer()
    trainer.seal(sender=owner)
    address = str(trainer.address)
    refused = ape(
        "register",
        "--model",
        address,
        "--name",
        "x",
        "--record",
        record,
        "--account",
        "TEST::1",
        check=False,
    )
    assert refused.returncode == 1
    assert "hub: caller is not the model's owner" in refused.stderr
    ape("register", "--model", address, "--name", "sentiment", "--record", record)
    listed = ape("list", "--record", record).stdout
    assert "sentiment" in listed and "PerceptronStake" in listed and "no record" in listed
    secrets = tmp_path / "set.json"
    r = ape(
        "evaluate",
        "--model",
        address,
        "--dataset",
        "rt",
        "--offset",
        "5000",
        "--size",
        "20",
        "--secrets",
        str(secrets),
        "--record",
        record,
    )
    assert "20 samples in 2 pieces committed" in r.stdout
    r = ape("evaluate", "--reveal", str(secrets), "--record", record, check=False)
    assert r.returncode == 1 and "hub: reveal too early" in r.stderr
    chain.pending_timestamp += DAY
    chain.mine()
    r = ape("evaluate", "--reveal", str(secrets), "--record", record)
    assert "correct at block" in r.stdout
    assert "1 records" in ape("list", "--record", record).stdout
    assert "/20" in ape("history", "--model", address, "--record", record).stdout
    r = ape("fund", "--model", address, "--amount", "0.5", "--record", record, check=False)
    assert r.returncode == 2 and "--evaluator" in r.stderr  # a pool names its evaluator
    evaluator = str(owner.address)
    r = ape(
        "fund", "--model", address, "--evaluator", evaluator, "--amount", "0.5", "--record", record
    )
    assert f"pool of {evaluator}'s records: 0.5 ETH available" in r.stdout
    r = ape("enter", "--model", address, "--record", record, check=False)
    assert r.returncode == 1 and r.stderr.strip() == "error: this model has no closed period yet"
    r = ape("claim", "--model", address, "--record", record, check=False)
    assert r.returncode == 1 and r.stderr.strip() == (
        "error: nothing to claim (no shares, entries still open, or claimed)"
    )
    r = ape(
        "fund",
        "--model",
        address,
        "--evaluator",
        evaluator,
        "--amount",
        "-1",
        "--record",
        record,
        check=False,
    )
    assert r.returncode == 2 and "must be more than 0 ETH" in r.stderr
    # A record written before the pools had a contract of their own names none.
    old = tmp_path / "old_hub.json"
    old.write_text(
        json.dumps({k: v for k, v in json.loads(Path(record).read_text()).items() if k != "pool"})
    )
    r = ape("claim", "--model", address, "--record", str(old), check=False)
    assert r.returncode == 1 and r.stderr.strip() == (
        "error: the hub record names no pool contract: run `ape run hub deploy` for a new hub"
    )
