"""``ape run federated ...`` as a user runs it: open a restricted one-round task, three
participants join (a stranger is refused in one line), train and commit, reveal, aggregate,
status with the books and the history checked. Kept short: about a minute."""

import json
import os

from e2e_runner import ape_many, contract_at, lines


def fed(*args):
    return ("run", "federated", *args)


def test_federated_subcommands_end_to_end(chain, tmp_path):
    record = str(tmp_path / "federated.json")
    rec = ("--record", record)
    terms = "--rounds 1 --trim 1 --min-participants 3 --max-participants 3 --pool 0.3"
    allow = "--allow TEST::1 --allow TEST::2 --allow TEST::3"
    opened = ape_many(fed("open", *terms.split(), *allow.split(), *rec))[0]
    assert "3 allowed participants" in opened.stdout
    address = json.loads((tmp_path / "federated.json").read_text())["address"]
    for r in ape_many(*(fed("join", "--account", f"TEST::{i}", *rec) for i in (1, 2, 3))):
        assert "joined as participant #" in r.stdout

    def train(i, *extra):
        who = ("--client", str(i), "--clients", "3", "--account", f"TEST::{i + 1}")
        return fed("train-round", *who, *extra, *rec)

    *committed, stranger = ape_many(
        train(0), train(1), fed("join", "--account", "TEST::4", *rec), check=False
    )
    for r in committed:
        assert r.returncode == 0, r.stderr[-2000:]
        assert "round 0: committed an update from" in r.stdout
    assert stranger.returncode == 1
    assert lines(stranger.stderr)[-1].endswith("federated: not on the allowlist")
    for i in (0, 1):
        secret = f"{record}.{chain.provider.web3.eth.accounts[i + 1]}.pending.json"
        assert os.stat(secret).st_mode & 0o777 == 0o600
    last = ape_many(train(2, "--advance"))[0]
    assert "round 0: committed" in last.stdout and "round 0: revealed" in last.stdout
    for r in ape_many(train(0), train(1)):
        assert "round 0: revealed" in r.stdout
    agg = ape_many(fed("aggregate", "--advance", *rec))[0]
    assert "round 0 closed in" in agg.stdout and "conservation: ok" in agg.stdout
    status = ape_many(fed("status", *rec))[0].stdout
    assert "round 1/1 (done)" in status and "3 participants" in status
    assert "conservation: ok" in status
    assert "history: every round rebuilt, hashes match" in status
    task = contract_at("FederatedTask", address)
    assert task.done() and int(task.pool()) == 0  # all of it paid to the three
