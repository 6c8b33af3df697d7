"""Shared fixtures: role accounts and a factory that deploys a fresh model with overrides."""

import pytest

from sharedmodels.chain import deploy_perceptron
from sharedmodels.features import Encoder

SMALL_N = 2**12


@pytest.fixture(scope="session")
def owner(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def alice(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def mallory(accounts):
    return accounts[9]


@pytest.fixture(scope="session")
def container(project):
    return project.SparsePerceptron


@pytest.fixture(scope="session")
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
            Encoder(n_features=n_features),
            eta,
            class_names,
            weights=weights,
            intercept=intercept,
            seal=seal,
        )
        return contract

    return _deploy


@pytest.fixture
def model(deploy_model):
    return deploy_model()
