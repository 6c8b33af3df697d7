"""Adding a class never changes a prediction (the rule in ``contracts/models/base.vy``).

A class given to the constructor or added before the seal takes part in predictions from the
start; one added after the seal (``seal`` or the first training step) only once a training step
has had its label. The dense Perceptron keeps such a "dormant" class out of its argmax (with zero
weights and intercept it would score 0 and win every sample whose other scores are negative);
the Nearest Centroid and Naive Bayes models skip it as an empty class; the sparse Perceptron is
binary and has no ``add_class``. Checked on chain and on the integer mirrors of
``sharedmodels.mirrors.multiclass`` / ``sharedmodels.mirrors.perceptron``, which must agree
throughout.
"""

import random
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from models_conftest_helpers import (
    INT256_MIN,
    MAX_ABS,
    MODELS,
    SCALE,
    assert_same,
    deploy,
    predictions,
    random_rows,
    train_both,
)

from sharedmodels.mirrors.perceptron import IntPerceptron

ROOT = Path(__file__).resolve().parents[2]
#: Feature space of the sparse examples (small, so rows share features and classes compete).
SPARSE_N = 12
PROPERTY = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,  # the same examples every run: a mutant's kill does not hang on a seed
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


@dataclass(frozen=True)
class Case:
    """One example: classes, input size, training before and after ``add_class`` (the later
    steps use the old labels only), the first sample of the new class, probes, and (dense
    Perceptron) ``lead``: when non-zero, every intercept is uploaded as -lead * SCALE before
    training, more than the steps can undo, so the zero probe scores negative for every class:
    the case where an untrained class would win."""

    n_classes: int
    size: int
    before: tuple
    after: tuple
    first: tuple
    probes: tuple
    lead: int = 0


def _steps(pool, n_classes, min_size, max_size):
    return st.lists(
        st.tuples(st.sampled_from(pool), st.integers(0, n_classes - 1)),
        min_size=min_size,
        max_size=max_size,
    )


@st.composite
def cases(draw, dense: bool, binary: bool = False, lead: bool = False):
    n_classes = 2 if binary else draw(st.integers(2, 3))
    if dense:
        size = draw(st.integers(1, 3))
        value = st.one_of(
            st.integers(-2 * SCALE, 2 * SCALE), st.sampled_from([0, SCALE, -MAX_ABS, MAX_ABS])
        )
        row = st.lists(value, min_size=size, max_size=size).map(tuple)
        zero = (0,) * size
    else:
        size = SPARSE_N
        row = st.lists(st.integers(0, size - 1), max_size=5, unique=True).map(
            lambda r: tuple(sorted(r))
        )
        zero = ()
    pool = draw(st.lists(row, min_size=1, max_size=4)) + [zero]
    before = draw(_steps(pool, n_classes, 1, 8))
    after = draw(_steps(pool, n_classes, 0, 3))
    first = draw(st.sampled_from(pool) | row)
    probes = draw(st.lists(row, min_size=1, max_size=4)) + pool
    steps = len(before) + len(after)
    lead_units = draw(st.sampled_from([0, steps + 1, steps + 5])) if lead else 0
    return Case(n_classes, size, tuple(before), tuple(after), first, tuple(probes), lead_units)


def _train(name, contract, owner, ref, steps):
    if steps:
        train_both(name, contract, owner, ref, [list(x) for x, _ in steps], [y for _, y in steps])


def _check(project, owner, name, case: Case):
    """Train, add a class, train on the old labels, then on the new one: chain == mirror at
    every stage, the addition changes no prediction, and the new class is predicted only after
    a step with its label."""
    contract, ref = deploy(project, owner, name, case.n_classes, size=case.size)
    probes = [list(p) for p in case.probes]
    new = case.n_classes
    if case.lead:
        ref.b = [-case.lead * SCALE] * case.n_classes
        contract.upload_intercepts(ref.b, sender=owner)
    _train(name, contract, owner, ref, case.before)
    assert contract.sealed() and ref.sealed
    before = predictions(contract, probes)
    assert before == [ref.predict(p) for p in probes]

    contract.add_class("late", sender=owner)
    ref.add_class()
    assert ref.live == [True] * case.n_classes + [False]
    assert_same(name, contract, ref, probes)
    assert predictions(contract, probes) == before
    if name == "dense_perceptron":
        # What the old rule would have done: wherever every other score is negative, the new
        # class's 0 would win.
        dangerous = [p for p in probes if max(ref.raw_scores(p)[:new]) < 0]
        if case.lead:
            assert [0] * case.size in dangerous
        for p in dangerous:
            assert ref.raw_scores(p)[new] == 0 and int(contract.scores(p)[new]) == INT256_MIN
    else:
        assert int(contract.class_size(new)) == 0

    # Steps on the other labels train the new class (one-vs-rest) but do not wake it.
    _train(name, contract, owner, ref, case.after)
    assert not ref.live[new]
    assert new not in predictions(contract, probes)
    assert_same(name, contract, ref, probes)

    # A step with its label: from now on it takes part.
    _train(name, contract, owner, ref, [(case.first, new)])
    assert ref.live[new]
    assert_same(name, contract, ref, probes + [list(case.first)])
    if name == "dense_perceptron":
        for p in probes[:2]:
            assert int(contract.scores(p)[new]) == ref.raw_scores(p)[new] != INT256_MIN
    else:
        assert int(contract.class_size(new)) == 1


@PROPERTY
@given(case=cases(dense=True, lead=True))
@example(
    case=Case(
        n_classes=3,
        size=2,
        before=(((SCALE, -SCALE), 0), ((0, 2 * SCALE), 1), ((-SCALE, 0), 2)),
        after=(((SCALE, SCALE), 1),),
        first=(SCALE, 0),
        probes=((0, 0), (SCALE, -SCALE), (-SCALE, -SCALE)),
        lead=9,
    )
)
def test_dense_perceptron_added_class_changes_no_prediction(project, owner, case):
    _check(project, owner, "dense_perceptron", case)


@PROPERTY
@given(case=cases(dense=True))
def test_ncc_added_class_changes_no_prediction(project, owner, case):
    _check(project, owner, "ncc", case)


@PROPERTY
@given(case=cases(dense=False))
def test_sparse_ncc_added_class_changes_no_prediction(project, owner, case):
    _check(project, owner, "sparse_ncc", case)


@PROPERTY
@given(case=cases(dense=False))
def test_naive_bayes_added_class_changes_no_prediction(project, owner, case):
    _check(project, owner, "naive_bayes", case)


@PROPERTY
@given(case=cases(dense=False, binary=True))
def test_sparse_perceptron_has_no_add_class(project, deploy_model, owner, case):
    """Binary: no contract composing it exposes ``add_class``, so no prediction can change
    that way; chain and mirror stay in step through training."""
    for name in ("SparsePerceptron", "PerceptronStake", "PerceptronPoints"):
        methods = {m.name for m in getattr(project, name).contract_type.methods}
        assert "add_class" not in methods and "predict" in methods
    contract = deploy_model(n_features=case.size)
    assert not hasattr(contract, "add_class")
    ref = IntPerceptron(case.size)
    steps = case.before + case.after + ((case.first, 1),)
    for x, y in steps:
        receipt = contract.update(list(x), y, sender=owner)
        (log,) = receipt.decode_logs(contract.ModelTrained)
        assert (log.prediction, log.changed) == ref.update(list(x), y)
    probes = [list(p) for p in case.probes]
    assert predictions(contract, probes) == [ref.predict(p) for p in probes]
    assert int(contract.intercept()) == ref.intercept


# ---------------------------------------------------------------- the seal decides


@pytest.mark.parametrize("name", MODELS)
def test_seal_decides_whether_an_added_class_takes_part(project, owner, name):
    """A class added before ``seal`` takes part at once (the dense Perceptron scores it though
    it was never a label); one added after it does not, until a step with its label."""
    contract, ref = deploy(project, owner, name)
    contract.add_class("early", sender=owner)
    ref.add_class()
    contract.seal(sender=owner)
    ref.seal()
    contract.add_class("late", sender=owner)
    ref.add_class()
    assert ref.live == [True, True, True, False]
    rnd = random.Random(12)
    rows = random_rows(name, 8, rnd)
    train_both(name, contract, owner, ref, rows, [0, 1, 0, 1, 2, 0, 1, 2])
    probes = rows + random_rows(name, 8, rnd)
    assert_same(name, contract, ref, probes)
    assert 3 not in predictions(contract, probes)
    if name == "dense_perceptron":
        for p in probes[:3]:
            scores = [int(s) for s in contract.scores(p)]
            assert scores[:3] == ref.raw_scores(p)[:3] and scores[3] == INT256_MIN
    train_both(name, contract, owner, ref, rows[:2], [3, 3])
    assert_same(name, contract, ref, probes)
