"""A one-block reorg (Anvil's ``anvil_reorg``) under a contribution run and under a deployment.

A public chain can replace its latest block: a contribution a script saw mined is gone. The
run's journal then says more than the chain holds; a resumed run must trust the chain (its
reconciliation) and send exactly what is missing: nothing repeated, nothing skipped. A
deployment lost the same way must be refused by its manifest's check, not used."""

import pytest
from ape import chain

from sharedmodels.rpc.deployments import DeploymentError, Manifest, check_deployment
from sharedmodels.rpc.reads import RPC
from sharedmodels.trainers.actions import contribute
from sharedmodels.trainers.client import Incentive, scan
from sharedmodels.trainers.journal import matched_prefix, open_journal, reconcile

ROWS = [[1, 5], [2, 3], [7], [4, 8], [6], [9, 10]]
LABELS = [1, 0, 0, 1, 1, 0]


def reorg(depth: int) -> None:
    """Replace the last ``depth`` blocks with empty ones (their transactions are dropped)."""
    RPC(chain.provider.http_uri).call("anvil_reorg", [depth, []])


def test_a_resumed_run_after_a_reorg_neither_repeats_nor_skips(deploy_trainer, alice, tmp_path):
    trainer = deploy_trainer(
        incentive=Incentive(
            "stake", refund_wait=60, owner_wait=120, any_wait=240, cost_weight=10**12
        )
    )
    address = str(trainer.address)
    journal, path, resumed = open_journal(
        chain.chain_id,
        address,
        alice.address,
        rows=ROWS,
        labels=LABELS,
        current_block=chain.blocks.height,
        root=tmp_path,
    )
    assert not resumed
    # The first four, one transaction (and block) each; the journal records them.
    contribute(trainer, alice, ROWS[:4], labels=LABELS[:4], fast=False)
    journal.done = 4
    journal.save(path)
    assert int(trainer.contribution_count()) == 4

    reorg(1)  # the block holding the fourth contribution is replaced by an empty one
    assert int(trainer.contribution_count()) == 3

    journal, path, resumed = open_journal(
        chain.chain_id,
        address,
        alice.address,
        rows=ROWS,
        labels=LABELS,
        current_block=chain.blocks.height,
        root=tmp_path,
    )
    assert resumed and journal.done == 4  # the journal still believes in four
    done = reconcile(trainer, journal, ROWS, LABELS)
    assert done == 3  # the chain decides
    contribute(trainer, alice, ROWS[done:], labels=LABELS[done:], fast=False)

    history = scan(trainer, 0)
    assert [(list(c.features), c.label) for c in history] == list(zip(ROWS, LABELS, strict=True))
    assert [c.id for c in history] == [1, 2, 3, 4, 5, 6]
    assert matched_prefix(history, alice.address, ROWS, LABELS) == len(ROWS)
    assert int(trainer.balance) == history.owed()


def test_a_deployment_lost_to_a_reorg_is_refused(deploy_trainer):
    before = chain.blocks.height
    trainer = deploy_trainer(
        incentive=Incentive(
            "stake", refund_wait=60, owner_wait=120, any_wait=240, cost_weight=10**12
        )
    )
    address = str(trainer.address)
    assert bytes(chain.provider.get_code(address))
    reorg(chain.blocks.height - before)  # the deployment's blocks are replaced
    man = Manifest(
        model="perceptron",
        contract="PerceptronStake",
        address=address,
        network="ethereum:local",
        chain_id=31337,
        deployer="",
        block=0,
        encoder={},
        learning_rate=1,
        class_names=[],
    )
    with pytest.raises(DeploymentError, match="no contract at"):
        check_deployment(man, chain.chain_id, bytes(chain.provider.get_code(address)))
