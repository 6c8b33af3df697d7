"""Shared fixtures: role accounts and a factory that deploys a fresh model with overrides.

The session fixtures below change no chain state when they are set up (accounts, a contract
type, factories). They are declared so to Ape (``chain_isolation=False``): otherwise a module
that first asks for one of them mid-way (as test_attacks did) makes Ape
revert to the session's snapshot and set the module's fixtures up again
(``InvalidIsolationWarning``).
"""

from contextlib import contextmanager
from pathlib import Path

import ape
import pytest
from ape import compilers
from ape.exceptions import TransactionError
from mempool import Mempool

from sharedmodels.encoding.features import Encoder
from sharedmodels.rpc.deployments import deploy_perceptron
from sharedmodels.rpc.node import prefer_repo_anvil
from sharedmodels.trainers.client import Incentive, contract_name, records, scan, verify

# Before the session's Anvil starts: bin/anvil (no step tracing), whatever the PATH order.
prefer_repo_anvil()

SMALL_N = 2**12
#: Contracts that only tests deploy (attackers, wallets); not part of the project's contracts.
TEST_CONTRACTS = Path(__file__).parent / "contracts"


def compile_test_contract(name: str):
    """The container of ``tests/contracts/<name>.vy``."""
    source = (TEST_CONTRACTS / f"{name}.vy").read_text()
    return compilers.compile_source("vyper", source, contractName=name)


@contextmanager
def isolated(chain):
    """What ``chain.isolate()`` should be: the chain (and its pending timestamp) back as it was
    after the block, and any exception raised inside it raised on. Ape's own ``isolate``
    catches every exception of its block and carries on, so an ``assert`` that fails inside
    it fails nothing."""
    snapshot = chain.snapshot()
    pending = chain.pending_timestamp
    try:
        yield
    finally:
        chain.restore(snapshot)
        chain.pending_timestamp = pending


@contextmanager
def reverts_without_reason():
    """``ape.reverts()`` that also insists the revert data was empty: a failed ABI decoding, a
    missing default function or an ``assert`` without a reason (such as Vyper's re-entrancy
    lock), never one of the contract's reason strings, which a bare ``ape.reverts()`` would
    accept too."""
    with ape.reverts() as info:
        yield info
    got = info.value.revert_message
    assert got == TransactionError.DEFAULT_MESSAGE, f"expected no revert reason, got {got!r}"


@pytest.fixture
def deployer(accounts, chain):
    """A never-used, funded sender for deployments that revert.

    Ape enriches a failed deployment's trace with the contract type it has cached for the
    would-be address (sender and nonce). Tests are isolated by chain snapshots, so a test that
    deployed from the same account earlier in the session (the nonce is rewound with the
    chain) leaves another contract's type cached there, and the decoding fails with eth_abi's
    InvalidPointer instead of the revert reason: in a full session the market's constructor
    refusals from accounts[8] decoded against a FederatedTask. A fresh address has no nonce
    anyone used."""
    account = accounts.generate_test_account()
    chain.set_balance(account, 10**22)
    return account


@ape.fixture(scope="session", chain_isolation=False)
def owner(accounts):
    return accounts[0]


@ape.fixture(scope="session", chain_isolation=False)
def alice(accounts):
    return accounts[1]


@ape.fixture(scope="session", chain_isolation=False)
def mallory(accounts):
    return accounts[9]


@ape.fixture(scope="session", chain_isolation=False)
def container(project):
    return project.SparsePerceptron


@ape.fixture(scope="session", chain_isolation=False)
def deploy_model(container, owner):
    """``deploy_model(**overrides)`` → a fresh ``SparsePerceptron`` owned by ``owner``."""

    def _deploy(
        n_features=SMALL_N,
        eta=1,
        weights=None,
        intercept=0,
        seal=False,
        class_names=("neg", "pos"),
        sender=None,
    ):
        contract, _ = deploy_perceptron(
            container,
            sender or owner,
            encoder=Encoder(n_features=n_features),
            eta=eta,
            class_names=class_names,
            weights=weights,
            intercept=intercept,
            seal=seal,
        )
        return contract

    return _deploy


@pytest.fixture
def model(deploy_model):
    return deploy_model()


@ape.fixture(scope="session", chain_isolation=False)
def bob(accounts):
    return accounts[2]


@ape.fixture(scope="session", chain_isolation=False)
def carol(accounts):
    return accounts[3]


#: BENCHMARKS.md waits: refund 60 s, owner 120 s, anyone 240 s; cost weight 10**15 wei.
STAKE = Incentive("stake", refund_wait=60, owner_wait=120, any_wait=240, cost_weight=10**15)


@ape.fixture(scope="session", chain_isolation=False)
def deploy_trainer(project, owner):
    """``deploy_trainer(incentive=STAKE, **overrides)`` → a fresh trainer owned by ``owner``.

    ``incentive`` is an ``Incentive`` (kind "stake" or "points").
    """

    def _deploy(
        incentive=STAKE,
        n_features=SMALL_N,
        eta=1,
        weights=None,
        intercept=0,
        class_names=("neg", "pos"),
        sender=None,
    ):
        container = getattr(project, contract_name("perceptron", incentive.kind))
        contract, _ = deploy_perceptron(
            container,
            sender or owner,
            encoder=Encoder(n_features=n_features),
            eta=eta,
            class_names=class_names,
            weights=weights,
            intercept=intercept,
            seal=False,
            extra_args=incentive.constructor_args(),
        )
        return contract

    return _deploy


def assert_wei_invariant(trainer) -> int:
    """The deposit incentive's invariant for one trainer: its balance equals the sum of what its
    records still let people claim, which equals what the history rebuilt from chain data says
    is owed, and every rebuilt contribution matches its stored record. Returns that balance."""
    n = trainer.contribution_count()
    claimable = sum(trainer.contribution(i).claimable for i in range(1, n + 1))
    assert trainer.balance == claimable
    history = scan(trainer, 0)
    assert len(history) == n
    assert history.owed() == claimable
    assert verify(history, records(trainer, range(1, n + 1))) == []
    return claimable


@pytest.fixture
def deployed():
    """Trainers a test deployed, for the after-test checks (append to it)."""
    return []


@pytest.fixture
def wei_invariant(deployed):
    """After the test, ``assert_wei_invariant`` for every trainer in ``deployed``."""
    yield
    for trainer in deployed:
        assert_wei_invariant(trainer)


@pytest.fixture
def mempool(chain) -> Mempool:
    """A public mempool (``tests/mempool.py``): inside ``with mempool.paused():`` automine is
    off and calls wait in the pool until ``mempool.mine()``. Automine is back on after the
    test whatever happened (also if it paused without the ``with``)."""
    pool = Mempool(chain.provider)
    try:
        yield pool
    finally:
        pool.restore()


@pytest.fixture(autouse=True)
def empty_pool(request):
    """Contract tests and properties start with the session node's transaction pool empty.

    Ape isolates tests by chain snapshots, and reverting a snapshot does not empty Anvil's
    pool: transactions a test left unmined (a pipelined batch cut short, a mempool test that
    failed before it restored mining) stay queued at nonces the next test's sender uses again
    (seen in CI: `test_sixteen_classes_stay_in_step[ncc]` found 36 of its 48 pipelined
    transactions queued behind a gap, then the next test's `replacement transaction
    underpriced`). What is found is dropped, and said (a test should leave none)."""
    if request.node.path.parent.name not in ("chain", "hypothesis"):
        return
    provider = request.getfixturevalue("chain").provider
    try:
        status = provider.make_request("txpool_status", [])
    except Exception:  # a node without the method (a fork of a public network): nothing to do
        return
    left = int(status.get("pending", "0x0"), 16) + int(status.get("queued", "0x0"), 16)
    if left:
        provider.make_request("anvil_dropAllTransactions", [])
        print(f"empty_pool: dropped {left} transactions an earlier test left in the pool")
