"""The multi-class models on real data.

On-chain: ``parity_job`` runs prequentially (each prediction is the model's, logged before it
trains on that sample, which it has not seen) and compares every prediction and the final state
with the integer-exact reference. Off-chain (no chain, fast): each integer reference's held-out
accuracy is within one point of its float scikit-learn counterpart's.
"""

from functools import cache

import numpy as np
import pytest

from sharedmodels.encoding.encoded import Encoded, encode_dataset
from sharedmodels.encoding.features import FIXED_POINT_SCALE, DenseEncoder, indices_to_csr
from sharedmodels.mirrors.perceptron import pretrain
from sharedmodels.registry import Params, float_fit_predict, make_encoder, model_spec
from sharedmodels.trainers.deploy import parity_job

RT_TRAIN = 10_000
PERCEPTRONS = ("perceptron", "dense_perceptron")
SKLEARN = ("sklearn:wine", "sklearn:breast_cancer", "sklearn:digits")


def part(data: Encoded, offset: int, limit: int | None = None) -> Encoded:
    end = None if limit is None else offset + limit
    return Encoded(data.rows[offset:end], data.labels[offset:end], 0, list(data.class_names))


@pytest.fixture(scope="module")
def rt():
    """All of rt, encoded once for the module (the hashing encoder every text model uses)."""
    encoder = make_encoder("naive_bayes")
    data = encode_dataset("rt", encoder)
    assert data.dropped == 0 and len(data) > RT_TRAIN + 2000
    return encoder, data


@cache
def dense(spec: str):
    """(encoder, every row encoded) of a scikit-learn dataset; the encoder is fitted on all of
    it, as ``make_encoder`` does for a deployment."""
    encoder = make_encoder("ncc", fit_spec=spec)
    return encoder, encode_dataset(spec, encoder)


# ---------------------------------------------------------------- on-chain parity


@pytest.mark.parametrize("model", ["naive_bayes", "sparse_ncc"])
@pytest.mark.parametrize("pretrained", [1500, 0], ids=["pretrained", "fresh"])
def test_rt_parity(project, owner, rt, model, pretrained):
    encoder, data = rt
    pre = part(data, 0, pretrained) if pretrained else None
    stream = part(data, pretrained, 150)
    container = getattr(project, model_spec(model).contract("none"))
    result = parity_job(container, owner, encoder, stream=stream, pretrain_data=pre, model=model)
    assert result.ok, (result.summary(), result.disagreements, result.mismatches[:5])
    assert result.total == 150
    assert result.summary() == "parity: 150/150 predictions, state identical: yes"


DENSE_RUNS = [
    ("sklearn:wine", 0, 150),
    ("sklearn:breast_cancer", 300, 150),
    ("sklearn:digits", 1000, 150),
]


@pytest.mark.parametrize("model", ["dense_perceptron", "ncc"])
@pytest.mark.parametrize("spec,pretrained,count", DENSE_RUNS, ids=[s for s, _, _ in DENSE_RUNS])
def test_dense_parity(project, owner, model, spec, pretrained, count):
    encoder, data = dense(spec)
    pre = part(data, 0, pretrained) if pretrained else None
    stream = part(data, pretrained, count)
    container = getattr(project, model_spec(model).contract("none"))
    result = parity_job(container, owner, encoder, stream=stream, pretrain_data=pre, model=model)
    assert result.ok, (result.summary(), result.disagreements, result.mismatches[:5])
    assert result.total == count
    n_classes = len(data.class_names)
    assert len(set(result.chain_predictions)) > 1 and max(result.chain_predictions) < n_classes


# ---------------------------------------------------------------- integer vs float accuracy


def float_predictions(name, X_train, y_train, X_test, n_classes):
    """``float_fit_predict``, except that the Perceptrons' in-order online pass runs as one
    ``partial_fit`` call (``shuffle=False``, constant rate: the same pass as one call per
    sample, which takes minutes on rt; ``test_one_call_pass_is_float_fit_predict`` checks the
    two agree)."""
    if name not in PERCEPTRONS:
        return float_fit_predict(name, X_train, y_train, X_test=X_test, n_classes=n_classes)
    clf = model_spec(name).float_model(Params())
    clf.partial_fit(X_train, np.asarray(y_train, dtype=np.int64), classes=np.arange(n_classes))
    return clf.predict(X_test)


def integer_predictions(name, encoder, train: Encoded, test: Encoded, n_classes):
    """The on-chain-exact reference after one in-order pass over ``train``."""
    if name == "perceptron":
        ref = pretrain(train.rows, train.labels, encoder.n_features)
    else:
        ref = model_spec(name).pretrain(encoder, train.rows, train.labels, n_classes, Params())
    return [ref.predict(x) for x in test.rows]


def float_inputs(encoder, rows):
    """What the float model sees: binary CSR rows, or the decoded dense values."""
    if isinstance(encoder, DenseEncoder):
        return np.asarray(rows, dtype=np.float64) / FIXED_POINT_SCALE
    return indices_to_csr(rows, encoder.n_features)


def accuracies(name, encoder, train: Encoded, test: Encoded, n_classes):
    truth = np.asarray(test.labels)
    ints = np.asarray(integer_predictions(name, encoder, train, test, n_classes))
    floats = float_predictions(
        name,
        float_inputs(encoder, train.rows),
        train.labels,
        float_inputs(encoder, test.rows),
        n_classes,
    )
    return float(np.mean(ints == truth)), float(np.mean(floats == truth))


@pytest.mark.parametrize("model", ["perceptron", "sparse_ncc", "naive_bayes"])
def test_rt_accuracy_matches_float(rt, model):
    encoder, data = rt
    train, test = part(data, 0, RT_TRAIN), part(data, RT_TRAIN)
    exact, approx = accuracies(model, encoder, train, test, 2)
    assert abs(exact - approx) <= 0.01, (exact, approx)
    assert exact > 0.55


@pytest.mark.parametrize("model", ["dense_perceptron", "ncc"])
@pytest.mark.parametrize("spec", SKLEARN)
def test_dense_accuracy_matches_float(model, spec):
    encoder, data = dense(spec)
    cut = int(0.7 * len(data))
    n_classes = len(data.class_names)
    exact, approx = accuracies(model, encoder, part(data, 0, cut), part(data, cut), n_classes)
    assert abs(exact - approx) <= 0.01, (exact, approx)
    assert exact > 1.5 / n_classes


def test_one_call_pass_is_float_fit_predict(rt):
    """The shortcut above is the same training as ``float_fit_predict``'s one call per sample."""
    encoder, data = rt
    train, test = part(data, 0, 200), part(data, 200, 500)
    X_train, X_test = (indices_to_csr(d.rows, encoder.n_features) for d in (train, test))
    np.testing.assert_array_equal(
        float_predictions("perceptron", X_train, train.labels, X_test, 2),
        float_fit_predict("perceptron", X_train, train.labels, X_test=X_test, n_classes=2),
    )
    dense_encoder, wine = dense("sklearn:wine")
    X = np.asarray(wine.rows, dtype=np.float64) / FIXED_POINT_SCALE
    n = len(wine.class_names)
    np.testing.assert_array_equal(
        float_predictions("dense_perceptron", X[:120], wine.labels[:120], X[120:], n),
        float_fit_predict(
            "dense_perceptron", X[:120], wine.labels[:120], X_test=X[120:], n_classes=n
        ),
    )
