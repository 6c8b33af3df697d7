"""Every model kind x incentive of ``sharedmodels.registry`` names a contract this project
compiles, whose ABI carries what the model module exports."""

import pytest

from sharedmodels.registry import MODEL_NAMES, MODELS, model_spec, spec_of_contract

PAIRS = [(m, i) for m in MODEL_NAMES for i in ("none", "stake", "points")]


@pytest.mark.parametrize("model,incentive", PAIRS)
def test_kind_maps_to_a_project_contract(project, model, incentive):
    name = model_spec(model).contract(incentive)
    container = getattr(project, name)
    assert container.contract_type.name == name
    assert spec_of_contract(name) == (MODELS[model], incentive)
    abi_names = {getattr(item, "name", None) for item in container.contract_type.abi}
    # Everything the model module exports is in the deployed ABI (the kinds and jobs call it).
    exported = {e.split(".", 1)[1] for e in model_spec(model).exports}
    assert exported <= abi_names, exported - abi_names
    if incentive == "none":
        assert {"update", "ModelTrained"} <= abi_names
    else:
        assert "addData" in abi_names
