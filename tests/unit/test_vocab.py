"""The vocabulary encoder (``--encoder vocab:K``): scikit-learn's tokenisation, binary presence,
word i is feature i; the settings carry the words, the descriptor (what a model stores) only
their hash; every bad ``--encoder`` is one ``SharedModelsError``."""

import json

import pytest
from sklearn.feature_extraction.text import CountVectorizer

from sharedmodels.encoding.encoded import parse_encoder
from sharedmodels.encoding.features import (
    Encoder,
    VocabEncoder,
    VocabularyError,
    check_descriptor,
    encoder_from_settings,
    vocabulary_hash,
)
from sharedmodels.errors import SharedModelsError
from sharedmodels.registry import make_encoder
from sharedmodels.rpc.deployments import encoder_descriptor

TEXTS = [
    "A tender, funny film. Funny!",
    "Not funny at all; a dull film",
    "Dull, dull, DULL. Émile's café scenes: 10/10",
    "the film the film the film",
]


def test_fit_keeps_the_most_frequent_words_sorted():
    enc = VocabEncoder.fit(TEXTS, 4)
    cv = CountVectorizer(max_features=4, binary=True).fit(TEXTS)
    assert list(enc.words) == sorted(cv.vocabulary_) and enc.n_features == 4
    assert "film" in enc.words and "dull" in enc.words


def test_encoding_equals_count_vectorizer_presence():
    enc = VocabEncoder.fit(TEXTS, 50)
    cv = CountVectorizer(vocabulary=list(enc.words), binary=True)
    matrix = cv.transform(TEXTS + ["nothing known here", "café émile 10"])
    for i, row in enumerate(enc.encode(TEXTS + ["nothing known here", "café émile 10"])):
        assert row == sorted(int(j) for j in matrix[i].indices)
    assert enc.encode_one("nothing known here") == []
    assert enc.encode_one("CAFÉ") == [enc.words.index("café")]


def test_settings_round_trip_and_descriptor_holds_only_the_hash():
    enc = VocabEncoder.fit(TEXTS, 50)
    assert encoder_from_settings(json.loads(json.dumps(enc.settings()))) == enc
    descriptor = json.loads(encoder_descriptor(enc))
    assert "words" not in descriptor and descriptor["words_keccak"] == vocabulary_hash(enc.words)
    assert descriptor["size"] == enc.n_features and len(encoder_descriptor(enc)) <= 256


def test_a_changed_word_list_is_refused():
    enc = VocabEncoder.fit(TEXTS, 50)
    settings = enc.settings()
    settings["words"] = sorted(settings["words"][:-1] + ["zzz"])
    with pytest.raises(VocabularyError, match="does not match"):
        encoder_from_settings(settings)
    other = VocabEncoder(tuple(settings["words"]))
    with pytest.raises(VocabularyError, match="on-chain hash"):
        check_descriptor(other, enc.descriptor())
    check_descriptor(enc, enc.descriptor())
    check_descriptor(Encoder(), "anything")  # nothing to check for a hashing encoder
    with pytest.raises(VocabularyError, match="encoder is 'dense'"):
        check_descriptor(enc, '{"kind":"dense","dim":3}')


@pytest.mark.parametrize(
    "words,match",
    [((), "at least one"), (("b", "a"), "sorted"), (("a", "a"), "sorted"), (("A",), "lowercase")],
)
def test_malformed_vocabularies(words, match):
    with pytest.raises(VocabularyError, match=match):
        VocabEncoder(words)


@pytest.mark.parametrize(
    "text,match",
    [
        ("vocab", "unknown encoder"),
        ("words:10", "unknown encoder"),
        ("vocab:ten", "unknown encoder"),
        ("vocab:0", r"K \(words\) must be in"),
        ("vocab:4294967297", r"K \(words\) must be in"),
        ("hash:0", "BITS must be in"),
        ("hash:33", "BITS must be in"),
    ],
)
def test_bad_encoder_forms(text, match):
    with pytest.raises(SharedModelsError, match=match):
        parse_encoder(text)


def test_forms_that_parse():
    assert parse_encoder("hash:16") == ("hash", 16)
    assert parse_encoder("vocab:1000") == ("vocab", 1000)
    assert make_encoder("naive_bayes", encoder="hash:12") == Encoder(n_features=2**12)


def test_make_encoder_refusals():
    with pytest.raises(VocabularyError, match="builds its words from --pretrain"):
        make_encoder("perceptron", fit_spec=None, encoder="vocab:100")
    with pytest.raises(VocabularyError, match="reads numeric features"):
        make_encoder("ncc", fit_spec="sklearn:wine", encoder="vocab:100")
    with pytest.raises(VocabularyError, match="disagree"):
        make_encoder("perceptron", fit_spec=None, n_features=2**10, encoder="hash:12")
    with pytest.raises(VocabularyError, match="at least|no vocabulary|1 or more"):
        VocabEncoder.fit(["a b c"], 10)  # every token shorter than two characters
