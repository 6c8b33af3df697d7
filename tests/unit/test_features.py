"""Encoding and the overflow policy for samples over the contract's feature limit."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sharedmodels.encoding.features import (
    MAX_FEATURES,
    DenseEncoder,
    Encoder,
    TooManyFeatures,
    check_indices,
    encoder_from_settings,
    indices_to_csr,
    rows_to_indices,
)


def long_text(n_words: int) -> str:
    return " ".join(f"word{i}" for i in range(n_words))


def test_encoding_matches_hashing_vectorizer():
    enc = Encoder(n_features=2**20)
    texts = ["A great, great film!", "dull and slow", ""]
    rows = enc.encode(texts)
    matrix = enc.vectorizer().transform(texts)
    for i, row in enumerate(rows):
        assert row == sorted(matrix[i].indices.tolist())
        assert row == sorted(set(row))  # sorted, unique
    assert rows[2] == []
    assert len(rows[0]) == 2  # "a" is dropped by the token pattern; "great" counts once


def test_encoding_is_binary_and_in_range():
    enc = Encoder(n_features=64)
    (row,) = enc.encode([long_text(300)])
    assert all(0 <= j < 64 for j in row)
    check_indices(row, 64)


def test_overflow_truncate_keeps_smallest_indices():
    enc = Encoder(n_features=2**20, max_features=10, overflow="truncate")
    full = Encoder(n_features=2**20).encode([long_text(50)])[0]
    (row,) = enc.encode([long_text(50)])
    assert row == full[:10]


def test_overflow_error_names_the_sample():
    enc = Encoder(n_features=2**20, max_features=10, overflow="error")
    with pytest.raises(TooManyFeatures, match="sample 1 has"):
        enc.encode(["short text", long_text(50)])


def test_overflow_skip_returns_none():
    enc = Encoder(n_features=2**20, max_features=10, overflow="skip")
    assert enc.encode(["ok", long_text(50)])[1] is None
    with pytest.raises(TooManyFeatures):
        enc.encode_one(long_text(50))


def test_default_limit_is_the_contract_limit():
    assert Encoder().max_features == MAX_FEATURES == 512
    (row,) = Encoder().encode([long_text(2000)])
    assert len(row) == MAX_FEATURES


@pytest.mark.parametrize(
    "kwargs, msg",
    [
        ({"n_features": 0}, "n_features must be in"),
        ({"max_features": 513}, "max_features must be in"),
        ({"overflow": "drop"}, "overflow must be one of"),
        ({"n_features": 2**32 + 1}, "n_features must be in"),
    ],
)
def test_encoder_rejects_bad_settings(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        Encoder(**kwargs)


@pytest.mark.parametrize(
    "row,msg",
    [
        ([2, 1], "sorted and unique"),
        ([1, 1], "sorted and unique"),
        ([5, 100], "out of range"),
        (list(range(513)), "too many features"),
    ],
)
def test_check_indices_mirrors_contract_rules(row, msg):
    with pytest.raises(ValueError, match=msg):
        check_indices(row, 100 if msg == "out of range" else 10**6)


@given(st.lists(st.lists(st.integers(0, 999), max_size=20, unique=True), max_size=10))
def test_csr_round_trip(rows):
    rows = [sorted(r) for r in rows]
    assert [r if r is not None else [] for r in rows_to_indices(indices_to_csr(rows, 1000))] == rows


def test_encoder_kind_and_settings_round_trip():
    enc = Encoder(n_features=4096, max_features=100, overflow="skip")
    assert enc.kind == Encoder.kind == "sparse"
    settings = enc.settings()
    assert "kind" not in settings  # the on-chain descriptor of text models is unchanged
    assert Encoder.from_settings(settings) == enc
    assert Encoder.from_settings({**settings, "kind": "sparse"}) == enc
    assert encoder_from_settings(settings) == enc
    assert encoder_from_settings({**settings, "kind": "sparse"}) == enc


def test_encoder_from_settings_rejects_other_kinds():
    settings = {**Encoder().settings(), "kind": "dense"}
    with pytest.raises(ValueError, match="not sparse encoder settings"):
        Encoder.from_settings(settings)
    with pytest.raises(ValueError, match="unknown encoder kind 'tree'"):
        encoder_from_settings({**settings, "kind": "tree"})


def test_encoder_from_settings_dispatches_dense():
    dense = DenseEncoder((1.0, 2.5))
    assert encoder_from_settings(dense.settings()) == dense
