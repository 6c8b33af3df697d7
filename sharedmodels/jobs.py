"""The jobs behind the scripts (deploy, parity, demo), kept here so tests can reach them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from . import datasets
from .chain import Manifest, deploy_perceptron
from .features import Encoder
from .parity import ParityResult, run_parity
from .reference import SklearnPerceptron, pretrain
from .trainer import Incentive


@dataclass
class Encoded:
    """A dataset slice encoded for the contract; ``dropped`` counts samples skipped by policy."""

    rows: list[list[int]]
    labels: list[int]
    dropped: int = 0

    def __len__(self) -> int:
        return len(self.rows)


def encode_dataset(
    spec: str, encoder: Encoder, limit: int | None = None, offset: int = 0
) -> Encoded:
    samples = datasets.load(spec, limit=limit, offset=offset)
    return encode_samples(samples, encoder)


def encode_samples(samples: Sequence[datasets.Sample], encoder: Encoder) -> Encoded:
    encoded = encoder.encode([s.text for s in samples])
    out = Encoded([], [])
    for sample, row in zip(samples, encoded, strict=True):
        if row is None:
            out.dropped += 1
            continue
        out.rows.append(row)
        out.labels.append(sample.label)
    return out


@dataclass
class Deployment:
    contract: Any
    reference: SklearnPerceptron
    gas_used: int


def deploy_model(
    container: Any,
    sender: Any,
    encoder: Encoder,
    eta: int = 1,
    class_names: Sequence[str] = ("neg", "pos"),
    pretrain_data: Encoded | None = None,
    incentive: Incentive | None = None,
) -> Deployment:
    """Train off-chain (scikit-learn, one in-order pass), deploy, upload, seal.

    ``container`` must match ``incentive`` (see ``trainer.contract_name``). The returned
    reference holds exactly the uploaded state and can keep training in step.
    """
    data = pretrain_data or Encoded([], [])
    ref = pretrain(data.rows, data.labels, encoder.n_features, eta)
    contract, gas = deploy_perceptron(
        container,
        sender,
        encoder,
        eta,
        class_names,
        weights=ref.nonzero_weights(),
        intercept=ref.intercept_units(),
        extra_args=(incentive or Incentive("none")).constructor_args(),
    )
    return Deployment(contract, ref, gas)


def manifest_for(
    dep: Deployment,
    network_choice: str,
    chain_id: int,
    deployer: str,
    block: int,
    encoder: Encoder,
    eta: int,
    class_names: Sequence[str],
    pretrain_info: dict | None,
    incentive: Incentive | None = None,
) -> Manifest:
    return Manifest(
        model="perceptron",
        contract=dep.contract.contract_type.name,
        address=str(dep.contract.address),
        network=network_choice,
        chain_id=chain_id,
        deployer=deployer,
        block=block,
        encoder=encoder.settings(),
        learning_rate=eta,
        class_names=list(class_names),
        pretrain=pretrain_info,
        incentive=(incentive or Incentive("none")).settings(),
    )


def parity_job(
    container: Any,
    sender: Any,
    encoder: Encoder,
    stream: Encoded,
    eta: int = 1,
    pretrain_data: Encoded | None = None,
    progress: Callable[[int], None] | None = None,
) -> ParityResult:
    """A fresh deployment (optionally pre-trained), then ``run_parity`` over ``stream``."""
    dep = deploy_model(container, sender, encoder, eta, pretrain_data=pretrain_data)
    pretrained = list(dep.reference.nonzero_weights())
    return run_parity(
        dep.contract,
        sender,
        dep.reference,
        stream.rows,
        stream.labels,
        extra_indices=pretrained,
        progress=progress,
    )
