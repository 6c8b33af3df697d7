"""``ape run market ...`` as a user runs it: every subcommand of one market in order, the
one-line errors, and the demo's accounting at a small scale (in-process)."""

import json

from e2e_runner import ape_many, contract_at, lines

from sharedmodels.market.demo import MarketDemoConfig, run_demo
from sharedmodels.market.report import demo_lines
from sharedmodels.units import ETH


def ape(*args, check=True):
    return ape_many(("run", "market", *args), check=check)[0]


def test_market_subcommands_end_to_end(chain, tmp_path):
    record = str(tmp_path / "market.json")
    secrets = tmp_path / "secrets.json"
    r = ape(
        "create",
        "--dataset",
        "rt",
        "--test-size",
        "16",
        "--pieces",
        "2",
        "--pretrain",
        "100",
        "--bounty",
        "2",
        "--min-stake",
        "0.01",
        "--min-duration",
        "3600",
        "--reveal-window",
        "3600",
        "--secrets",
        str(secrets),
        "--record",
        record,
    )
    assert "secrets" in r.stdout and oct(secrets.stat().st_mode & 0o777) == "0o600"
    address = json.loads((tmp_path / "market.json").read_text())["address"]
    again, early = ape_many(
        (
            "run",
            "market",
            "create",
            "--dataset",
            "rt",
            "--secrets",
            str(secrets),
            "--record",
            record,
        ),
        ("run", "market", "end", "--record", record),
        check=False,
    )
    assert again.returncode == 1 and "exists" in lines(again.stderr)[-1]
    assert early.returncode == 1
    assert "market: participation is not open" in lines(early.stderr)[-1]

    assert "participation is open" in ape("reveal-init", "--record", record).stdout
    honest, _ = ape_many(
        (
            "run",
            "market",
            "contribute",
            "--dataset",
            "rt",
            "--limit",
            "3",
            "--offset",
            "200",
            "--account",
            "TEST::1",
            "--record",
            record,
            "--quiet",
        ),
        (
            "run",
            "market",
            "contribute",
            "--dataset",
            "rt",
            "--limit",
            "2",
            "--offset",
            "203",
            "--flip-labels",
            "--stake",
            "0.02",
            "--account",
            "TEST::2",
            "--record",
            record,
            "--quiet",
        ),
    )
    assert "3 contributions" in honest.stdout
    chain.pending_timestamp += 3600  # the minimum participation time (one hour) passes
    chain.mine()
    # Sealed: before the end a contributor's reveal is refused, nothing sent.
    early_reveal = ape("reveal-samples", "--record", record, "--account", "TEST::1", check=False)
    assert early_reveal.returncode == 1
    assert "market: reveal after the end" in lines(early_reveal.stderr)[-1]
    assert "phase reveal" in ape("end", "--record", record, "--account", "TEST::3").stdout
    for who, n in (("TEST::1", 3), ("TEST::2", 2)):
        out = ape("reveal-samples", "--record", record, "--account", who).stdout
        assert f"revealed {n} samples" in out
    chain.pending_timestamp += 86401  # the contributors' sample window after end (a day) passes
    chain.mine()
    assert "phase reward" in ape("reveal", "--record", record).stdout
    assert "pass 1" in ape("step", "--budget", "16", "--record", record).stdout
    status = ape("status", "--record", record).stdout
    assert "phase       reward" in status and "conservation: ok" in status
    assert "done in" in ape("run-rewards", "--record", record, "--quiet").stdout

    m = contract_at("PredictionMarket", address)
    owed = int(m.owed("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"))
    out = ape("collect", "--account", "TEST::1", "--record", record).stdout
    assert f"withdrew {owed / ETH:.6f} ETH" in out
    twice, early_take, status = ape_many(
        ("run", "market", "collect", "--account", "TEST::1", "--record", record),
        (
            "run",
            "market",
            "collect",
            "--take",
            "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
            "--record",
            record,
        ),
        ("run", "market", "status", "--record", record),
        check=False,
    )
    assert twice.returncode == 1 and "market: nothing to withdraw" in lines(twice.stderr)[-1]
    # Nobody may take another's balance: the option is gone with the contract's `take`.
    assert early_take.returncode == 2 and "No such option: --take" in early_take.stderr
    assert "phase       done" in status.stdout and "conservation: ok" in status.stdout


def test_market_errors_are_one_line(tmp_path):
    m = str(tmp_path / "m.json")
    missing, bad, big = ape_many(
        ("run", "market", "status", "--record", str(tmp_path / "none.json")),
        ("run", "market", "create", "--dataset", "rt", "--bounty", "-1", "--record", m),
        (
            "run",
            "market",
            "create",
            "--dataset",
            "rt",
            "--test-size",
            "300",
            "--pieces",
            "2",
            "--record",
            m,
        ),
        check=False,
    )
    assert missing.returncode == 1
    assert lines(missing.stderr)[-1].startswith("error: no market record at")
    assert bad.returncode == 2 and "must be more than 0 ETH" in bad.stderr
    assert big.returncode == 2 and "at most 16 per piece" in big.stderr


def test_small_demo_accounts_for_every_wei(accounts, tmp_path):
    config = MarketDemoConfig(
        test_size=32,
        pieces=4,
        pretrain=400,
        honest=8,
        flippers=2,
        flipper_samples=4,
        bounty=3 * ETH,
        stake=ETH // 100,
        budget=512,
    )
    r = run_demo(
        config,
        accounts[0],
        accounts[1],
        flippers=[accounts[2], accounts[3]],
        secrets_path=tmp_path / "secrets.json",
    )
    assert r.conservation_ok and r.mirror_ok
    # What stays is the work fund: every slot fee and the flippers' charges for the passes
    # their drops forced (this chain has no base fee: no keeper was paid).
    m = r.contract
    charged = sum(int(m.accounts(a.account).charged) for a in r.actors)
    assert charged > 0
    assert m.balance == m.work_fund() == int(m.slot_fee()) * int(m.n_contributions()) + charged
    staked = sum(a.staked for a in r.actors)
    assert sum(r.paid.values()) + r.provider_back == config.bounty + staked - charged
    assert [a.samples for a in r.actors] == [8, 4, 4]
    assert r.passes and r.steps

    # What `ape run market demo` prints of it: each actor's stakes, payouts and net, to the wei
    # shown; the provider's bounty and what came back; the mirror and the conservation.
    shown = demo_lines(r, config)
    assert shown[1] == (
        "== prediction market on rt: bounty 3.000000 ETH, test set 32 in 4 pieces "
        f"(piece {r.first_piece} first) =="
    )
    rows = {line.split()[0]: line.split()[1:] for line in shown if line[:1].isalpha()}
    for a in r.actors:
        paid, net = r.paid[a.name] / ETH, (r.paid[a.name] - a.staked) / ETH
        want = [str(a.samples), f"{a.staked / ETH:.6f}", f"{paid:.6f}", f"{net:+.6f}"]
        assert rows[a.name] == want
    back = r.provider_back / ETH
    assert rows["provider"] == ["3.000000", f"{back:.6f}", f"{back - 3:+.6f}"]
    assert shown[-2].startswith("mirror       identical balances")
    f = r.figures
    assert shown[-1] == (
        f"conservation: ok (bounty + stakes + slot fees {f['bounty'] + f['stakes'] + f['fees']:,} "
        f"wei = withdrawn {f['withdrawn']:,} wei + held {f['held']:,} wei, the work fund)"
    )
