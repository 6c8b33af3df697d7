"""The jobs behind the scripts (deploy, parity, demo), kept here so tests can reach them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import datasets
from .chain import Manifest, deploy_uploaded
from .features import DenseEncoder, Encoder
from .kinds import ModelKind, Params, kind
from .parity import ParityResult, run_parity
from .trainer import Incentive


@dataclass
class Encoded:
    """A dataset slice encoded for the contract; ``dropped`` counts samples skipped by policy.

    ``class_names`` come with dense datasets (text datasets are neg/pos)."""

    rows: list[list[int]]
    labels: list[int]
    dropped: int = 0
    class_names: list[str] = field(default_factory=lambda: ["neg", "pos"])

    def __len__(self) -> int:
        return len(self.rows)


def make_encoder(
    model: str, fit_spec: str | None = None, n_features: int = 2**20, overflow: str = "truncate"
) -> Encoder | DenseEncoder:
    """The encoder a new deployment of ``model`` fixes.

    Text models hash with ``n_features`` columns. Dense models scale each column by its largest
    magnitude in the whole of ``fit_spec`` (before any offset/limit), so every slice of that
    dataset encodes inside the contracts' range."""
    if not kind(model).dense:
        return Encoder(n_features=n_features, overflow=overflow)
    if not fit_spec:
        raise ValueError(f"{model} needs a numeric dataset to fix its encoder's column scales")
    return DenseEncoder.fit(datasets.load_dense(fit_spec).features)


def encode_dataset(
    spec: str, encoder: Encoder | DenseEncoder, limit: int | None = None, offset: int = 0
) -> Encoded:
    if isinstance(encoder, DenseEncoder):
        data = datasets.load_dense(spec, limit=limit, offset=offset)
        if data.dim != encoder.dim:
            raise ValueError(f"{spec} has {data.dim} features, the model takes {encoder.dim}")
        return Encoded(encoder.encode(data.features), list(data.labels), 0, data.class_names)
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
    reference: Any
    gas_used: int
    kind: ModelKind | None = None


def deploy_model(
    container: Any,
    sender: Any,
    encoder: Encoder | DenseEncoder,
    eta: int = 1,
    class_names: Sequence[str] = ("neg", "pos"),
    pretrain_data: Encoded | None = None,
    incentive: Incentive | None = None,
    model: str = "perceptron",
    alpha: float = 1.0,
    seal: bool = True,
) -> Deployment:
    """Train off-chain (one in-order pass of the reference), deploy, upload in chunks, seal.

    ``container`` must match ``model`` and ``incentive`` (see ``ModelKind.contract``). The
    returned reference holds exactly the uploaded state and can keep training in step.
    """
    k = kind(model)
    p = Params(eta, alpha)
    k.check_classes(class_names)
    data = pretrain_data or Encoded([], [])
    if any(not 0 <= y < len(class_names) for y in data.labels):
        raise ValueError(f"pre-training labels must be below {len(class_names)} (the classes)")
    ref = k.pretrain(encoder, data.rows, data.labels, len(class_names), p)
    args = k.constructor_args(encoder, class_names, p)
    args += (incentive or Incentive("none")).constructor_args()
    contract, gas = deploy_uploaded(
        container, sender, args, lambda c: k.upload(c, sender, ref), seal
    )
    k.set_sealed(ref, seal)
    return Deployment(contract, ref, gas, k)


def manifest_for(
    dep: Deployment,
    network_choice: str,
    chain_id: int,
    deployer: str,
    block: int,
    encoder: Encoder | DenseEncoder,
    eta: int,
    class_names: Sequence[str],
    pretrain_info: dict | None,
    incentive: Incentive | None = None,
    alpha: float = 1.0,
) -> Manifest:
    name = dep.kind.name if dep.kind else "perceptron"
    return Manifest(
        model=name,
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
        extra={"alpha": alpha} if name == "naive_bayes" else {},
    )


def parity_job(
    container: Any,
    sender: Any,
    encoder: Encoder | DenseEncoder,
    stream: Encoded,
    eta: int = 1,
    pretrain_data: Encoded | None = None,
    progress: Callable[[int], None] | None = None,
    model: str = "perceptron",
    alpha: float = 1.0,
    class_names: Sequence[str] | None = None,
) -> ParityResult:
    """A fresh standalone deployment (optionally pre-trained), then ``run_parity`` over
    ``stream``."""
    names = class_names or stream.class_names
    dep = deploy_model(
        container, sender, encoder, eta, names, pretrain_data, model=model, alpha=alpha
    )
    return run_parity(
        dep.contract, sender, dep.reference, stream.rows, stream.labels, dep.kind, progress
    )
