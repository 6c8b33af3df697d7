"""Every mirror answers through the same interface: ``update`` reports a ``Step`` (the
prediction before the step and whether the model changed), as the contracts' event logs it."""

import pytest

from sharedmodels.encoding.features import FIXED_POINT_SCALE as SCALE
from sharedmodels.mirrors.multiclass import (
    IntDensePerceptron,
    IntNaiveBayes,
    IntNearestCentroid,
    IntSparseNearestCentroid,
)
from sharedmodels.mirrors.perceptron import IntPerceptron, SklearnPerceptron
from sharedmodels.mirrors.protocol import LeaveOneOutMirror, Mirror, Step

MIRRORS = {
    "IntPerceptron": lambda: IntPerceptron(8),
    "SklearnPerceptron": lambda: SklearnPerceptron(8),
    "IntDensePerceptron": lambda: IntDensePerceptron(3, 3),
    "IntNearestCentroid": lambda: IntNearestCentroid(3, 3),
    "IntSparseNearestCentroid": lambda: IntSparseNearestCentroid(8, 3),
    "IntNaiveBayes": lambda: IntNaiveBayes(8, SCALE, 3),
}
SAMPLE = {"dense": [SCALE, -SCALE, 0], "sparse": [1, 4]}


def _x(name: str) -> list[int]:
    return SAMPLE["dense" if name in ("IntDensePerceptron", "IntNearestCentroid") else "sparse"]


@pytest.mark.parametrize("name", MIRRORS)
def test_every_mirror_implements_the_protocol(name):
    m = MIRRORS[name]()
    assert isinstance(m, Mirror)
    assert m.n_classes == (2 if "Perceptron" in name and "Dense" not in name else 3)
    step = m.update(_x(name), 1)
    assert type(step) is Step and step == (0, True)  # a fresh model predicts 0 and learns
    assert m.predict(_x(name)) == 1


@pytest.mark.parametrize(
    "name", ["IntNearestCentroid", "IntSparseNearestCentroid", "IntNaiveBayes"]
)
def test_counting_models_judge_leave_one_out(name):
    m = MIRRORS[name]()
    assert isinstance(m, LeaveOneOutMirror)
    m.update(_x(name), 2)
    assert m.predict(_x(name)) == 2
    assert m.predict_without(_x(name), 2) == 0  # without its own sample no class has any


def test_perceptrons_are_not_leave_one_out_mirrors():
    assert not isinstance(IntPerceptron(8), LeaveOneOutMirror)
    assert not isinstance(IntDensePerceptron(3), LeaveOneOutMirror)


@pytest.mark.parametrize("cls", [IntPerceptron, SklearnPerceptron])
def test_perceptron_changes_exactly_on_a_mistake(cls):
    m = cls(8)
    assert m.update([1], 0) == (0, True)  # score 0 is a mistake for both classes
    assert m.update([1], 0) == (0, False)  # score < 0 agrees with class 0: no change
    assert m.update([1], 1) == (0, True)  # ... and is a mistake for class 1
    # The weight is back at 0; the intercept is -0.01 + 0.01 = 0: a tie again, a mistake again.
    assert m.update([1], 1) == (0, True)
    assert m.update([1], 1) == (1, False)  # score > 0 agrees with class 1


def test_dense_perceptron_reports_no_change_when_every_class_agrees():
    m = IntDensePerceptron(2, 2)
    x = [SCALE, 0]
    assert m.update(x, 1) == (0, True)  # both scores 0: both classes move
    assert m.update(x, 1) == (1, False)  # class 1 scores > 0, class 0 < 0: nothing moves
    assert m.update(x, 0) == (1, True)
