"""The federated learning task: every phase and revert reason, deadlines at the exact second,
aggregation in steps equal to the mirror and to one pass, forfeits, void rounds, rewards by
agreement, payments, conservation after every step, and the record rebuilding every model."""

import random
from dataclasses import replace

import pytest
from conftest import compile_test_contract
from federated_helpers import (
    FEDAVG,
    POOL,
    SMALL,
    direction,
    honest_update,
    open_task,
    poisoned_update,
)

from sharedmodels.federated.driver import Pending, check_history, commit_update, reveal_update
from sharedmodels.federated.rules import commitment, predict


@pytest.fixture
def people(accounts):
    return [accounts[i] for i in range(1, 7)]


def test_honest_rounds_match_the_mirror_and_pay_out_everything(project, chain, owner, people):
    task = open_task(project, chain, owner)
    rng = random.Random(1)
    for p in people[:5]:
        task.join(p)
    for _ in range(SMALL.rounds):
        res = task.round(people[:5], [honest_update(SMALL, rng) for _ in range(5)], owner)
        assert len(res.accepted) == 5
    assert task.contract.done()
    # the live model predicts as the mirror's parameters do
    for _ in range(5):
        x = [rng.randint(-(2**40), 2**40) for _ in range(SMALL.n_features)]
        assert task.contract.predict(x) == predict(task.mirror.params, SMALL.n_features, x)
    for p in people[:5]:
        task.contract.withdraw(sender=p)
    assert task.contract.pool() == 0  # the last round pays all of the pool
    with pytest.raises(Exception, match="federated: nothing to withdraw"):
        task.contract.withdraw(sender=owner)
    assert task.contract.balance == 0
    assert int(task.contract.withdrawn()) == POOL + 5 * SMALL.stake
    assert check_history(task.contract) == []


# ---------------------------------------------------------------- opening


def _args(**change):
    terms = replace(SMALL, **{k: v for k, v in change.items() if k not in ("value", "initial")})
    return terms.args(), change.get("initial", []), change.get("value", POOL)


@pytest.mark.parametrize(
    "change,reason",
    [
        ({"value": 0}, "federated: no reward pool"),
        ({"stake": 2**96}, "federated: amount too large"),
        ({"n_features": 0}, "federated: shape out of range"),
        ({"n_features": 257}, "federated: shape out of range"),
        ({"n_classes": 1}, "federated: shape out of range"),
        ({"n_classes": 17}, "federated: shape out of range"),
        ({"n_features": 128, "n_classes": 8}, "federated: shape out of range"),
        ({"rounds": 0}, "federated: rounds out of range"),
        ({"rounds": 1001}, "federated: rounds out of range"),
        ({"commit_window": 3599}, "federated: window out of range"),
        ({"reveal_window": 3599}, "federated: window out of range"),
        ({"reveal_window": 2**32 + 1}, "federated: window out of range"),
        ({"max_participants": 17}, "federated: participant bounds out of range"),
        ({"min_participants": 0}, "federated: participant bounds out of range"),
        ({"min_participants": 7}, "federated: participant bounds out of range"),
        ({"stake": 0}, "federated: stake is zero"),
        ({"clip": 0}, "federated: clip bound out of range"),
        ({"clip": 2**40 + 1}, "federated: clip bound out of range"),
        ({"max_samples": 0}, "federated: max samples out of range"),
        ({"max_samples": 2**32 + 1}, "federated: max samples out of range"),
        ({"rule": 2}, "federated: unknown rule"),
        ({"rule": 0, "trim": 1}, "federated: trim out of range"),
        ({"trim": 0}, "federated: trim out of range"),
        ({"trim": 2, "min_participants": 4}, "federated: trim out of range"),
        ({"min_agreement": 1000}, "federated: agreement out of range"),
        ({"initial": [0] * 7}, "federated: initial parameters out of range"),
        ({"initial": [0] * 7 + [2**62 + 1]}, "federated: initial parameters out of range"),
    ],
)
def test_constructor_refuses(project, deployer, change, reason):
    terms, initial, value = _args(**change)
    with pytest.raises(Exception, match=reason):
        project.FederatedTask.deploy(terms, initial, [], sender=deployer, value=value)


def test_the_shortest_windows_are_an_hour(project, accounts):
    """3600 s each is accepted (3599 is refused above), and the rules say the same."""
    from sharedmodels.federated.rules import MIN_WINDOW

    terms, initial, value = _args(commit_window=3600, reveal_window=3600)
    task = project.FederatedTask.deploy(terms, initial, [], sender=accounts[8], value=value)
    assert int(task.MIN_WINDOW()) == MIN_WINDOW == 3600
    assert int(task.commit_window()) == int(task.reveal_window()) == 3600


def test_the_widest_clip_bound_is_accepted(project, accounts):
    """clip = 2**40 is the largest bound (2**40 + 1 is refused above), as the rules say."""
    from sharedmodels.federated.rules import CLIP_LIMIT

    terms, initial, value = _args(clip=CLIP_LIMIT)
    task = project.FederatedTask.deploy(terms, initial, [], sender=accounts[8], value=value)
    assert CLIP_LIMIT == 2**40 and int(task.clip()) == CLIP_LIMIT


@pytest.mark.parametrize(
    "allowed",
    [
        lambda a, me: [a[1], a[2]],  # fewer than min_participants (3)
        lambda a, me: [a[1], a[2], me],  # the coordinator
        lambda a, me: [a[1], a[2], "0x" + "00" * 20],  # the zero address
        lambda a, me: [a[1], a[2], a[1]],  # twice
    ],
    ids=["short", "coordinator", "zero", "twice"],
)
def test_constructor_refuses_a_bad_allowlist(project, accounts, deployer, allowed):
    with pytest.raises(Exception, match="federated: allowlist out of range"):
        project.FederatedTask.deploy(
            SMALL.args(), [], allowed(accounts, deployer), sender=deployer, value=POOL
        )


def test_initial_parameters_are_live_and_logged(project, chain, owner):
    initial = [3, -2, 1, 5, -4, 2, 0, -(2**62)]
    task = open_task(project, chain, owner, initial=initial)
    assert [int(v) for v in task.contract.parameters()] == initial
    x = [10**9, 2 * 10**9, -(10**9)]
    assert task.contract.predict(x) == predict(initial, 3, x)
    with pytest.raises(Exception, match="dense: wrong dimension"):
        task.contract.predict([1, 2])
    with pytest.raises(Exception, match="dense: value out of range"):
        task.contract.predict([2**40 + 1, 0, 0])
    log = list(task.contract.Opened.range(0, chain.blocks.height + 1))[-1]
    assert [int(v) for v in log.initial] == initial


# ---------------------------------------------------------------- joining


def test_join_rules(project, chain, owner, people):
    task = open_task(project, chain, owner, replace(SMALL, max_participants=3))
    with pytest.raises(Exception, match="federated: the coordinator cannot join"):
        task.contract.join(sender=owner, value=SMALL.stake)
    with pytest.raises(Exception, match="federated: wrong stake"):
        task.contract.join(sender=people[0], value=SMALL.stake - 1)
    with pytest.raises(Exception, match="federated: wrong stake"):
        task.contract.join(sender=people[0], value=SMALL.stake + 1)
    task.join(people[0])
    with pytest.raises(Exception, match="federated: already joined"):
        task.contract.join(sender=people[0], value=SMALL.stake)
    task.join(people[1])
    task.join(people[2])
    with pytest.raises(Exception, match="federated: task is full"):
        task.contract.join(sender=people[3], value=SMALL.stake)
    assert task.contract.n_participants() == 3


def test_an_allowlist_refuses_strangers(project, chain, owner, people):
    """A restricted task (the known data owners named at opening) refuses any other address,
    so a stranger cannot take its slots; an open task cannot tell a Sybil from anyone
    (docs/federated.md: Registration)."""
    members = people[:3]
    task = open_task(project, chain, owner, allowed=[p.address for p in members])
    assert task.contract.restricted()
    assert task.contract.allowed(people[0]) and not task.contract.allowed(people[3])
    for stranger in people[3:]:
        with pytest.raises(Exception, match="federated: not on the allowlist"):
            task.contract.join(sender=stranger, value=SMALL.stake)
    for p in members:
        task.join(p)
    rng = random.Random(21)
    res = task.round(members, [honest_update(SMALL, rng) for _ in range(3)], owner)
    assert len(res.accepted) == 3
    assert int(task.contract.n_participants()) == 3
    log = list(task.contract.Opened.range(0, chain.blocks.height + 1))[-1]
    assert [str(a) for a in log.allowed] == [str(p.address) for p in members]
    assert not open_task(project, chain, owner).contract.restricted()


def test_an_open_task_can_be_filled_by_one_actor(project, chain, owner, people):
    """The limit of an open task, pinned: first come, first served, one actor with several
    addresses takes every slot and an honest newcomer is refused."""
    task = open_task(project, chain, owner, replace(SMALL, max_participants=3))
    for sybil in people[:3]:
        task.join(sybil)
    with pytest.raises(Exception, match="federated: task is full"):
        task.contract.join(sender=people[3], value=SMALL.stake)


# ---------------------------------------------------------------- commit and reveal


def test_commit_window_to_the_exact_second(project, chain, owner, people):
    task = open_task(project, chain, owner)
    rng = random.Random(2)
    for p in people[:4]:
        task.join(p)
    c, d = task.deadlines()
    with pytest.raises(Exception, match="federated: not a participant"):
        commit_update(task.contract, people[5], 0, samples=1, update=honest_update(SMALL, rng))
    with pytest.raises(Exception, match="federated: not the current round"):
        commit_update(task.contract, people[0], 1, samples=1, update=honest_update(SMALL, rng))
    task.commit(people[0], honest_update(SMALL, rng))
    with pytest.raises(Exception, match="federated: already committed"):
        commit_update(task.contract, people[0], 0, samples=1, update=honest_update(SMALL, rng))
    chain.pending_timestamp = c - 1
    task.commit(people[1], honest_update(SMALL, rng))
    chain.pending_timestamp = c
    with pytest.raises(Exception, match="federated: commit window closed"):
        commit_update(task.contract, people[2], 0, samples=1, update=honest_update(SMALL, rng))


def test_reveal_window_and_checks(project, chain, owner, people):
    task = open_task(project, chain, owner)
    rng = random.Random(3)
    for p in people[:5]:
        task.join(p)
    ups = [honest_update(SMALL, rng) for _ in range(5)]
    for p, u in zip(people[:4], ups, strict=False):
        task.commit(p, u)
    pending = task.pending[str(people[0].address)]
    c, d = task.deadlines()
    chain.pending_timestamp = c - 1
    with pytest.raises(Exception, match="federated: not in the reveal window"):
        reveal_update(task.contract, people[0], pending)
    chain.pending_timestamp = c
    with pytest.raises(Exception, match="federated: no commitment this round"):
        task.contract.reveal(b"\1" * 32, 10, ups[4], sender=people[4])
    with pytest.raises(Exception, match="federated: wrong update length"):
        task.contract.reveal(pending.salt, 10, pending.update[:-1], sender=people[0])
    with pytest.raises(Exception, match="federated: sample count out of range"):
        task.contract.reveal(pending.salt, 0, pending.update, sender=people[0])
    with pytest.raises(Exception, match="federated: sample count out of range"):
        task.contract.reveal(pending.salt, SMALL.max_samples + 1, pending.update, sender=people[0])
    other = list(pending.update)
    other[0] += 1
    for salt, samples, update in (
        (b"\2" * 32, pending.samples, pending.update),  # another salt
        (pending.salt, pending.samples + 1, pending.update),  # another sample count
        (pending.salt, pending.samples, other),  # one value changed
    ):
        with pytest.raises(Exception, match="federated: reveal does not match the commitment"):
            task.contract.reveal(salt, samples, update, sender=people[0])
    # a copy of someone else's reveal does not match the copier's commitment
    with pytest.raises(Exception, match="federated: reveal does not match the commitment"):
        task.contract.reveal(pending.salt, pending.samples, pending.update, sender=people[1])
    task.reveal(people[0])
    with pytest.raises(Exception, match="federated: already revealed"):
        reveal_update(task.contract, people[0], pending)
    assert task.contract.revealer(0) == people[0].address
    with pytest.raises(Exception, match="federated: no such reveal"):
        task.contract.revealer(1)
    chain.pending_timestamp = d - 1
    task.reveal(people[1])
    chain.pending_timestamp = d
    with pytest.raises(Exception, match="federated: not in the reveal window"):
        reveal_update(task.contract, people[2], task.pending[str(people[2].address)])


def test_commitment_is_the_mirrors(project, chain, owner, people):
    """The hash binds the task's address, the chain id, salt, round, participant, sample count
    and update (abi_encode layout): a commitment made for another task, or for another chain,
    does not open here."""
    task = open_task(project, chain, owner)
    task.join(people[0])
    u = honest_update(SMALL, random.Random(4))
    p = task.commit(people[0], u, samples=17)
    assert bytes(task.contract.participants(people[0]).commitment) == commitment(
        task.contract.address,
        chain.chain_id,
        p.salt,
        round_=0,
        who=str(people[0].address),
        samples=17,
        update=u,
    )
    other = open_task(project, chain, owner)
    for who in people[1:3]:
        other.join(who)
    salt = b"\5" * 32
    for who, task_address, chain_id in (
        (people[1], task.contract.address, chain.chain_id),  # made for the first task
        (people[2], other.contract.address, chain.chain_id + 1),  # made for another chain
    ):
        h = commitment(
            task_address, chain_id, salt, round_=0, who=str(who.address), samples=17, update=u
        )
        other.contract.commit(0, h, sender=who)
    other.to_reveal()
    for who in people[1:3]:
        with pytest.raises(Exception, match="federated: reveal does not match the commitment"):
            other.contract.reveal(salt, 17, u, sender=who)


def test_update_over_the_clip_bound_is_refused(project, chain, owner, people):
    task = open_task(project, chain, owner)
    for p in people[:4]:
        task.join(p)
    at = [SMALL.clip, 0, 0, 0, 0, 0, 0, 0]
    over = [SMALL.clip, 1, 0, 0, 0, 0, 0, 0]
    task.commit(people[0], at)
    # the driver checks before committing; the contract checks at reveal
    from sharedmodels.federated.rules import FederatedError

    with pytest.raises(FederatedError, match="clip"):
        commit_update(task.contract, people[1], 0, samples=10, update=over, terms=SMALL)
    salt = b"\3" * 32
    h = commitment(
        task.contract.address,
        chain.chain_id,
        salt,
        round_=0,
        who=str(people[1].address),
        samples=10,
        update=over,
    )
    task.contract.commit(0, h, sender=people[1])
    task.mirror.commit(str(people[1].address))
    task.to_reveal()
    task.reveal(people[0])  # exactly at the bound: accepted
    with pytest.raises(Exception, match="federated: update over the clip bound"):
        task.contract.reveal(salt, 10, over, sender=people[1])
    # it could not reveal, so it forfeits its stake when the round closes
    task.close(owner)
    assert task.contract.participants(people[1]).forfeited


# ---------------------------------------------------------------- aggregation


def test_steps_before_the_reveal_deadline_and_budget(project, chain, owner, people):
    task = open_task(project, chain, owner)
    _, d = task.deadlines()
    chain.pending_timestamp = d - 1
    with pytest.raises(Exception, match="federated: reveals still open"):
        task.contract.step(1, sender=owner)
    chain.pending_timestamp = d
    with pytest.raises(Exception, match="federated: budget out of range"):
        task.contract.step(0, sender=owner)
    with pytest.raises(Exception, match="federated: budget out of range"):
        task.contract.step(25, sender=owner)
    task.close(people[0])  # nobody revealed: a void round
    assert int(task.contract.round()) == 1


@pytest.mark.parametrize("terms", [SMALL, FEDAVG], ids=["trimmed-mean", "fedavg"])
def test_aggregation_in_steps_equals_one_pass_and_the_mirror(project, chain, owner, people, terms):
    big = replace(terms, n_features=20, n_classes=3)  # 63 parameters, 16 words
    rng = random.Random(5)
    d = direction(big)
    runs = []
    for budget in (1, 3, 24):
        task = open_task(project, chain, owner, big)
        for p in people[:5]:
            task.join(p)
        ups = [honest_update(big, random.Random(i), d, noise=2.0) for i in range(5)]
        task.round(people[:5], ups, owner, budget=budget, samples=[1, 10, 100, 7, 3])
        runs.append(task)
        assert len(task.steps) == -(-big.n_words // budget)
    params = [[int(v) for v in t.contract.parameters()] for t in runs]
    assert params[0] == params[1] == params[2] == runs[0].mirror.params
    assert len({bytes(t.contract.model_hash()) for t in runs}) == 1
    assert rng  # the runs are deterministic


def test_new_model_is_live_only_when_the_round_closes(project, chain, owner, people):
    task = open_task(project, chain, owner, replace(SMALL, n_features=20, n_classes=3))
    rng = random.Random(6)
    for p in people[:4]:
        task.join(p)
    t = task.terms
    for p in people[:4]:
        task.commit(p, honest_update(t, rng))
    task.to_reveal()
    for p in people[:4]:
        task.reveal(p)
    task.to_aggregate()
    before = [int(v) for v in task.contract.parameters()]
    task.contract.step(2, sender=owner)
    assert [int(v) for v in task.contract.parameters()] == before
    assert int(task.contract.progress().cursor) == 2
    task.close(owner, budget=24)
    assert [int(v) for v in task.contract.parameters()] != before
    # the next round opened at the closing block
    assert int(task.contract.round_start()) == chain.blocks.head.timestamp


def test_too_few_participants_is_a_void_round(project, chain, owner, people):
    task = open_task(project, chain, owner)
    rng = random.Random(7)
    for p in people[:3]:
        task.join(p)
    res = task.round(people[:2], [honest_update(SMALL, rng) for _ in range(2)], owner)
    assert res.revealed == 2 and res.accepted == [] and res.paid_each == 0
    assert [int(v) for v in task.contract.parameters()] == [0] * SMALL.n_params
    assert int(task.contract.pool()) == POOL  # its share stays for the rounds left
    assert int(task.contract.round()) == 1
    res = task.round(people[:3], [honest_update(SMALL, rng) for _ in range(3)], owner)
    assert res.paid_each == POOL // 2 // 3


def test_a_participant_that_never_reveals_forfeits_its_stake(project, chain, owner, people):
    task = open_task(project, chain, owner)
    rng = random.Random(8)
    for p in people[:4]:
        task.join(p)
    silent = people[3]
    for p in people[:4]:
        task.commit(p, honest_update(SMALL, rng))
    task.to_reveal()
    for p in people[:3]:
        task.reveal(p)
    res = task.close(owner)
    assert res.forfeited == [str(silent.address)]
    assert task.contract.participants(silent).forfeited
    assert int(task.contract.participants(silent).stake) == 0
    # the stake joined the pool before the round's share was taken
    assert res.paid_each == (POOL + SMALL.stake) // 3 // 3
    with pytest.raises(Exception, match="federated: stake forfeited"):
        commit_update(task.contract, silent, 1, samples=1, update=honest_update(SMALL, rng))
    for _ in range(2):
        task.round(people[:3], [honest_update(SMALL, rng) for _ in range(3)], owner)
    with pytest.raises(Exception, match="federated: nothing to withdraw"):
        task.contract.withdraw(sender=silent)
    for p in people[:3]:
        task.contract.withdraw(sender=p)
    if int(task.contract.pool()):
        task.contract.withdraw(sender=owner)
    assert task.contract.balance == 0
    assert check_history(task.contract) == []


def test_poisoned_updates_earn_nothing_under_the_trimmed_mean(project, chain, owner, people):
    """Two poisoners against four honest participants (trim 2 of 6 at each end): the model
    follows the honest direction and only the honest are paid."""
    terms = replace(SMALL, min_participants=5, trim=2, n_features=20, n_classes=3)
    task = open_task(project, chain, owner, terms)
    d = direction(terms)
    for p in people[:6]:
        task.join(p)
    rng = random.Random(9)
    ups = [honest_update(terms, rng, d) for _ in range(4)] + [poisoned_update(terms, d)] * 2
    res = task.round(people[:6], ups, owner)
    assert sorted(res.accepted) == sorted(str(p.address) for p in people[:4])
    for p in people[4:6]:
        assert int(task.contract.participants(p).balance) == 0
    g = res.change
    assert sum(a * b for a, b in zip(g, d, strict=True)) > 0


def test_fedavg_is_dragged_by_a_poisoner_claiming_many_samples(project, chain, owner, people):
    """The same attack on FedAvg, the poisoner claiming the most samples: the aggregate points
    its way and the agreement rule then pays the poisoner, not the honest. This is FedAvg's
    weakness, shown (docs/federated.md)."""
    terms = replace(FEDAVG, n_features=20, n_classes=3)
    task = open_task(project, chain, owner, terms)
    d = direction(terms)
    for p in people[:4]:
        task.join(p)
    rng = random.Random(10)
    ups = [honest_update(terms, rng, d) for _ in range(3)] + [poisoned_update(terms, d)]
    res = task.round(people[:4], ups, owner, samples=[10, 10, 10, terms.max_samples])
    assert sum(a * b for a, b in zip(res.change, d, strict=True)) < 0
    assert res.accepted == [str(people[3].address)]


def test_limit_a_free_rider_replaying_the_last_aggregate_is_paid(project, chain, owner, people):
    """A limit, pinned (docs/federated.md: Free-riding): a participant that trains nothing and
    reveals the previous round's public aggregate, scaled to the clip bound, claiming one
    sample, agrees with this round's aggregate as long as training keeps its direction, and is
    paid the same share as the honest participants."""
    terms = replace(SMALL, rounds=2, min_participants=3, trim=1)
    task = open_task(project, chain, owner, terms)
    honest, rider = people[:3], people[3]
    for p in [*honest, rider]:
        task.join(p)
    rng = random.Random(24)
    d = direction(terms)
    first = task.round(honest, [honest_update(terms, rng, d) for _ in range(3)], owner)
    g = first.change
    n = sum(v * v for v in g) ** 0.5
    replay = [int(v * terms.clip * 0.999 / n) for v in g]
    ups = [honest_update(terms, rng, d) for _ in range(3)] + [replay]
    second = task.round([*honest, rider], ups, owner, samples=[10, 10, 10, 1])
    assert str(rider.address) in second.accepted and len(second.accepted) == 4
    assert task.mirror.earned[str(rider.address)] >= second.paid_each > 0


# ---------------------------------------------------------------- the end and payments


def test_after_the_last_round(project, chain, owner, people):
    task = open_task(project, chain, owner, replace(SMALL, rounds=1))
    for p in people[:3]:
        task.join(p)
    rng = random.Random(11)
    task.round(people[:3], [honest_update(SMALL, rng) for _ in range(3)], owner)
    assert task.contract.done()
    with pytest.raises(Exception, match="federated: task is done"):
        task.contract.join(sender=people[4], value=SMALL.stake)
    with pytest.raises(Exception, match="federated: task is done"):
        task.contract.commit(1, b"\0" * 32, sender=people[0])
    with pytest.raises(Exception, match="federated: task is done"):
        task.contract.reveal(b"\0" * 32, 1, [0] * 8, sender=people[0])
    with pytest.raises(Exception, match="federated: task is done"):
        task.contract.step(1, sender=owner)
    for p in people[:3]:
        before = int(p.balance)
        tx = task.contract.withdraw(sender=p)
        got = int(p.balance) - before + int(tx.total_fees_paid)
        owed = task.mirror.balances[str(p.address)]
        assert got == task.mirror.withdraw(str(p.address)) == SMALL.stake + owed
        task.check()
    assert int(task.contract.balance) == int(task.contract.pool())
    if int(task.contract.pool()):
        task.contract.withdraw(sender=owner)
    assert task.contract.balance == 0


def test_rewards_are_withdrawable_before_the_end(project, chain, owner, people):
    task = open_task(project, chain, owner)
    for p in people[:3]:
        task.join(p)
    rng = random.Random(12)
    task.round(people[:3], [honest_update(SMALL, rng) for _ in range(3)], owner)
    with pytest.raises(Exception, match="federated: nothing to withdraw"):
        task.contract.withdraw(sender=owner)  # the pool only once the task is done
    before = int(people[0].balance)
    tx = task.contract.withdraw(sender=people[0])
    assert int(people[0].balance) - before + int(tx.total_fees_paid) == POOL // 3 // 3
    assert int(task.contract.participants(people[0]).stake) == SMALL.stake
    task.mirror.withdraw(str(people[0].address))
    task.check()


def _withdraw_all(task, people, owner) -> dict[str, int]:
    """Everyone withdraws what it is owed (the coordinator last); wei received by each."""
    got = {}
    for who in [*people, owner]:
        name = "coordinator" if who is owner else str(who.address)
        want = task.mirror.coordinator_payout() if who is owner else task.mirror.payout(name)
        if not want:
            with pytest.raises(Exception, match="federated: nothing to withdraw"):
                task.contract.withdraw(sender=who)
            got[name] = 0
            continue
        before = int(who.balance)
        tx = task.contract.withdraw(sender=who)
        got[name] = int(who.balance) - before + int(tx.total_fees_paid)
        assert got[name] == want
    assert task.contract.balance == 0
    return got


def test_a_coordinator_sybil_voiding_the_last_round_gains_nothing(project, chain, owner, people):
    """The review's attack: the coordinator's second address takes part, then commits and
    stays silent in the last round, which leaves it under the quorum (void). The pool left and
    its forfeited stake go to the participants paid over the task that revealed in the last
    round, by what they earned; the coordinator gets nothing back and the Sybil loses its stake.
    A participant paid in round 0 only, absent from the last round, shares nothing of it."""
    terms = replace(SMALL, rounds=3, min_participants=4, trim=1)
    task = open_task(project, chain, owner, terms)
    honest, sybil, early = people[:3], people[3], people[4]
    for p in [*honest, sybil, early]:
        task.join(p)
    rng = random.Random(22)
    d = direction(terms)
    first = task.round(
        [*honest, sybil, early], [honest_update(terms, rng, d) for _ in range(5)], owner
    )
    assert len(first.accepted) == 5
    second = task.round([*honest, sybil], [honest_update(terms, rng, d) for _ in range(4)], owner)
    for p in [*honest, sybil]:
        task.commit(p, honest_update(terms, rng, d))
    task.to_reveal()
    for p in honest:
        task.reveal(p)
    task.pending.clear()
    last = task.close(owner)
    assert last.revealed == 3 and last.accepted == [] and last.forfeited == [str(sybil.address)]
    assert task.contract.done() and int(task.contract.pool()) == 0
    shared = {
        str(log.participant): int(log.amount)
        for log in task.contract.Shared.range(0, chain.blocks.height + 1)
    }
    assert shared == task.mirror.shared and set(shared) == {str(p.address) for p in honest}
    got = _withdraw_all(task, [*honest, sybil, early], owner)
    assert got["coordinator"] == 0
    # the Sybil keeps what it was paid before, loses its stake, gets none of the leftover
    assert got[str(sybil.address)] == first.paid_each + second.paid_each
    assert got[str(early.address)] == first.paid_each + terms.stake
    assert sum(got.values()) == POOL + 5 * terms.stake
    assert check_history(task.contract) == []


def test_the_coordinator_gets_the_pool_back_only_if_nobody_was_paid(project, chain, owner, people):
    """A one-round task under the quorum: nobody was paid, so the pool (with the silent
    committer's forfeit) goes back to the coordinator: the limit docs/federated.md names."""
    terms = replace(SMALL, rounds=1)
    task = open_task(project, chain, owner, terms)
    for p in people[:3]:
        task.join(p)
    rng = random.Random(23)
    for p in people[:3]:
        task.commit(p, honest_update(terms, rng))
    task.to_reveal()
    for p in people[:2]:
        task.reveal(p)
    task.pending.clear()
    task.close(owner)
    got = _withdraw_all(task, people[:3], owner)
    assert got["coordinator"] == POOL + terms.stake
    assert got[str(people[0].address)] == got[str(people[1].address)] == terms.stake
    assert got[str(people[2].address)] == 0


@pytest.fixture(scope="module")
def wallet_type():
    return compile_test_contract("MarketWallet")


def _via(wallet, owner, contract, name, *args, value=0):
    data = getattr(contract, name).encode_input(*args)
    return wallet.execute(contract.address, data, value, sender=owner, value=value)


def test_a_wallet_that_refuses_payment_gets_the_reason_and_reentry_hits_the_lock(
    project, chain, owner, people, wallet_type
):
    task = open_task(project, chain, owner, replace(SMALL, rounds=1))
    wallet = owner.deploy(wallet_type)
    _via(wallet, owner, task.contract, "join", value=SMALL.stake)
    task.mirror.join(str(wallet.address))
    rng = random.Random(13)
    u = honest_update(SMALL, rng)
    salt = b"\7" * 32
    _via(
        wallet,
        owner,
        task.contract,
        "commit",
        0,
        commitment(
            task.contract.address,
            chain.chain_id,
            salt,
            round_=0,
            who=wallet.address,
            samples=5,
            update=u,
        ),
    )
    task.mirror.commit(str(wallet.address))
    for p in people[:2]:
        task.join(p)
        task.commit(p, honest_update(SMALL, rng))
    task.to_reveal()
    _via(wallet, owner, task.contract, "reveal", salt, 5, u)
    task.mirror.reveal(str(wallet.address), 5, u)
    for p in people[:2]:
        task.reveal(p)
    task.close(owner)
    wallet.set_mode(1, task.contract.address, b"", sender=owner)
    with pytest.raises(Exception, match="pay: payment failed"):
        _via(wallet, owner, task.contract, "withdraw")
    reentry = task.contract.withdraw.encode_input()
    wallet.set_mode(2, task.contract.address, reentry, sender=owner)
    _via(wallet, owner, task.contract, "withdraw")
    assert wallet.reentered() and wallet.reentry_failed()
    assert int(wallet.received()) == task.mirror.withdraw(str(wallet.address))
    task.check()


def test_reentry_from_a_payment_into_commit_hits_the_lock(
    project, chain, owner, people, wallet_type
):
    """Mid-task, a wallet withdrawing its round-0 reward calls back into `commit` for round 1
    (open, and valid on its own: the same call succeeds right after). The lock every
    state-changing function holds refuses it; the payment still lands."""
    task = open_task(project, chain, owner, replace(SMALL, rounds=2))
    wallet = owner.deploy(wallet_type)
    _via(wallet, owner, task.contract, "join", value=SMALL.stake)
    task.mirror.join(str(wallet.address))
    rng = random.Random(15)
    u = honest_update(SMALL, rng)
    salt = b"\7" * 32
    h = commitment(
        task.contract.address,
        chain.chain_id,
        salt,
        round_=0,
        who=wallet.address,
        samples=5,
        update=u,
    )
    _via(wallet, owner, task.contract, "commit", 0, h)
    task.mirror.commit(str(wallet.address))
    for p in people[:2]:
        task.join(p)
        task.commit(p, honest_update(SMALL, rng))
    task.to_reveal()
    _via(wallet, owner, task.contract, "reveal", salt, 5, u)
    task.mirror.reveal(str(wallet.address), 5, u)
    for p in people[:2]:
        task.reveal(p)
    task.close(owner)
    assert int(task.contract.round()) == 1
    h1 = commitment(
        task.contract.address,
        chain.chain_id,
        salt,
        round_=1,
        who=wallet.address,
        samples=5,
        update=u,
    )
    reentry = task.contract.commit.encode_input(1, h1)
    wallet.set_mode(2, task.contract.address, reentry, sender=owner)
    _via(wallet, owner, task.contract, "withdraw")
    assert wallet.reentered() and wallet.reentry_failed()
    assert int(wallet.received()) == task.mirror.withdraw(str(wallet.address)) > 0
    wallet.set_mode(0, task.contract.address, b"", sender=owner)
    _via(wallet, owner, task.contract, "commit", 1, h1)  # the same call, not re-entered
    assert task.contract.participants(wallet.address).commit_round == 2


def test_history_rebuilds_every_round(project, chain, owner, people):
    """Rounds with a forfeit, a void round and a poisoner: every model_hash the chain logged is
    the mirror's, rebuilt from the events alone."""
    terms = replace(SMALL, rounds=4)
    task = open_task(project, chain, owner, terms, initial=[5, -5, 3, 1, 0, 2, -1, 4])
    rng = random.Random(14)
    for p in people[:5]:
        task.join(p)
    task.round(people[:5], [honest_update(terms, rng) for _ in range(5)], owner, budget=1)
    task.round(people[:2], [honest_update(terms, rng) for _ in range(2)], owner)  # void
    for p in people[:4]:
        task.commit(p, honest_update(terms, rng))
    task.to_reveal()
    for p in people[:3]:
        task.reveal(p)
    task.close(owner)
    ups = [honest_update(terms, rng) for _ in range(2)] + [poisoned_update(terms)]
    task.round(people[:3], ups, owner)
    assert check_history(task.contract) == []


def test_gas_report(project, chain, owner, accounts):
    """The demo's shape (64 features x 10 classes = 650 parameters) with 9 participants (the
    test accounts after the coordinator): gas of a commit, a reveal, each step at the default
    budget and a full round; every step under 10M gas (a third of a block). `-s` prints it."""
    from sharedmodels.federated.driver import DEFAULT_BUDGET

    terms = replace(
        SMALL,
        n_features=64,
        n_classes=10,
        clip=3 * 10**9,
        trim=2,
        min_participants=5,
        max_participants=10,
    )
    people = [accounts[i] for i in range(1, 10)]
    task = open_task(project, chain, owner, terms)
    for p in people:
        task.join(p)
    rng = random.Random(15)
    for rnd in range(2):
        commits, reveals = [], []
        for p in people:
            u = honest_update(terms, rng, noise=2.0)
            salt = bytes([rnd + 1]) * 32
            h = commitment(
                task.contract.address,
                chain.chain_id,
                salt,
                round_=rnd,
                who=str(p.address),
                samples=10,
                update=u,
            )
            commits.append(int(task.contract.commit(rnd, h, sender=p).gas_used))
            task.mirror.commit(str(p.address))
            task.pending[str(p.address)] = Pending(rnd, salt, 10, u)
        task.to_reveal()
        for p in people:
            pend = task.pending.pop(str(p.address))
            tx = reveal_update(task.contract, p, pend)
            task.mirror.reveal(str(p.address), pend.samples, pend.update)
            reveals.append(int(tx.gas_used))
        task.steps = []
        task.close(owner, DEFAULT_BUDGET, check_every_step=False)
        total = sum(commits) + sum(reveals) + sum(task.steps)
        print(
            f"\nround {rnd}: commit {max(commits):,}, reveal {max(reveals):,}, steps "
            f"{', '.join(f'{g:,}' for g in task.steps)}, full round {total:,}"
        )
        assert max(task.steps) < 10_000_000


def test_worst_case_step_gas(project, chain, owner, accounts):
    """The most a step can cost: 16 reveals of 1,024 parameters (the bounds), revealed in
    descending order so every coordinate's insertion sort moves every value, fresh storage
    (round 0 writes a bank never written), trimmed mean, one round so the closing step also
    settles 16 participants and shares the leftover. Every step at the largest budget stays
    under 10M gas (a third of a 30M block). `-s` prints them."""
    from sharedmodels.federated.demo import participants
    from sharedmodels.federated.driver import DEFAULT_BUDGET
    from sharedmodels.federated.rules import MAX_BUDGET, MAX_PARTICIPANTS

    assert DEFAULT_BUDGET == MAX_BUDGET
    terms = replace(
        SMALL,
        n_features=63,
        n_classes=16,
        rounds=1,
        min_participants=15,
        max_participants=MAX_PARTICIPANTS,
        trim=7,
        clip=10**9,
        min_agreement=0,
    )
    assert terms.n_params == 1024
    people = participants(accounts, MAX_PARTICIPANTS + 1)[1:]
    task = open_task(project, chain, owner, terms)
    for p in people:
        task.join(p)
    # reveal k holds (16 - k) * 1000 at every coordinate: values arrive largest first, so
    # each insertion moves every value before it
    ups = [[(16 - k) * 1000] * 1024 for k in range(16)]
    for p, u in zip(people, ups, strict=True):
        task.commit(p, u)
    task.to_reveal()
    for p in people:
        task.reveal(p)
    task.steps = []
    task.close(owner, MAX_BUDGET, check_every_step=False)
    print(f"\nworst case, budget {MAX_BUDGET}: steps {', '.join(f'{g:,}' for g in task.steps)}")
    assert len(task.steps) == -(-256 // MAX_BUDGET)
    assert max(task.steps) <= 10_000_000


@pytest.mark.parametrize("budget", [1, 24], ids=["a-word-a-step", "one-step"])
def test_agreement_sums_every_word_and_start_from_zero_each_round(
    project, chain, owner, people, budget
):
    """Each participant's agreement with the aggregate sums the dot product over every word,
    from zero in each round: the first word counts even when the pass is split one word per
    step, and nothing of the last round's sums carries over. Round 1: an update that lives in
    the first word alone (parameters 0-3, along the shared direction) agrees, so it is paid as
    the mirror says. Round 2: the first to reveal sends a tiny update against the direction;
    its sum is small and negative, and it must not be paid (a sum that kept round 1's large
    positive value would pay it)."""
    big = replace(SMALL, n_features=20, n_classes=3)  # 63 parameters, 16 words
    d = direction(big)
    task = open_task(project, chain, owner, big)
    for p in people[:5]:
        task.join(p)
    first_word = [int(v * big.clip * 0.9) if j < 4 else 0 for j, v in enumerate(d)]
    ups = [first_word] + [honest_update(big, random.Random(i), d) for i in range(4)]
    res = task.round(people[:5], ups, owner, budget=budget)
    assert str(people[0].address) in res.accepted  # the mirror: it agrees
    tiny = [-1 if v > 0 else 1 for v in d]
    ups = [tiny] + [honest_update(big, random.Random(10 + i), d) for i in range(4)]
    res = task.round(people[:5], ups, owner, budget=budget)
    assert str(people[0].address) not in res.accepted and len(res.accepted) == 4
