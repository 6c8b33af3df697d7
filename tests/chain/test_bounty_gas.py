"""The bounty's gas bound: the largest models the contract takes (an MLP 32 -> 32 -> 32 -> 8,
a 32 x 8 Perceptron and Nearest Centroid) on a 96-sample test set of 32 features, scored in
steps of the smallest and the largest budget, never cost more than 10M gas a step, and a model
too large for one step is scored across several (resuming where the last stopped) with the
same result as the integer mirror. The keeper's scoring fees cover its gas at a gas price of
`scoring_fee`; unsealed submissions are never touched by scoring."""

import random

from bounty_helpers import open_bounty

from sharedmodels.bounty.driver import Terms
from sharedmodels.bounty.models import CENTROID, MLP, PERCEPTRON, Model, n_params
from sharedmodels.bounty.rules import max_fee

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
        n = n_params(kind, D, C, h1, h2)
        return Model(kind, D, C, tuple(rng.randint(-(10**9), 10**9) for _ in range(n)), h1, h2)

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
    # One step at the smallest budget (it still scores one sample), then the rest at the largest.
    keeper = accounts[5]
    first = int(run.contract.step(0, 1_000_000, sender=owner).gas_used)
    assert run.contract.submissions(0).t == 1
    gas, mlp = [], first
    for i in range(3):
        while not run.contract.submissions(i).scored:
            gas.append(int(run.contract.step(i, 10_000_000, sender=keeper).gas_used))
            mlp += gas[-1] if i == 0 else 0
    assert int(run.contract.n_scored()) == 3
    earned = int(run.contract.fees_due(keeper))
    print(
        f"steps {len(gas) + 1}, one-sample step {first:,} gas, heaviest {max(gas):,} gas, "
        f"all {first + sum(gas):,} gas (the MLP's steps {mlp:,}); keeper earned "
        f"{earned / rate:,.0f} work units"
    )
    assert max(first, *gas) < STEP_LIMIT
    assert [int(run.contract.submissions(i).correct) for i in range(3)] == want
    # The MLP alone needs 96 x ~0.55M gas: more than any one step may spend.
    assert len(gas) > 3
    # Stepping at the largest budget, the keeper is paid at least its gas at a gas price of
    # the scoring fee (the fee counts estimated gas, which is above the measured gas).
    assert earned >= sum(gas) * rate
