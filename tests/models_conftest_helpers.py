"""Helpers for the multi-class model tests (``test_models``, ``test_model_parity``).

Not a test module: the tests import what they need from here. Every helper works for the four
models built on ``contracts/models/base.vy``: ``dense_perceptron``, ``ncc``, ``sparse_ncc`` and
``naive_bayes`` (the ``--model`` names of ``sharedmodels.registry``).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import Any

from sharedmodels import registry
from sharedmodels.encoding.features import DenseEncoder, Encoder
from sharedmodels.mirrors.multiclass import IntNaiveBayes
from sharedmodels.registry import Params, model_spec
from sharedmodels.rpc.deployments import encoder_descriptor
from sharedmodels.rpc.fastpath import call_in_order
from sharedmodels.rpc.reads import decode_event, view_many

#: The models on ``base.vy``, from the registry (so a new one is tested without an edit here).
MODELS = tuple(m.name for m in registry.MODELS.values() if m.uses_base)
DENSE = tuple(m for m in MODELS if model_spec(m).dense)
SPARSE = tuple(m for m in MODELS if not model_spec(m).dense)
#: Fixed-point scale and value bound of dense inputs (``numeric.vy``).
SCALE = 10**9
MAX_ABS = 2**40
#: Default sizes of the unit tests: a small dense dimension, a small sparse feature space.
DIM = 5
N = 64
INT256_MIN = -(2**255)
OWNER_ONLY = "ownable: caller is not the owner"
SEALED = "model: upload sealed"
UNKNOWN = "model: unknown class"


def default_size(name: str) -> int:
    return DIM if model_spec(name).dense else N


def class_names(n: int) -> list[str]:
    return [f"class{i}" for i in range(n)]


def encoder_for(name: str, size: int) -> DenseEncoder | Encoder:
    """An encoder whose ``dim`` / ``n_features`` is ``size`` (dense divisors are 1.0)."""
    return DenseEncoder((1.0,) * size) if model_spec(name).dense else Encoder(n_features=size)


def descriptor(name: str, size: int) -> str:
    """The encoder string a client would store (a placeholder for sizes no encoder accepts,
    which only the constructor-revert tests pass)."""
    if not 1 <= size <= (256 if model_spec(name).dense else 2**32):
        return "{}"
    enc = encoder_for(name, size)
    return enc.descriptor() if isinstance(enc, DenseEncoder) else encoder_descriptor(enc)


def ctor_args(name: str, size: int, names: Sequence[str], eta: int = 1, alpha: int = SCALE) -> list:
    """Raw constructor arguments (no client-side checks, so any value reaches the contract)."""
    text = descriptor(name, size)
    if name == "dense_perceptron":
        return [size, eta, list(names), text]
    if name == "naive_bayes":
        return [size, alpha, list(names), text]
    return [size, list(names), text]


def container(project: Any, name: str) -> Any:
    return getattr(project, model_spec(name).contract("none"))


def reference(name: str, size: int, n_classes: int, eta: int = 1, alpha: int = SCALE) -> Any:
    """The integer-exact mirror of a fresh deployment (alpha in 10**-9 units)."""
    if name == "naive_bayes":
        return IntNaiveBayes(size, alpha, n_classes)
    return model_spec(name).reference(encoder_for(name, size), n_classes, Params(eta=eta))


def deploy(
    project: Any,
    owner: Any,
    name: str,
    n_classes: int = 2,
    size: int | None = None,
    eta: int = 1,
    alpha: int = SCALE,
) -> tuple[Any, Any]:
    """A fresh unsealed standalone model owned by ``owner`` and its reference."""
    size = size or default_size(name)
    args = ctor_args(name, size, class_names(n_classes), eta, alpha)
    contract = container(project, name).deploy(*args, sender=owner)
    return contract, reference(name, size, n_classes, eta, alpha)


def random_rows(name: str, count: int, rnd: random.Random, size: int | None = None) -> list:
    """Valid inputs: dense rows of values within +-2 (real units), or sparse index lists."""
    size = size or default_size(name)
    if model_spec(name).dense:
        return [[rnd.randint(-2 * SCALE, 2 * SCALE) for _ in range(size)] for _ in range(count)]
    return [sorted(rnd.sample(range(size), rnd.randint(0, min(6, size)))) for _ in range(count)]


def stream(contract: Any, owner: Any, rows: Sequence, labels: Sequence[int]) -> list:
    """Owner ``update``s in order (pipelined); the logged (prediction, changed) of each."""
    calls = [(list(r), y) for r, y in zip(rows, labels, strict=True)]
    receipts = call_in_order(owner, contract.update, calls=calls)
    events = decode_event(contract, "ModelTrained", receipts)
    return [(int(e["prediction"]), bool(e["changed"])) for e in events]


def train_both(name: str, contract: Any, owner: Any, ref: Any, rows: Sequence, labels) -> None:
    """Train chain and reference on the same samples; every logged step must match."""
    expected = [ref.update(x, y) for x, y in zip(rows, labels, strict=True)]
    assert stream(contract, owner, rows, labels) == expected


def predictions(contract: Any, rows: Iterable[Sequence[int]]) -> list[int]:
    return [int(p) for p in view_many(contract.predict, [(list(r),) for r in rows], "uint8")]


def chain_scores(name: str, contract: Any, x: Sequence[int]) -> list[int] | None:
    """The scores a model exposes (None for the centroid models, which expose none)."""
    if name == "dense_perceptron":
        return [int(s) for s in contract.scores(list(x))]
    if name == "naive_bayes":
        return [int(s) for s in contract.log_scores(list(x))]
    return None


def ref_scores(name: str, ref: Any, x: Sequence[int]) -> list[int] | None:
    if name == "dense_perceptron":
        return ref.scores(x)
    if name == "naive_bayes":
        return [INT256_MIN if s is None else s for s in ref.scores(x)]
    return None


def assert_same(
    name: str, contract: Any, ref: Any, probes: Sequence = (), touched: Iterable[int] = ()
) -> None:
    """Chain state == reference state, and the two agree on every probe (and its scores)."""
    probes = [list(p) for p in probes]
    touched = set(touched) | {j for p in probes for j in p} if not model_spec(name).dense else set()
    assert contract.n_classes() == ref.n_classes
    assert model_spec(name).mismatches(contract, ref, touched) == []
    if probes:
        assert predictions(contract, probes) == [ref.predict(p) for p in probes]
        for p in probes[:3]:
            assert chain_scores(name, contract, p) == ref_scores(name, ref, p)


def upload_calls(name: str) -> list[tuple[str, tuple]]:
    """One valid call of every upload function of a model (for the seal/owner checks)."""
    if name == "dense_perceptron":
        return [("upload_weights", (0, 0, [1, 2])), ("upload_intercepts", ([3, -3],))]
    if name == "ncc":
        return [("upload_class", (0, 1, [1] * DIM))]
    return [("upload_counts", (0, [1, 2], [1, 1])), ("upload_class_size", (0, 1))]
