"""`ape run contribute` killed mid-run resumes without duplicates or gaps."""

import json
import time

from ape.contracts import ContractInstance
from e2e_runner import finish, gated_node, lines, start
from test_trainer_scripts import REVIEWS, _ape, write_csv

from sharedmodels.encoding.features import Encoder
from sharedmodels.trainers.client import scan

#: Contributions the first run gets on chain before it is killed.
LANDED = 8


def test_killed_contribute_resumes_without_duplicates_or_gaps(accounts, chain, tmp_path):
    from ape import project

    manifest = tmp_path / "resume.json"
    _ape("run", "deploy", "--incentive", "stake", "--manifest", str(manifest))
    data = json.loads(manifest.read_text())
    # Bound to the deployed contract's own type: ``.at`` would prefer the type Ape cached for
    # this address in an earlier test of the session (every test's first deployment lands at
    # the same address after the snapshot revert; seen in CI: a type whose predict was not
    # packed, and scan left the features packed).
    trainer = ContractInstance(data["address"], getattr(project, data["contract"]).contract_type)
    # 42 samples: the same six texts seven times over, labels varied so every row differs.
    rows = [(f"{text} ({i})", (label + i) % 2) for i in range(7) for text, label in REVIEWS]
    csv_path = write_csv(tmp_path / "resume.csv", rows)
    args = (
        "run",
        "contribute",
        "--dataset",
        f"csv:{csv_path}",
        "--account",
        "TEST::6",
        "--one-by-one",
        "--max-deposit",
        "3.6",
        "--manifest",
        str(manifest),
        "--quiet",
    )
    me = str(accounts[6].address)

    # The first run reaches the node through a gate that lets LANDED transactions through and
    # holds the next one unanswered: killed while held, the run has certainly started (LANDED
    # contributions, each sent after the one before was mined) and certainly not finished.
    with gated_node(chain.provider.http_uri, LANDED) as (node, gate):
        first = start(args, node=node)
        try:
            deadline = time.monotonic() + 300
            while not gate.held.wait(0.1):
                if first.poll() is not None:
                    out, err = first.communicate()
                    raise AssertionError(f"the first run ended before the gate held it:\n{err}")
                assert time.monotonic() < deadline, "the first run never reached the gate"
            assert first.poll() is None
        finally:
            first.kill()
            first.communicate()
    before = len(scan(trainer, data["block"], features=False).by(me))
    assert before == LANDED

    second = finish(args, start(args), check=True)
    (resumed,) = (ln for ln in lines(second.stdout) if ln.startswith("resuming an earlier run"))
    assert f": {before} of {len(rows)} already on chain" in resumed

    history = scan(trainer, data["block"]).by(me)
    encoder = Encoder.from_settings(data["encoder"])
    expected = [(tuple(encoder.encode_one(t)), y) for t, y in rows]
    assert [(c.features, c.label) for c in history] == expected  # each once, in order

    third = _ape(*args)
    assert f"nothing to send: all {len(rows)} contributions of this run are on chain" in (
        third.stdout
    )
