"""The collaborative-trainer scripts as a user runs them, one flow per deployment.

deploy → contribute (honest and label-flipping accounts) → refund/report/take across the waits →
status → export round-trip → predict → ``ape console`` extras on the same deployment, then the
Points variant and the one-line failures.

Every ``ape run`` / ``ape console`` is a subprocess connected to the Anvil this pytest session
started; time moves with ``chain.pending_timestamp`` in this process, and the contract state is
cross-checked here from chain history (``sharedmodels.trainers.client.scan``) rather than
trusted from the scripts' own output. Scripts get ``--manifest`` in a temporary directory, so
nothing is written under ``deployments/`` (except by the console test, which restores it).

Each test is independent of the others and of their order. The stages of the stake flow are
module fixtures that any test can ask for: ``stake`` (deployed), ``contributed`` (both
contribute runs) and ``settled`` (refund, report and take after the waits, then status: run
once inside a chain snapshot, recorded, and reverted, so the unsettled contributions stay for
the tests that need them). Ape's per-test isolation reverts whatever a test itself does, and
with it the chain's clock: no test sees the time another one spent.
"""

import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from e2e_runner import ROOT, FromManifest, ape_many, finish, lines, start

from sharedmodels.encoding.features import Encoder
from sharedmodels.registry import MODEL_NAMES
from sharedmodels.rpc.deployments import default_manifest_path
from sharedmodels.trainers.client import read_export, records, scan
from sharedmodels.units import ether

#: Written for these tests (not from any dataset the model has seen); label 1 is positive.
REVIEWS = [
    ("A warm, funny and beautifully acted story that stays with you.", 1),
    ("Two hours of my life I will never get back; dull and lifeless.", 0),
    ("The score soars, the cast shines, and the ending earns every tear.", 1),
    ("Clumsy dialogue, a plot full of holes and jokes that never land.", 0),
    ("An inventive, gripping thriller with a terrific lead performance.", 1),
    ("Loud, long and forgettable, a sequel nobody asked for.", 0),
]
NAMES = ("neg", "pos")
STAKE_WAITS = {"refund_wait": 60, "owner_wait": 120, "any_wait": 240}
COST_WEIGHT = 10**15
#: A cap per deposit at the largest one (COST_WEIGHT * 3600): runs sent at once pay it.
CAP = ("--max-deposit", "3.6")

ADDED = re.compile(r"^#(\d+): label (neg|pos), deposit (\d+\.\d{6}) ETH, gas ([\d,]+)$")
CLAIMED = re.compile(r"^#(\d+): (refunded|reported|took) (\d+\.\d{6}) ETH, gas ([\d,]+)$")
POINTS_CLAIMED = re.compile(r"^#(\d+): (validated: \+1 point|marked bad), gas ([\d,]+)$")
ELIGIBLE = re.compile(r"^(\d+) of (\d+) contributions eligible to (refund|report|take) now$")
NOT_ELIGIBLE = re.compile(r"^  not yet / not eligible: (\d+) \((.+)\)$")
SUMMARY = re.compile(r"^(refund|report|take): (\d+) done, (\d+\.\d{6}) ETH received")


def _ape(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return finish(args, start(args), check)


def ape_run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return _ape("run", *args, check=check)


def eth(text: str) -> Decimal:
    return Decimal(text)


@dataclass
class Flow(FromManifest):
    """One deployment shared by the tests that drive it."""

    tmp: Path
    manifest: Path
    deploy: subprocess.CompletedProcess
    ids: dict[str, list[int]] = field(default_factory=dict)  # account alias → ids it added
    #: The ``contribute`` runs of the ``contributed`` fixture, by account alias.
    contributions: dict[str, subprocess.CompletedProcess] = field(default_factory=dict)

    def added_by(self, alias: str) -> list[int]:
        if alias not in self.ids:
            pytest.fail(f"no contributions by {alias}: ask for the `contributed` fixture")
        return self.ids[alias]

    def history(self):
        return scan(self.contract, self.data["block"])

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return ape_run(*args, "--manifest", str(self.manifest), check=check)

    def run_many(self, *commands: tuple[str, ...], check: bool = True):
        """Independent scripts on this deployment side by side."""
        with_manifest = [("run", *c, "--manifest", str(self.manifest)) for c in commands]
        return ape_many(*with_manifest, check=check)


def write_csv(path: Path, rows) -> Path:
    body = ["text,label"] + [f'"{text}",{label}' for text, label in rows]
    path.write_text("\n".join(body) + "\n")
    return path


def advance(chain, seconds: int) -> None:
    """Move the shared Anvil's clock (the subprocesses see the same chain)."""
    chain.pending_timestamp += seconds
    chain.mine()


def account(accounts, alias: str) -> str:
    return str(accounts[int(alias.split("::")[1])].address)


def parse_claims(proc: subprocess.CompletedProcess) -> dict:
    """Eligibility header, per-id amounts and summary of a refund/report/take run."""
    out = {"eligible": None, "of": None, "reasons": {}, "claimed": {}, "done": None, "total": None}
    for ln in lines(proc.stdout):
        if m := ELIGIBLE.match(ln):
            out["eligible"], out["of"] = int(m[1]), int(m[2])
        elif m := NOT_ELIGIBLE.match(ln):
            out["reasons"][m[2]] = int(m[1])
        elif m := CLAIMED.match(ln):
            out["claimed"][int(m[1])] = eth(m[3])
        elif m := POINTS_CLAIMED.match(ln):
            out["claimed"][int(m[1])] = eth("0")
        elif m := SUMMARY.match(ln):
            out["done"], out["total"] = int(m[2]), eth(m[3])
    assert out["eligible"] is not None and out["done"] is not None, proc.stdout
    assert "reverted" not in proc.stdout, proc.stdout
    return out


def rounded(wei: int) -> Decimal:
    return eth(ether(wei).split()[0])


def status_info(proc: subprocess.CompletedProcess) -> dict:
    out = lines(proc.stdout)
    (head,) = (ln for ln in out if ln.startswith("contributions "))
    total, _, states = head.partition(": ")
    counts = {}
    if states != "none yet":
        for part in states.split(", "):
            name, n = part.rsplit(" ", 1)
            counts[name] = int(n)
    board = [ln for ln in out if ln.startswith("leaderboard")]
    players = {}
    if board:
        for ln in out[out.index(board[0]) + 1 :]:
            addr, added, good, paid, got = ln.split()
            players[addr] = (int(added), int(good), eth(paid), eth(got))
    return {
        "lines": out,
        "contributions": int(total.split()[1]),
        "counts": counts,
        "board": board,
        "players": players,
    }


# ---------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def _needs_chain(chain):
    """Start this session's Anvil before the subprocesses look for one."""
    assert chain.chain_id == 31337


@pytest.fixture(scope="module")
def reviews_csv(tmp_path_factory):
    return write_csv(tmp_path_factory.mktemp("csv") / "reviews.csv", REVIEWS)


@pytest.fixture(scope="module")
def stake(chain, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stake")
    manifest = tmp / "stake.json"
    proc = ape_run(
        "deploy",
        "--incentive",
        "stake",
        "--refund-wait",
        str(STAKE_WAITS["refund_wait"]),
        "--owner-wait",
        str(STAKE_WAITS["owner_wait"]),
        "--any-wait",
        str(STAKE_WAITS["any_wait"]),
        "--cost-weight",
        str(COST_WEIGHT),
        "--pretrain",
        "rt",
        "--pretrain-limit",
        "1500",
        "--manifest",
        str(manifest),
    )
    return Flow(tmp, manifest, proc)


@pytest.fixture(scope="module")
def contributed(stake, reviews_csv) -> Flow:
    """The stake deployment after two contribute runs of REVIEWS: TEST::0 honest, then TEST::2
    with every label flipped (outputs kept in ``contributions``, ids in ``ids``)."""
    csv = f"csv:{reviews_csv}"
    stake.contributions["TEST::0"] = stake.run("contribute", "--dataset", csv, *CAP, "--quiet")
    stake.contributions["TEST::2"] = stake.run(
        "contribute", "--dataset", csv, "--flip-labels", "--account", "TEST::2", *CAP, "--quiet"
    )
    for alias, proc in stake.contributions.items():
        stake.ids[alias] = [int(m[1]) for ln in lines(proc.stdout) if (m := ADDED.match(ln))]
    return stake


@dataclass
class Settlement:
    """What the ``settled`` fixture saw: chain history and the scripts' output at each step."""

    before: Any  # history once the refund wait has passed
    agree: set[int]  # contributions the model then agrees with
    refunds: dict[str, subprocess.CompletedProcess]  # by account alias
    after_refund: Any
    good0: int  # TEST::0's good contributions after its refunds
    report: subprocess.CompletedProcess
    after_report: Any
    held_after_report: int  # the contract's balance
    take: subprocess.CompletedProcess
    left: dict[int, int]  # what each contribution still held before the take
    final: Any
    held_final: int
    status: subprocess.CompletedProcess


@pytest.fixture(scope="module")
def settled(contributed, chain, accounts) -> Settlement:
    """Refunds by both contributors once the refund wait has passed, reports by TEST::0, then a
    take of everything left by TEST::5 past any-wait, and ``status``: recorded step by step
    inside a chain snapshot that is then reverted, so the contributions stay unsettled (and
    the clock where it was) for every other test."""
    flow = contributed
    snapshot = chain.snapshot()
    try:
        advance(chain, STAKE_WAITS["refund_wait"] + 10)
        contract = flow.contract
        before = flow.history()
        agree = {c.id for c in before if int(contract.predict(list(c.features))) == c.label}
        aliases = ("TEST::0", "TEST::2")
        procs = flow.run_many(*(("refund", "--all", "--account", a, "--quiet") for a in aliases))
        after_refund = flow.history()
        good0 = int(contract.num_good(account(accounts, "TEST::0")))
        report = flow.run("report", "--all", "--quiet")
        after_report = flow.history()
        held_after_report = int(chain.provider.get_balance(contract.address))
        advance(chain, 300)
        left = {c.id: c.remaining for c in after_report if c.remaining}
        take = flow.run("take", "--all", "--account", "TEST::5", "--quiet")
        final = flow.history()
        held_final = int(chain.provider.get_balance(contract.address))
        status = flow.run("status")
    finally:
        chain.restore(snapshot)
    return Settlement(
        before,
        agree,
        dict(zip(aliases, procs, strict=True)),
        after_refund,
        good0,
        report,
        after_report,
        held_after_report,
        take,
        left,
        final,
        held_final,
        status,
    )


@pytest.fixture
def default_manifest(stake):
    """The stake manifest at ``deployments/ethereum_local.json`` (what the console reads), as
    the network's only deployment: per-model manifests are moved aside meanwhile (with several
    models deployed the console would refuse to guess)."""
    path = ROOT / default_manifest_path("ethereum:local:foundry")
    backup = path.read_bytes() if path.is_file() else None
    made_dir = not path.parent.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    per_model = [path.with_name(f"{path.stem}_{m}{path.suffix}") for m in MODEL_NAMES]
    aside = {p: p.read_bytes() for p in per_model if p.is_file()}
    for p in aside:
        p.unlink()
    try:
        shutil.copyfile(stake.manifest, path)
        yield path
    finally:
        for p, data in aside.items():
            p.write_bytes(data)
        if backup is None:
            path.unlink(missing_ok=True)
            if made_dir:
                path.parent.rmdir()
        else:
            path.write_bytes(backup)


# ---------------------------------------------------------------- stake: the ordered flow


def test_deploy_stake_writes_incentive_to_manifest(stake):
    out = stake.deploy.stdout
    assert re.search(r"^deployed PerceptronStake \(perceptron, incentive stake\) at 0x", out, re.M)
    assert (
        "waits: refund 60 s, owner 120 s, anyone 240 s; deposit after a quiet hour: 0.060000 ETH"
        in out
    )
    assert "pre-trained on 1500 samples of rt" in out
    assert f"manifest: {stake.manifest}" in out
    data = stake.data
    assert data["contract"] == "PerceptronStake" and data["chain_id"] == 31337
    assert data["incentive"] == {
        "kind": "stake",
        **STAKE_WAITS,
        "cost_weight": COST_WEIGHT,
        "judging": "as-is",  # the Perceptron offers no other rule
    }
    assert data["pretrain"]["samples"] == 1500
    contract = stake.contract
    assert int(contract.refund_wait()) == 60 and int(contract.any_wait()) == 240
    assert int(contract.cost_weight()) == COST_WEIGHT


def test_contribute_honest_and_flipped(contributed, accounts, chain):
    stake, n = contributed, len(REVIEWS)
    history = stake.history()
    # What the chain charged each contribution's transaction, by id: the script reports it.
    gas_of = {c.id: int(chain.provider.get_receipt(c.tx_hash).gas_used) for c in history}
    for alias, flip in (("TEST::0", 0), ("TEST::2", 1)):
        proc = stake.contributions[alias]
        added = [m for ln in lines(proc.stdout) if (m := ADDED.match(ln))]
        assert len(added) == n, proc.stdout
        ids = [int(m[1]) for m in added]
        assert [m[2] for m in added] == [NAMES[y ^ flip] for _, y in REVIEWS]
        assert all(eth(m[3]) > 0 for m in added)
        assert [int(m[4].replace(",", "")) for m in added] == [gas_of[i] for i in ids]
        summary = f"contributed {n} samples as {account(accounts, alias)}: ids {ids[0]}-{ids[-1]}"
        assert summary + (" (labels flipped)" if flip else "") in proc.stdout
        assert re.search(r"^deposits \d+\.\d{6} ETH; gas per addData min ", proc.stdout, re.M)
        assert stake.ids[alias] == ids
    assert stake.ids["TEST::0"] + stake.ids["TEST::2"] == list(range(1, 2 * n + 1))
    assert len(history) == 2 * n
    assert [c.contributor for c in history] == [account(accounts, "TEST::0")] * n + [
        account(accounts, "TEST::2")
    ] * n


def test_refund_before_the_wait_is_too_early(contributed):
    stake = contributed
    ids = stake.added_by("TEST::0")
    every, one = stake.run_many(
        ("refund", "--all", "--quiet"), ("refund", "--id", str(ids[0])), check=False
    )
    assert every.returncode == 0, every.stderr
    info = parse_claims(every)
    assert (info["eligible"], info["of"]) == (0, len(ids))
    assert info["reasons"] == {"too early": len(ids)}
    assert re.search(rf"^  next: #{ids[0]} too early \(eligible in \d+ s\)$", every.stdout, re.M)
    assert info["done"] == 0 and info["total"] == 0

    assert one.returncode != 0
    early = [ln for ln in lines(one.stderr) if "too early" in ln]
    assert len(early) == 1, one.stderr
    assert f"cannot refund contribution #{ids[0]}: too early" in early[0]
    assert "Traceback" not in one.stderr
    assert all(c.refunded is None for c in stake.history())


def test_refund_report_take_after_the_waits(contributed, settled, accounts):
    stake, run = contributed, settled
    before, agree = run.before, run.agree

    # Refunds: exactly the contributions the model now agrees with, each its whole deposit.
    for alias, proc in run.refunds.items():
        info = parse_claims(proc)
        mine = set(stake.added_by(alias))
        assert info["of"] == len(mine)
        assert set(info["claimed"]) == mine & agree, proc.stdout
        assert info["eligible"] == info["done"] == len(mine & agree)
        assert sum(info["reasons"].values()) == len(mine - agree)
        assert set(info["reasons"]) <= {"model disagrees"}
        for cid, amount in info["claimed"].items():
            assert amount == rounded(before.contributions[cid].deposit)
        assert abs(info["total"] - sum(info["claimed"].values())) <= Decimal("1e-6") * len(mine)
    refunded = {c.id for c in run.after_refund if c.refunded is not None}
    assert refunded == agree
    assert all(
        run.after_refund.contributions[i].refunded == before.contributions[i].deposit for i in agree
    )
    good0 = run.good0
    assert good0 == len(set(stake.added_by("TEST::0")) & agree)

    # Reports from TEST::0: TEST::2's contributions the model disagrees with, if it has points.
    info = parse_claims(run.report)
    others = set(stake.added_by("TEST::2"))
    assert info["of"] == len(others)
    expected = (others - agree) if good0 else set()
    assert set(info["claimed"]) == expected, run.report.stdout
    # The flow is deterministic (same pre-training slice, same contributions in the same order):
    # it must keep exercising a paid report, or these checks would prove nothing.
    assert expected, "no report was eligible: the flow no longer reaches report --all's payout"
    assert info["done"] == len(expected)
    if not good0 and others - agree:
        assert info["reasons"].get("you have no good contributions yet") == len(others - agree)
    history = run.after_report
    for cid, amount in info["claimed"].items():
        (report,) = history.contributions[cid].reports
        assert report[0] == account(accounts, "TEST::0") and rounded(report[1]) == amount
        assert 0 < report[1] <= history.contributions[cid].deposit
    assert abs(info["total"] - sum(info["claimed"].values())) <= Decimal("1e-6") * len(others)
    assert run.held_after_report == history.owed()

    # Take, past any-wait, by an account that contributed nothing: every wei still held.
    left = run.left
    info = parse_claims(run.take)
    assert info["of"] == len(history)
    assert set(info["claimed"]) == set(left) and info["done"] == len(left)
    nothing_left = len(history) - len(left)
    assert info["reasons"] == ({"nothing left": nothing_left} if nothing_left else {})
    final = run.final
    for cid, wei in left.items():
        taker, amount, as_owner = final.contributions[cid].taken
        assert (taker, amount, as_owner) == (account(accounts, "TEST::5"), wei, False)
        assert info["claimed"][cid] == rounded(wei)
    assert final.owed() == 0 == run.held_final

    # All of it was inside a snapshot: the deployment is back to unsettled contributions.
    assert all(c.refunded is None and not c.reports for c in stake.history())


def test_status_counts_add_up_and_wei_check_ok(contributed, settled, accounts):
    stake, proc = contributed, settled.status
    info = status_info(proc)
    n = len(stake.added_by("TEST::0")) + len(stake.added_by("TEST::2"))
    assert info["contributions"] == n == sum(info["counts"].values())
    assert set(info["counts"]) <= {"refunded", "reported", "partly reported", "taken"}
    assert any(ln.endswith("wei check ok") for ln in info["lines"]), proc.stdout
    assert any(ln.startswith("money      paid in ") for ln in info["lines"])
    assert "incentive  stake: refund after 60 s, owner 120 s, anyone 240 s" in proc.stdout
    assert "good" in info["board"][0] and "points" not in info["board"][0]
    players = info["players"]
    assert sum(p[0] for p in players.values()) == n
    assert players[account(accounts, "TEST::0")][0] == len(stake.added_by("TEST::0"))
    assert players[account(accounts, "TEST::5")][0] == 0
    # Everything paid in has been paid out to someone.
    paid = sum(p[2] for p in players.values())
    got = sum(p[3] for p in players.values())
    assert abs(paid - got) <= Decimal("1e-6") * (n + len(players))


def test_export_round_trips_the_contributions(contributed, accounts):
    stake = contributed
    out = stake.tmp / "export.csv"
    proc = stake.run("export", "--out", str(out))
    n = len(stake.added_by("TEST::0")) + len(stake.added_by("TEST::2"))
    assert f"exported {n} contributions to {out} (all {n} verified against chain state)" in (
        proc.stdout
    )
    rows = read_export(out)
    encoder = Encoder.from_settings(stake.data["encoder"])
    features = [tuple(encoder.encode_one(text)) for text, _ in REVIEWS]
    sent = [
        (cid, account(accounts, alias), features[k], y ^ flip)
        for alias, flip in (("TEST::0", 0), ("TEST::2", 1))
        for k, (cid, (_, y)) in enumerate(zip(stake.added_by(alias), REVIEWS, strict=True))
    ]
    got = [(r["id"], r["contributor"], r["features"], r["label"]) for r in rows]
    assert got == sent
    assert [r["class"] for r in rows] == [NAMES[y] for *_, y in sent]
    # Independently of the script's own check: every row binds to the stored record.
    history = stake.history()
    stored = records(stake.contract, [r["id"] for r in rows])
    for r in rows:
        c = history.contributions[r["id"]]
        assert (c.time, c.block, c.deposit, c.features) == (
            r["time"],
            r["block"],
            r["deposit"],
            r["features"],
        )
        assert c.binding() == stored[r["id"]].binding


def test_predict_text_and_accuracy(stake):
    text = "A gorgeous, witty and moving film."
    contract = stake.contract
    encoder = Encoder.from_settings(stake.data["encoder"])
    expected = int(contract.predict(encoder.encode_one(text)))
    one, proc = stake.run_many(
        ("predict", "--text", text),
        ("predict", "--dataset", "rt", "--limit", "200", "--offset", "5000"),
    )
    assert lines(one.stdout) == [f"{NAMES[expected]} ({expected})"]
    m = re.search(
        r"^accuracy: (\d+\.\d\d)% \((\d+)/200 on rt\); always answering the commoner class: "
        r"\d+\.\d\d%$",
        proc.stdout,
        re.M,
    )
    assert m, proc.stdout
    assert Decimal(m[1]) == (Decimal(int(m[2])) / 2).quantize(Decimal("0.01"))
    assert int(m[2]) > 100  # pre-trained on 1500 rt reviews: better than chance


def test_console_extras_drive_the_same_deployment(stake, default_manifest):
    contract = stake.contract
    encoder = Encoder.from_settings(stake.data["encoder"])
    text = "a wonderful film"
    expected = NAMES[int(contract.predict(encoder.encode_one(text)))]
    count = int(contract.contribution_count())
    code = (
        f"print('PRED', predict({text!r})); i = contribute({text!r}, 'pos'); "
        "print('ID', i); status()"
    )
    proc = _ape("console", "-c", code)
    out = lines(proc.stdout)
    assert f"PRED {expected}" in out, proc.stdout + proc.stderr
    assert f"ID {count + 1}" in out, proc.stdout + proc.stderr
    assert any(re.match(rf"^#{count + 1}: deposit \d+\.\d{{6}} ETH, gas [\d,]+$", ln) for ln in out)
    assert f"contributions {count + 1}: " in proc.stdout
    assert any(ln.endswith("wei check ok") for ln in out), proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
    c = stake.history().contributions[count + 1]
    assert (c.label, c.features) == (1, tuple(encoder.encode_one(text)))


# ---------------------------------------------------------------- points


def test_points_flow(chain, accounts, tmp_path):
    manifest = tmp_path / "points.json"
    proc = ape_run(
        "deploy", "--incentive", "points", "--refund-wait", "60", "--manifest", str(manifest)
    )
    assert "deployed PerceptronPoints (perceptron, incentive points)" in proc.stdout
    assert "points: validation after 60 s" in proc.stdout
    data = json.loads(manifest.read_text())
    assert data["incentive"] == {"kind": "points", "refund_wait": 60, "judging": "as-is"}
    flow = Flow(tmp_path, manifest, proc)

    # The same texts twice with opposite labels: the model cannot agree with both of a pair.
    rows = REVIEWS + [(text, 1 - y) for text, y in REVIEWS[:2]]
    csv_path = write_csv(tmp_path / "points.csv", rows)
    proc = flow.run("contribute", "--dataset", f"csv:{csv_path}", "--quiet")
    added = [m for ln in lines(proc.stdout) if (m := ADDED.match(ln))]
    assert [int(m[1]) for m in added] == list(range(1, len(rows) + 1))
    assert all(eth(m[3]) == 0 for m in added)

    advance(chain, 70)
    contract = flow.contract
    history = flow.history()
    agree = {c.id for c in history if int(contract.predict(list(c.features))) == c.label}
    assert 0 < len(agree) < len(rows)

    info = parse_claims(flow.run("refund", "--all", "--quiet"))
    assert set(info["claimed"]) == agree and info["total"] == 0
    assert info["reasons"] == {"model disagrees": len(rows) - len(agree)}

    info = parse_claims(flow.run("report", "--scan", "--account", "TEST::3", "--quiet"))
    assert set(info["claimed"]) == set(range(1, len(rows) + 1)) - agree
    assert info["total"] == 0
    history = flow.history()
    for c in history:
        if c.id in agree:
            assert c.refunded == 0 and c.rejected_by is None
        else:
            assert c.rejected_by == account(accounts, "TEST::3")

    proc = flow.run("status")
    status = status_info(proc)
    assert status["counts"] == {"validated": len(agree), "rejected": len(rows) - len(agree)}
    assert "incentive  points: validation after 60 s" in proc.stdout
    assert not any(ln.startswith("money") or "wei check" in ln for ln in status["lines"])
    assert "ETH" not in proc.stdout
    assert status["board"] and status["board"][0].split()[2] == "points"
    me = status["players"][account(accounts, "TEST::0")]
    assert me[:2] == (len(rows), len(agree))
    assert int(contract.points(account(accounts, "TEST::0"))) == len(agree)


# ---------------------------------------------------------------- failures


def test_failures_are_one_line_and_nonzero(stake, tmp_path):
    never = tmp_path / "never.json"
    manifest = ("--manifest", str(stake.manifest))
    status, neither, unknown, missing, waits = ape_many(
        ("run", "status", "--manifest", "/nonexistent.json"),
        ("run", "refund", *manifest),
        ("run", "refund", "--id", "999", *manifest),
        ("run", "contribute", "--dataset", "csv:/nonexistent.csv", *manifest),
        (
            "run",
            "deploy",
            "--incentive",
            "stake",
            "--refund-wait",
            "100",
            "--owner-wait",
            "50",
            "--manifest",
            str(never),
        ),
        check=False,
    )
    for proc in (status, neither, unknown, missing, waits):
        assert "Traceback" not in proc.stderr, proc.stderr
        assert proc.stdout.strip() == "", proc.stdout

    assert status.returncode == 1
    assert len(lines(status.stderr)) == 1, status.stderr
    assert status.stderr.startswith("error: no deployment manifest at /nonexistent.json")

    assert neither.returncode == 2  # a usage error: click's status, one line
    assert lines(neither.stderr) == ["error: give exactly one of --id N or --all"]

    assert unknown.returncode == 1
    (line,) = lines(unknown.stderr)
    assert line.startswith("error: no contribution #999 (ids are 1 to ")

    assert missing.returncode == 1
    assert lines(missing.stderr) == ["error: csv file not found: /nonexistent.csv"]

    assert waits.returncode == 1
    (line,) = lines(waits.stderr)
    assert line.startswith("error: waits must satisfy refund-wait <= owner-wait <= any-wait")
    assert "got 100 / 50 / " in line
    assert not never.exists()


# ---------------------------------------------------------------- sponsored


def test_contribute_sponsored(accounts, tmp_path):
    manifest = tmp_path / "sponsored.json"
    ape_run("deploy", "--incentive", "stake", "--manifest", str(manifest))
    csv_path = write_csv(tmp_path / "sponsored.csv", REVIEWS[:3])
    signer, sponsor = account(accounts, "TEST::4"), account(accounts, "TEST::5")
    sponsor_before = accounts[5].balance
    signer_before = accounts[4].balance
    proc = ape_run(
        "contribute",
        "--dataset",
        f"csv:{csv_path}",
        "--account",
        "TEST::4",
        "--sponsor",
        "TEST::5",
        *CAP,
        "--manifest",
        str(manifest),
        "--quiet",
    )
    assert f"contributed 3 samples as {signer}: ids 1-3, sponsored by {sponsor}" in proc.stdout
    flow = Flow(tmp_path, manifest, proc)
    history = flow.history()
    assert [c.contributor for c in history] == [signer] * 3
    assert accounts[4].balance == signer_before  # the signer paid nothing
    assert accounts[5].balance < sponsor_before - sum(c.deposit for c in history)
    assert int(flow.contract.nonces(signer)) == 3

    points = tmp_path / "points-sponsored.json"
    ape_run("deploy", "--incentive", "points", "--manifest", str(points))
    proc = ape_run(
        "contribute",
        "--dataset",
        f"csv:{csv_path}",
        "--sponsor",
        "TEST::5",
        "--manifest",
        str(points),
        check=False,
    )
    assert proc.returncode == 1
    assert lines(proc.stderr) == [
        "error: PerceptronPoints takes no sponsored batches (only PerceptronStake does: "
        "--model perceptron --incentive stake)"
    ]
