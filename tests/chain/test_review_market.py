"""An adversarial review of the prediction market after issue 27's fixes (commit-then-reveal,
end after min_duration, forfeit to no one, no expiry of balances, bound piece commitments).

Each test performs an attack against the current contract, through the public mempool
(``tests/mempool.py``) where the attacker reads pending calls, and measures in wei what the
attacker's side gets back against what it sent (gas excluded). The assertions state what a
fixed contract must make the test observe; a test marked ``xfail(strict=True)`` is an attack
that works today (its reason gives the measured gain), so a fix turns it into a pass and the
strict marker then fails until the marker is removed.
"""

import dataclasses

import pytest
from market_helpers import TERMS, open_market, settle

from sharedmodels.market.driver import commit_sample, commitment_of, phase
from sharedmodels.market.rules import new_salt

# A test set of 8 samples labelled 1 on feature 0 (a distinct second feature each): the empty
# initial model gets all 8 wrong (a zero score is class 0), and one contribution ((0,), 1)
# makes all 8 right: whoever trains it first scores 8 and earns 8 * (bounty // 8) = bounty.
ROWS = [(0, 10 + t) for t in range(8)]
LABELS = [1] * 8
STAKE = TERMS.min_stake


def test_an_early_commitment_to_both_labels_costs_the_wrong_label_stake(
    chain, project, owner, alice, mallory, mempool
):
    """Measured limit (was HIGH and free). Mallory commits ((0,), 0) and ((0,), 1) before alice
    and, once the market has ended, reveals the label alice's pending reveal shows (sealed
    participation leaves this open: both commitments came before the end). The unused label
    is now never revealed, so its stake is locked: the option costs one stake per wrong
    label. Mallory's commitment is the earliest of that sample, so credit by commit order
    still gives her the reward: she gains bounty - STAKE, alice 0. What mallory must know in
    advance is the sample x itself (the label she may leave open, at a stake each); a
    contributor who commits x first is, by the market's rule, the one who brought it
    (docs/security.md)."""
    market = open_market(project, owner, chain, ROWS, LABELS, pieces=2)
    m = market.contract
    x = (0,)
    # Mallory, who knows nothing of the label, commits to both labels before anyone else.
    option = {}
    for y in (0, 1):
        k, salt, _ = commit_sample(m, mallory, x, y=y, stake=STAKE, checked=False)
        option[y] = (k, salt)
    # Alice, honest, commits the right sample after her and reveals it after the end.
    k_alice, salt_alice, _ = commit_sample(m, alice, x, y=1, stake=STAKE, checked=False)
    assert (option[0][0], option[1][0], k_alice) == (0, 1, 2)
    market.end(grace=True)
    with pytest.raises(Exception, match="market: participation is not open"):
        m.commit(new_salt(), sender=mallory, value=STAKE + int(m.slot_fee()))
    with mempool.paused():
        mine = mempool.send(m.reveal_sample, salt_alice, list(x), 1, sender=alice)
        (seen,) = mempool.calls(m, "reveal_sample")
        label = seen.args[2]  # what mallory learns from the pool
        _, salt = option[label]
        theirs = mempool.send(
            m.reveal_sample, salt, list(x), label, sender=mallory, tip=2 * seen.tip
        )
        block = mempool.mine()
    assert block[mine].ok and block[theirs].ok
    received = settle(market, [alice, mallory, owner])
    mallory_gain = received.get(str(mallory.address), 0) - 2 * STAKE
    alice_gain = received.get(str(alice.address), 0) - STAKE
    assert (alice_gain, mallory_gain) == (0, market.bounty - STAKE), (alice_gain, mallory_gain)
    # The wrong label's stake, locked for good, and the three slot fees (the work fund).
    assert m.balance == STAKE + market.kept() == STAKE + 3 * int(m.slot_fee())


def test_filling_every_slot_with_unrevealed_commitments_costs_their_stakes(
    chain, project, accounts, owner, alice
):
    """Fixed (was MEDIUM: the provider's second address held every slot with commitments it
    never revealed and got every stake back: a free cancel after the draw). A commitment never
    revealed now leaves its stake locked in the contract for good: the filler still blocks
    alice, but the provider's side loses one stake per slot (8 x 0.001 ETH here), nobody gains
    it, and the provider gets back exactly its bounty."""
    terms = dataclasses.replace(TERMS, max_contributions=8, max_contributors=4)
    market = open_market(project, owner, chain, ROWS, LABELS, pieces=2, terms=terms)
    m = market.contract
    sybil = accounts[5]
    fee = int(m.slot_fee())
    for _ in range(terms.max_contributions):
        m.commit(new_salt(), sender=sybil, value=STAKE + fee)
    blocked = True
    try:
        commit_sample(m, alice, (0,), y=1, stake=STAKE, checked=False)
        blocked = False
    except Exception as error:  # the revert reason is checked below
        assert "market: contribution limit reached" in str(error)
    received = settle(market, [alice, sybil, owner])
    side = received.get(str(sybil.address), 0) + received.get(str(owner.address), 0)
    sent = market.bounty + terms.max_contributions * (STAKE + fee)
    assert blocked
    assert str(sybil.address) not in received  # owed nothing: every stake is locked
    assert int(m.owed(sybil)) == 0
    with pytest.raises(Exception, match="market: nothing to withdraw"):
        m.withdraw(sender=sybil)
    lost = terms.max_contributions * (STAKE + fee)
    assert sent - side == lost, f"side sent {sent}, got back {side}"
    assert m.balance == lost  # locked, nobody's


def test_end_landed_before_a_pending_reveal_does_not_shut_it_out(
    chain, project, owner, alice, mempool
):
    """Fixed (was MEDIUM: the provider landed end() before alice's pending reveal, her reveal
    reverted and the provider kept the 1 ETH she had earned). Every reveal now comes after
    end, within SAMPLE_WINDOW (a day), and the provider may not reveal a piece until that
    window is over: alice's reveal landing in the block of end(), behind it, succeeds, she
    earns the bounty and the provider gets 0. One second after the window a reveal is
    refused ('market: sample window over')."""
    market = open_market(project, owner, chain, ROWS, LABELS, pieces=2)
    m = market.contract
    deadline = int(m.open_time()) + TERMS.min_duration
    chain.pending_timestamp = deadline - 12
    _, salt, _ = commit_sample(m, alice, (0,), y=1, stake=STAKE, checked=False)
    with mempool.paused():
        mine = mempool.send(m.reveal_sample, salt, [0], 1, sender=alice)
        (seen,) = mempool.calls(m, "reveal_sample")
        ended = mempool.send(m.end, sender=owner, tip=2 * seen.tip)
        block = mempool.mine(timestamp=deadline)
    assert block.order(mine, ended) == [ended, mine]
    assert block[ended].ok and block[mine].ok
    outcome = block[mine].reason
    received = settle(market, [alice, owner])
    alice_gain = received.get(str(alice.address), 0) - STAKE
    provider_back = received.get(str(owner.address), 0)
    # A commitment made while participation was open is revealed in the window after end, so
    # alice earns the bounty and the provider gets back 0.
    assert (alice_gain, provider_back) == (market.bounty, 0), (
        f"alice's reveal: {outcome!r}; alice gained {alice_gain} wei, "
        f"provider got back {provider_back} wei"
    )


def test_a_pass_too_costly_to_finish_expires_with_the_bounty_locked(
    chain, project, accounts, owner, alice
):
    """Fixed (was MEDIUM: expire() handed the provider its whole bounty, so inflating the
    keeper's bill paid: 1.008 ETH back to its side on expiry against 0.008 ETH finished). The
    bounty now stays locked on expiry; every contributor gets its revealed stakes. Measured
    here: the provider's side gets its 8 stakes (0.008 ETH) on expiry and 0.00775 ETH when the
    pass finishes (its two negative sybils pay their charges, one slot fee each; what their
    rounds take goes to the side's own wide samples), the owner 0 on expiry; alice loses her
    1 ETH reward but not her stake."""
    market = open_market(project, owner, chain, ROWS, LABELS, pieces=2)
    m = market.contract
    wide = [accounts[5], accounts[6]]
    negatives = [accounts[7], accounts[8]]
    side = [*wide, *negatives]
    market.contribute(alice, (0,), 1)
    attacks = []
    for i, who in enumerate(wide * 3):
        attacks.append(market.contribute(who, tuple(range(18, 64)), 1 - i % 2))
    for who in negatives:
        attacks.append(market.contribute(who, (0,), 0))
    market.end()  # the reveals follow it
    attacker_gas = sum(a.gas for a in attacks)
    market.reveal()
    everyone = [alice, owner, *side]
    # What finishing would give, measured in a snapshot: the keeper's gas and every payout.
    snap = chain.snapshot()
    finish_gas = 0
    while phase(m) == "reward":
        finish_gas += int(m.step(2048, sender=alice).gas_used)
    passes = int(m.progress().epoch)
    finished = _settle_withdraw(market, everyone)
    chain.restore(snap)
    market.received = {}
    # Nobody pays for the steps; at the deadline anyone expires the pass.
    chain.pending_timestamp = int(m.reward_deadline()) + 1
    m.expire(sender=alice)
    expired = _settle_withdraw(market, everyone)
    print(
        f"attacker gas {attacker_gas:,}; keeper gas to finish {finish_gas:,} over {passes} "
        f"passes ({finish_gas / attacker_gas:.1f}x); finished: {finished}; expired: {expired}"
    )

    def provider_side(got):
        return sum(got.get(str(a.address), 0) for a in (owner, *side))

    # Letting the pass expire never returns the provider's side any of the bounty: its
    # revealed stakes only. Finishing returns it less: its two negative sybils drop and pay
    # their charges (one slot fee each) into the work fund, which reimburses the keeper.
    # (Expiry spares them those charges, but only if nobody steps for the whole reward
    # window, while the fund pays every step's gas at the base fee: a residual, docs.)
    assert provider_side(finished) == 8 * STAKE - 2 * int(m.slot_fee())
    assert provider_side(expired) == 8 * STAKE
    assert str(owner.address) not in expired
    assert expired[str(alice.address)] == STAKE
    assert m.balance == market.bounty + market.kept()  # locked, nobody's


def _settle_withdraw(market, everyone):
    market.received = {}
    market.withdraw_all(everyone)
    return dict(market.received)


def test_a_zero_score_poison_committed_first_cancels_the_honest_reward(
    chain, project, accounts, owner, alice
):
    """Measured limit (HIGH, not fixed). The provider's second address commits the wrong-label
    ((0,), 0) first; alice's ((0,), 1) only undoes it and scores 0, and the provider gets its
    bounty back. Revealed, the poison costs its sender gas only (its stake comes back); left
    unrevealed (no honest contribution came) it now costs its stake. The provider must know
    in advance which samples would help (it knows its test set) and commit a poison for each
    before the honest contributors do. Measured: the provider's side gets back 1.001 ETH of
    the 1.001 ETH it sent; alice gains 0 (1 ETH without the poison)."""
    market = open_market(project, owner, chain, ROWS, LABELS, pieces=2)
    m = market.contract
    sybil = accounts[5]
    market.contribute(sybil, (0,), 0)
    market.contribute(alice, (0,), 1)
    assert [m.contribution(k)[0] for k in range(2)] == [sybil.address, alice.address]
    received = settle(market, [alice, sybil, owner])
    side = received.get(str(sybil.address), 0) + received.get(str(owner.address), 0)
    alice_gain = received.get(str(alice.address), 0) - STAKE
    assert (alice_gain, side) == (0, market.bounty + STAKE), (alice_gain, side)


def test_a_copy_committed_after_the_honest_reveal_earns_nothing_behind_an_undo(
    chain, project, owner, alice, mallory, mempool
):
    """Fixed twice (was HIGH: mallory's undo ((0,), 0), then alice's ((0,), 1), then mallory's
    copy of alice's sample committed after reading her reveal: the copy made all 8 right and
    took the whole 1 ETH bounty). First by the copy rule (an identical later sample's gain is
    credited to the earliest); now, with sealed participation, the copy cannot even be
    committed: alice's reveal is only accepted after the end, when commits are closed, so
    mallory's copy read from the pool is refused with its reason and costs her nothing.
    Mallory gets back her undo's stake and gains 0; alice's score behind the undo stays 0 (the
    zero-score poison, a limit of its own above) and the bounty goes back to the provider."""
    market = open_market(project, owner, chain, ROWS, LABELS, pieces=2)
    m = market.contract
    _, undo_salt, _ = commit_sample(m, mallory, (0,), y=0, stake=STAKE, checked=False)
    _, salt, _ = commit_sample(m, alice, (0,), y=1, stake=STAKE, checked=False)
    market.end(grace=True)
    copy_salt = new_salt()
    with mempool.paused():
        mine = mempool.send(m.reveal_sample, salt, [0], 1, sender=alice)
        (seen,) = mempool.calls(m, "reveal_sample")
        x, y = list(seen.args[1]), seen.args[2]
        h = commitment_of(m, mallory, copy_salt, x, y)
        value = STAKE + m.slot_fee()
        copied = mempool.send(m.commit, h, sender=mallory, value=value, tip=2 * seen.tip)
        block = mempool.mine()
    assert block[mine].ok
    assert block[copied].reason == "market: participation is not open"
    assert block.gain(mallory) == 0
    m.reveal_sample(undo_salt, [0], 0, sender=mallory)
    assert [m.contribution(k)[0] for k in range(int(m.n_contributions()))] == [
        mallory.address,
        alice.address,
    ]
    received = settle(market, [alice, mallory, owner])
    mallory_gain = received.get(str(mallory.address), 0) - STAKE
    alice_gain = received.get(str(alice.address), 0) - STAKE
    assert (alice_gain, mallory_gain) == (0, 0), f"alice {alice_gain} wei, mallory {mallory_gain}"
    assert received.get(str(owner.address), 0) == market.bounty


MAX_WINDOW = 30 * 86400


@pytest.mark.parametrize(
    "window,reason",
    [
        ("reveal_window", "market: reveal window out of range"),
        ("min_duration", "market: min duration out of range"),
        ("reward_window", "market: reward window out of range"),
    ],
)
def test_a_window_of_years_is_refused_at_opening(chain, project, owner, window, reason):
    """Fixed (was HIGH: reveal_window = 2**63 s locked every stake for 2.9e11 years, and
    min_duration = 2**63 made end() impossible). Every window is capped at 30 days: one second
    more is refused at opening with its reason, and 30 days exactly is accepted."""
    with pytest.raises(Exception, match=reason):
        open_market(
            project,
            owner,
            chain,
            ROWS,
            LABELS,
            pieces=2,
            terms=dataclasses.replace(TERMS, **{window: MAX_WINDOW + 1}),
        )
    market = open_market(
        project,
        owner,
        chain,
        ROWS,
        LABELS,
        pieces=2,
        terms=dataclasses.replace(TERMS, **{window: MAX_WINDOW}),
    )
    assert int(market.contract.MAX_WINDOW()) == MAX_WINDOW
    assert int(getattr(market.contract, window)()) == MAX_WINDOW


def test_expire_landed_before_the_last_pending_step_gains_the_provider_nothing(
    chain, project, owner, alice, mempool
):
    """Fixed in what the provider gains (was MEDIUM: expire() before the keeper's last step
    returned the provider its 1 ETH bounty). The front-run still lands and alice's last step
    reverts, but the bounty stays locked: the provider gets 0, alice her stake. What remains is
    griefing at a cost of the whole bounty to the provider; a keeper avoids it by finishing
    before the deadline (the reward window is at least max_work // 128 seconds)."""
    market = open_market(project, owner, chain, ROWS, LABELS, pieces=2)
    m = market.contract
    market.contribute(alice, (0,), 1)
    market.end()
    market.reveal()
    # Find how many steps of the smallest budget finish the pass, then do all but the last.
    snap = chain.snapshot()
    steps = 0
    while phase(m) == "reward":
        m.step(16, sender=alice)
        steps += 1
    chain.restore(snap)
    assert steps >= 2
    for _ in range(steps - 1):
        m.step(16, sender=alice)
    late = int(m.reward_deadline()) + 1
    with mempool.paused():
        last = mempool.send(m.step, 16, sender=alice)
        (seen,) = mempool.calls(m, "step")
        expired = mempool.send(m.expire, sender=owner, tip=2 * seen.tip)
        block = mempool.mine(timestamp=late)
    assert block.order(last, expired) == [expired, last]
    outcome = block[last].reason
    received = _settle_withdraw(market, [alice, owner])
    alice_gain = received.get(str(alice.address), 0) - STAKE
    assert "market: not in reward phase" in str(outcome)
    assert alice_gain == 0, f"last step: {outcome!r}; alice gained {alice_gain} wei"
    assert str(owner.address) not in received
    with pytest.raises(Exception, match="market: nothing to withdraw"):
        m.withdraw(sender=owner)
    assert m.balance == market.bounty + market.kept()  # locked, nobody's


def test_attacks_that_fail_with_their_reasons(chain, project, accounts, owner, alice, mallory):
    """Attacks of this review that the contract refuses, each with the reason seen: a copied
    hash committed twice, a commitment or reveal after end, a withdrawal before the market is
    done, a second withdrawal, and a silent provider reaching into its forfeited bounty."""
    market = open_market(project, owner, chain, ROWS, LABELS, pieces=2)
    m = market.contract
    h = commitment_of(m, alice, new_salt(), (0,), 1)
    fee = int(m.slot_fee())
    m.commit(h, sender=mallory, value=STAKE + fee)
    with pytest.raises(Exception, match="market: commitment already made"):
        m.commit(h, sender=mallory, value=STAKE + fee)
    with pytest.raises(Exception, match="market: the provider cannot participate"):
        m.commit(new_salt(), sender=owner, value=STAKE)
    _, salt, _ = commit_sample(m, alice, (0,), y=1, stake=STAKE, checked=False)
    market.end(sender=mallory)
    chain.pending_timestamp = int(m.end_time()) + int(m.SAMPLE_WINDOW()) + 1
    with pytest.raises(Exception, match="market: sample window over"):
        m.reveal_sample(salt, [0], 1, sender=alice)
    with pytest.raises(Exception, match="market: participation is not open"):
        m.commit(new_salt(), sender=accounts[5], value=STAKE)
    with pytest.raises(Exception, match="market: not done"):
        m.withdraw(sender=alice)
    chain.pending_timestamp = int(m.reveal_deadline())
    with pytest.raises(Exception, match="market: reveal deadline not passed"):
        m.forfeit(sender=alice)
    chain.pending_timestamp = int(m.reveal_deadline()) + 1
    m.forfeit(sender=alice)
    with pytest.raises(Exception, match="market: nothing to withdraw"):
        m.withdraw(sender=owner)
    # Neither alice's commitment nor mallory's (a copy of alice's hash) was revealed before
    # the end: both stakes are locked for good.
    for who in (alice, mallory):
        assert int(m.owed(who)) == 0
        with pytest.raises(Exception, match="market: nothing to withdraw"):
            m.withdraw(sender=who)
    assert m.balance == market.bounty + 2 * (STAKE + fee)  # locked for good, nobody's
