"""Every external function of the sparse Perceptron's three deployables (``SparsePerceptron``,
``PerceptronStake``, ``PerceptronPoints``), for Ape's own gas report.

    make bench   # runs: ape test bench/test_gas_report.py --gas  ->  bench/gas_report.txt

Not part of ``make test`` (it asserts little; ``tests/`` holds the behaviour). Views that
return structs (``contribution``, ``leaderboard``) are left out: Ape 0.8.51's call-trace
enrichment fails to decode struct return data, which aborts the whole report.
"""

import pytest
from ape import chain

from sharedmodels.encoding.features import Encoder
from sharedmodels.encoding.packed import pack
from sharedmodels.rpc.deployments import deploy_perceptron
from sharedmodels.trainers.client import Contribution, Incentive
from sharedmodels.trainers.sponsor import sign_many

VOCAB = 1000
WEIGHTS = {j: (300 if j % 2 else -300) for j in range(VOCAB)}
POS = [1, 3, 5, 7, 9, 11, 13, 15, 17, 19]  # odd features vote class 1
NEG = [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]


def deploy(project, owner, name, incentive, seal=True):
    contract, _ = deploy_perceptron(
        getattr(project, name),
        owner,
        encoder=Encoder(n_features=VOCAB),
        eta=1,
        weights=WEIGHTS,
        chunk=250,
        seal=seal,
        extra_args=incentive.constructor_args(),
    )
    return contract


def add(trainer, who, row, label, value=0):
    x = pack(row, VOCAB)  # the sparse Perceptron takes its indices packed
    receipt = trainer.addData(x, label, sender=who, value=value)
    (log,) = receipt.decode_logs(trainer.ContributionAdded)
    c = Contribution.from_log(log)
    c.features, c.x = tuple(row), tuple(x)
    return c


#: Views whose struct return data Ape's trace enrichment cannot decode (see the docstring).
STRUCT_VIEWS = {"contribution", "leaderboard"}
_DEFAULT_ARGS = {
    "uint256": 1,
    "uint8": 0,
    "uint32[]": POS,
    "uint256[]": pack(POS, VOCAB),
    "address": None,
}


def call_every_view(contract, who, recorded=None):
    """Each view of the contract once, with simple arguments, for the report; ``verdict``
    takes a recorded contribution (``recorded``)."""
    for abi in contract.contract_type.view_methods:
        if abi.name in STRUCT_VIEWS:
            continue
        if abi.name == "verdict":
            contract.verdict(recorded.key(), recorded.args())
            continue
        args = [
            who.address if i.canonical_type == "address" else _DEFAULT_ARGS[i.canonical_type]
            for i in abi.inputs
        ]
        getattr(contract, abi.name)(*args)


@pytest.fixture(scope="module")
def roles(accounts):
    return accounts[0], accounts[1], accounts[2], accounts[3]


def test_sparse_perceptron(project, roles):
    owner, alice, *_ = roles
    m = deploy(project, owner, "SparsePerceptron", Incentive("none"), seal=False)
    m.upload_intercept(2**59, sender=owner)
    m.seal(sender=owner)
    m.update(pack(POS, VOCAB), 1, sender=owner)
    m.update(pack(POS, VOCAB), 0, sender=owner)
    m.predict(pack(POS, VOCAB))
    m.score(pack(NEG, VOCAB))
    call_every_view(m, alice)
    m.transfer_ownership(alice, sender=owner)
    m.renounce_ownership(sender=alice)


def test_stake_trainer(project, roles):
    owner, alice, bob, carol = roles
    t = deploy(
        project,
        owner,
        "PerceptronStake",
        Incentive("stake", refund_wait=60, owner_wait=120, any_wait=240, cost_weight=10**15),
        False,
    )
    t.upload_intercept(-(2**59), sender=owner)
    t.seal(sender=owner)
    chain.pending_timestamp += 3600
    good = add(t, alice, POS, 1, t.next_deposit())
    chain.pending_timestamp += 3600
    bad = add(t, bob, NEG, 1, t.next_deposit())  # the model disagrees: an update
    chain.pending_timestamp += 3600
    left = add(t, bob, POS, 0, t.next_deposit())
    chain.pending_timestamp += 61
    t.refund(good.key(), good.args(), sender=alice)
    t.report(bad.key(), bad.args(), sender=alice)
    chain.pending_timestamp += 300
    t.take(left.key(), left.features_hash, sender=carol)
    deadline = int(chain.pending_timestamp) + 3600
    items = sign_many(t, carol, [POS, NEG], [1, 0], deadline)
    t.addDataBatch(items, sender=bob, value=2 * 3600 * 10**15)
    t.cancel_nonces(t.nonces(carol) + 1, sender=carol)
    call_every_view(t, alice, good)
    t.transfer_ownership(bob, sender=owner)
    t.renounce_ownership(sender=bob)


def test_points_trainer(project, roles):
    owner, alice, bob, _ = roles
    t = deploy(
        project,
        owner,
        "PerceptronPoints",
        Incentive("points", refund_wait=60, owner_wait=60, any_wait=60, cost_weight=0),
    )
    good = add(t, alice, POS, 1)
    bad = add(t, bob, NEG, 1)
    chain.pending_timestamp += 61
    t.refund(good.key(), good.args(), sender=alice)
    t.report(bad.key(), bad.args(), sender=alice)
    call_every_view(t, alice, good)
