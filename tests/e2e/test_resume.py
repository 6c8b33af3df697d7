"""`ape run contribute` killed mid-run resumes without duplicates or gaps."""

import json
import signal
import time

from e2e_runner import finish, lines, start
from test_trainer_scripts import REVIEWS, _ape, write_csv

from sharedmodels.features import Encoder
from sharedmodels.trainer import scan


def test_killed_contribute_resumes_without_duplicates_or_gaps(accounts, tmp_path):
    from ape import project

    manifest = tmp_path / "resume.json"
    _ape("run", "deploy", "--incentive", "stake", "--manifest", str(manifest))
    data = json.loads(manifest.read_text())
    trainer = getattr(project, data["contract"]).at(data["address"])
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
        "--manifest",
        str(manifest),
        "--quiet",
    )
    me = str(accounts[6].address)

    first = start(args)
    deadline = time.monotonic() + 120
    while len(scan(trainer, data["block"], features=False).by(me)) < 8:
        assert time.monotonic() < deadline, "the first run never got going"
        assert first.poll() is None, "the first run finished before it could be killed"
        time.sleep(0.2)
    first.send_signal(signal.SIGKILL)
    first.wait()
    before = len(scan(trainer, data["block"], features=False).by(me))
    assert 8 <= before < len(rows)

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
