"""``ape run bounty ...`` as a user runs it: every subcommand of one bounty in order, its
one-line errors, and the demo's accounting (in-process)."""

import json

from e2e_runner import ape_many, lines

from sharedmodels.bounty.demo import BountyDemoConfig, run_demo
from sharedmodels.bounty.report import demo_lines
from sharedmodels.units import ETH

ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


def ape(*args, check=True):
    return ape_many(("run", "bounty", *args), check=check)[0]


def test_bounty_subcommands_end_to_end(chain, tmp_path):
    record = str(tmp_path / "bounty.json")
    r = ape("create", "--dataset", "wine", "--groups", "6", "--prize", "2", "--record", record)
    assert "secrets" in r.stdout
    secrets = json.loads((tmp_path / "bounty.json").read_text())["secrets"]
    chain.mine(3)
    again, early = ape_many(
        ("run", "bounty", "create", "--record", record),
        ("run", "bounty", "submit", "--kind", "mlp", "--account", "TEST::1", "--record", record),
        check=False,
    )
    assert again.returncode == 1 and "exists" in lines(again.stderr)[-1]
    assert early.returncode == 1 and "no training group" in lines(early.stderr)[-1]
    assert secrets.endswith("_secrets.json")
    assert "training groups" in ape("reveal", "--record", record).stdout
    mlp, perceptron = ape_many(
        (
            "run",
            "bounty",
            "submit",
            "--kind",
            "mlp",
            "--hidden",
            "8",
            "--account",
            "TEST::1",
            "--record",
            record,
        ),
        (
            "run",
            "bounty",
            "submit",
            "--kind",
            "perceptron",
            "--account",
            "TEST::2",
            "--record",
            record,
        ),
    )
    assert "submitted  #" in mlp.stdout and "submitted  #" in perceptron.stdout
    entries = sorted(tmp_path.glob("bounty_entry_*.json"))
    assert len(entries) == 2
    names = {ALICE: "TEST::1", BOB: "TEST::2"}
    owner_of = {e: names[json.loads(e.read_text())["submitter"]] for e in entries}
    other = {"TEST::1": "TEST::2", "TEST::2": "TEST::1"}
    first = str(entries[0])
    wrong, early_upload = ape_many(
        (
            "run",
            "bounty",
            "upload",
            "--entry",
            first,
            "--account",
            other[owner_of[entries[0]]],
            "--record",
            record,
        ),
        (
            "run",
            "bounty",
            "upload",
            "--entry",
            first,
            "--account",
            owner_of[entries[0]],
            "--record",
            record,
        ),
        check=False,
    )
    assert "belongs to" in lines(wrong.stderr)[-1]
    assert "bounty: submissions still open" in lines(early_upload.stderr)[-1]
    chain.pending_timestamp += 3601
    chain.mine()
    ups = ape_many(
        *[
            (
                "run",
                "bounty",
                "upload",
                "--entry",
                str(e),
                "--account",
                owner_of[e],
                "--record",
                record,
            )
            for e in entries
        ]
    )
    assert all("sealed" in u.stdout for u in ups)
    chain.pending_timestamp += 3600
    chain.mine()
    assert "scoring open" in ape("reveal", "--record", record).stdout
    assert "scored     in" in ape("evaluate", "--record", record).stdout
    out = ape("finalize", "--record", record).stdout
    assert "settled    done" in out
    status = ape("status", "--record", record).stdout
    assert "conservation: ok" in status and "sealed score" in status


def test_bounty_errors_are_one_line(tmp_path):
    missing, bad = ape_many(
        ("run", "bounty", "status", "--record", str(tmp_path / "none.json")),
        ("run", "bounty", "create", "--prize", "-1", "--record", str(tmp_path / "b.json")),
        check=False,
    )
    assert missing.returncode == 1 and "no bounty record" in lines(missing.stderr)[-1]
    assert bad.returncode != 0 and lines(bad.stderr)[-1].startswith("error:")


def test_demo_scores_match_the_mirror_and_conserve(project, chain, accounts):
    t = accounts
    r = run_demo(BountyDemoConfig(), t[0], [t[1], t[2], t[3]])
    assert r.conservation_ok
    assert all(row.onchain == row.mirror for row in r.rows)
    assert max(r.step_gas) < 10_000_000
    assert r.rows[2].onchain < max(r.rows[0].onchain, r.rows[1].onchain)  # shuffled labels
    # What `ape run bounty demo` prints of it: one row a submission, the keeper's fees, the
    # payouts and the conservation.
    shown = demo_lines(r)
    assert shown[1] == f"test set: {r.test_size} samples"
    for line, row in zip(shown[3 : 3 + len(r.rows)], r.rows, strict=True):
        assert line.split()[-4:] == [
            str(row.params),
            f"{row.onchain:.2%}",
            f"{row.mirror:.2%}",
            f"{row.float_:.2%}",
        ]
    assert shown[-4] == f"gas per step: {', '.join(f'{g:,}' for g in r.step_gas)}"
    fees = f"scoring fees to the keeper: {r.fees / ETH:.6f} ETH for {sum(r.step_gas):,} gas"
    assert shown[-3] == fees
    assert shown[-1] == "conservation: ok"
