"""The bounty's gas bound: the largest models the contract takes (an MLP 32 -> 32 -> 32 -> 8,
a 32 x 8 Perceptron and Nearest Centroid) on a 96-sample test set of 32 features, scored in
steps of a whole batch each (the last: what is left), never cost more than 10M gas a step,
and a model too large for one step is scored across several (resuming where the last
stopped) with the same result as the integer mirror. Every step, the one that finishes a
model included, pays its caller at least its gas at a gas price of `scoring_fee`; unsealed
submissions are never touched by scoring."""

import random

from bounty_helpers import open_bounty, wide_model

from sharedmodels.bounty.driver import Terms
from sharedmodels.bounty.models import CENTROID, MLP, PERCEPTRON
from sharedmodels.bounty.rules import batch, max_fee, step_fee

D, C = 32, 8
STEP_LIMIT = 10_000_000


def test_largest_models_stay_under_the_step_bound(
    project, chain, accounts, owner, alice, bob, carol
):
    rng = random.Random(3)
    gs = [
        [
            ([rng.randint(-2 * 10**9, 2 * 10**9) for _ in range(D)], rng.randrange(C))
            for _ in range(32)
        ]
        for _ in range(4)
    ]
    rate = 10**15 // max_fee(1, D, C, 3)
    terms = Terms(10**15, scoring_fee=rate)
    run = open_bounty(project, chain, owner, gs, test_groups=3, dim=D, classes=C, terms=terms)
    run.open()

    def model(kind, h1=0, h2=0):
        return wide_model(rng, kind, dim=D, n_classes=C, h1=h1, h2=h2)

    people = [alice, bob, carol]
    ents = [
        run.submit(w, m)
        for w, m in zip(
            people, [model(MLP, 32, 32), model(PERCEPTRON), model(CENTROID)], strict=True
        )
    ]
    for _ in range(40):  # never uploaded: scoring never reads them
        run.submit(carol, model(PERCEPTRON))
    run.to_uploads()
    uploads = [run.upload(w, e) for w, e in zip(people, ents, strict=True)]
    assert max(max(g) for g in uploads) < STEP_LIMIT
    run.to_reveal()
    reveals = run.reveal_tests()
    assert max(reveals) < STEP_LIMIT
    xs, ys = run.test_set()
    want = [e.model.correct(xs, ys) for e in ents]
    # Each step scores a whole batch (as many samples as fit in MAX_BUDGET), the last what is
    # left; no caller can cut a model short, so the step that finishes it is paid for its own
    # load as well.
    keeper = accounts[5]
    c = run.contract
    gas, pay, steps = [], [], []
    for i, e in enumerate(ents):
        m = e.model
        n = batch(m.kind, D, C, m.h1, m.h2)
        while not c.submissions(i).scored:
            t0, due0 = int(c.submissions(i).t), int(c.fees_due(keeper))
            gas.append(int(c.step(i, sender=keeper).gas_used))
            pay.append(int(c.fees_due(keeper)) - due0)
            count = int(c.submissions(i).t) - t0
            assert count == min(n, len(xs) - t0)
            assert pay[-1] == step_fee(rate, m.kind, D, c=C, h1=m.h1, h2=m.h2, count=count)
            steps.append((i, count))
        assert int(c.submissions(i).fee) == run.fee(m, True, len(xs))
    assert int(c.n_scored()) == 3
    mlp = [g for g, (i, _) in zip(gas, steps, strict=True) if i == 0]
    # The largest MLP scores 10 samples a step: 9 full steps, then the last 6.
    assert [k for i, k in steps if i == 0] == [10] * 9 + [6]
    earned = int(c.fees_due(keeper))
    print(
        f"steps {len(gas)}, heaviest {max(gas):,} gas, all {sum(gas):,} gas (the MLP's "
        f"{sum(mlp):,}, its last 6-sample step {mlp[-1]:,}); keeper earned "
        f"{earned / rate:,.0f} work units; least pay/gas of a step "
        f"{min(p / (g * rate) for p, g in zip(pay, gas, strict=True)):.3f}"
    )
    assert max(gas) < STEP_LIMIT
    assert [int(c.submissions(i).correct) for i in range(3)] == want
    # Every step, the last one of each model included, is paid at least its gas at a gas price
    # of the scoring fee (the fee counts estimated gas, which is above the measured gas).
    for p, g in zip(pay, gas, strict=True):
        assert p >= g * rate
    assert earned == sum(pay) >= sum(gas) * rate
