"""Properties over random federated tasks.

Whatever the participants do each round (skip, commit and reveal an honest or a poisoned
update, commit and stay silent), the rule, the step budget and the initial parameters: after
every step the books balance to the wei, every round's global parameters and balances are the
mirror's fed what the test sent, and at the end the wallets get back exactly the pool and the
stakes. No deviation pays: a participant that commits and does not reveal ends with less than
the same run in which it revealed its update (the mirror replays that run).
"""

import random
from dataclasses import replace

from federated_helpers import FEDAVG, SMALL, direction, honest_update, open_task, poisoned_update
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sharedmodels.federated.rules import TaskMirror

ACTIONS = ("skip", "honest", "honest", "honest", "poison", "silent")


def _plan(rng, n_people, rounds):
    """Each round's actions; a participant that stayed silent skips every later round (its
    stake is gone, and the contract refuses its commits: `test_federated.py` checks that)."""
    plan, out = [], set()
    for _ in range(rounds):
        acts = ["skip" if i in out else rng.choice(ACTIONS) for i in range(n_people)]
        out |= {i for i, a in enumerate(acts) if a == "silent"}
        plan.append(acts)
    return plan


def _mirror_run(terms, pool, initial, people, plan, updates):
    """The whole task on the mirror; each participant's final payout."""
    m = TaskMirror.open(terms, pool, initial)
    for p in people:
        m.join(p)
    for r, acts in enumerate(plan):
        for p, a in zip(people, acts, strict=True):
            if a != "skip":
                m.commit(p)
        for p, a in zip(people, acts, strict=True):
            if a in ("honest", "poison"):
                m.reveal(p, *updates[r][p])
        m.close_round()
    return {p: m.payout(p) for p in people}


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), fedavg=st.booleans(), budget=st.sampled_from([1, 2, 32]))
def test_random_tasks(project, chain, accounts, seed, fedavg, budget):
    rng = random.Random(seed)
    terms = replace(FEDAVG if fedavg else SMALL, rounds=rng.randint(1, 3))
    initial = (
        [rng.randint(-(10**9), 10**9) for _ in range(terms.n_params)] if rng.random() < 0.5 else []
    )
    pool = rng.choice([1, 10**9, rng.randint(1, 10**18)])
    owner = accounts[0]
    people = [accounts[i] for i in range(1, 1 + rng.randint(3, 6))]
    task = open_task(project, chain, owner, terms, pool, initial)
    for p in people:
        task.join(p)
    plan = _plan(rng, len(people), terms.rounds)
    d = direction(terms, seed=rng.randint(0, 99))
    updates = []
    for acts in plan:
        ups = {}
        for p, a in zip(people, acts, strict=True):
            u = poisoned_update(terms, d) if a == "poison" else honest_update(terms, rng, d)
            ups[str(p.address)] = (rng.randint(1, terms.max_samples), u)
            if a != "skip":
                task.commit(p, u, ups[str(p.address)][0])
        task.to_reveal()
        for p, a in zip(people, acts, strict=True):
            if a in ("honest", "poison"):
                task.reveal(p)
            else:
                task.pending.pop(str(p.address), None)
        task.close(owner, budget)
        updates.append(ups)
    assert task.contract.done()
    # every wei back out, to the wei
    paid = 0
    for p in people:
        want = task.mirror.payout(str(p.address))
        if want:
            before = int(p.balance)
            tx = task.contract.withdraw(sender=p)
            got = int(p.balance) - before + int(tx.total_fees_paid)
            assert got == want
            paid += got
    if int(task.contract.pool()):
        paid += int(task.contract.pool())
        task.contract.withdraw(sender=owner)
    assert paid == pool + len(people) * terms.stake
    assert task.contract.balance == 0
    # no deviation pays: each silent committer would have ended with more by revealing
    addrs = [str(p.address) for p in people]
    got = _mirror_run(terms, pool, initial, addrs, plan, updates)
    for r, acts in enumerate(plan):
        for i, a in enumerate(acts):
            if a != "silent":
                continue
            honest_plan = [list(x) for x in plan]
            honest_plan[r][i] = "honest"
            alt = _mirror_run(terms, pool, initial, addrs, honest_plan, updates)
            assert got[addrs[i]] < alt[addrs[i]]
