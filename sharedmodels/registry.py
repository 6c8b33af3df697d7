"""The model list as data: one :class:`ModelSpec` per ``--model`` name.

Read by the contract generator (``sharedmodels.codegen``, which composes each model's module
into its deployables) and by runtime code alike (contract names per incentive, dense or sparse
inputs, ABI types). Nothing here imports the rest of the package.
"""

from __future__ import annotations

from dataclasses import dataclass

_SPARSE_X = "DynArray[uint32, model.MAX_FEATURES]"
_PACKED_X = "DynArray[uint256, model.MAX_WORDS]"
_DENSE_X = "DynArray[int64, model.MAX_DIM]"
_SPARSE_DOC = "Sorted, unique feature indices, each below `n_features`."
_PACKED_DOC = "The sorted, unique feature indices, packed (see `sparse_perceptron.MAX_WORDS`)."
_DENSE_DOC = "`dim` fixed-point values (value * 10**9), each within +-2**40."
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


@dataclass(frozen=True)
class ModelSpec:
    """How the deployables compose one model module."""

    name: str  # the ``--model`` name
    module: str  # contracts/models/<module>.vy
    stem: str  # trainer contracts are <stem>Stake, <stem>Points
    standalone: str  # the owner-trained contract
    title: str
    dense: bool
    params: str  # model constructor parameters (Vyper)
    init: str  # model initialisation statements, one per line
    exports: tuple[str, ...]
    classify: str = "model._predict(x)"
    #: Statements that train on (x, y) and set ``trained`` (did the model change).
    train: str = "trained: bool = model._train(x, y)"
    #: The class refund and report compare with the label of contribution ``c`` (packed record
    #: ``word``, features ``x``): the prediction, or under leave-one-out judging (the
    #: trainer's ``leave_one_out``) the prediction with that contribution's training taken out.
    verdict: str = "model._predict_without(x, c.label) if leave_one_out else model._predict(x)"
    #: Whether the trainers offer leave-one-out judging.
    leave_one_out: bool = True
    step: str = "prediction = model._predict(x)\n    changed = model._train(x, y)"
    label_doc: str = "Class index, below `n_classes()`."
    uses_base: bool = True
    batches: bool = False
    #: Sparse input packed in lanes of 256-bit words (``sharedmodels.encoding.packed``).
    packed: bool = False
    #: Defaults of a new deployment of a text model: the hashing width (log2) and, for Naive
    #: Bayes, the smoothing, as chosen on rt by ``ape run sweep`` (docs/models.md).
    encoder_bits: int = 20
    alpha: float = 1.0

    def smoothing(self, alpha: float | None) -> float:
        """``alpha`` if given, else this model's measured default."""
        return self.alpha if alpha is None else alpha

    @property
    def n_features(self) -> int:
        """The default hashing space of a new deployment (text models)."""
        return 2**self.encoder_bits

    @property
    def x_type(self) -> str:
        if self.packed:
            return _PACKED_X
        return _DENSE_X if self.dense else _SPARSE_X

    @property
    def x_doc(self) -> str:
        if self.packed:
            return _PACKED_DOC
        return _DENSE_DOC if self.dense else _SPARSE_DOC

    @property
    def abi_x(self) -> str:
        if self.packed:
            return "uint256[]"
        return "int64[]" if self.dense else "uint32[]"

    @property
    def shape(self) -> str:
        """The interface of ``contracts/interfaces/`` for the trainers' sample entry points."""
        if self.packed:
            return "IPackedTrainer"
        return "IDenseTrainer" if self.dense else "ISparseTrainer"


_NEW_PARAMS = (
    "\n             class_names: DynArray[String[32], base.MAX_CLASSES], encoder: String[256]"
)
_BASE_INIT = "base.__init__(class_names, encoder)\n    "

MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="perceptron",
            encoder_bits=14,
            module="sparse_perceptron",
            stem="Perceptron",
            standalone="SparsePerceptron",
            title="sparse Perceptron",
            dense=False,
            params=(
                "n_features: uint256, learning_rate: uint256, class0: String[32],\n"
                "             class1: String[32], encoder: String[256]"
            ),
            init="model.__init__(n_features, learning_rate, class0, class1, encoder)",
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
            classify="model._class_of(model._checked_score(x))",
            train=(
                "prediction: uint8 = 0\n    trained: bool = False\n"
                "    prediction, trained = model._step(x, y, model._checked_score(x))"
            ),
            verdict="model._class_of(model._checked_score(x))",
            # Taking out its own update judges a sample that taught the model by the model
            # before it (wrong by definition), and a later copy that did not train is refunded
            # and reports the first: the rule would pay free-riders (docs/incentives.md).
            leave_one_out=False,
            step="prediction, changed = model._step(x, y, model._checked_score(x))",
            label_doc="Class index, 0 or 1.",
            uses_base=False,
            batches=True,
            packed=True,
        ),
        ModelSpec(
            name="dense_perceptron",
            module="dense_perceptron",
            stem="DensePerceptron",
            standalone="DensePerceptron",
            title="dense multi-class Perceptron",
            dense=True,
            params=f"dim: uint256, learning_rate: uint256,{_NEW_PARAMS}",
            init=f"{_BASE_INIT}model.__init__(dim, learning_rate)",
            # As for the sparse Perceptron, and its update moves two classes besides.
            verdict="model._predict(x)",
            leave_one_out=False,
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
        ),
        ModelSpec(
            name="ncc",
            module="nearest_centroid",
            stem="NearestCentroid",
            standalone="NearestCentroid",
            title="dense Nearest Centroid",
            dense=True,
            params=f"dim: uint256,{_NEW_PARAMS}",
            init=f"{_BASE_INIT}model.__init__(dim)",
            exports=(
                "model.predict",
                "model.class_size",
                "model.sums_of",
                "model.dim",
                "model.upload_class",
            ),
        ),
        ModelSpec(
            name="sparse_ncc",
            encoder_bits=14,
            module="sparse_nearest_centroid",
            stem="SparseNearestCentroid",
            standalone="SparseNearestCentroid",
            title="sparse Nearest Centroid",
            dense=False,
            params=f"n_features: uint256,{_NEW_PARAMS}",
            init=f"{_BASE_INIT}model.__init__(n_features)",
            exports=(
                "model.predict",
                "model.class_size",
                "model.counts_of",
                "model.n_features",
                "model.upload_counts",
                "model.upload_class_size",
            ),
        ),
        ModelSpec(
            name="naive_bayes",
            encoder_bits=16,
            alpha=0.5,
            module="naive_bayes",
            stem="NaiveBayes",
            standalone="NaiveBayes",
            title="multinomial Naive Bayes",
            dense=False,
            params=f"n_features: uint256, alpha: uint256,{_NEW_PARAMS}",
            init=f"{_BASE_INIT}model.__init__(n_features, alpha)",
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
        ),
    )
}

# The standalone contract's name doubles as the trainer stem for the new models, so the
# trainers are e.g. NaiveBayesStake; the sparse Perceptron keeps its historical names.


def spec(name: str) -> ModelSpec:
    """The model called ``name`` (a ``--model`` choice)."""
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODELS)}") from None


def contract_names(spec: ModelSpec) -> dict[str, str]:
    """Deployable contract name per incentive kind (``none`` is the owner-trained model)."""
    return {
        "none": spec.standalone,
        "stake": f"{spec.stem}Stake",
        "points": f"{spec.stem}Points",
    }
