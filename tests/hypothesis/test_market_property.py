"""A property over random prediction markets: whatever the contributions, stakes, bounty, piece
count, step budget, initial model and provider behaviour, the contract ends with exactly the
balances of the Python mirror, conserves every wei after every step, and pays all of it out."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from market_helpers import N_FEATURES, TERMS, dataset, open_market, sample, truth

from sharedmodels.market_chain import phase


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_random_markets(project, chain, accounts, seed):
    rng = random.Random(seed)
    provider = accounts[0]
    people = [accounts[i] for i in (1, 2, 3, 4)][: rng.randint(1, 4)]
    honesty = {str(p.address): rng.random() for p in people}
    rows, labels = dataset(rng, rng.randint(4, 24))
    weights = None
    if rng.random() < 0.3:
        weights = {j: rng.randint(-3, 3) for j in rng.sample(range(N_FEATURES), 6)}
    run = open_market(
        project,
        provider,
        chain,
        rows,
        labels,
        pieces=rng.randint(2, min(4, len(rows))),
        bounty=rng.choice([1, 10**9, rng.randint(1, 2 * 10**18)]),
        weights=weights,
    )
    for _ in range(rng.randint(1, 12)):
        who = rng.choice(people)
        x = sample(rng, rng.randint(0, 5))
        y = truth(x) if rng.random() < honesty[str(who.address)] else 1 - truth(x)
        run.contribute(who, x, y, rng.randint(TERMS.min_stake, 4 * TERMS.min_stake))
    run.end()
    silent = rng.random() < 0.15
    if silent:
        chain.pending_timestamp = int(run.contract.reveal_deadline()) + 1
        run.contract.forfeit(sender=people[0])
    else:
        run.reveal()
    run.check()
    run.rewards(budget=rng.randint(16, 600), anyone=rng.choice(people), check_every_step=True)
    assert phase(run.contract) == "done"
    if silent:
        assert run.balances() == run.expected_forfeit()
        assert int(run.contract.provider_balance()) == 0
    else:
        want = run.expected(weights)
        assert run.balances() == want.balances
        assert int(run.contract.provider_balance()) == want.provider
    total_in = int(run.contract.bounty()) + int(run.contract.total_stake())
    assert run.withdraw_all([*people, provider]) == total_in
    assert run.contract.balance == 0
