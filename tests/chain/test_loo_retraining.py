"""Leave-one-out verdicts against retraining without the sample.

``test_leave_one_out.py`` compares ``verdict`` with the integer mirrors' ``predict_without``,
which repeats the contracts' own shortcut (Nearest Centroid takes the sample out of its class
by algebra on n, Q and T; Naive Bayes by lowering each count, n and the total). A wrong sign in
that algebra written twice, once in the contract and once in the mirror, would pass there. Here
the reference knows nothing of the shortcut: for every contribution of a random stream, the
model is retrained from scratch on every other contribution and asked about the sample:

- Nearest Centroid (dense and sparse): distances to the retrained centroids in exact rational
  arithmetic (``fractions.Fraction``), ties to the lower class, classes left empty skipped;
- Naive Bayes: a fresh integer mirror trained on the other samples (plain counting, the same
  log table) and, where the float margin is clear, scikit-learn's ``MultinomialNB`` fitted on
  them.

The streams are built so that leaving the sample out matters: a few samples per class, classes
that overlap, one class whose only sample is the contribution itself. Each test also asserts
that a good share of the verdicts differ from the as-is prediction, so the data keeps the
leave-one-out arithmetic under test. The seeds are fixed (the same streams every run), and
each stream is long enough that a mutant which changes a verdict on one sample in twenty is
caught with certainty on these seeds rather than by luck.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from models_conftest_helpers import SCALE, ctor_args

from sharedmodels.mirrors.multiclass import IntNaiveBayes
from sharedmodels.registry import model_spec
from sharedmodels.rpc.fastpath import call_in_order
from sharedmodels.rpc.reads import decode_event, view_many

#: Samples per stream: verdicts to compare per model and seed.
STREAM = 90
#: The contracts' most classes: a few samples each, so that one sample counts.
CLASSES = 16
DIM = 3
N_FEATURES = 24
SEEDS = (1, 2)
#: Dense clusters: means within +-SPREAD, samples within +-NOISE of them (real units).
SPREAD, NOISE = 0.5, 1.5
#: Sparse samples: each class's OWN preferred words, at most LONGEST words a sample.
OWN, LONGEST = 6, 8


# ---------------------------------------------------------------- the streams


def labels(rnd: random.Random, n: int) -> list[int]:
    """Labels of classes 0 .. CLASSES - 2 in random order (a few samples each), then one
    sample of the last class, alone in it: taking it out leaves its class empty."""
    return [rnd.randrange(CLASSES - 1) for _ in range(n - 1)] + [CLASSES - 1]


def dense_stream(rnd: random.Random, n: int) -> list[tuple[list[int], int]]:
    """Overlapping clusters in three dimensions (fixed point): class means within +-SPREAD,
    samples within +-NOISE of their mean."""
    means = [[rnd.uniform(-SPREAD, SPREAD) for _ in range(DIM)] for _ in range(CLASSES)]
    return [
        ([int((m + rnd.uniform(-NOISE, NOISE)) * SCALE) for m in means[y]], y)
        for y in labels(rnd, n)
    ]


def sparse_stream(rnd: random.Random, n: int) -> list[tuple[list[int], int]]:
    """Every class prefers OWN words of the N_FEATURES (they overlap); a sample is one to
    LONGEST distinct words, each from its class's words or, one time in three, any word."""
    own = [rnd.sample(range(N_FEATURES), OWN) for _ in range(CLASSES)]
    out = []
    for y in labels(rnd, n):
        size = rnd.randint(1, LONGEST)
        words = {
            rnd.choice(own[y]) if rnd.random() < 2 / 3 else rnd.randrange(N_FEATURES)
            for _ in range(size)
        }
        out.append((sorted(words), y))
    return out


# ---------------------------------------------------------------- references that retrain


def centroid_retrained(
    rows: list[tuple[list[int], int]], x: list[int], dense: bool, n_classes: int
) -> int:
    """The class whose centroid over ``rows`` is nearest to ``x`` (exact rationals); classes
    without samples are skipped, ties go to the lower index, no samples at all gives 0."""

    def vec(v: list[int]) -> dict[int, int]:
        return dict(enumerate(v)) if dense else dict.fromkeys(v, 1)

    best, best_d = 0, None
    for k in range(n_classes):
        members = [vec(r) for r, y in rows if y == k]
        if not members:
            continue
        keys = set(vec(x)).union(*members)
        centroid = {j: Fraction(sum(m.get(j, 0) for m in members), len(members)) for j in keys}
        d = sum((vec(x).get(j, 0) - centroid[j]) ** 2 for j in keys)
        if best_d is None or d < best_d:
            best, best_d = k, d
    return best


def bayes_retrained(rows: list[tuple[list[int], int]], x: list[int], n_classes: int) -> int:
    """A fresh integer mirror trained on ``rows`` only, asked about ``x``."""
    ref = IntNaiveBayes(N_FEATURES, SCALE, n_classes)
    for r, y in rows:
        ref.update(r, y)
    return ref.predict(x)


def bayes_sklearn(rows: list[tuple[list[int], int]], x: list[int]) -> int | None:
    """scikit-learn's MultinomialNB (alpha 1, priors from the counts) fitted on ``rows``; None
    when its two best classes are too close for float and the log table to be compared."""
    from sklearn.naive_bayes import MultinomialNB

    data = np.zeros((len(rows), N_FEATURES))
    for i, (r, _) in enumerate(rows):
        data[i, r] = 1
    nb = MultinomialNB(alpha=1.0).fit(data, [y for _, y in rows])
    probe = np.zeros((1, N_FEATURES))
    probe[0, x] = 1
    joint = nb.predict_joint_log_proba(probe)[0]
    order = np.argsort(-joint, kind="stable")
    if len(order) > 1 and joint[order[0]] - joint[order[1]] < 1e-6:
        return None
    return int(nb.classes_[order[0]])


# ---------------------------------------------------------------- the chain side


def contribute(project, owner, who, model: str, stream) -> tuple[Any, list[tuple]]:
    """A fresh Points trainer judging by leave-one-out; the stream sent by ``who`` in order.
    Returns the trainer and each contribution's record (the struct ``verdict`` takes)."""
    size = DIM if model_spec(model).dense else N_FEATURES
    names = [f"class{k}" for k in range(CLASSES)]
    container = getattr(project, model_spec(model).contract("points"))
    t = container.deploy(*ctor_args(model, size, names), 60, True, sender=owner)
    assert bool(t.leave_one_out())
    receipts = call_in_order(who, t.addData, calls=[(x, y) for x, y in stream])
    logs = decode_event(t, "ContributionAdded", receipts)
    keys = [
        (int(e["id"]), str(who.address), int(e["time"]), int(e["label"]), int(e["deposit"]))
        for e in logs
    ]
    assert [k[3] for k in keys] == [y for _, y in stream]
    return t, keys


def chain_verdicts(t, keys, stream) -> list[int]:
    return [
        int(v)
        for v in view_many(
            t.verdict, [(k, x) for k, (x, _) in zip(keys, stream, strict=True)], "uint8"
        )
    ]


def as_is(t, stream) -> list[int]:
    return [int(v) for v in view_many(t.predict, [(x,) for x, _ in stream], "uint8")]


# ---------------------------------------------------------------- tests


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("model", ["ncc", "sparse_ncc"])
def test_centroid_verdict_equals_retraining_without_the_sample(project, owner, alice, model, seed):
    rnd = random.Random(seed)
    dense = model_spec(model).dense
    stream = (dense_stream if dense else sparse_stream)(rnd, STREAM)
    t, keys = contribute(project, owner, alice, model, stream)
    got = chain_verdicts(t, keys, stream)
    want = [
        centroid_retrained(stream[:i] + stream[i + 1 :], x, dense, CLASSES)
        for i, (x, _) in enumerate(stream)
    ]
    assert got == want
    # The data keeps the shortcut under test: many verdicts differ from the model as is, and
    # the last sample, alone in its class (at distance 0 from it as is), is never judged to
    # be of that class.
    now = as_is(t, stream)
    assert now[-1] == CLASSES - 1 and got[-1] != CLASSES - 1
    assert sum(a != b for a, b in zip(got, now, strict=True)) >= STREAM // 10


@pytest.mark.parametrize("seed", SEEDS)
def test_naive_bayes_verdict_equals_retraining_without_the_sample(project, owner, alice, seed):
    rnd = random.Random(seed)
    stream = sparse_stream(rnd, STREAM)
    t, keys = contribute(project, owner, alice, "naive_bayes", stream)
    got = chain_verdicts(t, keys, stream)
    rest = [stream[:i] + stream[i + 1 :] for i in range(len(stream))]
    want = [bayes_retrained(r, x, CLASSES) for r, (x, _) in zip(rest, stream, strict=True)]
    assert got == want
    floats = [bayes_sklearn(r, x) for r, (x, _) in zip(rest, stream, strict=True)]
    compared = [(g, f) for g, f in zip(got, floats, strict=True) if f is not None]
    assert len(compared) >= STREAM * 9 // 10
    assert all(g == f for g, f in compared), [i for i, (g, f) in enumerate(compared) if g != f]
    now = as_is(t, stream)
    assert got[-1] != CLASSES - 1
    assert sum(a != b for a, b in zip(got, now, strict=True)) >= STREAM // 10


def test_ncc_smallest_sums_count(project, owner, alice):
    """A sum of a single unit (10**-9): a class whose stored word for a feature pair is
    exactly 1 (sum 1 in the first lane, 0 in the second) must not be read as empty. Class 0
    is the one sample (1, 0, 0), class 1 two samples at the origin; every probe with a positive
    first value is nearer to class 0."""
    stream = [([1, 0, 0], 0), ([0, 0, 0], 1), ([0, 0, 0], 1)]
    t, keys = contribute(project, owner, alice, "ncc", stream)
    assert [int(v) for v in t.sums_of(0)] == [1, 0, 0]
    probes = [[1, 0, 0], [5, 0, 0], [2, 7, 0]]
    got = [int(v) for v in view_many(t.predict, [(p,) for p in probes], "uint8")]
    assert got == [centroid_retrained(stream, p, True, CLASSES) for p in probes] == [0, 0, 0]
    verdicts = chain_verdicts(t, keys, stream)
    rest = [stream[:i] + stream[i + 1 :] for i in range(len(stream))]
    want = [centroid_retrained(r, x, True, CLASSES) for r, (x, _) in zip(rest, stream, strict=True)]
    assert verdicts == want == [1, 1, 1]


def test_naive_bayes_classes_of_one_and_two_samples(project, owner, alice):
    """Exact class sizes at the edge of leave-one-out: class 0 has two identical samples, so
    each is judged by a class of one (still there, and it wins); class 2 has one sample, so
    it is judged without its class (which, scored with no samples at all, would win on its
    own words). Both against the model retrained without the sample."""
    stream = [
        ([1, 2], 0),
        ([1, 2], 0),
        ([3, 4, 5, 6, 7, 8], 1),
        ([3, 4, 5, 6, 7, 8], 1),
        ([3, 4, 5, 6, 7, 8], 1),
        ([10, 11, 12, 13, 14], 2),
    ]
    t, keys = contribute(project, owner, alice, "naive_bayes", stream)
    got = chain_verdicts(t, keys, stream)
    rest = [stream[:i] + stream[i + 1 :] for i in range(len(stream))]
    want = [bayes_retrained(r, x, CLASSES) for r, (x, _) in zip(rest, stream, strict=True)]
    assert got == want == [0, 0, 1, 1, 1, 0]
    assert as_is(t, stream)[-1] == 2  # as is, the lone sample's own class wins


def test_naive_bayes_exact_tie_after_leaving_out(project, owner, alice):
    """Class 1 holds three copies of a sample and class 0 two: with one of class 1's taken
    out, the two classes are the same model and their scores tie exactly, so the verdict is
    the lower class, 0. Nothing may be added to the left-out class's score."""
    stream = [([5], 0), ([5], 0), ([5], 1), ([5], 1), ([5], 1)]
    t, keys = contribute(project, owner, alice, "naive_bayes", stream)
    got = chain_verdicts(t, keys, stream)
    rest = [stream[:i] + stream[i + 1 :] for i in range(len(stream))]
    want = [bayes_retrained(r, x, CLASSES) for r, (x, _) in zip(rest, stream, strict=True)]
    assert got == want == [1, 1, 0, 0, 0]
