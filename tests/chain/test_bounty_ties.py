"""Ties on purpose in the bounty's scoring: which class a tied model answers, and who wins.

A model's answer on a test sample is the first class with the highest score
(``bounty_forward._argmax``). Random parameters almost never tie, so a contract that sent ties
to the last class instead would pass every other test while changing scores and the prize
winner. Here the models tie by construction: two output rows of an MLP equal (the same hidden
layer feeds both), two equal centroids, a Perceptron with two equal rows. The expected class is
computed by the rule itself (the lowest index among the highest scores), not by the mirror's
argmax, and the bounty is set so that the other tie-break would hand the prize to someone else.
"""

import random

from bounty_helpers import CLASSES, DIM, PRIZE, SCALE, open_bounty, truth

from sharedmodels.bounty.driver import conservation, withdraw_all
from sharedmodels.bounty.models import CENTROID, MLP, PERCEPTRON, Model, scores


def first_best(s: list[int]) -> int:
    return min(k for k, v in enumerate(s) if v == max(s))


def skewed_groups(rng: random.Random, k: int = 4) -> list:
    """Groups of five with labels 0, 0, 0, 1, 2: class 0 is 60% of any test set, classes 1
    and 2 20% each."""
    pools: dict[int, list] = {0: [], 1: [], 2: []}
    while len(pools[0]) < 3 * k or min(len(pools[1]), len(pools[2])) < k:
        x = [rng.randint(-2 * SCALE, 2 * SCALE) for _ in range(DIM)]
        pools[truth(x)].append((x, truth(x)))
    return [[*pools[0][3 * i : 3 * i + 3], pools[1][i], pools[2][i]] for i in range(k)]


def tied_mlp(rng: random.Random, h1: int = 4) -> Model:
    """A one-hidden-layer MLP whose output rows for classes 0 and 2 are the same and whose row
    for class 1 is far below them: every answer is a tie between 0 and 2."""
    first = [rng.randint(-SCALE, SCALE) for _ in range(h1 * DIM)]
    first_bias = [rng.randint(0, SCALE) for _ in range(h1)]
    row = [rng.randint(0, SCALE) for _ in range(h1)]
    out = row + [0] * h1 + row
    out_bias = [SCALE, -(2**39) // SCALE * SCALE, SCALE]
    return Model(
        kind=MLP,
        dim=DIM,
        n_classes=CLASSES,
        params=tuple(first + first_bias + out + out_bias),
        h1=h1,
        h2=0,
    )


def constant(k: int) -> Model:
    """A Perceptron that always answers class k (no tie)."""
    bias = [SCALE if j == k else 0 for j in range(CLASSES)]
    return Model(
        kind=PERCEPTRON, dim=DIM, n_classes=CLASSES, params=tuple([0] * (DIM * CLASSES) + bias)
    )


def test_a_tied_mlp_answers_the_lowest_class_and_wins(project, chain, accounts, owner, alice, bob):
    """Bob's MLP ties classes 0 and 2 on every sample, so it answers 0 and is right on the 60%
    of class 0; Alice's constant model, submitted first, is right on the 20% of class 1. Sent
    to class 2, the ties would score Bob 20% as well and the earlier Alice would take the
    prize."""
    rng = random.Random(5)
    run = open_bounty(project, chain, owner, skewed_groups(rng))
    run.open()
    tied = tied_mlp(rng)
    first = run.submit(alice, constant(1))
    second = run.submit(bob, tied)
    run.to_uploads()
    run.upload(alice, first)
    run.upload(bob, second)
    run.to_reveal()
    run.reveal_tests()
    run.evaluate()
    run.contract.finalize(sender=alice)
    xs, ys = run.test_set()
    assert len(xs) == 10 and ys.count(0) == 6 and ys.count(1) == 2
    for x in xs:
        s = [int(v) for v in run.contract.scores_of(1, x)]
        assert s == scores(MLP, DIM, CLASSES, h1=4, h2=0, p=tied.params, x=x)
        assert s[0] == s[2] > s[1]  # a tie on every sample, by construction
        assert int(run.contract.predict_with(1, x)) == first_best(s) == 0
    assert int(run.contract.submissions(0).correct) == 2
    assert int(run.contract.submissions(1).correct) == 6
    assert run.contract.has_winner() and int(run.contract.winner()) == 1
    want = run.expected()
    assert want.winner == 1 and run.dues() == want.dues
    assert run.dues()[1] == PRIZE + run.terms.min_stake - run.fee(tied, True, len(xs))
    ok, figures = conservation(run.contract, chain)
    assert ok, figures
    withdraw_all(run.contract, accounts, owner)
    assert run.contract.balance == 0


def test_every_kind_breaks_ties_to_the_lowest_class(project, chain, owner, alice, bob, carol):
    """A Perceptron with rows 1 and 2 equal, a centroid model with centroids 0 and 1 equal,
    and an MLP with every output equal: each answer is the lowest of the tied classes, on
    every test sample and through ``predict_with``."""
    rng = random.Random(6)
    w = [rng.randint(-SCALE, SCALE) for _ in range(DIM)]
    perceptron = Model(
        kind=PERCEPTRON, dim=DIM, n_classes=CLASSES, params=tuple([0] * DIM + w + w + [SCALE, 0, 0])
    )
    c = [rng.randint(-SCALE, SCALE) for _ in range(DIM)]
    centroid = Model(
        kind=CENTROID, dim=DIM, n_classes=CLASSES, params=tuple(c + c + [3 * SCALE] * DIM)
    )
    flat = Model(
        kind=MLP,
        dim=DIM,
        n_classes=CLASSES,
        params=tuple([0] * (2 * DIM + 2) + [0] * (2 * CLASSES) + [7] * 3),
        h1=2,
    )
    models = [perceptron, centroid, flat]
    people = [alice, bob, carol]
    run = open_bounty(project, chain, owner, skewed_groups(rng))
    run.open()
    ents = [run.submit(p, m) for p, m in zip(people, models, strict=True)]
    run.to_uploads()
    for p, e in zip(people, ents, strict=True):
        run.upload(p, e)
    run.to_reveal()
    run.reveal_tests()
    run.evaluate()
    run.contract.finalize(sender=alice)
    xs, ys = run.test_set()
    ties = {0: 0, 1: 0, 2: 0}
    for i, m in enumerate(models):
        correct = 0
        for x, y in zip(xs, ys, strict=True):
            s = [int(v) for v in run.contract.scores_of(i, x)]
            assert s == m.scores(x)
            if s.count(max(s)) > 1:
                ties[i] += 1
            answer = first_best(s)
            assert int(run.contract.predict_with(i, x)) == answer
            correct += answer == y
        assert int(run.contract.submissions(i).correct) == correct
    # every model tied somewhere (the flat MLP everywhere: it answers 0 on all samples)
    assert ties[2] == len(xs) and min(ties.values()) > 0, ties
    assert int(run.contract.submissions(2).correct) == ys.count(0)
