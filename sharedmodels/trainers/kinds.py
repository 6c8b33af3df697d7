"""The model kinds behind ``--model``: contracts, constructor arguments, references, uploads.

One :class:`ModelKind` per model ties together what the scripts and tests need: which
contract to deploy for an incentive, its constructor arguments, the integer-exact reference
that mirrors it, how to upload a reference's state in chunks, and how to compare the chain's
state with the reference's (the parity check).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sharedmodels.encoding.features import Encoder
from sharedmodels.mirrors.multiclass import (
    IntDensePerceptron,
    IntNaiveBayes,
    IntNearestCentroid,
    IntSparseNearestCentroid,
    alpha_units,
)
from sharedmodels.mirrors.perceptron import SklearnPerceptron, pretrain
from sharedmodels.registry import MODELS, contract_names
from sharedmodels.rpc.deployments import MAX_UPLOAD, encoder_descriptor, read_weights, upload_state

MODEL_NAMES: tuple[str, ...] = tuple(MODELS)
#: ``dense_perceptron.MAX_STEP_SLOTS``: most weight slots one training step may write.
MAX_STEP_SLOTS = 512


def dense_perceptron_class_limit(dim: int) -> int:
    """``max_classes()`` of a dense Perceptron over ``dim`` values (16, 8 at 128, 4 at 256)."""
    return min(16, MAX_STEP_SLOTS // ((dim + 1) // 2))


@dataclass(frozen=True)
class Params:
    """Model hyper-parameters a deployment fixes: learning rate (Perceptrons), alpha (NB)."""

    eta: int = 1
    alpha: float = 1.0

    @property
    def alpha_units(self) -> int:
        return alpha_units(self.alpha)


class ModelKind:
    """Everything model-specific the generic jobs need (see the module docstring)."""

    name = ""
    dense = False

    @property
    def spec(self):
        return MODELS[self.name]

    def contract(self, incentive: str) -> str:
        return contract_names(self.spec)[incentive]

    def check_classes(self, class_names: Sequence[str]) -> None:
        if not 2 <= len(class_names) <= 16:
            raise ValueError(f"{self.name} needs 2 to 16 class names, got {len(class_names)}")
        if not all(class_names) or any(len(n.encode()) > 32 for n in class_names):
            raise ValueError("class names must be non-empty and at most 32 bytes")

    def constructor_args(self, encoder: Any, class_names: Sequence[str], p: Params) -> list:
        raise NotImplementedError

    def reference(self, encoder: Any, n_classes: int, p: Params) -> Any:
        raise NotImplementedError

    def pretrain(
        self, encoder: Any, rows: Sequence, labels: Sequence[int], n_classes: int, p: Params
    ) -> Any:
        """The reference after one in-order pass over the pre-training samples."""
        ref = self.reference(encoder, n_classes, p)
        for x, y in zip(rows, labels, strict=True):
            ref.update(x, y)
        return ref

    def upload(self, contract: Any, sender: Any, ref: Any, chunk: int = 256) -> int:
        """Upload the reference's state in chunks; returns the gas used."""
        raise NotImplementedError

    def set_sealed(self, ref: Any, sealed: bool) -> None:
        """Give the reference the chain's seal after an upload: pre-training sealed the
        reference (it took training steps) but an upload leaves the chain unsealed, and a
        class added while unsealed takes part in predictions at once (``models._Classes``)."""
        ref.sealed = sealed

    def mismatches(self, contract: Any, ref: Any, touched: Iterable[int]) -> list[str]:
        """Every difference between the chain's state and the reference's (empty: identical)."""
        raise NotImplementedError


def _gas(receipt: Any) -> int:
    return int(receipt.gas_used)


def _descriptor(encoder: Any) -> str:
    return encoder_descriptor(encoder)


class _Perceptron(ModelKind):
    name = "perceptron"

    def check_classes(self, class_names: Sequence[str]) -> None:
        super().check_classes(class_names)
        if len(class_names) != 2:
            raise ValueError("the sparse Perceptron is binary: give exactly two class names")

    def constructor_args(self, encoder: Encoder, class_names: Sequence[str], p: Params) -> list:
        return [encoder.n_features, p.eta, class_names[0], class_names[1], _descriptor(encoder)]

    def reference(self, encoder: Encoder, n_classes: int, p: Params) -> SklearnPerceptron:
        return SklearnPerceptron(encoder.n_features, p.eta)

    def pretrain(self, encoder, rows, labels, n_classes, p):
        return pretrain(list(rows), list(labels), encoder.n_features, p.eta)

    def upload(self, contract, sender, ref, chunk=256):
        return upload_state(contract, sender, ref.nonzero_weights(), ref.intercept_units(), chunk)

    def set_sealed(self, ref, sealed):
        """Binary: no classes are added, so the reference has no seal to follow."""

    def mismatches(self, contract, ref, touched):
        idx = set(touched) | set(ref.nonzero_weights())
        chain_w = read_weights(contract, idx)
        ref_w = ref.weights(idx)
        out = [
            f"weight {j}: chain {chain_w[j]}, reference {ref_w[j]}"
            for j in sorted(idx)
            if chain_w[j] != ref_w[j]
        ]
        if int(contract.intercept()) != ref.intercept_units():
            out.append(
                f"intercept: chain {contract.intercept()}, reference {ref.intercept_units()}"
            )
        return out


class _DensePerceptron(ModelKind):
    name = "dense_perceptron"
    dense = True

    def constructor_args(self, encoder, class_names, p):
        limit = dense_perceptron_class_limit(encoder.dim)
        if len(class_names) > limit:
            raise ValueError(
                f"a dense Perceptron over {encoder.dim} values takes at most {limit} classes "
                "(one training step must fit in a block)"
            )
        return [encoder.dim, p.eta, list(class_names), _descriptor(encoder)]

    def reference(self, encoder, n_classes, p):
        return IntDensePerceptron(encoder.dim, n_classes, p.eta)

    def upload(self, contract, sender, ref, chunk=256):
        gas = 0
        for k, wk in enumerate(ref.w):
            for start in range(0, len(wk), chunk):
                part = wk[start : start + chunk]
                if any(part):
                    gas += _gas(contract.upload_weights(k, start, part, sender=sender))
        if any(ref.b):
            gas += _gas(contract.upload_intercepts(ref.b, sender=sender))
        return gas

    def mismatches(self, contract, ref, touched):
        out = []
        for k in range(ref.n_classes):
            got = [int(v) for v in contract.weights_of(k)]
            if got != ref.w[k]:
                out.append(f"class {k} weights differ")
        got_b = [int(v) for v in contract.intercepts()]
        if got_b != ref.b:
            out.append(f"intercepts: chain {got_b}, reference {ref.b}")
        return out


class _NearestCentroid(ModelKind):
    name = "ncc"
    dense = True

    def constructor_args(self, encoder, class_names, p):
        return [encoder.dim, list(class_names), _descriptor(encoder)]

    def reference(self, encoder, n_classes, p):
        return IntNearestCentroid(encoder.dim, n_classes)

    def upload(self, contract, sender, ref, chunk=256):
        return sum(
            _gas(contract.upload_class(k, ref.n[k], ref.s[k], sender=sender))
            for k in range(ref.n_classes)
            if ref.n[k]
        )

    def mismatches(self, contract, ref, touched):
        out = []
        for k in range(ref.n_classes):
            if int(contract.class_size(k)) != ref.n[k]:
                out.append(f"class {k} size: chain {contract.class_size(k)}, reference {ref.n[k]}")
            if [int(v) for v in contract.sums_of(k)] != ref.s[k]:
                out.append(f"class {k} sums differ")
        return out


class _SparseCounts(ModelKind):
    """Shared by the two sparse counting models (same upload and read API)."""

    def upload(self, contract, sender, ref, chunk=256):
        chunk = min(chunk, MAX_UPLOAD)
        gas = 0
        for k in range(ref.n_classes):
            if ref.n[k]:
                gas += _gas(contract.upload_class_size(k, ref.n[k], sender=sender))
            items = sorted(ref.counts[k].items())
            for start in range(0, len(items), chunk):
                part = items[start : start + chunk]
                idx, counts = [j for j, _ in part], [c for _, c in part]
                gas += _gas(contract.upload_counts(k, idx, counts, sender=sender))
        return gas

    def mismatches(self, contract, ref, touched):
        out = []
        for k in range(ref.n_classes):
            if int(contract.class_size(k)) != ref.n[k]:
                out.append(f"class {k} size: chain {contract.class_size(k)}, reference {ref.n[k]}")
            idx = sorted(set(touched) | set(ref.counts[k]))
            for start in range(0, len(idx), MAX_UPLOAD):
                part = idx[start : start + MAX_UPLOAD]
                got = [int(v) for v in contract.counts_of(k, part)]
                want = [ref.counts[k].get(j, 0) for j in part]
                out += [
                    f"class {k} feature {j}: chain {a}, reference {b}"
                    for j, a, b in zip(part, got, want, strict=True)
                    if a != b
                ]
        return out


class _SparseNearestCentroid(_SparseCounts):
    name = "sparse_ncc"

    def constructor_args(self, encoder, class_names, p):
        return [encoder.n_features, list(class_names), _descriptor(encoder)]

    def reference(self, encoder, n_classes, p):
        return IntSparseNearestCentroid(encoder.n_features, n_classes)


class _NaiveBayes(_SparseCounts):
    name = "naive_bayes"

    def constructor_args(self, encoder, class_names, p):
        return [encoder.n_features, p.alpha_units, list(class_names), _descriptor(encoder)]

    def reference(self, encoder, n_classes, p):
        return IntNaiveBayes(encoder.n_features, p.alpha_units, n_classes)

    def mismatches(self, contract, ref, touched):
        out = super().mismatches(contract, ref, touched)
        for k in range(ref.n_classes):
            if int(contract.class_total(k)) != ref.total[k]:
                out.append(f"class {k} total: chain {contract.class_total(k)}, ref {ref.total[k]}")
        return out


KINDS: dict[str, ModelKind] = {
    k.name: k
    for k in (
        _Perceptron(),
        _DensePerceptron(),
        _NearestCentroid(),
        _SparseNearestCentroid(),
        _NaiveBayes(),
    )
}
assert tuple(KINDS) == MODEL_NAMES


def kind(name: str) -> ModelKind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODEL_NAMES)}") from None


def kind_of_contract(contract_name: str) -> tuple[ModelKind, str]:
    """(model kind, incentive kind) of a deployable contract name."""
    for k in KINDS.values():
        for incentive, name in contract_names(k.spec).items():
            if name == contract_name:
                return k, incentive
    raise ValueError(f"{contract_name} is not a model contract of this project")
