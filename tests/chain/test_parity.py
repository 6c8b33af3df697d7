"""On-chain == reference: random sparse samples (Hypothesis), a 2,000-sample rt stream, and
300+ reviews of IMDB length (200-500 words) for every text model."""

import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sharedmodels.encoding import datasets
from sharedmodels.encoding.encoded import encode_dataset
from sharedmodels.encoding.features import Encoder
from sharedmodels.mirrors.perceptron import IntPerceptron, SklearnPerceptron, round_to_double
from sharedmodels.registry import MODELS, model_spec
from sharedmodels.rpc.deployments import deploy_perceptron, predict_many, read_weights
from sharedmodels.trainers.deploy import parity_job
from sharedmodels.trainers.parity import train_stream

N = 256

samples = st.lists(
    st.tuples(
        st.lists(st.integers(0, N - 1), max_size=12, unique=True).map(sorted), st.integers(0, 1)
    ),
    min_size=1,
    max_size=40,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=samples, eta=st.sampled_from([1, 3, 1000]), start=st.integers(-(2**62), 2**62))
def test_random_samples_match_reference(container, owner, data, eta, start):
    """Every prediction, every touched weight and the intercept equal both references."""
    intercept = round_to_double(start)
    contract, _ = deploy_perceptron(
        container, owner, encoder=Encoder(n_features=N), eta=eta, intercept=intercept, seal=False
    )
    mirror = IntPerceptron(N, eta)
    mirror.intercept = intercept
    sk = SklearnPerceptron(N, eta)
    if intercept:
        sk.set_state({}, intercept)
    rows = [r for r, _ in data]
    labels = [y for _, y in data]
    expected = []
    for row, y in data:
        step = mirror.update(row, y)
        assert sk.update(row, y) == step
        expected.append(step.prediction)
    got, _ = train_stream(contract, owner, rows, labels=labels)
    assert got == expected
    touched = {j for r in rows for j in r}
    assert read_weights(contract, touched) == {j: mirror.weights.get(j, 0) for j in touched}
    assert read_weights(contract, touched) == sk.weights(touched)
    assert contract.intercept() == mirror.intercept == sk.intercept_units()
    assert predict_many(contract, rows) == [mirror.predict(r) for r in rows]


def test_rt_parity_2000_samples(container, owner):
    """The issue's bar: 2,000 Rotten Tomatoes snippets in order, all identical."""
    enc = Encoder()
    stream = encode_dataset("rt", enc, limit=2000, offset=500)
    assert len(stream) == 2000
    result = parity_job(container, owner, enc, stream=stream)
    assert result.summary() == "parity: 2000/2000 predictions, weights identical: yes"
    assert result.checked > 5000


def test_rt_parity_after_pretraining(container, owner):
    """Pre-trained upload + held-back stream: the deployment path the demo uses."""
    enc = Encoder()
    pre = encode_dataset("rt", enc, limit=1500)
    stream = encode_dataset("rt", enc, limit=300, offset=1500)
    result = parity_job(container, owner, enc, stream=stream, pretrain_data=pre)
    assert result.ok, result.summary()
    assert result.checked > 3000


def test_ape_path_matches_fast_path(container, owner):
    """The one-call-at-a-time path (accounts that cannot sign locally) gives the same result."""
    rnd = random.Random(7)
    rows = [sorted(rnd.sample(range(N), 5)) for _ in range(12)]
    labels = [rnd.randint(0, 1) for _ in rows]
    fast, _ = deploy_perceptron(container, owner, encoder=Encoder(n_features=N))
    slow, _ = deploy_perceptron(container, owner, encoder=Encoder(n_features=N))

    a, fast_gas = train_stream(fast, owner, rows, labels=labels)
    b, slow_gas = train_stream(slow, owner, rows, labels=labels, pipelined=False)
    assert a == b
    # The same calls on the same fresh state cost the same gas on either path, call by call.
    assert slow_gas == fast_gas and len(slow_gas) == len(rows)
    assert read_weights(fast, range(N)) == read_weights(slow, range(N))


def long_reviews(n: int = 320, seed: int = 17) -> list[tuple[str, int]]:
    """``n`` reviews of 200-500 words, made deterministically from the rt corpus's words: each
    draws 60% of its words from snippets of its own label and the rest from the other's (so
    the models do not separate them at once and keep updating)."""
    words: dict[int, list[str]] = {0: [], 1: []}
    for sample in datasets.load("rt"):
        words[sample.label] += re.findall(r"[a-z']+", sample.text.lower())
    rng = random.Random(seed)
    reviews = []
    for _ in range(n):
        y = rng.randint(0, 1)
        size = rng.randint(200, 500)
        text = " ".join(rng.choice(words[y if rng.random() < 0.6 else 1 - y]) for _ in range(size))
        reviews.append((text, y))
    return reviews


@pytest.fixture(scope="module")
def long_reviews_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("long") / "reviews.csv"
    reviews = long_reviews()
    assert len(reviews) >= 300
    assert all(200 <= len(text.split()) <= 500 for text, _ in reviews)
    path.write_text("text,label\n" + "".join(f"{t},{y}\n" for t, y in reviews))
    return f"csv:{path}"


@pytest.mark.parametrize("model", ["perceptron", "naive_bayes", "sparse_ncc"])
def test_long_reviews_parity(project, owner, long_reviews_csv, model):
    """Every text model, on 320 reviews of IMDB length (the length ``imdb:PATH`` reads, where
    the fast path used to time out): each on-chain prediction before each update equals the
    reference's (scikit-learn for the Perceptron, the integer mirror for the others), and so
    does the whole state at the end. Through the pipelined fast path, as ``ape run parity``."""
    enc = Encoder(n_features=MODELS[model].n_features)  # each model's measured width
    stream = encode_dataset(long_reviews_csv, enc)
    assert len(stream) == 320 and not stream.dropped
    assert min(len(r) for r in stream.rows) > 100  # distinct hashed words a review
    container = getattr(project, model_spec(model).contract("none"))
    result = parity_job(container, owner, enc, stream=stream, model=model)
    assert result.ok, result.summary()
    assert result.agree == result.total == 320
    assert set(result.chain_predictions) == {0, 1}  # it did not settle on one class
