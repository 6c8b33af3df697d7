"""The vocabulary encoder as a user meets it: parity on every text model with ``--encoder
vocab:K``, a deployment whose words the manifest and the export carry and whose hash the model
stores, a word list that no longer matches refused before anything is read or sent, and a bad
``--encoder`` as one line.

``ape run`` runs as subprocesses against the Anvil this pytest session started.
"""

import json
import re
from pathlib import Path

import pytest
from e2e_runner import FromManifest, ape_many, lines

from sharedmodels.encoding.features import vocabulary_hash

PARITY = re.compile(r"^parity: (\d+)/(\d+) predictions, (weights|state) identical: yes$")
TEXT = "A tender, funny and beautifully acted film."


class Deployed(FromManifest):
    def __init__(self, manifest: Path) -> None:
        self.manifest = manifest


@pytest.fixture(autouse=True)
def _needs_chain(chain):
    assert chain.chain_id == 31337


def run(*commands, check=True):
    return ape_many(*(("run", *args) for args in commands), check=check)


def test_parity_on_every_text_model_with_a_vocabulary():
    common = ("--dataset", "rt", "--offset", "1000", "--limit", "120", "--encoder", "vocab:800")
    pre = ("--pretrain", "rt", "--pretrain-limit", "1000")
    procs = run(
        *(
            ("parity", "--model", m, *common, *pre, "--quiet", "--account", f"TEST::{i}")
            for i, m in enumerate(("perceptron", "sparse_ncc", "naive_bayes"))
        )
    )
    for proc in procs:
        (line,) = (ln for ln in lines(proc.stdout) if ln.startswith("parity:"))
        m = PARITY.match(line)
        assert m and m.group(1) == m.group(2) == "120", proc.stdout


def test_vocabulary_in_manifest_chain_and_export(tmp_path):
    manifest = tmp_path / "nb.json"
    run(
        (
            "deploy",
            "--model",
            "naive_bayes",
            "--encoder",
            "vocab:600",
            "--pretrain",
            "rt",
            "--pretrain-limit",
            "800",
            "--refund-wait",
            "60",
            "--owner-wait",
            "120",
            "--any-wait",
            "240",
            "--manifest",
            str(manifest),
        )
    )
    dep = Deployed(manifest)
    words = dep.data["encoder"]["words"]
    assert len(words) == 600 and words == sorted(words)
    on_chain = json.loads(dep.contract.encoder())
    assert on_chain["kind"] == "vocab" and on_chain["size"] == 600
    assert on_chain["words_keccak"] == vocabulary_hash(words)
    assert int(dep.contract.n_features()) == 600
    assert dep.data["incentive"]["judging"] == "leave-one-out"

    predicted, contributed = run(
        ("predict", "--text", TEXT, "--manifest", str(manifest)),
        (
            "contribute",
            "--dataset",
            "rt",
            "--offset",
            "2000",
            "--limit",
            "2",
            "--account",
            "TEST::1",
            "--max-deposit",
            "3.6",
            "--manifest",
            str(manifest),
        ),
    )
    assert re.search(r"\b(neg|pos)\b", predicted.stdout)
    out = tmp_path / "export.csv"
    (exported,) = run(("export", "--out", str(out), "--manifest", str(manifest)))
    assert "vocabulary" in exported.stdout
    assert (tmp_path / "export.words.txt").read_text().splitlines() == words

    # A manifest whose words were changed (here: one replaced) no longer matches the hash the
    # model stores: refused in one line before any call.
    data = dep.data
    data["encoder"]["words"] = sorted([*words[:-1], "zzzzzz"])
    data["encoder"]["words_keccak"] = vocabulary_hash(data["encoder"]["words"])
    manifest.write_text(json.dumps(data))
    (bad,) = run(("predict", "--text", TEXT, "--manifest", str(manifest)), check=False)
    assert bad.returncode != 0 and bad.stdout == ""
    assert bad.stderr.startswith("error: vocabulary hash") and "on-chain hash" in bad.stderr
    assert len(lines(bad.stderr)) == 1


@pytest.mark.parametrize(
    "form,message",
    [
        ("vocab:0", "K (words) must be in [1, 4294967296]"),
        ("words:5", "unknown encoder 'words:5'"),
        ("hash:40", "BITS must be in [1, 32]"),
    ],
)
def test_bad_encoder_is_one_line(tmp_path, form, message):
    manifest = tmp_path / "m.json"
    (proc,) = run(
        ("deploy", "--encoder", form, "--pretrain", "rt", "--manifest", str(manifest)),
        check=False,
    )
    assert proc.returncode != 0 and not manifest.exists()
    assert proc.stderr.startswith("error: ") and message in proc.stderr, proc.stderr
    assert len(lines(proc.stderr)) == 1
