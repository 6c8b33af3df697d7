"""The model bounty contract: phases, deadlines at the second, reveals, scoring against the
integer mirror, and the payouts (conservation to the wei) on every path."""

import random

import pytest
from bounty_helpers import KINDS, TERMS, good_perceptron, groups, open_bounty, random_model

from sharedmodels.bounty.driver import conservation, phase, withdraw_all


def test_happy_path_every_kind(project, chain, accounts, owner, alice, bob, carol):
    rng = random.Random(1)
    run = open_bounty(project, chain, owner, groups(rng, 4, 6))
    run.open()
    assert phase(run.contract) == "open"
    people = [alice, bob, carol]
    ents = []
    for who, (kind, h1, h2) in zip(people, KINDS.values(), strict=True):
        ents.append(run.submit(who, random_model(rng, kind, h1, h2)))
    run.to_uploads()
    for who, e in zip(people, ents, strict=True):
        print("upload", run.upload(who, e))
    run.to_reveal()
    print("reveal", run.reveal_tests())
    print("steps", run.evaluate())
    run.contract.finalize(sender=alice)
    want = run.expected()
    assert run.dues() == want.dues
    xs, ys = run.test_set()
    for i, (_, e, _) in enumerate(run.entrants):
        assert int(run.contract.submissions(i).correct) == e.model.correct(xs, ys)
        for x in xs:
            assert list(run.contract.scores_of(i, x)) == e.model.scores(x)
    withdraw_all(run.contract, accounts, owner)
    assert run.contract.balance == 0
