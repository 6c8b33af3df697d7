"""Rebuilding a trainer's history from chain data when contributions do not come straight from
an externally owned account: a contract (a wallet, an app) calling ``addData`` on a user's
behalf, several times in one transaction. The features are then not in the transaction's own
input, and ``scan`` takes them from the call trace instead."""

import pytest
from ape import chain
from conftest import STAKE, assert_wei_invariant, compile_test_contract

from sharedmodels.trainers.client import Incentive, export_csv, read_export, scan


@pytest.fixture(scope="module")
def relay_container():
    return compile_test_contract("Relay")


def test_scan_recovers_features_from_the_call_trace(
    deploy_trainer, relay_container, alice, tmp_path
):
    trainer = deploy_trainer(
        incentive=Incentive(
            "stake", refund_wait=60, owner_wait=120, any_wait=240, cost_weight=10**12
        )
    )
    relay = relay_container.deploy(sender=alice)
    rows = [[1, 5, 9], [2, 3], [7], [4, 8, 11, 12]]
    labels = [1, 0, 0, 1]
    each = 10**12 * 3600  # the most a deposit can be; the excess comes back to the relay
    receipt = relay.add_many(trainer, rows, labels, each, sender=alice, value=each * len(rows))
    assert len(list(receipt.decode_logs(trainer.ContributionAdded))) == len(rows)
    # A direct contribution in a later transaction, read from its own input.
    chain.pending_timestamp += 10
    trainer.addData([6, 10], 1, sender=alice, value=trainer.next_deposit())

    history = scan(trainer, 0)
    got = [(list(c.features), c.label, c.contributor) for c in history]
    assert got == [(r, y, relay.address) for r, y in zip(rows, labels, strict=True)] + [
        ([6, 10], 1, alice.address)
    ]
    assert_wei_invariant(trainer)

    path = tmp_path / "crowd.csv"
    assert export_csv(history, path, ["neg", "pos"], 0, STAKE.refund_wait) == len(rows) + 1
    assert [r["features"] for r in read_export(path)] == [tuple(r) for r in rows] + [(6, 10)]
