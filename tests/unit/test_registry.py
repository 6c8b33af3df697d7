"""The model registry: each entry's facts agree with its mirror and its contract names."""

import pytest

from sharedmodels.encoding.features import DenseEncoder, Encoder
from sharedmodels.mirrors.protocol import LeaveOneOutMirror, Mirror
from sharedmodels.registry import MODELS, Params, model_spec, spec_of_contract


def _encoder(spec):
    return DenseEncoder((1.0, 1.0, 1.0)) if spec.dense else Encoder(n_features=64)


@pytest.mark.parametrize("name", MODELS)
def test_reference_is_the_entrys_mirror(name):
    spec = model_spec(name)
    ref = spec.reference(_encoder(spec), 2, Params())
    assert type(ref) is spec.mirror and isinstance(ref, Mirror)
    # Leave-one-out judging is offered exactly where the mirror can judge that way.
    assert spec.leave_one_out == isinstance(ref, LeaveOneOutMirror)


@pytest.mark.parametrize("name", MODELS)
def test_pretrain_is_one_in_order_pass_of_update(name):
    spec = model_spec(name)
    enc = _encoder(spec)
    rows = [[10**9, 0, -(10**9)], [0, 10**9, 0]] if spec.dense else [[1, 5], [2, 5]]
    ref = spec.pretrain(enc, rows, [0, 1], 2, Params())
    twin = spec.reference(enc, 2, Params())
    for x, y in zip(rows, [0, 1], strict=True):
        twin.update(x, y)
    assert [ref.predict(x) for x in rows] == [twin.predict(x) for x in rows] == [0, 1]


@pytest.mark.parametrize("name", MODELS)
def test_contract_names_round_trip(name):
    spec = model_spec(name)
    for incentive in ("none", "stake", "points"):
        assert spec_of_contract(spec.contract(incentive)) == (spec, incentive)


def test_inputs_decide_the_abi():
    assert {m.name: m.abi_x for m in MODELS.values()} == {
        "perceptron": "uint256[]",
        "dense_perceptron": "int64[]",
        "ncc": "int64[]",
        "sparse_ncc": "uint32[]",
        "naive_bayes": "uint32[]",
    }


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="unknown model 'svm'; choose from perceptron"):
        model_spec("svm")
    with pytest.raises(ValueError, match="Foo is not a model contract"):
        spec_of_contract("Foo")
