"""Attacks an adversarial review of `PredictionMarket.vy` found after the first round of fixes,
each performed here and shown to fail, and edges it found safe.

- The final-pass pump: with a cap on passes, the last pass had to pay rounds its negative
  scorers could not cover; a throwaway "undo" address paired with a "redo" address turned the
  unspent bounty into profit. Passes are now bounded by the contributor cap instead (every
  restart drops someone), and the pump nets nothing.
- A silent provider's sybil buying the forfeited bounty back, with one large stake (when it was
  shared by stake) or with many minimum stakes (when it was shared by contribution): a
  forfeited bounty now goes to no one, so no split of anyone's money gets any of it.
- Terms without floors or ceilings (no participation time, durations that overflow): the
  constructor now bounds them; `end` always waits `min_duration`, however many contributed.
"""

from dataclasses import replace

import pytest
from market_helpers import TERMS, open_market

from sharedmodels.market.driver import phase
from sharedmodels.market.rules import Contribution, reward_pass
from sharedmodels.units import ETH

N_FEATURES = 64

# A test set of 8 samples, all labelled 1. Group P (feature 0) is wrong under the initial model,
# group Q (feature 1) is right, because the provider's initial model has weight +1 on
# feature 1. Features 10+ and 20+ only make the samples distinct; no contribution touches them.
PUMP_ROWS = [(0, 10 + t) for t in range(4)] + [(1, 20 + t) for t in range(4)]
PUMP_LABELS = [1] * 8
PUMP_WEIGHTS = {1: 1}
HONEST = ((0,), 1)  # turns group P right: +4, a real improvement
UNDO = ((1,), 0)  # turns group Q wrong: -4
REDO = ((1,), 1)  # turns group Q right again: +4 (the model is back where it was)


def _pump_market(project, chain, owner):
    return open_market(
        project, owner, chain, PUMP_ROWS, PUMP_LABELS, pieces=2, weights=PUMP_WEIGHTS
    )


def _finish(run, sender):
    while phase(run.contract) == "reward":
        run.contract.step(2048, sender=sender)
        run.check()


def _net(run, who) -> int:
    a = run.contract.accounts(who)
    return int(a.balance) - int(a.stake)


# ---------------------------------------------------------------- 1. the pump


@pytest.mark.parametrize("undos", [1, 4])
def test_pump_of_undo_and_redo_addresses_nets_nothing(project, chain, owner, accounts, undos):
    """ATTACK (any participant, no knowledge of the hidden test set needed). The attacker sends
    copies of a sample that undoes something the initial model gets right, each from its own
    dust address (stake = min_stake), then one sample from address B that redoes it. Together
    they leave the model exactly as it was: no improvement.

    In each pass the first undo still active is the only negative scorer; it binds `rounds` at
    min_stake // 4, pays that to B and drops. When a pass cap made the last pass pay every
    round left, the last undo paid at most its balance while B was paid 4 x rounds_left from
    the unspent bounty: 4 x 0.001 ETH bought 0.5 ETH. Now passes continue until no score is
    negative (at most contributors + 1 of them): in the last pass the redo changes nothing,
    and the attacker's addresses end, together, where they started.
    """
    run = _pump_market(project, chain, owner)
    m = run.contract
    dust = [accounts[4 + i] for i in range(undos)]
    b = accounts[8]
    honest = accounts[1]
    for d in dust:
        run.contribute(d, *UNDO)
    run.contribute(b, *REDO)
    run.contribute(honest, *HONEST)
    run.end()
    run.reveal()
    _finish(run, honest)
    want = run.expected(weights=PUMP_WEIGHTS)
    assert run.balances() == want.balances  # the mirror agrees
    assert len(want.passes) == undos + 1

    # Without the attacker the provider keeps half the bounty (group Q was never improved).
    alone = reward_pass(
        ETH,
        [s for i in run.reveal_order() for s in run.secrets.pieces[i]],
        [Contribution(str(honest.address), *HONEST, TERMS.min_stake)],
        n_features=N_FEATURES,
        initial_weights=PUMP_WEIGHTS,
        slot_fee=int(m.slot_fee()),
    )
    attacker = sum(_net(run, w) for w in dust + [b])
    assert attacker <= 0, f"attacker nets {attacker / ETH:.4f} ETH for {len(dust)} dust stakes"
    assert _net(run, honest) == alone.balances[str(honest.address)] - TERMS.min_stake
    assert int(m.provider_balance()) >= alone.provider


def test_pump_cannot_dilute_an_honest_reward(project, chain, owner, accounts):
    """ATTACK (variant): three undo/redo cycles push the positive score sum (4 honest + 12
    pumped) far above the real improvement. With a one-pass cap, the final pass split the pool
    by score, and the honest contributor got a quarter of what it earned. Now the undos drop
    and the honest contributor gets 4 x (bounty // 8), as without the attacker.
    """
    run = _pump_market(project, chain, owner)
    honest, b = accounts[1], accounts[8]
    run.contribute(honest, *HONEST)
    for i in range(3):
        run.contribute(accounts[4 + i], *UNDO)
        run.contribute(b, *REDO)
    run.end()
    run.reveal()
    _finish(run, honest)
    assert run.balances() == run.expected(weights=PUMP_WEIGHTS).balances
    assert _net(run, honest) == 4 * (ETH // 8), (
        f"honest gets {_net(run, honest) / ETH:.4f} ETH instead of {4 * (ETH // 8) / ETH} ETH; "
        f"the pump nets {_net(run, b) / ETH:.4f} ETH"
    )


def test_pump_stays_within_max_work_and_conserves(project, chain, owner, accounts):
    """Safe: the pump's passes (a drop-out every pass) keep every wei accounted after every
    step, and `progress().work` within `max_work`."""
    run = _pump_market(project, chain, owner)
    for i in range(4):
        run.contribute(accounts[4 + i], *UNDO)
    run.contribute(accounts[8], *REDO)
    run.contribute(accounts[1], (), 0)  # an empty sample: it moves only the intercept
    run.contribute(accounts[1], *HONEST)
    run.end()
    run.reveal()
    run.rewards(budget=16, check_every_step=True)
    assert 0 < int(run.contract.progress().work) <= int(run.contract.max_work())
    assert len(list(run.contract.PassSettled)) == len(run.expected(PUMP_WEIGHTS).passes) == 5
    # Each undo drops with a negative score and pays its charge, one slot fee, into the work
    # fund, where it stays; the last pass (no negative score) charges nobody.
    charged = run.kept() - run.fees()
    assert charged == 4 * int(run.contract.slot_fee()) < 4 * TERMS.min_stake
    total = ETH + int(run.contract.total_stake())
    assert run.withdraw_all([owner] + list(accounts[1:9])) == total - charged
    assert run.contract.balance == run.kept()


# ---------------------------------------------------------------- 2. forfeit bought back


@pytest.mark.parametrize("how", ["one large stake", "many minimum stakes"])
def test_a_silent_providers_sybil_cannot_buy_the_forfeit_back(
    project, chain, owner, alice, bob, accounts, how
):
    """ATTACK (provider). Two honest contributors stake min_stake each. Before `end`, a sybil
    of the provider contributes either once with 100 ETH (shared by stake, that took 99.998%
    of the bounty) or 18 times with min_stake (shared by contribution, 90%); the provider then
    never reveals. Now the sybil gets back exactly its stakes and not a wei more, the honest
    contributors theirs, the provider nothing: the bounty stays locked."""
    run = open_market(project, owner, chain, [(j % 16,) for j in range(40)], [1] * 40)
    sybil = accounts[5]
    run.contribute(alice, (1,), 1)
    run.contribute(bob, (2,), 1)
    stakes = [100 * ETH] if how == "one large stake" else [TERMS.min_stake] * 18
    for j, stake in enumerate(stakes):
        run.contribute(sybil, (3 + j % 10,), 1, stake=stake)
    run.end(sender=owner)
    chain.pending_timestamp = int(run.contract.reveal_deadline()) + 1
    run.contract.forfeit(sender=alice)
    assert phase(run.contract) == "done"
    assert run.balances() == {
        str(alice.address): TERMS.min_stake,
        str(bob.address): TERMS.min_stake,
        str(sybil.address): sum(stakes),
    }
    assert run.withdraw_all([alice, bob, sybil, owner]) == 2 * TERMS.min_stake + sum(stakes)
    assert run.received[str(sybil.address)] == sum(stakes)
    assert str(owner.address) not in run.received
    assert run.contract.balance == ETH + run.fees() == ETH + run.kept()


# ---------------------------------------------------------------- 3. terms without bounds


@pytest.mark.parametrize(
    "field,value,reason",
    [
        ("min_duration", 0, "market: min duration out of range"),
        ("min_duration", 3599, "market: min duration out of range"),
        ("min_duration", 2**256 - 1, "market: min duration out of range"),
        ("reveal_window", 2**256 - 1, "market: reveal window out of range"),
    ],
)
def test_terms_without_floors_or_ceilings_are_refused(project, chain, owner, field, value, reason):
    """ATTACKS (provider, through its terms), refused at opening:
    - `min_duration = 0`: the provider reveals the drawn piece, ends the empty market at once
      and withdraws its bounty, discarding a draw it dislikes for gas only.
    - `min_duration` or `reveal_window` of 2**256 - 1: `end()` overflows forever once anyone
      contributed, locking every stake.
    """
    rows = [(j % 8,) for j in range(40)]
    with pytest.raises(Exception, match=reason):
        open_market(project, owner, chain, rows, [1] * 40, terms=replace(TERMS, **{field: value}))


def test_an_empty_market_cannot_end_before_the_minimum_duration(project, chain, owner):
    """With the floor, discarding a drawn piece costs the provider an hour of an open market
    that anyone may join, and the piece it showed."""
    rows = [(j % 8,) for j in range(40)]
    run = open_market(project, owner, chain, rows, [1] * 40)
    m = run.contract
    with pytest.raises(Exception, match="market: participation still open"):
        m.end(sender=owner)
    assert m.MIN_DURATION() == 3600


def test_a_sybil_cannot_end_the_market_in_its_opening_block(project, chain, owner, accounts):
    """ATTACK (provider, issue 27 no. 3). The provider's second address contributes in the
    block that opens participation and calls `end` at once (with `min_contributions` 1 this
    skipped `min_duration`, so nobody else could join, and the forfeit then returned the bounty
    to that address). `end` now waits `min_duration` after opening whatever has come in: one
    second before, it reverts with its reason; at exactly `open_time + min_duration` it ends,
    and an honest contributor joined in between."""
    rows = [(j % 8,) for j in range(40)]
    run = open_market(project, owner, chain, rows, [1] * 40)
    m = run.contract
    sybil, honest = accounts[5], accounts[1]
    run.contribute(sybil, (1,), 1)
    for who in (sybil, owner, honest):
        with pytest.raises(Exception, match="market: participation still open"):
            m.end(sender=who)
    run.contribute(honest, (2,), 1)
    opened = int(m.open_time())
    chain.pending_timestamp = opened + TERMS.min_duration - 1
    with pytest.raises(Exception, match="market: participation still open"):
        m.end(sender=sybil)
    chain.pending_timestamp = opened + TERMS.min_duration
    receipt = m.end(sender=sybil)
    assert receipt.timestamp == opened + TERMS.min_duration and phase(m) == "reveal"


# ---------------------------------------------------------------- 4. safe edges


def test_a_pass_may_finish_after_its_deadline_until_someone_expires_it(
    project, chain, owner, alice, bob, carol
):
    """Safe: `step` has no deadline of its own. Past `reward_deadline`, whichever of `step`
    (finishing) and `expire` comes first decides; once done, `expire` is refused, and the
    outcome is the mirror's."""
    rows = [(j % 16,) for j in range(40)]
    labels = [1 if (j % 16) < 8 else 0 for j in range(40)]
    run = open_market(project, owner, chain, rows, labels)
    run.contribute(alice, (1,), 1)
    run.contribute(bob, (2,), 0)
    run.end()
    run.reveal()
    chain.pending_timestamp = int(run.contract.reward_deadline()) + 100
    _finish(run, carol)
    assert phase(run.contract) == "done"
    with pytest.raises(Exception, match="market: not in reward phase"):
        run.contract.expire(sender=carol)
    assert run.balances() == run.expected().balances


def test_empty_and_widest_contributions_stay_within_max_work(project, chain, owner, accounts):
    """Safe: a mix of empty samples (intercept only), samples at the feature cap, dust
    negative scorers and alternating labels, over every allowed pass, never counts more work
    than `max_work`, whatever the budget; the outcome equals the mirror's."""
    import random

    rng = random.Random(7)
    terms = replace(TERMS, max_contributions=14, max_features=12, max_contributors=7)
    rows = [tuple(sorted(rng.sample(range(N_FEATURES), 12))) for _ in range(16)]
    labels = [j % 2 for j in range(16)]
    run = open_market(project, owner, chain, rows, labels, pieces=2, terms=terms)
    senders = [accounts[i] for i in range(1, 8)]
    for k in range(14):
        x = () if k % 3 == 0 else tuple(sorted(rng.sample(range(N_FEATURES), 12)))
        run.contribute(senders[k % 7], x, k % 2)
    run.end()
    run.reveal()
    run.rewards(budget=37, check_every_step=True)
    assert 0 < int(run.contract.progress().work) <= int(run.contract.max_work())
    assert run.balances() == run.expected().balances
