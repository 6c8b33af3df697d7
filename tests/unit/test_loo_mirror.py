"""The mirrors' leave-one-out shortcut against retraining, without a chain.

``predict_without`` in ``sharedmodels.mirrors.multiclass`` takes a sample out of its class by
algebra (Nearest Centroid: n - 1, T - |x|², Q - 2T + |x|²; Naive Bayes: each count, n and the
total lowered), the same algebra as the contracts. The chain tests compare the contracts with
this mirror, so the mirror itself must equal a model retrained without the sample: here, for
random streams (Hypothesis, derandomised so that every run tries the same 100 streams), on
every sample of the stream. ``tests/chain/test_loo_retraining.py`` does the same against the
contracts.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sharedmodels.mirrors.multiclass import (
    IntNaiveBayes,
    IntNearestCentroid,
    IntSparseNearestCentroid,
)

SCALE = 10**9
N_FEATURES = 12
DIM = 2
PROPERTY = settings(max_examples=100, derandomize=True, deadline=None)


def sparse_sample(n_classes: int):
    return st.tuples(
        st.lists(st.integers(0, N_FEATURES - 1), max_size=6, unique=True).map(sorted),
        st.integers(0, n_classes - 1),
    )


def dense_sample(n_classes: int):
    return st.tuples(
        st.lists(st.integers(-3 * SCALE, 3 * SCALE), min_size=DIM, max_size=DIM),
        st.integers(0, n_classes - 1),
    )


def streams(sample):
    return st.integers(2, 5).flatmap(
        lambda c: st.tuples(st.just(c), st.lists(sample(c), min_size=1, max_size=12))
    )


def retrained(make, rows, x):
    ref = make()
    for r, y in rows:
        ref.update(r, y)
    return ref.predict(x)


def check(make, n_classes, stream):
    full = make()
    for x, y in stream:
        full.update(x, y)
    for i, (x, y) in enumerate(stream):
        rest = stream[:i] + stream[i + 1 :]
        assert full.predict_without(x, y) == retrained(make, rest, x), (i, x, y)


@PROPERTY
@given(streams(dense_sample))
def test_dense_centroid_shortcut_equals_retraining(case):
    n_classes, stream = case
    check(lambda: IntNearestCentroid(DIM, n_classes), n_classes, stream)


@PROPERTY
@given(streams(sparse_sample))
def test_sparse_centroid_shortcut_equals_retraining(case):
    n_classes, stream = case
    check(lambda: IntSparseNearestCentroid(N_FEATURES, n_classes), n_classes, stream)


@PROPERTY
@given(streams(sparse_sample), st.sampled_from([1, 10**8, SCALE, 3 * SCALE]))
def test_naive_bayes_shortcut_equals_retraining(case, alpha):
    n_classes, stream = case
    check(lambda: IntNaiveBayes(N_FEATURES, alpha, n_classes), n_classes, stream)
