"""A participant's pending update between its commit and its reveal (``federated.participant``),
without a chain: what is refused, and what becomes of the pending file."""

import json

import pytest

from sharedmodels.federated.driver import Pending
from sharedmodels.federated.participant import commit_round, pending_path, reveal_round
from sharedmodels.federated.rules import FederatedError


class Task:
    """The two calls the refusals need: the round, and a reveal that records what it got."""

    def __init__(self, round_: int):
        self._round = round_
        self.revealed = []

    def round(self):
        return self._round

    def reveal(self, salt, samples, update, sender):
        self.revealed.append((salt, samples, update, sender))
        return "receipt"


def keep(path, round_):
    path.write_text(json.dumps(Pending(round_, b"\x01" * 32, 7, [1, -2]).to_json()))


def test_the_pending_file_sits_beside_the_record_named_by_the_account(tmp_path):
    record = tmp_path / "deployments" / "local_federated.json"
    assert pending_path(record, "0xAbC") == (
        tmp_path / "deployments" / "local_federated.json.0xAbC.pending.json"
    )


def test_a_second_commit_in_the_same_round_is_refused_and_keeps_the_first(tmp_path):
    pending = tmp_path / "p.json"
    keep(pending, 3)
    before = pending.read_text()
    with pytest.raises(FederatedError, match=r"^round 3: this account already committed"):
        commit_round(Task(3), "me", client=None, pending=pending, epochs=1, seed=0)
    assert pending.read_text() == before


def test_reveal_sends_the_pending_update_of_this_round_then_removes_it(tmp_path):
    pending = tmp_path / "p.json"
    keep(pending, 3)
    task = Task(3)
    assert reveal_round(task, "me", pending) == (3, "receipt")
    assert task.revealed == [(b"\x01" * 32, 7, [1, -2], "me")]
    assert not pending.exists()


def test_reveal_refuses_a_missing_file_or_another_rounds_update(tmp_path):
    pending = tmp_path / "p.json"
    with pytest.raises(FederatedError, match=r"^round 3: nothing committed from this account"):
        reveal_round(Task(3), "me", pending)
    keep(pending, 2)
    with pytest.raises(FederatedError, match=r"^the pending update is for round 2, not 3$"):
        reveal_round(Task(3), "me", pending)
    assert pending.exists()  # kept: it is not this round's to remove


def test_the_demo_summary_as_printed():
    from sharedmodels.federated.demo import summary_lines

    summary = {
        "final_accuracy": {
            "trimmed_mean_poisoned": 0.8512,
            "trimmed_mean_clean": 0.9011,
            "fedavg_poisoned": 0.4,
            "central": 0.95,
        },
        "poisoners_paid_trimmed_mean": 12 * 10**15,
        "poisoners_paid_fedavg": 3 * 10**17,
        "max_step_gas": 1_234_567,
        "max_reveal_gas": 345_678,
        "history": True,
        "conservation": False,
        "plots": ["a.png", "b.png"],
        "seconds": 12.5,
    }
    assert summary_lines(summary) == [
        "final accuracy, trimmed mean with 2 poisoners: 0.851",
        "final accuracy, trimmed mean without poisoners: 0.901",
        "final accuracy, FedAvg with 2 poisoners: 0.400",
        "final accuracy, central training: 0.950",
        "robust rule's loss to the poisoners: 5.0 points",
        "poisoners paid: trimmed mean 0.0120 ETH, FedAvg 0.3000 ETH",
        "most gas: step 1,234,567, reveal 345,678",
        "history: ok",
        "conservation: BROKEN",
        "plots: a.png, b.png (12.5 s)",
    ]
