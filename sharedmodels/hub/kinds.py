"""The kinds of model a hub accepts, and the hash the hub checks a model's code against.

A Vyper contract's deployed code is its compiled runtime code followed by its immutables, so
two deployments of one contract differ only after ``code_size`` bytes. The hub hashes the
first ``code_size`` bytes in pieces of constant length (Vyper slices code only by constant
lengths); :func:`code_hash` is that hash in Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from eth_utils import keccak

from sharedmodels.errors import InputError
from sharedmodels.registry import MODELS, contract_names

SPARSE = 1
DENSE = 2
#: Sparse input the model takes packed (``sharedmodels.encoding.packed``): revealed as sorted
#: indices like SPARSE, packed by the hub before it calls ``predict``.
PACKED = 3
#: ``ModelHub.Kind.trainer``: 0 for a model that takes no contributions, else its incentive.
NOT_A_TRAINER, STAKE, POINTS = 0, 1, 2


@dataclass(frozen=True)
class HubKind:
    """One entry of the hub's kind list (``ModelHub.Kind``)."""

    name: str
    code_hash: bytes
    code_size: int
    features: int
    trainer: int  # NOT_A_TRAINER, STAKE or POINTS

    def as_tuple(self) -> tuple:
        return (self.name, self.code_hash, self.code_size, self.features, self.trainer)


def code_hash(code: bytes, size: int | None = None) -> bytes:
    """The hub's chained hash of ``code[:size]``: 1024-byte chunks, then 32-byte words, then
    single bytes, each folded in as ``h = keccak(h ++ piece)`` from 32 zero bytes."""
    size = len(code) if size is None else size
    if len(code) < size:
        raise InputError("code shorter than the kind's size")
    h = bytes(32)
    at = 0
    for width, most in ((1024, 24), (32, 31), (1, 31)):
        for _ in range(most):
            if at + width > size:
                break
            h = keccak(h + code[at : at + width])
            at += width
    if at != size:
        raise InputError(f"code size {size} is beyond what the hub hashes")
    return h


def contract_kinds() -> list[tuple[str, int, int]]:
    """(contract name, features, incentive) for every model contract, in a fixed order."""
    out = []
    for spec in MODELS.values():
        features = DENSE if spec.dense else PACKED if spec.packed else SPARSE
        names = contract_names(spec)
        out.append((names["none"], features, NOT_A_TRAINER))
        out.append((names["stake"], features, STAKE))
        out.append((names["points"], features, POINTS))
    return out


def runtime_code(container) -> bytes:
    """The compiled runtime code of an Ape contract container (without immutables)."""
    code = container.contract_type.runtime_bytecode.bytecode
    return bytes.fromhex(code[2:] if code.startswith("0x") else code)


def hub_kinds(project, names: Iterable[str] | None = None) -> list[HubKind]:
    """The kind list to deploy a hub with, from this checkout's compiled contracts."""
    wanted = None if names is None else set(names)
    kinds = []
    for name, features, trainer in contract_kinds():
        if wanted is not None and name not in wanted:
            continue
        code = runtime_code(getattr(project, name))
        kinds.append(HubKind(name, code_hash(code), len(code), features, trainer))
    return kinds
