"""The bounty's Python side with no chain: quantised scikit-learn models agree with their
float originals, binary models keep scikit-learn's tie rule, the forward pass obeys its
bounds, settlement conserves every wei, and the organiser's secrets round-trip."""

import random

import numpy as np
import pytest
from sklearn.linear_model import Perceptron
from sklearn.neighbors import NearestCentroid
from sklearn.neural_network import MLPClassifier

from sharedmodels.bounty.demo import load_dataset
from sharedmodels.bounty.models import CENTROID, MLP, PERCEPTRON, Model, n_params, quantise
from sharedmodels.bounty.rules import (
    MAX_BATCH,
    MAX_BUDGET,
    MAX_HIDDEN,
    BountyError,
    Entry,
    OrganiserSecrets,
    batch,
    forfeit_settle,
    load_cost,
    max_fee,
    model_commitment,
    sample_cost,
    settle,
    work,
)


@pytest.fixture(scope="module")
def wine():
    rows, labels, c = load_dataset("wine")
    return np.array(rows, dtype=float) / 1e9, np.array(labels), rows, labels, c


@pytest.mark.parametrize(
    "est",
    [
        Perceptron(random_state=0),
        NearestCentroid(),
        MLPClassifier(hidden_layer_sizes=(8,), max_iter=2000, random_state=0),
        MLPClassifier(hidden_layer_sizes=(6, 4), max_iter=2000, random_state=0),
    ],
    ids=["perceptron", "centroid", "mlp1", "mlp2"],
)
def test_quantised_models_agree_with_float(wine, est):
    x, y, rows, labels, c = wine
    est.fit(x, y)
    m = quantise(est, c)
    float_pred = est.predict(x)
    agree = sum(int(m.predict(r) == p) for r, p in zip(rows, float_pred, strict=True))
    assert agree >= len(rows) - 1  # rounding at 10**-9 may flip a sample on a boundary


@pytest.mark.parametrize(
    "est", [Perceptron(random_state=0), MLPClassifier((5,), max_iter=2000, random_state=0)]
)
def test_binary_models_keep_the_float_rule(est):
    rows, labels, c = load_dataset("breast_cancer", limit=200)
    x = np.array(rows, dtype=float) / 1e9
    est.fit(x, labels)
    m = quantise(est, 2)
    agree = sum(int(m.predict(r) == p) for r, p in zip(rows, est.predict(x), strict=True))
    assert agree >= len(rows) - 1
    assert m.n_classes == 2


def test_centroid_settings_the_contract_lacks_are_refused(wine):
    xs, ys = wine[0], wine[1]
    with pytest.raises(ValueError, match="metric='euclidean'"):
        quantise(NearestCentroid(metric="manhattan").fit(xs, ys), 3)
    est = NearestCentroid().fit(xs, ys)
    est.priors = "empirical"  # the sklearn >= 1.6 option, set by hand on older versions
    with pytest.raises(ValueError, match="priors='uniform'"):
        quantise(est, 3)
    assert quantise(NearestCentroid(shrink_threshold=0.2).fit(xs, ys), 3).kind == CENTROID


def test_shapes_and_bounds():
    assert n_params(MLP, 32, 8, 32, 32) == 2376
    assert n_params(MLP, 4, 3, 0, 0) == 0 and n_params(PERCEPTRON, 4, 3, 1, 0) == 0
    assert n_params(CENTROID, 4, 3) == 12 and n_params(9, 4, 3) == 0
    with pytest.raises(ValueError, match="shape"):
        Model(kind=PERCEPTRON, dim=4, n_classes=3, params=(0,) * 5)
    with pytest.raises(ValueError, match="out of range"):
        Model(kind=CENTROID, dim=4, n_classes=3, params=(2**40 + 1,) + (0,) * 11)
    # The extreme model on the extreme input stays within the documented bounds.
    big = Model(kind=MLP, dim=32, n_classes=8, params=(2**40,) * 2376, h1=32, h2=32)
    s = big.scores([2**40] * 32)
    assert max(abs(v) for v in s) < 2**119


def test_no_allowed_shape_overflows_one_step():
    """Every shape the contract accepts (features 1-32, classes 2-8, hidden 0-32) fits one
    parameter load and one sample in a step's MAX_BUDGET, at most 4,012,000 units, so the
    contract's `_batch` never takes its one-sample fallback (mutants of that branch are listed
    as equivalent in tools/mutate.py) and a step scores 10 to MAX_BATCH samples."""
    worst, fewest, lightest_load, heaviest_sample = 0, MAX_BATCH, MAX_BUDGET, 0
    for kind in (PERCEPTRON, CENTROID, MLP):
        hidden = range(MAX_HIDDEN + 1) if kind == MLP else [0]
        for d in range(1, 33):
            for c in range(2, 9):
                for h1 in hidden:
                    for h2 in hidden:
                        if n_params(kind, d, c, h1, h2) == 0:
                            continue
                        load = load_cost(kind, d, c, h1, h2)
                        per = sample_cost(kind, d, c, h1, h2)
                        worst = max(worst, load + per)
                        fewest = min(fewest, batch(kind, d, c, h1, h2))
                        lightest_load = min(lightest_load, load)
                        heaviest_sample = max(heaviest_sample, per)
    biggest = (MLP, 32, 8, 32, 32)
    assert worst == load_cost(*biggest) + sample_cost(*biggest) == 4_012_000
    assert worst < MAX_BUDGET
    assert lightest_load > 1_000_000 > 636_000 == heaviest_sample
    assert fewest == (MAX_BUDGET - load_cost(*biggest)) // sample_cost(*biggest) == 10


def test_settlement_conserves_every_wei():
    rng = random.Random(0)
    for _ in range(500):
        es = []
        for _ in range(rng.randint(0, 6)):
            stake = rng.randint(1, 10**6)
            es.append(Entry(stake, rng.random() < 0.6, rng.randint(0, 9), rng.randint(0, stake)))
        prize = rng.randint(1, 10**9)
        for s in (settle(prize, es, 9, rng.choice([0, 5000, 10000])), forfeit_settle(prize, es)):
            assert sum(s.dues) + s.organiser + s.keepers + s.burned == prize + sum(
                e.stake for e in es
            )
            assert all(d == 0 for d, e in zip(s.dues, es, strict=True) if not e.sealed)


def test_the_largest_model_has_the_largest_fee():
    """``max_fee`` (what ``min_stake`` must cover) is above every allowed shape's fee on every
    test set the bounty can have, so every stake covers its own submission's fee."""
    for d, c, groups in ((4, 3, 2), (13, 3, 2), (32, 8, 15), (1, 2, 1)):
        top = max_fee(1, d, c, groups)
        shapes = [(PERCEPTRON, 0, 0), (CENTROID, 0, 0)] + [
            (MLP, h1, h2) for h1 in range(1, 33) for h2 in range(0, 33)
        ]
        for t in (1, 31, 32 * groups):
            assert (
                max(work(k, d, c, h1=h1, h2=h2, t=t) for k, h1, h2 in shapes)
                == work(MLP, d, c, h1=32, h2=32, t=t)
                <= top
            )
    # Steps of MAX_BUDGET: the 32 x 32 MLP of 32 features and 8 classes scores 10 samples a
    # step, so 96 samples take 10 parameter loads.
    assert work(MLP, 32, 8, h1=32, h2=32, t=96) == 10 * 3_376_000 + 96 * 636_000
    assert max_fee(7, 32, 8, 3) == 7 * work(MLP, 32, 8, h1=32, h2=32, t=96)


def test_ties_go_to_the_earlier_submission():
    es = [Entry(1, False, 9), Entry(1, True, 5), Entry(1, True, 7), Entry(1, True, 7)]
    assert settle(100, es, 9, 0).winner == 2
    assert settle(100, es, 9, 7778).winner is None  # 7/9 = 77.78% < 77.78% threshold


def test_commitment_binds_submitter_and_chunking():
    a, b = "0x" + "11" * 20, "0x" + "22" * 20
    p = list(range(10))
    base = model_commitment(a, a, 0, h1=0, h2=0, salt=b"\0" * 32, params=p)
    assert base != model_commitment(a, b, 0, h1=0, h2=0, salt=b"\0" * 32, params=p)
    assert base != model_commitment(a, a, 0, h1=0, h2=0, salt=b"\0" * 32, params=p, size=3)


def test_secrets_round_trip(tmp_path):
    s = OrganiserSecrets([[([1, 2], 0)], [([3, 4], 1)], [([5, 6], 0)], [([7, 8], 1)]])
    s.save(tmp_path / "s.json")
    t = OrganiserSecrets.load(tmp_path / "s.json")
    assert t.groups == s.groups and t.salts == s.salts
    assert (tmp_path / "s.json").stat().st_mode & 0o777 == 0o600
    with pytest.raises(FileExistsError):
        s.save(tmp_path / "s.json")
    with pytest.raises(BountyError):
        OrganiserSecrets([[([1], 0)]] * 3)


def test_unsealed_stakes_reach_no_payee():
    """Whatever the held (unsealed) stakes, the organiser and the winner are paid the prize at
    most beyond their own stake less fee: the held stakes are burned on every ending."""
    rng = random.Random(1)
    for _ in range(300):
        es = [
            Entry(
                rng.randint(1, 10**6), rng.random() < 0.5, rng.randint(0, 9), 0, rng.random() < 0.8
            )
            for _ in range(rng.randint(1, 6))
        ]
        held = sum(e.stake for e in es if not e.sealed)
        # A forfeit with a model sealed burns the prize as well.
        lost = 1000 if any(e.sealed for e in es) else 0
        for s, burned in (
            (settle(1000, es, 9, rng.choice([0, 10000])), held),
            (forfeit_settle(1000, es), held + lost),
        ):
            assert s.burned == burned and s.organiser in (0, 1000)
            assert sum(s.dues) + s.organiser + burned == 1000 + sum(e.stake for e in es)
    # A part-scored model cannot win, even with the most right answers so far.
    assert settle(10, [Entry(5, True, 9, 1, False), Entry(5, True, 2)], 9, 0).winner == 1
