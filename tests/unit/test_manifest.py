"""Deployment manifests: round trip, default location, and refusal of stale or foreign ones."""

import pytest

from sharedmodels.encoding.features import Encoder
from sharedmodels.rpc.deployments import (
    DeploymentError,
    Manifest,
    check_deployment,
    default_manifest_path,
    read_manifest,
    write_manifest,
)


def make_manifest(**overrides) -> Manifest:
    fields = dict(
        model="perceptron",
        contract="SparsePerceptron",
        address="0x" + "ab" * 20,
        network="ethereum:local:foundry",
        chain_id=31337,
        deployer="0x" + "cd" * 20,
        block=7,
        encoder=Encoder(n_features=4096, overflow="skip").settings(),
        learning_rate=1,
        class_names=["neg", "pos"],
    )
    fields.update(overrides)
    return Manifest(**fields)


def test_round_trip(tmp_path):
    path = write_manifest(make_manifest(), tmp_path / "sub" / "m.json")
    back = read_manifest(path)
    assert back == make_manifest()
    assert back.encoder_obj == Encoder(n_features=4096, overflow="skip")
    assert not list(tmp_path.glob("sub/*.tmp"))  # written atomically


def test_default_path_ignores_provider():
    assert str(default_manifest_path("ethereum:local:foundry")) == "deployments/ethereum_local.json"
    assert str(default_manifest_path("ethereum:mainnet-fork:foundry")).endswith(
        "ethereum_mainnet_fork.json"
    )


def test_missing_and_corrupt_manifests(tmp_path):
    with pytest.raises(DeploymentError, match="run 'ape run deploy' first"):
        read_manifest(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(DeploymentError, match="unreadable"):
        read_manifest(bad)
    bad.write_text('{"model": "perceptron"}')
    with pytest.raises(DeploymentError, match="unreadable"):
        read_manifest(bad)


def test_check_deployment():
    m = make_manifest()
    check_deployment(m, 31337, b"\x60\x80")
    with pytest.raises(DeploymentError, match="connected chain is 1"):
        check_deployment(m, 1, b"\x60\x80")
    with pytest.raises(DeploymentError, match="no contract at"):
        check_deployment(m, 31337, b"")
