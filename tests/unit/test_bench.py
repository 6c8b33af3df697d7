"""The benchmark arithmetic: the reference benchmark's floor and the generated tables."""

import pytest
from eth_abi import encode
from eth_utils import keccak

from sharedmodels.encoding.packed import pack
from sharedmodels.runs.bench import (
    REFERENCE,
    add_data_floor,
    calldata_gas,
    gas_table,
    reference_floor_add,
    refund_floor,
    replace_section,
    weight_slots,
)


def test_calldata_gas_counts_zero_and_non_zero_bytes():
    assert calldata_gas(b"") == 0
    assert calldata_gas(b"\x00\x01\x00\xff") == 4 + 16 + 4 + 16


def test_add_data_floor_counts_weight_slots():
    """The design's floor: one cold read per slot of sixteen weights (and each rewritten once
    on an update), the state slot, the counters slot, the record and its log."""
    row = [0, 1, 15, 16, 17, 999]  # slots 0, 1 and 62
    words = pack(row, 1000)
    data = keccak(text="addData(uint256[],uint8)")[:4] + encode(["uint256[]", "uint8"], [words, 1])
    assert weight_slots(row) == 3
    base = 21_000 + calldata_gas(data) + 2_100 * 4 + 5_000 + 22_100 + 2_268
    assert add_data_floor(data, row, update=False) == base
    assert add_data_floor(data, row, update=True) == base + 2_900 * 4
    refund = 21_000 + calldata_gas(data) + 2_100 * 4 + 15_000 + 6_800 + 1_756
    assert refund_floor(data, row) == refund


def test_reference_floor_is_the_shared_formula():
    row = list(range(1, 21))
    data = keccak(text="addData(uint32[],uint8)")[:4] + encode(["uint32[]", "uint8"], [row, 1])
    base = 21_000 + calldata_gas(data) + 2_100 * 20 + 22_100
    assert reference_floor_add(data, 20, update=False) == base
    assert reference_floor_add(data, 20, update=True) == base + 2_900 * 20


def test_gas_table_marks_targets():
    sizes = ("20", "60", "100", "200")
    gas = {
        "addData": {n: {"no_update": 100_000, "update": 10**7} for n in sizes},
        "refund": {n: 100_000 for n in sizes},
        "report": {n: 1 for n in sizes},
        "deploy_1000": REFERENCE["deploy_1000"] // 4,
    }
    floors = {
        "addData": {n: {"no_update": 90_000, "update": 90_000} for n in sizes},
        "refund": {n: 90_000 for n in sizes},
    }
    table = gas_table(gas, floors)
    assert "| addData, no update | 20 | 100,000 | 269,930 | 0.37 | 90,000 | 1.11 | met |" in table
    assert (
        "| addData, update | 20 | 10,000,000 | 325,159 | 30.75 | 90,000 | 111.11 | not yet |"
        in table
    )
    assert "(target 0.25 x: met)" in table


def test_replace_section(tmp_path):
    path = tmp_path / "B.md"
    path.write_text("a\n<!-- bench:t -->\nold\n<!-- /bench:t -->\nz\n")
    replace_section(path, "t", "new\n")
    assert path.read_text() == "a\n<!-- bench:t -->\nnew\n<!-- /bench:t -->\nz\n"
    with pytest.raises(ValueError, match="no <!-- bench:other -->"):
        replace_section(path, "other", "x")


def test_changes_table_names_what_moved(tmp_path):
    import json

    from sharedmodels.runs.bench import changes_table

    for name, refund, heaviest in (("before", 100, 7), ("after", 112, 7)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "gas.json").write_text(json.dumps({"refund": {"20": refund}}))
        runs = {"runs": [{"test_size": 64, "contributions": 24, "heaviest_step": heaviest}]}
        (tmp_path / name / "market_gas.json").write_text(json.dumps(runs))
    table = changes_table(tmp_path / "before", tmp_path / "after")
    assert "| `gas.json` refund/20 | 100 | 112 | +12.00% |" in table
    assert "heaviest_step" not in table
    same = changes_table(tmp_path / "before", tmp_path / "before")
    assert same == "No gas figure moved since the previous run.\n"


def test_models_tables_live_in_docs_models(tmp_path):
    """``ape run models`` rewrites its two tables in ``docs/models.md`` (its ``--doc`` default);
    the README holds no generated section."""
    import shutil
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    assert "<!-- bench:" not in (root / "README.md").read_text()
    doc = tmp_path / "models.md"
    shutil.copy(root / "docs" / "models.md", doc)
    for name in ("models", "model-gas"):
        replace_section(doc, name, f"| {name} |\n")
        assert f"<!-- bench:{name} -->\n| {name} |\n<!-- /bench:{name} -->" in doc.read_text()
    assert 'default="docs/models.md"' in (root / "scripts" / "models.py").read_text()
