"""The generated deployables (``sharedmodels.codegen``) are current, and every model kind ×
incentive of ``sharedmodels.registry`` names a contract this project compiles."""

import pytest

from sharedmodels import codegen
from sharedmodels.registry import MODEL_NAMES, model_spec, spec_of_contract

INCENTIVES = ("none", "stake", "points")
PAIRS = [(m, i) for m in MODEL_NAMES for i in INCENTIVES]


def test_generated_contracts_are_up_to_date():
    assert codegen.stale() == [], "run: python -m sharedmodels.codegen"
    assert codegen.main(["--check"]) == 0


def test_every_generated_file_is_a_model_contract():
    names = [path.stem for path in codegen.outputs()]
    assert len(names) == len(set(names)) == len(PAIRS)
    assert sorted(names) == sorted(model_spec(m).contract(i) for m, i in PAIRS)
    for path, text in codegen.outputs().items():
        assert path.parent == codegen.CONTRACTS_DIR
        assert text.startswith("# pragma version 0.4.3\n" + codegen.HEADER + "\n")


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="unknown model"):
        model_spec("svm")
    with pytest.raises(ValueError, match="not a model contract"):
        spec_of_contract("Ownable")
