"""The bounty's gas bound: the largest models the contract takes (an MLP 32 -> 32 -> 32 -> 8,
a 32 x 8 Perceptron and Nearest Centroid) on a 96-sample test set of 32 features, scored in
steps of the smallest and the largest budget, never cost more than 10M gas a step, and a model
too large for one step is scored across several (resuming where the last stopped) with the
same result as the integer mirror."""

import random

from bounty_helpers import open_bounty

from sharedmodels.bounty.driver import Terms
from sharedmodels.bounty.models import CENTROID, MLP, PERCEPTRON, Model, n_params

D, C = 32, 8
STEP_LIMIT = 10_000_000


def test_largest_models_stay_under_the_step_bound(project, chain, owner, alice, bob, carol):
    rng = random.Random(3)
    gs = [
        [
            ([rng.randint(-2 * 10**9, 2 * 10**9) for _ in range(D)], rng.randrange(C))
            for _ in range(32)
        ]
        for _ in range(4)
    ]
    run = open_bounty(
        project, chain, owner, gs, test_groups=3, dim=D, classes=C, terms=Terms(10**15)
    )
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
    run.to_uploads()
    uploads = [run.upload(w, e) for w, e in zip(people, ents, strict=True)]
    assert max(max(g) for g in uploads) < STEP_LIMIT
    run.to_reveal()
    reveals = run.reveal_tests()
    assert max(reveals) < STEP_LIMIT
    xs, ys = run.test_set()
    want = [e.model.correct(xs, ys) for e in ents]
    # One step at the smallest budget (it still scores one sample), then the rest at the largest.
    first = int(run.contract.step(1_000_000, sender=owner).gas_used)
    assert run.contract.progress().t == 1
    gas = [first, *run.evaluate(8_000_000)]
    print(f"steps {len(gas)}, one-sample step {first:,} gas, heaviest {max(gas):,} gas")
    assert max(gas) < STEP_LIMIT
    assert [int(run.contract.submissions(i).correct) for i in range(3)] == want
    # The MLP alone needs 96 x ~0.55M gas: more than any one step may spend.
    assert len(gas) > 3
