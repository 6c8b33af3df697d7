"""The scripts on the multi-class models, as a user runs them.

A dense Nearest Centroid behind Stake (deploy pre-trained on wine → contribute → refund after
the wait → predict one row and a held-out slice → status), a Naive Bayes behind Points on text
(deploy → contribute → predict), the parity script on one sparse and one dense model, and the
failures a user meets first with dense models, each one line without a traceback.

Every ``ape run`` is a subprocess connected to the Anvil this pytest session started; time moves
with ``chain.pending_timestamp`` here, and what the scripts print is checked against chain
state and history read in this process. Manifests go to a temporary directory. Independent
scripts run side by side (each on its own account when they send transactions) to keep the
module short.

Each test is independent of the others and of their order: the deployments, and the NCC's
contributions, are module fixtures (set up once, by whichever test needs them first), and
Ape's per-test isolation reverts whatever a test itself does, chain time included.
"""

import re
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from e2e_runner import FromManifest, ape_many, lines

from sharedmodels.encoding import datasets
from sharedmodels.encoding.encoded import encode_dataset
from sharedmodels.encoding.features import DenseEncoder, Encoder
from sharedmodels.rpc.deployments import predict_many
from sharedmodels.trainers.client import scan

WINE = "sklearn:wine"
WINE_NAMES = ["class_0", "class_1", "class_2"]
WAITS = ("--refund-wait", "60", "--owner-wait", "120", "--any-wait", "240")
#: Contributed to the NCC deployment: wine rows CONTRIBUTED (after the 100 pre-training rows).
CONTRIBUTED = range(100, 110)
#: Held out from both: predicted one at a time and as a slice.
HELD_OUT = 150
TEXT = "A tender, funny and beautifully acted film."

ADDED = re.compile(r"^#(\d+): label (\S+), deposit (\d+\.\d{6}) ETH, gas [\d,]+$")
REFUNDED = re.compile(r"^#(\d+): refunded (\d+\.\d{6}) ETH, gas [\d,]+$")
ACCURACY = re.compile(
    r"^accuracy: (\d+\.\d\d)% \((\d+)/(\d+) on (\S+)\); "
    r"always answering the commoner class: (\d+\.\d\d)%$"
)


# ---------------------------------------------------------------- running scripts


def ape_run_many(*commands: tuple[str, ...], check: bool = True) -> list:
    """``ape run`` each command, side by side; with ``check``, fail on a non-zero exit."""
    return ape_many(*(("run", *args) for args in commands), check=check)


def ape_run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    (proc,) = ape_run_many(args, check=check)
    return proc


def advance(chain, seconds: int) -> None:
    chain.pending_timestamp += seconds
    chain.mine()


@dataclass
class Deployed(FromManifest):
    """One deployment shared by the tests that drive it."""

    manifest: Path
    deploy: subprocess.CompletedProcess
    #: The ``contribute`` run of the ``ncc_contributed`` fixture.
    contribute: subprocess.CompletedProcess | None = None

    def args(self, *args: str) -> tuple[str, ...]:
        return (*args, "--manifest", str(self.manifest))

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return ape_run(*self.args(*args), check=check)


# ---------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def _needs_chain(chain):
    """Start this session's Anvil before the subprocesses look for one."""
    assert chain.chain_id == 31337


@pytest.fixture(scope="module")
def deployments(chain, tmp_path_factory) -> dict[str, Deployed]:
    """Both deployments at once, from different accounts (so their nonces never collide)."""
    tmp = tmp_path_factory.mktemp("models")
    ncc, nb = tmp / "ncc.json", tmp / "nb.json"
    procs = ape_run_many(
        (
            "deploy",
            "--model",
            "ncc",
            "--incentive",
            "stake",
            "--pretrain",
            WINE,
            "--pretrain-limit",
            "100",
            *WAITS,
            "--manifest",
            str(ncc),
        ),
        (
            "deploy",
            "--model",
            "naive_bayes",
            "--incentive",
            "points",
            "--pretrain",
            "rt",
            "--pretrain-limit",
            "300",
            "--account",
            "TEST::1",
            "--manifest",
            str(nb),
        ),
    )
    return {"ncc": Deployed(ncc, procs[0]), "naive_bayes": Deployed(nb, procs[1])}


@pytest.fixture(scope="module")
def ncc(deployments) -> Deployed:
    return deployments["ncc"]


@pytest.fixture(scope="module")
def nb(deployments) -> Deployed:
    return deployments["naive_bayes"]


@pytest.fixture(scope="module")
def ncc_contributed(ncc) -> Deployed:
    """The NCC deployment after ``contribute`` of the wine rows CONTRIBUTED (its output kept)."""
    ncc.contribute = ncc.run(
        "contribute",
        "--dataset",
        WINE,
        "--offset",
        str(CONTRIBUTED.start),
        "--limit",
        str(len(CONTRIBUTED)),
        "--max-deposit",
        "3.6",
        "--quiet",
    )
    return ncc


# ---------------------------------------------------------------- ncc behind stake


def test_ncc_deploy_fits_the_encoder_on_wine(ncc):
    out = ncc.deploy.stdout
    assert re.search(r"^deployed NearestCentroidStake \(ncc, incentive stake\) at 0x", out, re.M)
    assert "classes: class_0, class_1, class_2" in out
    assert "waits: refund 60 s, owner 120 s, anyone 240 s" in out
    assert f"pre-trained on 100 samples of {WINE}" in out
    data = ncc.data
    assert (data["model"], data["contract"]) == ("ncc", "NearestCentroidStake")
    assert data["class_names"] == WINE_NAMES
    assert data["pretrain"]["samples"] == 100
    # What the web page shows of it: scored on the 78 rows after the slice, beside the baseline;
    # the columns' names and an example row.
    held = data["pretrain"]["held_out"]
    assert (held["offset"], held["samples"]) == (100, 78)
    assert held["accuracy"] > held["baseline"] > 0
    assert data["pretrain"]["feature_names"][:2] == ["alcohol", "malic_acid"]
    assert len(data["pretrain"]["example"]["values"]) == 13
    assert data["incentive"]["kind"] == "stake" and data["incentive"]["refund_wait"] == 60
    # The column scales come from all of wine, the pre-training from its first 100 rows.
    encoder = DenseEncoder.from_settings(data["encoder"])
    assert encoder == DenseEncoder.fit(datasets.load_dense(WINE).features)
    contract = ncc.contract
    assert int(contract.dim()) == 13 and int(contract.n_classes()) == 3
    # Class sizes: the pre-training labels, plus whatever was contributed since (when another
    # test's fixture has added contributions).
    labels = list(datasets.load_dense(WINE, limit=100).labels)
    labels += [c.label for c in scan(contract, data["block"], features=False)]
    assert [int(contract.class_size(k)) for k in range(3)] == [labels.count(k) for k in range(3)]
    assert contract.sealed() and int(contract.refund_wait()) == 60


def test_ncc_contribute_then_refund_after_the_wait(ncc_contributed, chain):
    ncc, proc = ncc_contributed, ncc_contributed.contribute
    encoder = DenseEncoder.from_settings(ncc.data["encoder"])
    sent = encode_dataset(WINE, encoder, len(CONTRIBUTED), CONTRIBUTED.start)
    added = [m for ln in lines(proc.stdout) if (m := ADDED.match(ln))]
    assert [int(m[1]) for m in added] == list(range(1, len(CONTRIBUTED) + 1)), proc.stdout
    assert [m[2] for m in added] == [WINE_NAMES[y] for y in sent.labels]
    assert all(Decimal(m[3]) > 0 for m in added)
    # Chain history holds exactly the encoded rows (int64 calldata) and labels.
    history = scan(ncc.contract, ncc.data["block"])
    assert [c.features for c in history] == [tuple(r) for r in sent.rows]
    assert [c.label for c in history] == sent.labels

    advance(chain, 70)
    contract = ncc.contract
    agree = {c.id for c in history if int(contract.predict(list(c.features))) == c.label}
    assert agree, "the flow must exercise a paid refund"
    proc = ncc.run("refund", "--all", "--quiet")
    out = lines(proc.stdout)
    assert f"{len(agree)} of {len(history)} contributions eligible to refund now" in out
    refunded = {int(m[1]): Decimal(m[2]) for ln in out if (m := REFUNDED.match(ln))}
    assert set(refunded) == agree, proc.stdout
    for cid, amount in refunded.items():
        assert amount == Decimal(history.contributions[cid].deposit) / 10**18
    after = scan(contract, ncc.data["block"], features=False)
    assert {c.id for c in after if c.refunded is not None} == agree
    assert int(contract.num_good(ncc.data["deployer"])) == len(agree)
    assert int(chain.provider.get_balance(contract.address)) == after.owed()


def test_ncc_predict_and_status(ncc_contributed):
    ncc = ncc_contributed
    raw = datasets.load_dense(WINE, limit=1, offset=HELD_OUT).features[0]
    values = ",".join(repr(float(v)) for v in raw)
    one, many, status = ape_run_many(
        ncc.args("predict", "--values", values),
        ncc.args("predict", "--dataset", WINE, "--offset", str(HELD_OUT)),
        ncc.args("status"),
    )
    contract = ncc.contract
    encoder = DenseEncoder.from_settings(ncc.data["encoder"])
    expected = int(contract.predict(encoder.encode_one(raw)))
    assert lines(one.stdout) == [f"{WINE_NAMES[expected]} ({expected})"]

    held = encode_dataset(WINE, encoder, offset=HELD_OUT)
    right = sum(
        int(p == y) for p, y in zip(predict_many(contract, held.rows), held.labels, strict=True)
    )
    (m,) = (m for ln in lines(many.stdout) if (m := ACCURACY.match(ln)))
    assert (int(m[2]), int(m[3]), m[4]) == (right, len(held), WINE)
    assert Decimal(m[1]) == (Decimal(100 * right) / len(held)).quantize(Decimal("0.01"))
    assert right > len(held) // 2  # 100 pre-training rows: far better than chance

    out = status.stdout
    assert f"model      ncc: NearestCentroidStake at {contract.address}" in out
    assert f"classes {', '.join(WINE_NAMES)}; {len(CONTRIBUTED)} updates; dim 13" in out
    assert f"contributions {len(CONTRIBUTED)}: " in out
    assert "wei check ok" in out
    assert "Traceback" not in status.stderr


# ---------------------------------------------------------------- naive bayes behind points


def test_naive_bayes_points_contribute_and_predict(nb, accounts):
    out = nb.deploy.stdout
    assert "deployed NaiveBayesPoints (naive_bayes, incentive points)" in out
    assert "classes: neg, pos" in out and "pre-trained on 300 samples of rt" in out
    data = nb.data
    assert data["model"] == "naive_bayes" and data["extra"] == {"alpha": 0.5}
    contract = nb.contract
    assert sum(int(contract.class_size(k)) for k in range(2)) == data["pretrain"]["samples"]

    proc = nb.run(
        "contribute",
        "--dataset",
        "rt",
        "--offset",
        "300",
        "--limit",
        "5",
        "--quiet",
        "--max-deposit",
        "3.6",
    )
    encoder = Encoder.from_settings(data["encoder"])
    sent = encode_dataset("rt", encoder, 5, 300)
    added = [m for ln in lines(proc.stdout) if (m := ADDED.match(ln))]
    assert [(int(m[1]), m[2], m[3]) for m in added] == [
        (i + 1, ("neg", "pos")[y], "0.000000") for i, y in enumerate(sent.labels)
    ], proc.stdout
    history = scan(contract, data["block"])
    assert [c.features for c in history] == [tuple(r) for r in sent.rows]
    assert [c.contributor for c in history] == [accounts[0].address] * 5  # not the deployer
    assert int(contract.update_count()) == 5

    proc = nb.run("predict", "--text", TEXT)
    expected = int(contract.predict(encoder.encode_one(TEXT)))
    assert lines(proc.stdout) == [f"{('neg', 'pos')[expected]} ({expected})"]


# ---------------------------------------------------------------- parity


def test_parity_sparse_ncc_and_dense_perceptron():
    sparse, dense = ape_run_many(
        ("parity", "--model", "sparse_ncc", "--dataset", "rt", "--limit", "40", "--quiet",
         "--account", "TEST::6"),
        ("parity", "--model", "dense_perceptron", "--dataset", "sklearn:breast_cancer",
         "--limit", "40", "--quiet", "--account", "TEST::7"),
    )  # fmt: skip
    for proc in (sparse, dense):
        # (Ape itself logs each deployment and transaction to stdout at INFO level.)
        summary = [ln for ln in lines(proc.stdout) if ln.startswith("parity:")]
        assert summary == ["parity: 40/40 predictions, state identical: yes"], proc.stdout
        assert proc.returncode == 0 and "Traceback" not in proc.stderr


# ---------------------------------------------------------------- failures


def test_dense_failures_are_short_and_nonzero(ncc, tmp_path):
    never = tmp_path / "never.json"
    untrained, text, other = ape_run_many(
        ("deploy", "--model", "ncc", "--manifest", str(never)),
        ncc.args("predict", "--text", TEXT),
        ncc.args("status", "--model", "perceptron"),
        check=False,
    )
    for proc in (untrained, text, other):
        assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
        assert proc.stdout.strip() == "", proc.stdout
    assert not never.exists()

    # Usage errors: click's exit 2, and one error line.
    assert untrained.returncode == 2
    assert lines(untrained.stderr) == [
        "error: ncc needs --pretrain DATASET (numeric) to fit its encoder; add "
        "--pretrain-limit 0 to deploy it untrained"
    ]
    assert text.returncode == 2
    assert lines(text.stderr) == ["error: this ncc deployment takes --values (numbers)"]

    # A manifest of another model: one line, exit 1.
    assert other.returncode == 1
    assert lines(other.stderr) == [f"error: {ncc.manifest} is a ncc deployment, not perceptron"]


def test_scripts_name_a_class_added_after_deployment(ncc, accounts, chain):
    """The owner adds a class after the manifest was written: the scripts read class names
    from the chain, so a prediction of the new class is named, and it can be contributed."""
    contract = ncc.contract
    contract.add_class("extra", sender=accounts[0])
    row = [2 * 10**9] * 13  # twice each column's largest deviation: far from every centroid
    deposit = 60 * 10**15
    advance(chain, 3600)
    contract.addData(row, 3, sender=accounts[3], value=deposit)
    enc = DenseEncoder.from_settings(ncc.data["encoder"])
    values = [o + 2 * d for o, d in zip(enc.offsets, enc.divisors, strict=True)]
    assert enc.encode_one(values) == row
    proc = ncc.run("predict", "--values", ",".join(repr(v) for v in values))
    assert lines(proc.stdout) == ["extra (3)"]
