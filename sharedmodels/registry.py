"""The models, one entry each: everything the Python side knows about a ``--model``.

An entry (a :class:`ModelSpec`) says which Vyper module the model is, how the deployables
compose it (constructor parameters and exports; ``sharedmodels.codegen`` writes the contracts
from them), which contract each incentive deploys, what its inputs are, its measured defaults,
the mirror that repeats its arithmetic in Python (:class:`sharedmodels.mirrors.protocol.Mirror`),
and how a reference's state is uploaded to and compared with a contract (the parity check).
``docs/adding-a-model.md`` walks through adding one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sharedmodels.encoding import datasets
from sharedmodels.encoding.encoded import parse_encoder
from sharedmodels.encoding.features import DenseEncoder, Encoder, VocabEncoder, VocabularyError
from sharedmodels.errors import InputError
from sharedmodels.mirrors.multiclass import (
    IntDensePerceptron,
    IntNaiveBayes,
    IntNearestCentroid,
    IntSparseNearestCentroid,
    alpha_units,
)
from sharedmodels.mirrors.perceptron import SklearnPerceptron, pretrain
from sharedmodels.mirrors.protocol import Mirror
from sharedmodels.rpc.deployments import MAX_UPLOAD, encoder_descriptor, read_weights, upload_state

#: Exports of ``models/base.vy`` (class names, encoder, seal) in every model that composes it.
BASE_EXPORTS = (
    "base.class_names",
    "base.encoder",
    "base.n_classes",
    "base.max_classes",
    "base.sealed",
    "base.update_count",
    "base.add_class",
    "base.seal",
)
#: ``dense_perceptron.MAX_STEP_SLOTS``: most weight slots one training step may write.
MAX_STEP_SLOTS = 512

_INPUT_TYPES = {  # (Vyper type of x, its NatSpec, its ABI type)
    "sparse": (
        "DynArray[uint32, model.MAX_FEATURES]",
        "Sorted, unique feature indices, each below `n_features`.",
        "uint32[]",
    ),
    "packed": (
        "DynArray[uint256, model.MAX_WORDS]",
        "The sorted, unique feature indices, packed (see `sparse_perceptron.MAX_WORDS`).",
        "uint256[]",
    ),
    "dense": (
        "DynArray[int64, model.MAX_DIM]",
        "`dim` fixed-point values (value * 10**9), each within +-2**40.",
        "int64[]",
    ),
}
#: The interface of ``contracts/interfaces/`` for the trainers' sample entry points.
_SHAPES = {"sparse": "ISparseTrainer", "packed": "IPackedTrainer", "dense": "IDenseTrainer"}


@dataclass(frozen=True)
class Params:
    """Model hyper-parameters a deployment fixes: learning rate (Perceptrons), alpha (NB)."""

    eta: int = 1
    alpha: float = 1.0

    @property
    def alpha_units(self) -> int:
        return alpha_units(self.alpha)


def _gas(receipt: Any) -> int:
    return int(receipt.gas_used)


@dataclass(frozen=True, kw_only=True)
class ModelSpec:
    """One model. The fields are data; the methods are what differs between models when a
    reference is built, uploaded and compared (each model's entry below overrides them)."""

    name: str  # the ``--model`` name
    title: str
    module: str  # contracts/models/<module>.vy
    stem: str  # trainer contracts are <stem>Stake, <stem>Points
    standalone: str  # the owner-trained contract
    #: The mirror class the reference is (``reference`` builds one).
    mirror: type[Mirror]
    #: ``sparse`` (sorted feature indices), ``packed`` (those, packed in 256-bit words:
    #: ``sharedmodels.encoding.packed``) or ``dense`` (fixed-point values).
    inputs: str
    #: The model module's own constructor parameters, as Vyper declarations. A module on
    #: ``base.vy`` is given the class names and the encoder besides.
    args: tuple[str, ...]
    exports: tuple[str, ...]  # what the deployables export from the model module
    #: Whether the module composes ``models/base.vy`` (class bookkeeping, seal) and the shared
    #: internal interface (``_predict``, ``_predict_without``, ``_train``). The sparse
    #: Perceptron predates it: binary, it scores once and steps on that score.
    uses_base: bool = True
    #: Whether the trainers offer leave-one-out judging (the mirror has ``predict_without``).
    leave_one_out: bool = True
    #: Whether the stake trainer takes sponsored EIP-712 batches.
    batches: bool = False
    #: Whether the model learns online, one sample at a time in order (its float twin then
    #: trains with one ``partial_fit`` per sample), or by counting (order-free: ``fit``).
    online: bool = False
    label_doc: str = "Class index, below `n_classes()`."
    #: Defaults of a new deployment of a text model: the hashing width (log2) and, for Naive
    #: Bayes, the smoothing, as chosen on rt by ``ape run sweep`` (docs/models.md).
    encoder_bits: int = 20
    alpha: float = 1.0

    # ------------------------------------------------------------------ facts

    @property
    def dense(self) -> bool:
        return self.inputs == "dense"

    @property
    def packed(self) -> bool:
        return self.inputs == "packed"

    def smoothing(self, alpha: float | None) -> float:
        """``alpha`` if given, else this model's measured default."""
        return self.alpha if alpha is None else alpha

    @property
    def n_features(self) -> int:
        """The default hashing space of a new deployment (text models)."""
        return 2**self.encoder_bits

    @property
    def x_type(self) -> str:
        return _INPUT_TYPES[self.inputs][0]

    @property
    def x_doc(self) -> str:
        return _INPUT_TYPES[self.inputs][1]

    @property
    def abi_x(self) -> str:
        return _INPUT_TYPES[self.inputs][2]

    @property
    def shape(self) -> str:
        """The interface of ``contracts/interfaces/`` for the trainers' sample entry points."""
        return _SHAPES[self.inputs]

    def contract(self, incentive: str) -> str:
        """The deployable for an incentive kind (``none``, ``stake`` or ``points``)."""
        return contract_names(self)[incentive]

    # ------------------------------------------------------------------ behaviour

    def check_classes(self, class_names: Sequence[str]) -> None:
        if not 2 <= len(class_names) <= 16:
            raise InputError(f"{self.name} needs 2 to 16 class names, got {len(class_names)}")
        if not all(class_names) or any(len(n.encode()) > 32 for n in class_names):
            raise InputError("class names must be non-empty and at most 32 bytes")

    def constructor_args(self, encoder: Any, class_names: Sequence[str], p: Params) -> list:
        """The model's constructor arguments (an incentive's own follow them)."""
        raise NotImplementedError

    def reference(self, encoder: Any, n_classes: int, p: Params) -> Mirror:
        """A fresh mirror for a deployment with this encoder and these parameters."""
        raise NotImplementedError

    def pretrain(
        self, encoder: Any, rows: Sequence, labels: Sequence[int], n_classes: int, p: Params
    ) -> Mirror:
        """The reference after one in-order pass over the pre-training samples."""
        ref = self.reference(encoder, n_classes, p)
        for x, y in zip(rows, labels, strict=True):
            ref.update(x, y)
        return ref

    def float_model(self, p: Params) -> Any:
        """The scikit-learn estimator the model's accuracy is compared with (float64)."""
        raise NotImplementedError

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


# ---------------------------------------------------------------------- the models


def _float_perceptron(p: Params) -> Any:
    from sklearn.linear_model import Perceptron

    return Perceptron(
        penalty=None, eta0=float(p.eta), shuffle=False, max_iter=1, tol=None, random_state=0
    )


def _float_centroid(p: Params) -> Any:
    from sklearn.neighbors import NearestCentroid

    return NearestCentroid()


@dataclass(frozen=True, kw_only=True)
class _SparsePerceptron(ModelSpec):
    def check_classes(self, class_names):
        super().check_classes(class_names)
        if len(class_names) != 2:
            raise InputError("the sparse Perceptron is binary: give exactly two class names")

    def constructor_args(self, encoder, class_names, p):
        return [
            encoder.n_features,
            p.eta,
            class_names[0],
            class_names[1],
            encoder_descriptor(encoder),
        ]

    def reference(self, encoder, n_classes, p):
        return self.mirror(encoder.n_features, p.eta)

    def pretrain(self, encoder, rows, labels, n_classes, p):
        return pretrain(list(rows), list(labels), encoder.n_features, p.eta)

    def float_model(self, p):
        return _float_perceptron(p)

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


PERCEPTRON = _SparsePerceptron(
    name="perceptron",
    title="sparse Perceptron",
    module="sparse_perceptron",
    stem="Perceptron",
    standalone="SparsePerceptron",
    # The scikit-learn model the contract equals bit for bit (``IntPerceptron`` is its
    # integer twin, used where scikit-learn would be slow: the market and hub simulations).
    mirror=SklearnPerceptron,
    inputs="packed",
    encoder_bits=14,
    args=(
        "n_features: uint256",
        "learning_rate: uint256",
        "class0: String[32]",
        "class1: String[32]",
        "encoder: String[256]",
    ),
    exports=(
        "model.predict",
        "model.score",
        "model.weights",
        "model.weights_of",
        "model.intercept",
        "model.intercept_step",
        "model.learning_rate",
        "model.n_features",
        "model.class_names",
        "model.encoder",
        "model.sealed",
        "model.update_count",
        "model.upload_weights",
        "model.upload_intercept",
        "model.seal",
    ),
    uses_base=False,
    # Taking out its own update judges a sample that taught the model by the model before it
    # (wrong by definition), and a later copy that did not train is refunded and reports the
    # first: the rule would pay free-riders (docs/incentives.md).
    leave_one_out=False,
    batches=True,
    online=True,
    label_doc="Class index, 0 or 1.",
)


def dense_perceptron_class_limit(dim: int) -> int:
    """``max_classes()`` of a dense Perceptron over ``dim`` values (16, 8 at 128, 4 at 256)."""
    return min(16, MAX_STEP_SLOTS // ((dim + 1) // 2))


@dataclass(frozen=True, kw_only=True)
class _DensePerceptron(ModelSpec):
    def constructor_args(self, encoder, class_names, p):
        limit = dense_perceptron_class_limit(encoder.dim)
        if len(class_names) > limit:
            raise InputError(
                f"a dense Perceptron over {encoder.dim} values takes at most {limit} classes "
                "(one training step must fit in a block)"
            )
        return [encoder.dim, p.eta, list(class_names), encoder_descriptor(encoder)]

    def reference(self, encoder, n_classes, p):
        return self.mirror(encoder.dim, n_classes, p.eta)

    def float_model(self, p):
        return _float_perceptron(p)

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


DENSE_PERCEPTRON = _DensePerceptron(
    name="dense_perceptron",
    title="dense multi-class Perceptron",
    module="dense_perceptron",
    stem="DensePerceptron",
    standalone="DensePerceptron",
    mirror=IntDensePerceptron,
    inputs="dense",
    args=("dim: uint256", "learning_rate: uint256"),
    exports=(
        "model.predict",
        "model.scores",
        "model.weights_of",
        "model.intercepts",
        "model.dim",
        "model.learning_rate",
        "model.upload_weights",
        "model.upload_intercepts",
    ),
    # As for the sparse Perceptron, and its update moves two classes besides.
    leave_one_out=False,
    online=True,
)


@dataclass(frozen=True, kw_only=True)
class _NearestCentroid(ModelSpec):
    def constructor_args(self, encoder, class_names, p):
        return [encoder.dim, list(class_names), encoder_descriptor(encoder)]

    def reference(self, encoder, n_classes, p):
        return self.mirror(encoder.dim, n_classes)

    def float_model(self, p):
        return _float_centroid(p)

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


NEAREST_CENTROID = _NearestCentroid(
    name="ncc",
    title="dense Nearest Centroid",
    module="nearest_centroid",
    stem="NearestCentroid",
    standalone="NearestCentroid",
    mirror=IntNearestCentroid,
    inputs="dense",
    args=("dim: uint256",),
    exports=(
        "model.predict",
        "model.class_size",
        "model.sums_of",
        "model.dim",
        "model.upload_class",
    ),
)


@dataclass(frozen=True, kw_only=True)
class _SparseCounts(ModelSpec):
    """The two sparse counting models: per class a sample count and per-feature counts, with
    the same upload and read functions."""

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


@dataclass(frozen=True, kw_only=True)
class _SparseNearestCentroid(_SparseCounts):
    def constructor_args(self, encoder, class_names, p):
        return [encoder.n_features, list(class_names), encoder_descriptor(encoder)]

    def reference(self, encoder, n_classes, p):
        return self.mirror(encoder.n_features, n_classes)

    def float_model(self, p):
        return _float_centroid(p)


SPARSE_NEAREST_CENTROID = _SparseNearestCentroid(
    name="sparse_ncc",
    title="sparse Nearest Centroid",
    module="sparse_nearest_centroid",
    stem="SparseNearestCentroid",
    standalone="SparseNearestCentroid",
    mirror=IntSparseNearestCentroid,
    inputs="sparse",
    encoder_bits=14,
    args=("n_features: uint256",),
    exports=(
        "model.predict",
        "model.class_size",
        "model.counts_of",
        "model.n_features",
        "model.upload_counts",
        "model.upload_class_size",
    ),
)


@dataclass(frozen=True, kw_only=True)
class _NaiveBayes(_SparseCounts):
    def constructor_args(self, encoder, class_names, p):
        return [encoder.n_features, p.alpha_units, list(class_names), encoder_descriptor(encoder)]

    def reference(self, encoder, n_classes, p):
        return self.mirror(encoder.n_features, p.alpha_units, n_classes)

    def float_model(self, p):
        from sklearn.naive_bayes import MultinomialNB

        return MultinomialNB(alpha=p.alpha)

    def mismatches(self, contract, ref, touched):
        out = super().mismatches(contract, ref, touched)
        for k in range(ref.n_classes):
            if int(contract.class_total(k)) != ref.total[k]:
                out.append(f"class {k} total: chain {contract.class_total(k)}, ref {ref.total[k]}")
        return out


NAIVE_BAYES = _NaiveBayes(
    name="naive_bayes",
    title="multinomial Naive Bayes",
    module="naive_bayes",
    stem="NaiveBayes",
    standalone="NaiveBayes",
    mirror=IntNaiveBayes,
    inputs="sparse",
    encoder_bits=16,
    alpha=0.5,
    args=("n_features: uint256", "alpha: uint256"),
    exports=(
        "model.predict",
        "model.log_scores",
        "model.class_size",
        "model.class_total",
        "model.counts_of",
        "model.n_features",
        "model.alpha",
        "model.upload_counts",
        "model.upload_class_size",
    ),
)

MODELS: dict[str, ModelSpec] = {
    m.name: m
    for m in (PERCEPTRON, DENSE_PERCEPTRON, NEAREST_CENTROID, SPARSE_NEAREST_CENTROID, NAIVE_BAYES)
}
MODEL_NAMES: tuple[str, ...] = tuple(MODELS)

# The standalone contract's name doubles as the trainer stem for the models on base.vy, so the
# trainers are e.g. NaiveBayesStake; the sparse Perceptron keeps its historical names.


def model_spec(name: str) -> ModelSpec:
    """The model called ``name`` (a ``--model`` choice)."""
    try:
        return MODELS[name]
    except KeyError:
        raise InputError(f"unknown model {name!r}; choose from {', '.join(MODELS)}") from None


def contract_names(spec: ModelSpec) -> dict[str, str]:
    """Deployable contract name per incentive kind (``none`` is the owner-trained model)."""
    return {
        "none": spec.standalone,
        "stake": f"{spec.stem}Stake",
        "points": f"{spec.stem}Points",
    }


def spec_of_contract(contract_name: str) -> tuple[ModelSpec, str]:
    """(model, incentive kind) of a deployable contract name."""
    for spec in MODELS.values():
        for incentive, name in contract_names(spec).items():
            if name == contract_name:
                return spec, incentive
    raise InputError(f"{contract_name} is not a model contract of this project")


def make_encoder(
    model: str,
    *,
    fit_spec: str | None = None,
    n_features: int | None = None,
    overflow: str = "truncate",
    encoder: str | None = None,
    fit_limit: int | None = None,
    fit_offset: int = 0,
) -> Encoder | DenseEncoder | VocabEncoder:
    """The encoder a new deployment of ``model`` fixes.

    Text models hash with ``n_features`` columns, or as ``encoder`` says (``hash:BITS``, or
    ``vocab:K``: the K most frequent words of the ``fit_spec`` slice ``fit_offset``/``fit_limit``,
    the pre-training data). Dense models scale each column by its largest magnitude in the whole
    of ``fit_spec`` (before any offset/limit), so every slice of that dataset encodes inside
    the contracts' range."""
    spec = model_spec(model)
    if encoder is not None:
        kind, value = parse_encoder(encoder)
        if spec.dense:
            raise VocabularyError(f"--encoder is for text models; {model} reads numeric features")
        if kind == "hash":
            if n_features is not None and n_features != 2**value:
                raise VocabularyError(f"--encoder {encoder} and --n-features {n_features} disagree")
            return Encoder(n_features=2**value, overflow=overflow)
        if not fit_spec:
            raise VocabularyError(f"--encoder {encoder} builds its words from --pretrain: give one")
        samples = datasets.load(fit_spec, limit=fit_limit, offset=fit_offset)
        return VocabEncoder.fit([s.text for s in samples], value, overflow)
    if not spec.dense:
        return Encoder(n_features=n_features or spec.n_features, overflow=overflow)
    if not fit_spec:
        raise InputError(f"{model} needs a numeric dataset to fix its encoder's column scales")
    return DenseEncoder.fit(datasets.load_dense(fit_spec).features)


def float_fit_predict(
    model: str,
    X_train: Any,
    y_train: Sequence[int],
    *,
    X_test: Any,
    n_classes: int,
    eta: int = 1,
    alpha: float = 1.0,
) -> np.ndarray:
    """Train ``model``'s float twin as the chain trains the model (online models: one in-order
    pass, one sample per ``partial_fit``; the counting models: ``fit``) and predict."""
    spec = model_spec(model)
    clf = spec.float_model(Params(eta, alpha))
    y = np.asarray(y_train, dtype=np.int64)
    if spec.online:
        classes = np.arange(n_classes)
        for i in range(len(y)):
            clf.partial_fit(X_train[i : i + 1], y[i : i + 1], classes=classes)
    else:
        clf.fit(X_train, y)
    return clf.predict(X_test)
