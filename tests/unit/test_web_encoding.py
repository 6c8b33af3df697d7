"""The web page encodes texts and numbers exactly as ``sharedmodels.encoding.features`` does.

``web/src/encoding.js`` runs under Node (``tests/unit/js/encode.mjs``) on the same inputs as the
Python encoders, and every answer must be identical:

* per code point (all of Unicode): the page's word characters and lowercase against Python's
  ``re`` ``\\w`` and ``str.lower()`` (the page is given the ranges this Python leaves unassigned,
  so a browser with newer Unicode tables still tokenises as Python does);
* MurmurHash3 against scikit-learn's ``murmurhash3_32`` on every token;
* tokens, and the index lists of the hashing encoder at several widths, with truncation and with
  the ``error`` policy, and of the vocabulary encoder, over hand-written texts (accents, emoji,
  quotes, digits, apostrophes, underscores, mixed scripts, final sigma, dotted I), seeded random
  strings drawn from many scripts, and 2,000 Rotten Tomatoes snippets (a test of their own);
* the dense encoder's fixed-point integers, ties (round half to even) and range errors included.

Without Node, or without the Rotten Tomatoes file (``make data``), the tests concerned skip with
one line saying why, except under ``SHAREDMODELS_REQUIRE_BROWSER=1`` (CI, which runs ``make
check`` after ``make setup data``), where they fail instead: the page's encoding is part of
what CI must check. A data file that is there but does not load fails everywhere.
"""

import json
import os
import random
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from sklearn.utils import murmurhash3_32

from sharedmodels.encoding import datasets
from sharedmodels.encoding.features import (
    TOKEN_PATTERN,
    DenseEncoder,
    DenseEncodingError,
    Encoder,
    TooManyFeatures,
    VocabEncoder,
)
from sharedmodels.runs.web import python_lowercase, python_word_ranges, unassigned_ranges

ROOT = Path(__file__).resolve().parents[2]
HARNESS = ROOT / "tests/unit/js/encode.mjs"  # runs web/src/parity.js
NODE = shutil.which("node")
RT_TEXTS = 2000


def skip_or_fail(reason: str) -> None:
    """Skip, except in CI (``SHAREDMODELS_REQUIRE_BROWSER=1``), where a missing tool or file is
    a failure rather than a silently smaller test."""
    if os.environ.get("SHAREDMODELS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"required here (SHAREDMODELS_REQUIRE_BROWSER=1), but {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def node():
    if NODE is None:
        skip_or_fail("node is not on PATH (make setup installs it)")
    return NODE


HANDWRITTEN = [
    "",
    "   ",
    "a",
    "a gorgeous, witty film",
    "A GORGEOUS, WITTY FILM!!!",
    "Café crème brûlée, naïve façade — déjà vu",
    "Cafe\u0301 (decomposed accent) vs café",
    "It's the director's \"best\" work; don't miss it",
    "‘curly’ “quotes” «guillemets» „low“",
    "1984, 2001: a space odyssey, 3.14159, 1st 2nd 10th, ½ ¾ ²³ Ⅻ",
    "snake_case __dunder__ _x x_ a_b_c",
    "emoji 🎬🍿 great👍film 😀😀 👨‍👩‍👧 🇫🇷 flags",
    "Ελληνικά: ΟΔΟΣ ΣΟΦΟΣ Σ ΣΑΣ σας",
    "İstanbul ISTANBUL ıi I\u0307 DİYARBAKIR",
    "Straße STRASSE ß ẞ",
    "日本語のテキストと漢字 中文 한국어 텍스트",
    "русский текст, Ёлка ёлка",
    "עברית וערבית العربية مرحبا",
    "हिन्दी पाठ तमिழ் ภาษาไทย",
    "mixed: résumé Résumé RÉSUMÉ 東京Tokyo Москва123",
    "tabs\tand\nnew\r\nlines\u00a0nbsp\u2003em-space",
    "zero\u200bwidth join\u200dx soft\u00adhyphen",
    "ＦＵＬＬＷＩＤＴＨ ｆｕｌｌ １２３",
    "math 𝐀𝐁𝐂 𝒶𝒷𝒸 𝔸𝔹",
    "ǅungla ǈ ǋ titlecase ᾈ ᾼ",
    "Ａpostrophe's o'clock rock'n'roll l'amour",
    "n° 5, №7, 5€, $20, 100%, #hashtag @user email@example.com http://x.org/a_b?c=1",
    "\ufeffBOM first",
    "🙂" * 30,
    "x" * 3000,
    " ".join(f"word{i}" for i in range(700)),
]
SCRIPTS = [
    (0x41, 0x7A),  # ASCII letters and punctuation between
    (0x30, 0x39),
    (0xC0, 0x24F),  # Latin-1 and extended
    (0x300, 0x36F),  # combining marks
    (0x370, 0x3FF),  # Greek
    (0x400, 0x4FF),  # Cyrillic
    (0x590, 0x6FF),  # Hebrew, Arabic
    (0x900, 0x97F),  # Devanagari
    (0x1E00, 0x1FFF),  # Latin extended additional, Greek extended
    (0x2000, 0x206F),  # punctuation
    (0x2150, 0x218F),  # number forms
    (0x3040, 0x30FF),  # kana
    (0x4E00, 0x4E80),  # CJK
    (0xAC00, 0xAC80),  # Hangul
    (0xFF00, 0xFFEF),  # fullwidth
    (0x1D400, 0x1D4FF),  # mathematical alphanumerics
    (0x1F300, 0x1F6FF),  # emoji
    (0x0870, 0x089F),  # Arabic Extended-B (Unicode 14)
    (0x1C80, 0x1C8F),  # Cyrillic Extended-C (a letter pair added after Unicode 14)
    (0xA7C0, 0xA7FF),  # Latin Extended-D (letters added after Unicode 14)
    (0x10D40, 0x10D8F),  # Garay (Unicode 16; unassigned in Python 3.11)
    (0x31350, 0x323AF),  # CJK Extension H (Unicode 15)
]


def random_texts(n: int, seed: int = 21) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        chars = []
        for _ in range(rng.randint(1, 60)):
            if rng.random() < 0.2:
                chars.append(rng.choice(" ,.'\"-_!?\n"))
                continue
            lo, hi = rng.choice(SCRIPTS)
            cp = rng.randint(lo, hi)
            chars.append(chr(cp))
        texts.append("".join(chars))
    return texts


@pytest.fixture(scope="module")
def rt_texts() -> list[str]:
    """The first 2,000 Rotten Tomatoes snippets. Only a missing file skips (``make data``
    fetches it); one that is there must load, or the test fails with the loader's error."""
    if not (datasets.DATA_DIR / datasets.RT_FILENAME).is_file():
        skip_or_fail(f"the Rotten Tomatoes file is not in {datasets.DATA_DIR} (run make data)")
    texts = [s.text for s in datasets.load("rt", limit=RT_TEXTS)]
    assert len(texts) == RT_TEXTS and all(texts)
    return texts


def run_js(job: dict) -> dict:
    proc = subprocess.run(
        [NODE, str(HARNESS)],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def unassigned():
    return unassigned_ranges()


def python_encode(encoder, text):
    try:
        return encoder.encode_one(text)
    except TooManyFeatures:
        return None


def test_every_code_point_tokenises_and_lowercases_as_python(unassigned):
    out = run_js({"unassigned": unassigned, "codepoints": True})
    assert out["word"] == python_word_ranges()
    assert out["lower"] == python_lowercase()


def test_texts_encode_identically(unassigned):
    texts = HANDWRITTEN + random_texts(1500)
    # Random tokens each occur once: the vocabulary is fitted with the hand-written texts
    # counted twice, so that it holds real words and some texts overflow its 4-word limit.
    assert_texts_encode_identically(texts, unassigned, vocab_texts=HANDWRITTEN * 2 + texts)


def test_rotten_tomatoes_texts_encode_identically(unassigned, rt_texts):
    assert_texts_encode_identically(rt_texts, unassigned, truncations=False)


def assert_texts_encode_identically(
    texts: list[str], unassigned, truncations: bool = True, vocab_texts: list[str] | None = None
) -> None:
    tokens = sorted({t for text in texts for t in re.findall(TOKEN_PATTERN, text.lower())})
    vocab = VocabEncoder.fit(vocab_texts or texts, 500)
    small_vocab = VocabEncoder(vocab.words, max_features=4, overflow="error")
    encoders = [
        Encoder(n_features=2**14),
        Encoder(n_features=2**20),
        Encoder(n_features=2**32),
        Encoder(n_features=1000),
        Encoder(n_features=7),
        Encoder(n_features=2**16, max_features=8),
        Encoder(n_features=2**16, max_features=8, overflow="error"),
        vocab,
        small_vocab,
    ]
    out = run_js(
        {
            "unassigned": unassigned,
            "texts": texts,
            "tokens": tokens,
            "encoders": [{"settings": e.settings()} for e in encoders],
        }
    )
    assert out["hashes"] == [murmurhash3_32(t, seed=0, positive=False) for t in tokens]
    assert out["tokens"] == [re.findall(TOKEN_PATTERN, t.lower()) for t in texts]
    compared = 0
    for enc, got in zip(encoders, out["encoded"], strict=True):
        want = [python_encode(enc, t) for t in texts]
        mismatched = [(t, w, g) for t, w, g in zip(texts, want, got, strict=True) if w != g]
        assert not mismatched, f"{enc.settings().get('n_features')}: {mismatched[:3]}"
        compared += len(texts)
    assert compared == len(encoders) * len(texts)
    # Every encoder saw texts that truncate or overflow.
    if truncations:
        assert any(r is None for r in out["encoded"][6])
        assert any(len(r) == 8 for r in out["encoded"][5])
    assert any(r is None for r in out["encoded"][8])
    print(f"web encoding parity: {compared} (text, encoder) pairs, {len(tokens)} tokens hashed")


def test_dense_rows_encode_identically():
    rng = np.random.default_rng(21)
    data = rng.normal(50, 30, size=(40, 6))
    enc = DenseEncoder.fit(data)
    ties = DenseEncoder((2e9,) * 4, (0.0,) * 4)  # v / 2e9 * 1e9: halves at odd integers
    rows = data.tolist() + [[1e9, 0, 0, 0, 0, 0], [float("nan")] * 6]
    tie_rows = [[1.0, 3.0, -1.0, -5.0], [2.0, 7.0, -3.0, 0.5], [3e12, 0, 0, 0]]

    def py(encoder, row):
        try:
            return [str(v) for v in encoder.encode_one(row)]
        except DenseEncodingError:
            return None

    out = run_js(
        {
            "unassigned": [],
            "dense": [
                {"settings": enc.settings(), "rows": [[str(v) for v in r] for r in rows]},
                {"settings": ties.settings(), "rows": tie_rows},
            ],
        }
    )
    assert out["dense"][0] == [py(enc, r) for r in rows]
    assert out["dense"][1] == [py(ties, r) for r in tie_rows]
    assert out["dense"][1][0] == ["0", "2", "0", "-2"]  # 0.5, 1.5, -0.5, -2.5 to even
