"""Glue between scripts, tests and the contracts: deployment, upload, manifests, batch reads.

Everything here takes the Ape objects it works on (contract container, account) as arguments so
that scripts, tests and ``ape console`` share one code path on any network.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sharedmodels.encoding.features import (
    DenseEncoder,
    Encoder,
    check_descriptor,
    encoder_from_settings,
)
from sharedmodels.encoding.packed import packer
from sharedmodels.errors import InputError, SharedModelsError

#: The contract's upload chunk bound (``MAX_UPLOAD``) and batch-read bound (``MAX_READ``).
MAX_UPLOAD = 512
MAX_READ = 1024
DEFAULT_CHUNK = 256
DEFAULT_CLASS_NAMES = ("neg", "pos")
MANIFEST_DIR = Path("deployments")


class DeploymentError(SharedModelsError, RuntimeError):
    """A manifest is missing, unreadable, or points at nothing on the connected chain."""


def encoder_descriptor(encoder: Any) -> str:
    """The compact JSON the contract stores in ``encoder()`` (fits its String[256]): the
    hashing encoder's settings, or the short descriptor of a dense or vocabulary encoder."""
    if hasattr(encoder, "descriptor"):
        return encoder.descriptor()
    text = json.dumps(encoder.settings(), separators=(",", ":"), sort_keys=True)
    if len(text) > 256:
        raise InputError("encoder descriptor longer than 256 characters")
    return text


def encoder_from_descriptor(text: str) -> Encoder:
    return Encoder.from_settings(json.loads(text))


def deploy_perceptron(
    container: Any,
    sender: Any,
    *,
    encoder: Encoder,
    eta: int = 1,
    class_names: Sequence[str] = DEFAULT_CLASS_NAMES,
    weights: dict[int, int] | None = None,
    intercept: int = 0,
    chunk: int = DEFAULT_CHUNK,
    seal: bool = True,
    extra_args: Sequence[Any] = (),
) -> tuple[Any, int]:
    """Deploy a sparse Perceptron contract, upload a pre-trained state in chunks, and seal it.

    ``container`` is ``SparsePerceptron`` or a trainer composing the same model; ``extra_args``
    follow the model's constructor arguments (a trainer's incentive parameters).
    Returns the contract and the total gas of every transaction this took.
    """
    args = perceptron_args(encoder, eta, class_names)
    return deploy_uploaded(
        container,
        sender,
        [*args, *extra_args],
        lambda contract: upload_state(contract, sender, weights or {}, intercept, chunk),
        seal,
    )


def perceptron_args(encoder: Encoder, eta: int, class_names: Sequence[str]) -> list[Any]:
    """The sparse Perceptron's constructor arguments, which every contract composing it
    (trainers, the prediction market) takes first."""
    if len(class_names) != 2:
        raise InputError("a binary Perceptron needs exactly two class names")
    return [encoder.n_features, eta, class_names[0], class_names[1], encoder_descriptor(encoder)]


def deploy_uploaded(
    container: Any,
    sender: Any,
    args: Sequence[Any],
    upload: Callable[[Any], int],
    seal: bool = True,
) -> tuple[Any, int]:
    """Deploy ``container(*args)``, run ``upload(contract)`` (the pre-trained state, returning
    its gas), then seal if asked. Returns the contract and the gas of every transaction."""
    contract = container.deploy(*args, sender=sender)
    gas = deployment_gas(contract) + upload(contract)
    if seal:
        gas += int(contract.seal(sender=sender).gas_used)
    return contract, gas


def deployment_gas(contract: Any) -> int:
    """Gas of the transaction that created ``contract``."""
    from ape import chain

    return int(chain.provider.get_receipt(contract.txn_hash).gas_used)


def upload_state(
    contract: Any, sender: Any, weights: dict[int, int], intercept: int, chunk: int = DEFAULT_CHUNK
) -> int:
    """Upload non-zero weights in sorted chunks, then the intercept; returns the gas used."""
    if not 1 <= chunk <= MAX_UPLOAD:
        raise InputError(f"chunk must be in [1, {MAX_UPLOAD}]")
    items = sorted((j, w) for j, w in weights.items() if w != 0)
    gas = 0
    for start in range(0, len(items), chunk):
        part = items[start : start + chunk]
        receipt = contract.upload_weights([j for j, _ in part], [w for _, w in part], sender=sender)
        gas += int(receipt.gas_used)
    if intercept:
        gas += int(contract.upload_intercept(intercept, sender=sender).gas_used)
    return gas


def read_weights(contract: Any, indices: Iterable[int]) -> dict[int, int]:
    """Read many weights with few ``eth_call``s (``weights_of`` in batches of MAX_READ)."""
    idx = sorted(set(indices))
    out: dict[int, int] = {}
    for start in range(0, len(idx), MAX_READ):
        part = idx[start : start + MAX_READ]
        out.update(zip(part, (int(v) for v in contract.weights_of(part)), strict=True))
    return out


# ---------------------------------------------------------------- manifests


@dataclass(kw_only=True)
class Manifest:
    """What other scripts need to find and use a deployment without asking its deployer."""

    model: str
    contract: str
    address: str
    network: str
    chain_id: int
    deployer: str
    block: int
    encoder: dict
    learning_rate: int
    class_names: list[str]
    pretrain: dict | None = None
    incentive: dict | None = None
    extra: dict = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @property
    def encoder_obj(self) -> Encoder | DenseEncoder:
        return encoder_from_settings(self.encoder)


def default_manifest_path(network_choice: str) -> Path:
    """``deployments/<ecosystem>_<network>.json``; the provider part does not matter."""
    parts = network_choice.split(":")
    name = "_".join(p.replace("-", "_") for p in parts[:2] if p)
    return MANIFEST_DIR / f"{name or 'default'}.json"


def write_manifest(manifest: Manifest, path: Path) -> Path:
    """Write atomically, so an interrupted write never leaves half a manifest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(manifest.to_json())
    os.replace(tmp, path)
    return path


def read_manifest(path: Path) -> Manifest:
    if not path.is_file():
        raise DeploymentError(f"no deployment manifest at {path}: run 'ape run deploy' first")
    try:
        data = json.loads(path.read_text())
        return Manifest(**data)
    except (json.JSONDecodeError, TypeError) as exc:
        raise DeploymentError(f"deployment manifest {path} is unreadable: {exc}") from exc


def check_deployment(manifest: Manifest, chain_id: int, code: bytes) -> None:
    """Refuse a manifest written for another chain or whose address holds no contract."""
    if manifest.chain_id != chain_id:
        raise DeploymentError(
            f"manifest is for chain {manifest.chain_id} ({manifest.network}), "
            f"connected chain is {chain_id}"
        )
    if not code:
        raise DeploymentError(
            f"no contract at {manifest.address} on chain {chain_id}: the node was restarted "
            "or the manifest is stale; redeploy with 'ape run deploy'"
        )


def predict_many(contract: Any, rows: Sequence[Sequence[int]]) -> list[int]:
    """On-chain predictions for many samples (free ``eth_call``s)."""
    from sharedmodels.rpc.reads import view_many

    to_x = packer(contract)
    return [int(p) for p in view_many(contract.predict, ([to_x(r)] for r in rows), "uint8")]


def load_deployment(path: Path) -> tuple[Manifest, Any]:
    """The manifest at ``path`` and its contract on the connected chain, after checking both."""
    from ape import chain, project

    manifest = read_manifest(path)
    code = bytes(chain.provider.get_code(manifest.address))
    check_deployment(manifest, chain.chain_id, code)
    try:
        container = getattr(project, manifest.contract)
    except AttributeError:
        raise DeploymentError(
            f"manifest names contract {manifest.contract!r}, which this project does not have"
        ) from None
    check_code(manifest, path, code, _runtimes(project))
    contract = container.at(manifest.address)
    stored = str(contract.encoder())
    if manifest.encoder.get("kind") == "vocab":
        # Any client checks a vocabulary against the hash the model stores before using it.
        check_descriptor(manifest.encoder_obj, stored)
    elif stored != encoder_descriptor(manifest.encoder_obj):
        raise DeploymentError(
            f"the {manifest.contract} at {manifest.address} is another deployment than {path} "
            "records (its encoder differs): the node was restarted and the address reused, or "
            "the manifest is stale; redeploy with 'ape run deploy'"
        )
    return manifest, contract


def _runtimes(project: Any) -> dict[str, bytes]:
    """The runtime code of each of the project's contracts, by name."""
    out = {}
    for name in project.contracts:
        runtime = project.contracts[name].contract_type.runtime_bytecode
        if runtime is not None and runtime.bytecode:
            out[name] = bytes.fromhex(runtime.bytecode.removeprefix("0x"))
    return out


def check_code(manifest: Manifest, path: Path, code: bytes, runtimes: dict[str, bytes]) -> None:
    """Refuse a manifest whose address holds code other than the contract it names (a node
    restarted from scratch reuses addresses, so after a restart it may hold another model).
    The deployed code is the compiled runtime followed by the contract's immutables, as the
    web page checks too; ``runtimes`` maps each of the project's contracts to its runtime."""
    expected = runtimes.get(manifest.contract, b"")
    if expected and code.startswith(expected):
        return
    actual = [n for n, r in runtimes.items() if r and code.startswith(r)]
    held = f"a {actual[0]}" if actual else "a contract that is none of this project's"
    raise DeploymentError(
        f"{manifest.address} holds {held}, not the {manifest.contract} that {path} names: the "
        "node was restarted and the address reused, or the manifest is stale; nothing was "
        "sent; redeploy with 'ape run deploy'"
    )
