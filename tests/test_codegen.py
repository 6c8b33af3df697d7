"""The generated deployables (``sharedmodels.codegen``) are current, and every model kind ×
incentive of ``sharedmodels.trainers.kinds`` names a contract this project compiles."""

import pytest

from sharedmodels import codegen
from sharedmodels.trainers.kinds import KINDS, MODEL_NAMES, kind, kind_of_contract

INCENTIVES = ("none", "stake", "points")
PAIRS = [(m, i) for m in MODEL_NAMES for i in INCENTIVES]


def test_generated_contracts_are_up_to_date():
    assert codegen.stale() == [], "run: python -m sharedmodels.codegen"
    assert codegen.main(["--check"]) == 0


def test_every_generated_file_is_a_model_contract():
    names = [path.stem for path in codegen.outputs()]
    assert len(names) == len(set(names)) == len(PAIRS)
    assert sorted(names) == sorted(kind(m).contract(i) for m, i in PAIRS)
    for path, text in codegen.outputs().items():
        assert path.parent == codegen.CONTRACTS_DIR
        assert text.startswith("# pragma version 0.4.3\n" + codegen.HEADER + "\n")


@pytest.mark.parametrize("model,incentive", PAIRS)
def test_kind_maps_to_a_project_contract(project, model, incentive):
    name = kind(model).contract(incentive)
    container = getattr(project, name)
    assert container.contract_type.name == name
    assert kind_of_contract(name) == (KINDS[model], incentive)
    abi_names = {getattr(item, "name", None) for item in container.contract_type.abi}
    # Everything the model module exports is in the deployed ABI (the kinds and jobs call it).
    exported = {e.split(".", 1)[1] for e in kind(model).spec.exports}
    assert exported <= abi_names, exported - abi_names
    if incentive == "none":
        assert {"update", "ModelTrained"} <= abi_names
    else:
        assert "addData" in abi_names


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="unknown model"):
        kind("svm")
    with pytest.raises(ValueError, match="not a model contract"):
        kind_of_contract("Ownable")
