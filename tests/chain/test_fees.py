"""``--max-fee`` on every command that sends much: claims, contributions (own and sponsored), a
bounty's upload and scoring steps, a hub reveal, a market step. The scripts run in this process
(click's runner, on the session's Anvil), so each takes a fraction of a second.

Each refusal must be one ``error:`` line, exit 1, and leave everything as it was: the sender's
nonce and balance, the contract's balance, the chain's height (and, for contribute, no journal
of the refused run). The cap's boundary is checked to the wei: a cap at the estimated fee lets
the command run, one wei below refuses it.
"""

from __future__ import annotations

import importlib.util
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from sharedmodels.rpc import fees
from sharedmodels.rpc.reads import RPC

ROOT = Path(__file__).resolve().parents[2]
NETWORK = ("--network", "ethereum:local:foundry")
DAY = 86_400
#: A cap no transaction fits under (one wei).
TINY = "0.000000000000000001"


def script(name: str):
    spec = importlib.util.spec_from_file_location(f"fees_{name}", ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli


def run(name: str, *args: str, ok: bool = True):
    result = CliRunner(mix_stderr=False).invoke(
        script(name), [*args, *NETWORK], prog_name=f"ape run {name}"
    )
    if ok:
        assert result.exit_code == 0, (result.stdout[-2000:], result.stderr[-2000:])
    return result


def eth(wei: int) -> str:
    return str(Decimal(wei) / 10**18)


def state(chain, who, *contracts) -> tuple:
    return (
        chain.blocks.height,
        who.nonce,
        int(who.balance),
        *(int(chain.provider.get_balance(str(c))) for c in contracts),
    )


def refused(chain, name: str, args: tuple, who, *contracts) -> str:
    """Run ``name ARGS`` expecting a refusal above the cap; nothing may change. Its line."""
    before = state(chain, who, *contracts)
    r = run(name, *args, ok=False)
    err = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.exit_code == 1, (r.stdout, r.stderr)
    assert len(err) == 1 and err[0].startswith("error: "), r.stderr
    assert err[0].endswith("; nothing was sent"), err[0]
    assert state(chain, who, *contracts) == before
    return err[0]


def fee_of(who, calls) -> int:
    """The fee ``fees.guard`` will find for ``calls`` now (same pricing, same block)."""
    rpc = RPC()
    gas, why = fees.gas_of(rpc, str(who.address), calls)
    assert gas is not None, why
    base, tip = fees.prices(rpc)
    return sum(gas) * (base + tip)


@pytest.fixture(scope="module")
def stake(tmp_path_factory):
    """A PerceptronStake deployed by the deploy script (test account 0), its manifest path."""
    manifest = tmp_path_factory.mktemp("fees") / "model.json"
    run(
        "deploy",
        *("--model", "perceptron", "--pretrain", "rt", "--pretrain-limit", "20"),
        *("--refund-wait", "60", "--owner-wait", "120", "--any-wait", "240"),
        *("--throwaway", "--manifest", str(manifest)),
    )
    return manifest


def trainer(manifest: Path):
    from ape import project

    data = json.loads(manifest.read_text())
    return getattr(project, data["contract"]).at(data["address"])


def test_contribute_refused_above_the_cap_sends_nothing(
    stake, accounts, chain, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # contribute keeps its journals under ./deployments/journal
    who = accounts[1]
    contract = trainer(stake)
    journals = tmp_path / "deployments" / "journal"
    before = set(journals.glob("*")) if journals.is_dir() else set()
    args = ("--dataset", "rt", "--offset", "5000", "--limit", "3", "--manifest", str(stake))
    args += ("--account", "TEST::1", "--max-deposit", "3.6")
    line = refused(chain, "contribute", (*args, "--max-fee", TINY), who, contract.address)
    assert "3 contributions would cost" in line and "in 3 transactions" in line
    after = set(journals.glob("*")) if journals.is_dir() else set()
    assert after == before  # no journal left of a run that sent nothing
    # The boundary: one wei under the estimate refuses, the estimate itself runs.
    from sharedmodels.cli import dataset_samples
    from sharedmodels.encoding.packed import packer
    from sharedmodels.rpc.deployments import read_manifest

    data = dataset_samples("rt", read_manifest(stake).encoder_obj, limit=3, offset=5000)
    to_x = packer(contract)
    deposit = int(contract.cost_weight()) * 3600
    calls = [
        fees.call_of(contract.addData, to_x(r), y, value=deposit)
        for r, y in zip(data.rows, data.labels, strict=True)
    ]
    fee = fee_of(who, calls)
    refused(chain, "contribute", (*args, "--max-fee", eth(fee - 1)), who, contract.address)
    r = run("contribute", *args, "--max-fee", eth(fee))
    out = r.stdout.splitlines()
    priced = next(ln for ln in out if ln.startswith("3 contributions: "))
    assert "in 3 transactions" in priced and "per sample" in priced
    assert int(contract.contribution_count()) == 3


def test_claims_refused_above_the_cap_send_nothing(stake, accounts, chain, tmp_path, monkeypatch):
    from sharedmodels.trainers.client import claim_args, scan

    monkeypatch.chdir(tmp_path)  # contribute's journals go there, not into the repository
    contract = trainer(stake)
    args = ("--dataset", "rt", "--offset", "5100", "--limit", "2", "--manifest", str(stake))
    run("contribute", *args, "--account", "TEST::1", "--fresh", "--max-deposit", "3.6")
    chain.pending_timestamp += 121  # past owner-wait: the owner (test account 0) may take
    chain.mine()
    owner = accounts[0]
    take = ("--all", "--manifest", str(stake))
    line = refused(chain, "take", (*take, "--max-fee", TINY), owner, contract.address)
    assert line.startswith("error: take of 2 contributions would cost ")
    assert "in 2 transactions" in line and "above --max-fee 0.000000 ETH" in line
    calls = [fees.call_of(contract.take, *claim_args(contract, "take", c)) for c in scan(contract)]
    fee = fee_of(owner, calls)
    refused(chain, "take", (*take, "--max-fee", eth(fee - 1)), owner, contract.address)
    r = run("take", *take, "--max-fee", eth(fee))
    assert any(ln.startswith("take of 2 contributions: ") for ln in r.stdout.splitlines())
    assert "take: 2 done" in r.stdout
    # One contribution by id: the line names it.
    run(
        "contribute",
        *args[:3],
        "5200",
        "--limit",
        "1",
        "--manifest",
        str(stake),
        "--account",
        "TEST::1",
    )
    chain.pending_timestamp += 121
    chain.mine()
    last = int(contract.contribution_count())
    line = refused(
        chain,
        "take",
        ("--id", str(last), "--manifest", str(stake), "--max-fee", TINY),
        owner,
        contract.address,
    )
    assert line.startswith(f"error: take #{last} would cost ")


def test_bounty_upload_and_scoring_refused_above_the_cap(accounts, chain, tmp_path):
    record = str(tmp_path / "bounty.json")
    rec = ("--record", record)
    run("bounty", "create", "--dataset", "wine", "--groups", "6", "--prize", "2", *rec)
    chain.mine(3)
    run("bounty", "reveal", *rec)
    run("bounty", "submit", "--kind", "perceptron", "--account", "TEST::2", *rec)
    (entry,) = tmp_path.glob("bounty_entry_*.json")
    bounty = json.loads(Path(record).read_text())["address"]
    chain.pending_timestamp += 3601
    chain.mine()
    who = accounts[2]
    up = ("upload", "--entry", str(entry), "--account", "TEST::2", *rec)
    line = refused(chain, "bounty", (*up, "--max-fee", TINY), who, bounty)
    assert line.startswith("error: upload of #") and " transactions at " in line
    out = run("bounty", *up, "--max-fee", "1").stdout
    assert any(ln.startswith("upload of #") and "per chunk" in ln for ln in out.splitlines())
    assert "sealed" in out
    chain.pending_timestamp += 3600
    chain.mine()
    run("bounty", "reveal", *rec)
    keeper = accounts[3]
    score = ("evaluate", "--account", "TEST::3", *rec)
    line = refused(chain, "bounty", (*score, "--max-fee", TINY), keeper, bounty)
    assert line.startswith("error: scoring would cost ")
    out = run("bounty", *score, "--max-fee", "1").stdout
    priced = next(ln for ln in out.splitlines() if ln.startswith("scoring: "))
    steps = out.split("scored     in ", 1)[1].split(" steps", 1)[0]
    n = int(steps)  # the estimate counted exactly the steps evaluate sent
    assert (n == 1 and " transactions" not in priced) or f"in {n} transactions" in priced


def test_hub_reveal_refused_above_the_cap(deploy_trainer, owner, accounts, chain, tmp_path):
    record = str(tmp_path / "hub.json")
    rec = ("--record", record)
    run("hub", "deploy", *rec)
    model = deploy_trainer()
    model.seal(sender=owner)
    address = str(model.address)
    run("hub", "register", "--model", address, "--name", "sentiment", *rec)
    secrets = str(tmp_path / "set.json")
    # 80 samples: 5 pieces, revealed 4 to a transaction (a set of up to 64 in one) and 1
    commit = ("--model", address, "--dataset", "rt", "--offset", "5000", "--size", "80")
    run("hub", "evaluate", *commit, "--secrets", secrets, *rec)
    chain.pending_timestamp += DAY
    chain.mine()
    hub = json.loads(Path(record).read_text())["address"]
    reveal = ("evaluate", "--reveal", secrets, *rec)
    line = refused(chain, "hub", (*reveal, "--max-fee", TINY), accounts[0], hub)
    assert line.startswith("error: reveal would cost ") and "in 2 transactions" in line
    out = run("hub", *reveal, "--max-fee", "1").stdout
    assert any(ln.startswith("reveal: ") and "per transaction" in ln for ln in out.splitlines())
    assert "correct at block" in out


def test_sponsored_contributions_refused_above_the_cap(
    stake, accounts, chain, tmp_path, monkeypatch
):
    """The sponsor pays: its nonce and balance stay, and the signer's contract nonce too (the
    batch priced for the estimate was signed, never sent)."""
    monkeypatch.chdir(tmp_path)
    contract = trainer(stake)
    signer, sponsor = accounts[1], accounts[3]
    args = ("--dataset", "rt", "--offset", "5300", "--limit", "10", "--manifest", str(stake))
    args += ("--account", "TEST::1", "--sponsor", "TEST::3", "--max-deposit", "3.6")
    nonce = int(contract.nonces(signer.address))
    line = refused(chain, "contribute", (*args, "--max-fee", TINY), sponsor, contract.address)
    assert "10 contributions would cost" in line and "in 2 transactions" in line  # 8 + 2
    assert int(contract.nonces(signer.address)) == nonce and signer.nonce == 0
    out = run("contribute", *args, "--max-fee", "1").stdout
    priced = next(ln for ln in out.splitlines() if ln.startswith("10 contributions: "))
    assert "per batch" in priced and "priced by the first" in priced
    assert int(contract.contribution_count()) == 10


def test_market_step_refused_above_the_cap(accounts, chain, tmp_path):
    rec = ("--record", str(tmp_path / "market.json"))
    run(
        "market",
        "create",
        *("--dataset", "rt", "--test-size", "16", "--pieces", "2", "--pretrain", "100"),
        *("--bounty", "2", "--min-stake", "0.01", "--min-duration", "3600"),
        *("--reveal-window", "3600", "--secrets", str(tmp_path / "secrets.json"), *rec),
    )
    run("market", "reveal-init", *rec)
    contribute = ("--dataset", "rt", "--limit", "3", "--offset", "200", "--quiet")
    run("market", "contribute", *contribute, "--account", "TEST::1", *rec)
    chain.pending_timestamp += 3600
    chain.mine()
    run("market", "end", "--account", "TEST::3", *rec)
    run("market", "reveal-samples", "--account", "TEST::1", *rec)  # sealed until the end
    chain.pending_timestamp += 86401  # the contributors' sample window (a day) passes
    chain.mine()
    run("market", "reveal", *rec)
    market = json.loads((tmp_path / "market.json").read_text())["address"]
    keeper = accounts[3]
    step = ("step", "--budget", "16", "--account", "TEST::3", *rec)
    line = refused(chain, "market", (*step, "--max-fee", TINY), keeper, market)
    assert line.startswith("error: step would cost ")
    out = run("market", *step, "--max-fee", "1").stdout
    assert out.startswith("step: ") and "pass 1" in out
    line = refused(chain, "market", ("run-rewards", "--max-fee", TINY, *rec), accounts[0], market)
    assert line.startswith("error: step would cost ")
