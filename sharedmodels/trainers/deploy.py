"""Deploy a model (pre-trained off-chain, uploaded, sealed), its manifest, and a parity run on
a fresh deployment."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sharedmodels.encoding import datasets
from sharedmodels.encoding.encoded import Encoded, encode_dataset, majority
from sharedmodels.encoding.features import DenseEncoder, Encoder
from sharedmodels.errors import InputError
from sharedmodels.registry import ModelSpec, Params, model_spec
from sharedmodels.rpc.deployments import Manifest, deploy_uploaded
from sharedmodels.trainers.client import Incentive
from sharedmodels.trainers.parity import ParityResult, run_parity


@dataclass
class Deployment:
    contract: Any
    reference: Any
    gas_used: int
    spec: ModelSpec | None = None


def deploy_model(
    container: Any,
    sender: Any,
    encoder: Encoder | DenseEncoder,
    *,
    eta: int = 1,
    class_names: Sequence[str] = ("neg", "pos"),
    pretrain_data: Encoded | None = None,
    incentive: Incentive | None = None,
    model: str = "perceptron",
    alpha: float | None = None,
    seal: bool = True,
    before_send: Callable[[Any], None] | None = None,
) -> Deployment:
    """Train off-chain (one in-order pass of the reference), deploy, upload in chunks, seal.

    ``container`` must match ``model`` and ``incentive`` (see ``ModelSpec.contract``). The
    returned reference holds exactly the uploaded state and can keep training in step.
    ``before_send``, if given, gets the deployment's gas (``fees.DeployPreview``: creation,
    upload and seal, found without sending) before anything is sent, and may raise to stop.
    """
    k = model_spec(model)
    p = Params(eta, model_spec(model).smoothing(alpha))
    if incentive is not None and incentive.leave_one_out and not model_spec(model).leave_one_out:
        raise InputError(
            f"leave-one-out judging is not offered for {model}: a Perceptron learns only from "
            "its mistakes, so the rule would forfeit the samples that taught it; use --judging "
            "as-is"
        )
    k.check_classes(class_names)
    data = pretrain_data or Encoded([], [])
    if any(not 0 <= y < len(class_names) for y in data.labels):
        raise InputError(f"pre-training labels must be below {len(class_names)} (the classes)")
    ref = k.pretrain(encoder, data.rows, data.labels, len(class_names), p)
    args = k.constructor_args(encoder, class_names, p)
    args += (incentive or Incentive("none")).constructor_args()
    if before_send is not None:
        from sharedmodels.rpc.fees import preview_deploy

        before_send(
            preview_deploy(
                container, sender, args=args, upload=lambda c: k.upload(c, sender, ref), seal=seal
            )
        )
    contract, gas = deploy_uploaded(
        container, sender, args, lambda c: k.upload(c, sender, ref), seal
    )
    k.set_sealed(ref, seal)
    return Deployment(contract, ref, gas, k)


def manifest_for(
    dep: Deployment,
    network_choice: str,
    chain_id: int,
    *,
    deployer: str,
    block: int,
    encoder: Encoder | DenseEncoder,
    eta: int,
    class_names: Sequence[str],
    pretrain_info: dict | None,
    incentive: Incentive | None = None,
    alpha: float | None = None,
) -> Manifest:
    name = dep.spec.name if dep.spec else "perceptron"
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
        extra={"alpha": model_spec(name).smoothing(alpha)} if name == "naive_bayes" else {},
    )


#: How many samples after its pre-training slice a new deployment is scored on (fewer where the
#: data ends first).
HELD_OUT = 1000


def describe_pretraining(
    info: dict | None,
    dep: Deployment,
    dataset: str,
    *,
    encoder: Any,
    offset: int,
    limit: int | None,
) -> dict | None:
    """The manifest's ``pretrain`` record, with what a visitor of the web page needs to judge
    the model: ``held_out``, the accuracy of the model as deployed on up to ``HELD_OUT`` samples
    of ``dataset`` that follow its pre-training slice, beside always answering their commonest
    class (scored with the contract's Python mirror, which matches it bit for bit; absent when
    pre-training used the data to its end), and for numeric data the columns' names and one
    example row in the dataset's units."""
    if info is None:
        return None
    info = dict(info)
    start = None if limit is None else offset + limit
    if start is not None:
        try:
            held = encode_dataset(dataset, encoder, HELD_OUT, start)
        except (datasets.DatasetError, ValueError):
            held = None
        if held is not None and held.rows:
            hits = sum(
                int(dep.reference.predict(r) == y)
                for r, y in zip(held.rows, held.labels, strict=True)
            )
            info["held_out"] = {
                "dataset": dataset,
                "offset": start,
                "samples": len(held.rows),
                "accuracy": round(hits / len(held.rows), 4),
                "baseline": round(majority(held.labels), 4),
                "scored_by": "the contract's Python mirror, at deployment",
            }
    if isinstance(encoder, DenseEncoder):
        data = datasets.load_dense(dataset)
        row = min(
            start if start is not None and start < len(data.labels) else offset,
            len(data.labels) - 1,
        )
        info["feature_names"] = list(data.feature_names)
        info["example"] = {
            "values": [float(v) for v in data.features[row]],
            "label": data.class_names[data.labels[row]],
        }
    return info


def parity_job(
    container: Any,
    sender: Any,
    encoder: Encoder | DenseEncoder,
    *,
    stream: Encoded,
    eta: int = 1,
    pretrain_data: Encoded | None = None,
    progress: Callable[[int], None] | None = None,
    model: str = "perceptron",
    alpha: float | None = None,
    class_names: Sequence[str] | None = None,
) -> ParityResult:
    """A fresh standalone deployment (optionally pre-trained), then ``run_parity`` over
    ``stream``."""
    names = class_names or stream.class_names
    dep = deploy_model(
        container,
        sender,
        encoder,
        eta=eta,
        class_names=names,
        pretrain_data=pretrain_data,
        model=model,
        alpha=alpha,
    )
    return run_parity(
        dep.contract,
        sender,
        dep.reference,
        rows=stream.rows,
        labels=stream.labels,
        kind=dep.spec,
        progress=progress,
    )
