"""The federated learning task: every phase and revert reason, deadlines at the exact second,
aggregation in steps equal to the mirror and to one pass, forfeits, void rounds, rewards by
agreement, payments, conservation after every step, and the record rebuilding every model."""

import random
from dataclasses import replace

import pytest
from conftest import compile_test_contract
from federated_helpers import (
    FEDAVG,
    POOL,
    SMALL,
    direction,
    honest_update,
    open_task,
    poisoned_update,
)

from sharedmodels.federated.driver import check_history, commit_update, reveal_update
from sharedmodels.federated.rules import commitment, predict


@pytest.fixture
def people(accounts):
    return [accounts[i] for i in range(1, 7)]


def test_honest_rounds_match_the_mirror_and_pay_out_everything(project, chain, owner, people):
    task = open_task(project, chain, owner)
    rng = random.Random(1)
    for p in people[:5]:
        task.join(p)
    for _ in range(SMALL.rounds):
        res = task.round(people[:5], [honest_update(SMALL, rng) for _ in range(5)], owner)
        assert len(res.accepted) == 5
    assert task.contract.done()
    # the live model predicts as the mirror's parameters do
    for _ in range(5):
        x = [rng.randint(-(2**40), 2**40) for _ in range(SMALL.n_features)]
        assert task.contract.predict(x) == predict(task.mirror.params, SMALL.n_features, x)
    for p in people[:5]:
        task.contract.withdraw(sender=p)
    assert task.contract.pool() == 0  # the last round pays all of the pool
    with pytest.raises(Exception, match="federated: nothing to withdraw"):
        task.contract.withdraw(sender=owner)
    assert task.contract.balance == 0
    assert int(task.contract.withdrawn()) == POOL + 5 * SMALL.stake
    assert check_history(task.contract) == []
