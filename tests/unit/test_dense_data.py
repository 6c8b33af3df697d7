"""Dense (numeric) inputs: the sklearn and numeric-CSV specs, and the fixed-point encoder.

Plain pytest: no chain and no network (the sklearn datasets ship inside scikit-learn).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn import datasets as skd

from sharedmodels.encoding import datasets
from sharedmodels.encoding.datasets import DatasetError, DenseData, is_dense, load, load_dense
from sharedmodels.encoding.features import (
    FIXED_POINT_SCALE,
    MAX_ABS,
    MAX_DIM,
    DenseEncoder,
    DenseEncodingError,
    Encoder,
    encoder_from_settings,
)


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def csv_spec(tmp_path: Path, text: str, name: str = "d.csv") -> str:
    return f"csv:{write_csv(tmp_path / name, text)}"


def dense_error(spec: str) -> str:
    with pytest.raises(DatasetError) as e:
        load_dense(spec)
    msg = str(e.value)
    assert "\n" not in msg
    return msg


# --------------------------------------------------------------------------- sklearn specs


@pytest.mark.parametrize(
    "name, shape, class_names, first_feature",
    [
        ("digits", (1797, 64), [str(i) for i in range(10)], "pixel_0_0"),
        ("breast_cancer", (569, 30), ["malignant", "benign"], "mean radius"),
        ("wine", (178, 13), ["class_0", "class_1", "class_2"], "alcohol"),
    ],
)
def test_sklearn_specs(name, shape, class_names, first_feature):
    data = load_dense(f"sklearn:{name}")
    assert isinstance(data, DenseData)
    assert data.features.shape == shape and data.features.dtype == np.float64
    assert len(data) == shape[0] and data.dim == shape[1]
    assert data.class_names == class_names
    assert all(type(c) is str for c in data.class_names)
    assert len(data.feature_names) == shape[1] and data.feature_names[0] == first_feature
    assert all(type(y) is int for y in data.labels)
    assert set(data.labels) == set(range(len(class_names)))


@pytest.mark.parametrize("name", datasets.SKLEARN_DATASETS)
def test_sklearn_order_is_the_documented_permutation(name):
    bunch = getattr(skd, f"load_{name}")()
    perm = np.random.RandomState(0).permutation(len(bunch.target))
    data = load_dense(f"sklearn:{name}")
    assert np.array_equal(data.features, bunch.data[perm])
    assert data.labels == bunch.target[perm].tolist()
    again = load_dense(f"sklearn:{name}")
    assert np.array_equal(again.features, data.features) and again.labels == data.labels


def test_sklearn_order_is_mixed():
    # The raw wine rows are sorted by class; the first 20 permuted rows hold every class.
    assert skd.load_wine().target[:20].tolist() == [0] * 20
    assert set(load_dense("sklearn:wine").labels[:20]) == {0, 1, 2}
    # The permutation starts (by numpy's stream guarantee) with these rows.
    assert np.random.RandomState(0).permutation(178)[:3].tolist() == [54, 151, 63]


def test_sklearn_offset_limit():
    full = load_dense("sklearn:digits")
    part = load_dense("sklearn:digits", offset=100, limit=50)
    assert np.array_equal(part.features, full.features[100:150])
    assert part.labels == full.labels[100:150]
    assert part.class_names == full.class_names and part.feature_names == full.feature_names
    assert len(load_dense("sklearn:digits", offset=1797)) == 0
    assert len(load_dense("sklearn:digits", offset=1790, limit=100)) == 7


@pytest.mark.parametrize("kwargs", [{"offset": -1}, {"limit": -1}])
def test_load_dense_negative_offset_limit(kwargs):
    with pytest.raises(DatasetError, match="must be >= 0"):
        load_dense("sklearn:wine", **kwargs)


def test_text_load_refuses_dense_specs():
    with pytest.raises(DatasetError) as e:
        load("sklearn:wine")
    assert str(e.value) == (
        "sklearn:wine has numeric features; use a dense model (dense_perceptron or ncc)"
    )


# --------------------------------------------------------------------------- is_dense


def test_is_dense_dispatch(tmp_path):
    assert is_dense("sklearn:digits") and is_dense("sklearn:wine")
    assert not is_dense("rt")  # decided by the spec alone: nothing is fetched or read
    assert not is_dense(f"imdb:{tmp_path / 'nowhere'}")
    assert not is_dense(csv_spec(tmp_path, "id,TEXT ,label\n1,a,1\n", "text.csv"))
    assert is_dense(csv_spec(tmp_path, "x,y,label\n1,2,a\n", "num.csv"))


def test_is_dense_reads_only_the_header(tmp_path):
    p = tmp_path / "d.csv"
    p.write_bytes(b"x,label\n" + b"1,a\n" * 5000 + b"\xff\xfe,not utf-8\n")
    assert is_dense(f"csv:{p}")
    p.write_bytes(b"text,label\ncaf\xe9,1\n")
    assert not is_dense(f"csv:{p}")


def test_is_dense_csv_problems(tmp_path):
    with pytest.raises(DatasetError, match="csv file not found"):
        is_dense(f"csv:{tmp_path / 'nope.csv'}")
    with pytest.raises(DatasetError, match="file is empty"):
        is_dense(csv_spec(tmp_path, ""))
    with pytest.raises(DatasetError, match="bad dataset spec"):
        is_dense("bogus")


def test_load_dense_refuses_text_specs(tmp_path):
    text_csv = csv_spec(tmp_path, "text,label\ngood,1\n")
    for spec in ("rt", f"imdb:{tmp_path}", text_csv):
        assert dense_error(spec) == f"{spec} is a text dataset; this model needs numeric features"


def test_text_csv_still_loads(tmp_path):
    spec = csv_spec(tmp_path, "label,Text,score\npos,fine,3\n0,poor,1\n")
    assert load(spec) == [datasets.Sample("fine", 1), datasets.Sample("poor", 0)]


# --------------------------------------------------------------------------- numeric csv


def test_csv_integer_labels(tmp_path):
    spec = csv_spec(tmp_path, "f1, F2 ,label\n1,2.5,3\n-1e-3, 4 ,0\n\n7,8,03\n")
    data = load_dense(spec)
    assert data.features.tolist() == [[1.0, 2.5], [-0.001, 4.0], [7.0, 8.0]]
    assert data.features.dtype == np.float64
    assert data.labels == [3, 0, 3]
    assert data.class_names == ["0", "1", "2", "3"]  # every index up to the largest
    assert data.feature_names == ["f1", "F2"]
    assert data.class_counts() == [1, 0, 0, 2]


def test_csv_string_labels_sorted(tmp_path):
    spec = csv_spec(tmp_path, "Label,x\ncat, 1\nbird,2\ncat,3\n10,4\nDog,5\n")
    data = load_dense(spec)
    assert data.class_names == ["10", "Dog", "bird", "cat"]  # code point order
    assert data.labels == [3, 2, 3, 0, 1]
    assert data.features[:, 0].tolist() == [1, 2, 3, 4, 5]
    assert data.feature_names == ["x"]


def test_csv_label_column_anywhere_and_bom(tmp_path):
    p = write_csv(tmp_path / "d.csv", "a,label,b\n1,0,2\n3,1,4\n", encoding="utf-8-sig")
    data = load_dense(f"csv:{p}")
    assert data.features.tolist() == [[1, 2], [3, 4]]
    assert data.feature_names == ["a", "b"] and data.labels == [0, 1]


def test_csv_offset_limit(tmp_path):
    rows = "".join(f"{i},{i % 3}\n" for i in range(10))
    spec = csv_spec(tmp_path, "x,label\n" + rows)
    data = load_dense(spec, offset=4, limit=3)
    assert data.features[:, 0].tolist() == [4, 5, 6]
    assert data.class_names == ["0", "1", "2"]


def test_csv_max_dim_columns_is_allowed(tmp_path):
    header = ",".join(f"c{j}" for j in range(MAX_DIM)) + ",label"
    row = ",".join("1" for _ in range(MAX_DIM)) + ",0"
    assert load_dense(csv_spec(tmp_path, f"{header}\n{row}\n")).dim == MAX_DIM


@pytest.mark.parametrize(
    "text, pattern",
    [
        ("", "file is empty"),
        ("x,label\n", "no data rows after the header"),
        ("x,y\n1,2\n", r"missing column label in header \(found: x, y\)"),
        ("label\n1\n", "no feature columns"),
        ("x,label\n1,0\nabc,1\n", r"data row 2 \(line 3\): column 'x': 'abc' is not a number"),
        ("x,label\n1,0\n,1\n", r"data row 2 .*column 'x': '' is not a number"),
        ("x,y,label\n1,nan,0\n", r"data row 1 .*column 'y': 'nan' is not a finite number"),
        ("x,y,label\n1,-inf,0\n", r"data row 1 .*column 'y': '-inf' is not a finite number"),
        ("x,y,label\n1,2,0\n1,2\n", r"data row 2 .*: 2 cells, but the header has 3 columns"),
        ("x,y,label\n1,2,0,9\n", r"data row 1 .*: 4 cells, but the header has 3 columns"),
        ("x,label\n1,0\n2, \n", r"data row 2 .*: empty label"),
        ("x,X,label\n1,2,0\n", "duplicate column 'X' in header"),
        (",x,label\n0,1,0\n", "header column 1 has no name"),
        ("x,label\n1,1\n2,1024\n", r"data row 2 .*label 1024 is too large a class index"),
    ],
)
def test_csv_errors(tmp_path, text, pattern):
    spec = csv_spec(tmp_path, text)
    msg = dense_error(spec)
    assert str(tmp_path / "d.csv") in msg
    assert re.search(pattern, msg), msg


def test_csv_too_many_columns(tmp_path):
    header = ",".join(f"c{j}" for j in range(MAX_DIM + 1)) + ",label"
    row = ",".join("1" for _ in range(MAX_DIM + 1)) + ",0"
    msg = dense_error(csv_spec(tmp_path, f"{header}\n{row}\n"))
    assert f"{MAX_DIM + 1} feature columns, the limit is {MAX_DIM}" in msg


def test_csv_missing_file_and_bad_utf8(tmp_path):
    assert "csv file not found" in dense_error(f"csv:{tmp_path / 'nope.csv'}")
    p = tmp_path / "d.csv"
    p.write_bytes(b"x,label\n1,caf\xe9\n")
    assert "not valid UTF-8" in dense_error(f"csv:{p}")


def test_csv_largest_class_index_is_allowed(tmp_path):
    data = load_dense(csv_spec(tmp_path, f"x,label\n1,{datasets.MAX_CLASSES - 1}\n"))
    assert len(data.class_names) == datasets.MAX_CLASSES


# --------------------------------------------------------------------------- DenseData


def test_dense_data_checks_its_shape():
    with pytest.raises(ValueError, match="shape"):
        DenseData(np.zeros((2, 3)), [0], ["a"], ["x", "y", "z"])
    with pytest.raises(ValueError, match="feature name"):
        DenseData(np.zeros((1, 3)), [0], ["a"], ["x"])
    with pytest.raises(ValueError, match="index class_names"):
        DenseData(np.zeros((1, 1)), [1], ["a"], ["x"])
    data = DenseData([[1, 2]], [0], ["a"], ["x", "y"])
    assert data.features.dtype == np.float64 and len(data) == 1
    with pytest.raises(DatasetError, match="offset must be >= 0"):
        data.slice(-1)


# --------------------------------------------------------------------------- DenseEncoder


def test_fit_uncentred_is_max_abs_per_column():
    enc = DenseEncoder.fit([[1.0, -4000.0, 0.0, 0.5], [-3.0, 2.0, 0.0, 0.25]], center=False)
    assert enc.offsets == (0.0,) * 4 and "offsets" not in enc.settings()
    assert enc.divisors == (3.0, 4000.0, 1.0, 0.5)  # an all-zero column gets 1.0
    assert enc.dim == 4 and enc.kind == "dense"
    assert all(type(d) is float for d in enc.divisors)
    assert enc.encode([[1.0, -4000.0, 0.0, 0.5], [-3.0, 2.0, 0.0, 0.25]]) == [
        [333333333, -(10**9), 0, 10**9],
        [-(10**9), 500000, 0, 500000000],
    ]


def test_fit_centres_each_column_on_its_mean():
    rows = [[1.0, -4000.0, 7.0, 0.5], [-3.0, 2000.0, 7.0, 0.25]]
    enc = DenseEncoder.fit(rows)
    assert enc.offsets == (-1.0, -1000.0, 7.0, 0.375)
    assert enc.divisors == (2.0, 3000.0, 1.0, 0.125)  # a constant column gets 1.0
    assert enc.encode(rows) == [[10**9, -(10**9), 0, 10**9], [-(10**9), 10**9, 0, -(10**9)]]
    back = DenseEncoder.from_settings(json.loads(json.dumps(enc.settings())))
    assert back == enc and enc.settings()["offsets"] == list(enc.offsets)


def test_centring_is_what_lets_the_one_pass_perceptron_learn_wine():
    """wine's columns are all positive: through the origin the Perceptron is near chance."""
    from sharedmodels.registry import float_fit_predict

    data = load_dense("sklearn:wine")
    n = int(len(data.labels) * 0.7)
    y = np.asarray(data.labels)
    acc = {}
    for center in (False, True):
        enc = DenseEncoder.fit(data.features[:n], center=center)
        X = np.asarray(enc.encode(data.features), dtype=np.float64) / FIXED_POINT_SCALE
        pred = float_fit_predict("dense_perceptron", X[:n], y[:n], X_test=X[n:], n_classes=3)
        acc[center] = float(np.mean(pred == y[n:]))
    assert acc[True] > 0.9 > 0.5 > acc[False]


def test_offsets_must_match_and_be_finite():
    with pytest.raises(DenseEncodingError, match="1 offsets for 2 divisors"):
        DenseEncoder((1.0, 2.0), (0.5,))
    with pytest.raises(DenseEncodingError, match="offset 1 must be a finite number"):
        DenseEncoder((1.0, 2.0), (0.5, float("nan")))
    with pytest.raises(DenseEncodingError, match="offsets must be a list"):
        DenseEncoder.from_settings({**DenseEncoder((1.0,)).settings(), "offsets": 3})


def test_encode_is_the_documented_formula():
    rng = np.random.default_rng(1)
    matrix = rng.normal(scale=50, size=(40, 7))
    enc = DenseEncoder.fit(matrix[:20])
    got = enc.encode(matrix)
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            shifted = float(v) - enc.offsets[j]
            expected = int(np.rint(shifted / enc.divisors[j] * FIXED_POINT_SCALE))
            assert got[i][j] == expected and type(got[i][j]) is int
    assert enc.encode_one(matrix[3]) == got[3]


def test_encode_rounds_half_to_even():
    enc = DenseEncoder((1.0, 1.0, 1.0, 1.0, 2.0))
    values = [0.5e-9, 1.5e-9, 2.5e-9, -2.5e-9, 5e-9]
    # Precondition: in float64 these are exact half-way cases once scaled.
    assert [v / d * FIXED_POINT_SCALE for v, d in zip(values, enc.divisors, strict=True)] == [
        0.5,
        1.5,
        2.5,
        -2.5,
        2.5,
    ]
    assert enc.encode_one(values) == [0, 2, 2, -2, 2]


def test_fit_breast_cancer_lands_in_unit_range():
    data = load_dense("sklearn:breast_cancer")
    assert data.features.max() > 4000  # raw values do not fit int64 at scale 10^9
    enc = DenseEncoder.fit(data.features)
    encoded = np.array(enc.encode(data.features))
    assert np.abs(encoded).max() == FIXED_POINT_SCALE
    assert (np.abs(encoded).max(axis=0) == FIXED_POINT_SCALE).all()  # no all-zero column


def test_max_abs_boundary():
    enc = DenseEncoder((1.0,))
    at_limit = MAX_ABS / FIXED_POINT_SCALE
    assert enc.encode_one([at_limit]) == [MAX_ABS]
    assert enc.encode_one([-at_limit]) == [-MAX_ABS]
    over = (MAX_ABS + 1) / FIXED_POINT_SCALE
    assert np.rint(over * FIXED_POINT_SCALE) == MAX_ABS + 1
    with pytest.raises(DenseEncodingError) as e:
        enc.encode_one([over])
    assert str(e.value) == (
        "column 0: value 1099.511627777 / divisor 1.0 encodes to 1099511627777, "
        "outside the contracts' range |v| <= 2**40"
    )


@pytest.mark.parametrize(
    "matrix, pattern",
    [
        ([[1.0, 2.0]], "^expected 3 values, got 2$"),
        ([[1.0, 2.0, 3.0, 4.0]], "^expected 3 values, got 4$"),
        ([[0, 0, 0], [0, float("nan"), 0]], r"^row 1, column 1: nan is not a finite number$"),
        ([[0, 0, float("-inf")]], r"^row 0, column 2: -inf is not a finite number$"),
        ([[0, 0, 0], [0, 0, 0], [0, 5000, 0]], r"^row 2, column 1: value 5000.0 / divisor 2.0 "),
        ([[1e308, 0, 0]], "^row 0, column 0: .* encodes to infinity, outside"),
        ([[1e200, 0, 0]], r"^row 0, column 0: .* encodes to 1\.000e\+209, outside"),
        ([[1, 2], [3]], "not a rectangular array"),
        ([["a", 1, 2]], "not a rectangular array"),
        ([1.0, 2.0, 3.0], r"expected a 2-D array of rows, got shape \(3,\)"),
        ([[[1.0, 2.0, 3.0]]], "expected a 2-D array"),
    ],
)
def test_encode_errors(matrix, pattern):
    enc = DenseEncoder((1.0, 2.0, 1.0))
    with pytest.raises(DenseEncodingError, match=pattern) as e:
        enc.encode(matrix)
    assert "\n" not in str(e.value)


def test_encode_one_errors_name_the_column():
    enc = DenseEncoder((1.0, 2.0, 1.0))
    with pytest.raises(DenseEncodingError, match="^expected 3 values, got 2$"):
        enc.encode_one([1.0, 2.0])
    with pytest.raises(DenseEncodingError, match="^column 2: inf is not a finite number$"):
        enc.encode_one([1.0, 2.0, float("inf")])
    with pytest.raises(DenseEncodingError, match="^column 1: value 1e\\+20 / divisor 2.0"):
        enc.encode_one([1.0, 1e20, 0.0])
    with pytest.raises(DenseEncodingError, match="expected a flat sequence of 3 values"):
        enc.encode_one([[1.0, 2.0, 3.0]])


def test_encode_zero_rows():
    enc = DenseEncoder((1.0,))
    assert enc.encode([]) == [] and enc.encode(np.zeros((0, 1))) == []


@pytest.mark.parametrize(
    "divisors, pattern",
    [
        ((), r"dense dimension must be in \[1, 256\], got 0"),
        ((1.0,) * (MAX_DIM + 1), r"dense dimension must be in \[1, 256\], got 257"),
        ((1.0, 0.0), "divisor 1 must be a finite number > 0, got 0.0"),
        ((-2.0,), "divisor 0 must be a finite number > 0, got -2.0"),
        ((float("nan"),), "divisor 0 must be a finite number > 0"),
        ((float("inf"),), "divisor 0 must be a finite number > 0"),
        (("x",), "divisors and offsets must be numbers"),
    ],
)
def test_bad_divisors(divisors, pattern):
    with pytest.raises(DenseEncodingError, match=pattern):
        DenseEncoder(divisors)


@pytest.mark.parametrize(
    "matrix, pattern",
    [
        ([], "cannot fit a dense encoder on zero rows"),
        (np.zeros((0, 3)), "cannot fit a dense encoder on zero rows"),
        (np.zeros((2, 0)), r"dense dimension must be in \[1, 256\], got 0"),
        (np.zeros((2, MAX_DIM + 1)), r"got 257"),
        ([[1.0, float("nan")]], r"^row 0, column 1: nan is not a finite number$"),
    ],
)
def test_fit_errors(matrix, pattern):
    with pytest.raises(DenseEncodingError, match=pattern):
        DenseEncoder.fit(matrix)


def test_dense_encoding_error_is_value_error():
    assert issubclass(DenseEncodingError, ValueError)


def test_settings_round_trip_through_json():
    awkward = (0.1, 1 / 3, 1e-300, 5e-324, 1.7976931348623157e308, 4254.0, 2.0**-40)
    enc = DenseEncoder(awkward)
    settings_ = enc.settings()
    assert settings_ == {"kind": "dense", "scale": 10**9, "divisors": list(awkward)}
    back = DenseEncoder.from_settings(json.loads(json.dumps(settings_)))
    assert back == enc and back.divisors == awkward
    assert encoder_from_settings(json.loads(json.dumps(settings_))) == enc


@pytest.mark.parametrize(
    "change, pattern",
    [
        ({"kind": "sparse"}, "not dense encoder settings"),
        ({"kind": None}, "not dense encoder settings"),
        ({"scale": 10**6}, "scale 1000000 is not this client's 10\\*\\*9"),
        ({"divisors": None}, "no list of divisors"),
        ({"divisors": [1.0, 0.0]}, "divisor 1 must be a finite number > 0"),
    ],
)
def test_from_settings_errors(change, pattern):
    data = {**DenseEncoder((1.0, 2.0)).settings(), **change}
    with pytest.raises(DenseEncodingError, match=pattern):
        DenseEncoder.from_settings(data)


def test_encoder_from_settings_dispatch():
    sparse = Encoder(n_features=4096)
    dense = DenseEncoder((2.0, 3.0))
    assert encoder_from_settings(sparse.settings()) == sparse  # no kind: sparse
    assert encoder_from_settings({**sparse.settings(), "kind": "sparse"}) == sparse
    assert encoder_from_settings(dense.settings()) == dense
    with pytest.raises(ValueError, match="unknown encoder kind"):
        encoder_from_settings({"kind": "image"})
    with pytest.raises(DenseEncodingError):
        encoder_from_settings({"kind": "dense"})


def test_descriptor():
    assert DenseEncoder((1.0, 2.0, 3.0)).descriptor() == (
        '{"dim":3,"kind":"dense","scale":1000000000}'
    )
    widest = DenseEncoder(tuple(1.0 / (j + 1) for j in range(MAX_DIM))).descriptor()
    assert len(widest) < 256
    assert json.loads(widest) == {"dim": MAX_DIM, "kind": "dense", "scale": FIXED_POINT_SCALE}


def test_dense_encoder_is_hashable_and_frozen():
    enc = DenseEncoder([1, 2])
    assert enc.divisors == (1.0, 2.0) and hash(enc) == hash(DenseEncoder((1.0, 2.0)))
    with pytest.raises(AttributeError):
        enc.divisors = (3.0, 4.0)


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 12), st.integers(1, 16)),
        elements=st.floats(-1000, 1000, allow_nan=False, allow_infinity=False),
    )
)
def test_fit_then_encode_stays_in_unit_range(matrix):
    enc = DenseEncoder.fit(matrix)
    encoded = enc.encode(matrix)
    assert len(encoded) == matrix.shape[0]
    assert all(type(v) is int and abs(v) <= FIXED_POINT_SCALE for row in encoded for v in row)
    assert enc.encode(matrix.copy()) == encoded
    assert DenseEncoder.fit(matrix.tolist()) == enc
    assert enc.encode(matrix.tolist()) == encoded
    assert [enc.encode_one(row) for row in matrix] == encoded
