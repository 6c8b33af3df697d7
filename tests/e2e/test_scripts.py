"""The scripts as a user runs them: `ape run ... --network ethereum:local:foundry`.

Each subprocess connects to the Anvil this test session already runs (ape-foundry reuses a
node on its port), so the scripts are exercised against a real chain without a second one.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NETWORK = ["--network", "ethereum:local:foundry"]
REVIEWS = [  # written for these tests; not from any dataset the model has seen
    ("A warm, funny and beautifully acted story that stays with you.", "pos"),
    ("Two hours of my life I will never get back; dull and lifeless.", "neg"),
    ("The score soars, the cast shines, and the ending earns every tear.", "pos"),
    ("Clumsy dialogue, a plot full of holes and jokes that never land.", "neg"),
    ("An inventive, gripping thriller with a terrific lead performance.", "pos"),
    ("Loud, long and forgettable, a sequel nobody asked for.", "neg"),
    ("Quietly devastating and completely absorbing from start to finish.", "pos"),
    ("The worst kind of boring: it mistakes noise for excitement.", "neg"),
]


def ape_run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PATH": f"{ROOT / 'bin'}:{ROOT / 'node_modules/.bin'}:"
        f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "ape"), "run", *args, *NETWORK],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check and proc.returncode != 0:
        pytest.fail(f"ape run {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return proc


@pytest.fixture(autouse=True)
def _needs_chain(chain):
    """Start this session's Anvil before the subprocesses look for one."""
    assert chain.chain_id == 31337


@pytest.fixture
def reviews_csv(tmp_path):
    path = tmp_path / "reviews.csv"
    lines = ["text,label"] + [f'"{t}",{y}' for t, y in REVIEWS * 3]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_parity_on_unseen_csv_prints_one_line(reviews_csv):
    proc = ape_run("parity", "--dataset", f"csv:{reviews_csv}", "--quiet")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("parity:")]
    assert lines == [
        f"parity: {len(REVIEWS) * 3}/{len(REVIEWS) * 3} predictions, " "weights identical: yes"
    ]


def test_parity_with_pretraining_on_rt_and_csv_stream(reviews_csv):
    proc = ape_run(
        "parity",
        "--dataset",
        f"csv:{reviews_csv}",
        "--pretrain",
        "rt",
        "--pretrain-limit",
        "400",
        "--quiet",
    )
    assert "weights identical: yes" in proc.stdout


def test_deploy_writes_manifest(tmp_path, reviews_csv):
    manifest = tmp_path / "m.json"
    proc = ape_run(
        "deploy",
        "--model",
        "perceptron",
        "--n-features",
        "65536",
        "--pretrain",
        f"csv:{reviews_csv}",
        "--class-names",
        "bad,good",
        "--manifest",
        str(manifest),
    )
    assert "deployed PerceptronStake (perceptron, incentive stake) at 0x" in proc.stdout
    assert f"pre-trained on {len(REVIEWS) * 3} samples" in proc.stdout
    data = json.loads(manifest.read_text())
    assert data["chain_id"] == 31337 and data["network"].startswith("ethereum:local")
    assert data["encoder"]["n_features"] == 65536
    assert data["encoder"]["vectorizer"].endswith("HashingVectorizer")
    assert data["class_names"] == ["bad", "good"]
    assert data["address"].startswith("0x") and len(data["address"]) == 42


@pytest.mark.parametrize(
    "args,message",
    [
        (["parity", "--dataset", "csv:/nonexistent/reviews.csv"], "not found"),
        (["parity", "--dataset", "tsv:whatever"], "rt, imdb:PATH, csv:PATH"),
        (["deploy", "--pretrain", "imdb:/nonexistent"], "imdb"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(args, message):
    proc = ape_run(*args, check=False)
    assert proc.returncode != 0
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr


def test_bad_csv_label_names_the_row(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("text,label\ngood film,pos\nodd film,maybe\n")
    proc = ape_run("parity", "--dataset", f"csv:{path}", check=False)
    assert proc.returncode == 1
    assert "row 2" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_class_names_rejected():
    proc = ape_run("deploy", "--class-names", "only-one", check=False)
    assert proc.returncode != 0 and "--class-names" in proc.stderr
