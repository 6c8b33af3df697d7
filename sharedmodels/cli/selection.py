"""What a command acts on: the deployment (``--manifest``, ``--model``, or the network's one
deployed model), a record of a market, bounty or federated task, and the slice of a dataset
(``--offset``/``--limit``, ``--pretrain*``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from sharedmodels.encoding.encoded import Encoded, encode_dataset
from sharedmodels.errors import SharedModelsError
from sharedmodels.registry import MODEL_NAMES
from sharedmodels.rpc.deployments import default_manifest_path


def manifest_path(option: str | None, model: str | None = None) -> Path:
    """``--manifest``, else the network's manifest for ``model`` (its latest deployment), else
    the network's latest deployment of any model (``deployment`` refuses that when several
    models are deployed)."""
    from ape import chain

    if option:
        return Path(option)
    path = default_manifest_path(chain.provider.network.choice)
    return path.with_name(f"{path.stem}_{model}{path.suffix}") if model else path


def record_path(option: str | None, kind: str) -> Path:
    """``option``, or this network's default record of a ``kind`` (market, bounty,
    federated): ``deployments/<ecosystem>_<network>_<kind>.json``."""
    from ape import chain

    if option:
        return Path(option)
    path = default_manifest_path(chain.provider.network.choice)
    return path.with_name(f"{path.stem}_{kind}{path.suffix}")


def live_deployments() -> dict[str, Any]:
    """This network's latest deployment of each model that is still there: {model: Manifest}.

    A per-model manifest counts when it names the connected chain and its address holds the
    code of the contract it names (a restarted node reuses addresses, so code alone is not
    enough: the runtime code must be the named contract's, its immutables after it)."""
    from ape import chain, project

    from sharedmodels.rpc.deployments import read_manifest

    found = {}
    for model in MODEL_NAMES:
        path = manifest_path(None, model)
        if not path.is_file():
            continue
        try:
            man = read_manifest(path)
            runtime = getattr(project, man.contract).contract_type.runtime_bytecode.bytecode
            code = bytes(chain.provider.get_code(man.address))
        except (SharedModelsError, AttributeError):
            continue
        if man.chain_id == chain.chain_id and code.startswith(bytes.fromhex(runtime[2:])):
            found[model] = man
    return found


def _refuse_ambiguity() -> None:
    """With neither ``--manifest`` nor ``--model``: refuse when several models are deployed on
    this network, naming them, instead of silently acting on the latest."""
    live = live_deployments()
    if len(live) < 2:
        return
    from ape import chain

    latest = manifest_path(None)
    latest_address = None
    if latest.is_file():
        from sharedmodels.rpc.deployments import read_manifest

        latest_address = read_manifest(latest).address
    names = ", ".join(
        f"{m} ({man.address}{', the latest' if man.address == latest_address else ''})"
        for m, man in sorted(live.items())
    )
    raise click.ClickException(
        f"{len(live)} models are deployed on {chain.provider.network.choice}: {names}; "
        "pass --model NAME (or --manifest PATH)"
    )


def deployment(manifest: str | None, model: str | None = None):
    """(manifest, contract) of the deployment the scripts act on; with ``model``, refuse a
    manifest of another model. With neither, the network's one deployed model (several: a
    one-line refusal naming them)."""
    from sharedmodels.rpc.deployments import load_deployment

    if manifest is None and model is None:
        _refuse_ambiguity()
    path = manifest_path(manifest, model)
    man, contract = load_deployment(path)
    if model and man.model != model:
        raise click.ClickException(f"{path} is a {man.model} deployment, not {model}")
    return man, contract


def trainer_deployment(manifest: str | None, model: str | None = None):
    """Like ``deployment``, but refuses a bare model (no contributions to act on)."""
    from sharedmodels.trainers.client import incentive_of

    man, contract = deployment(manifest, model)
    if incentive_of(contract).kind == "none":
        raise click.ClickException(
            "this deployment is the bare model, trained by its owner only (--incentive none)"
        )
    return man, contract


def dataset_size(spec: str) -> int:
    """How many samples ``spec`` has in all."""
    from sharedmodels.encoding import datasets

    if datasets.is_dense(spec):
        return len(datasets.load_dense(spec).labels)
    return len(datasets.load(spec))


def dataset_samples(
    spec: str,
    encoder: Any,
    *,
    limit: int | None,
    offset: int,
    flags: tuple[str, str] = ("--limit", "--offset"),
    allow_none: bool = False,
) -> Encoded:
    """The encoded slice ``--offset``/``--limit`` name, refusing a selection of nothing (an
    explicit 0 is allowed only with ``allow_none``) instead of failing deep inside."""
    limit_flag, offset_flag = flags
    if limit == 0 and not allow_none:
        raise click.UsageError(
            f"{limit_flag} 0 selects no samples; give 1 or more, or leave it out"
        )
    if limit != 0:
        total = dataset_size(spec)
        if offset >= total:
            raise click.UsageError(
                f"{offset_flag} {offset} is past the end of {spec} ({total} samples)"
            )
    data = encode_dataset(spec, encoder, limit, offset)
    if not len(data) and data.dropped:
        raise click.ClickException(
            f"all {data.dropped} selected samples of {spec} were dropped: each has more "
            "features than the model takes (see --overflow)"
        )
    return data


def pretrain_slice(
    spec: str | None, encoder: Any, limit: int | None, offset: int
) -> Encoded | None:
    """The encoded pre-training samples named by ``--pretrain*``, or None (``--pretrain-limit
    0``: none, which still fits a dense encoder's scales)."""
    if not spec:
        return None
    flags = ("--pretrain-limit", "--pretrain-offset")
    return dataset_samples(spec, encoder, limit=limit, offset=offset, flags=flags, allow_none=True)
