"""The generated deployables (``sharedmodels.codegen``) are current and alone in
``contracts/generated/``, and every model kind × incentive of ``sharedmodels.registry`` names a
contract this project compiles."""

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
        assert path.parent == codegen.GENERATED_DIR
        assert text.startswith("# pragma version 0.4.3\n" + codegen.HEADER + "\n")


def test_nothing_hand_written_is_in_the_generated_folder():
    """Every file of ``contracts/generated/`` is an output, and no output lives elsewhere."""
    assert sorted(codegen.GENERATED_DIR.glob("*.vy")) == sorted(codegen.outputs())
    assert codegen.leftovers() == []


def test_a_left_over_generated_file_is_stale_and_removed(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(codegen, "CONTRACTS_DIR", tmp_path / "contracts")
    monkeypatch.setattr(codegen, "GENERATED_DIR", tmp_path / "contracts" / "generated")
    (tmp_path / "contracts").mkdir()
    assert codegen.main([]) == 0
    assert codegen.main(["--check"]) == 0
    old = tmp_path / "contracts" / "OldModelStake.vy"  # generated before, at the top
    old.write_text("# pragma version 0.4.3\n" + codegen.HEADER + "\n")
    mine = tmp_path / "contracts" / "Market.vy"  # hand-written: never touched
    mine.write_text("# pragma version 0.4.3\n# a contract of our own\n")
    capsys.readouterr()
    assert codegen.stale() == [old]
    assert codegen.main(["--check"]) == 1
    assert "left over: contracts/OldModelStake.vy" in capsys.readouterr().out
    assert codegen.main([]) == 0
    assert not old.exists() and mine.exists()
    assert codegen.main(["--check"]) == 0


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="unknown model"):
        model_spec("svm")
    with pytest.raises(ValueError, match="not a model contract"):
        spec_of_contract("Ownable")
