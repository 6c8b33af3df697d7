"""The market benchmark's runs, its table and what it saves (chain-free; the runs themselves
are ``make bench``'s)."""

import json

import pytest

from sharedmodels.errors import InputError
from sharedmodels.market.rules import default_pieces
from sharedmodels.runs.marketbench import row_line, runs, save, sizes_of

ROW = {
    "test_size": 64,
    "contributions": 24,
    "budget": 256,
    "passes": 2,
    "steps": 31,
    "reward_gas_total": 12_345_678,
    "heaviest_step": 987_654,
    "median_step": 400_000,
    "deploy": 3_000_000,
    "reveal_per_piece_max": 250_000,
    "participate_median": 180_000,
    "withdraw_max": 40_000,
    "conservation": True,
    "mirror": True,
}


def test_every_size_at_the_middle_count_and_every_count_at_the_middle_size():
    assert runs([64, 128, 256], [12, 24, 48]) == [
        (64, 24),
        (128, 12),
        (128, 24),
        (128, 48),
        (256, 24),
    ]


def test_pieces_default_to_at_most_16_samples_each_and_at_least_4():
    assert [default_pieces(t) for t in (3, 8, 64, 65, 256, 4096)] == [3, 4, 4, 5, 16, 256]


def test_the_table_and_the_saved_figures(tmp_path):
    assert row_line(ROW) == (
        "T=  64 N= 24: 2 passes,   31 steps, reward gas    12,345,678, heaviest step    987,654"
    )
    doc = tmp_path / "BENCHMARKS.md"
    doc.write_text("before\n<!-- bench:market -->\nold\n<!-- /bench:market -->\nafter\n")
    out = tmp_path / "bench" / "market_gas.json"
    assert save([ROW], out, doc) == [out, doc]
    assert json.loads((tmp_path / "bench" / "market_gas.json").read_text()) == {"runs": [ROW]}
    assert doc.read_text() == (
        "before\n<!-- bench:market -->\n"
        "| test set T | contributions N | passes | steps | reward pass gas | heaviest step "
        "| median step | reveal (16 samples) |\n"
        "|---|---|---|---|---|---|---|---|\n"
        "| 64 | 24 | 2 | 31 | 12,345,678 | 987,654 | 400,000 | 250,000 |\n"
        "\n"
        "Budget 256 work units a step. Deployment 3,000,000 gas; `commit` + `reveal_sample` "
        "180,000 (median); `withdraw` 40,000.\n"
        "<!-- /bench:market -->\nafter\n"
    )


def test_no_table_is_written_where_the_benchmarks_file_is_absent(tmp_path):
    out, doc = tmp_path / "x.json", tmp_path / "none.md"
    assert save([ROW], out, doc) == [out]
    assert json.loads(out.read_text()) == {"runs": [ROW]} and not doc.exists()


def test_sizes_are_whole_numbers_of_at_least_the_least():
    assert sizes_of("64,128,256", "--sizes", least=8) == [64, 128, 256]
    assert sizes_of("8", "--sizes", least=8) == [8]
    with pytest.raises(InputError, match=r"--sizes: every value must be at least 8, not 7"):
        sizes_of("64,7", "--sizes", least=8)
    with pytest.raises(InputError, match=r"--counts: '12,x' is not a comma-separated list"):
        sizes_of("12,x", "--counts", least=6)
