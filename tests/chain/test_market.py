"""The prediction market contract: phases, deadlines, reveals, the reward pass
against its Python mirror, and conservation to the wei after every step."""

import dataclasses
import random

import pytest
from eth_abi import encode
from eth_utils import keccak
from market_helpers import N_FEATURES, TERMS, dataset, open_market, sample, truth

from sharedmodels.market import rules
from sharedmodels.market.driver import Terms, phase
from sharedmodels.market.rules import slot_fee
from sharedmodels.rpc.reads import create_address
from sharedmodels.units import ETH


@pytest.fixture
def test_set():
    return dataset(random.Random(1), 40)


def test_honest_paid_flipper_loses_and_matches_mirror(project, chain, owner, alice, bob, test_set):
    run = open_market(project, owner, chain, *test_set)
    two_sided(run, alice, bob, n=6, seed=2)
    run.end()
    run.check()
    run.reveal()
    run.check()
    run.rewards(budget=256, check_every_step=True)
    want = run.expected()
    assert run.balances() == want.balances
    assert int(run.contract.provider_balance()) == want.provider
    assert run.balances()[str(alice.address)] > TERMS.min_stake * 6
    assert run.balances()[str(bob.address)] < TERMS.min_stake * 6
    run.withdraw_all([alice, bob, owner])
    assert run.contract.balance == run.kept()


def two_sided(run, honest, flipper, n=6, seed=2, stake=None):
    rng = random.Random(seed)
    for _ in range(n):
        x = sample(rng)
        run.contribute(honest, x, truth(x), stake)
        x = sample(rng)
        run.contribute(flipper, x, 1 - truth(x), stake)
    return rng


# ---------------------------------------------------------------- creation


@pytest.mark.parametrize(
    "change,reason",
    [
        ({"value": 0}, "market: no bounty"),
        ({"pieces": 1, "test_size": 1}, "market: at least 2 pieces"),
        ({"test_size": 1}, "market: test size out of range"),
        ({"test_size": 33}, "market: test size out of range"),
        ({"value": 3}, "market: bounty buys no round"),  # test_size 4: 3 // 4 = 0 rounds
        ({"n_features": 0}, "market: n_features out of range"),
        ({"n_features": 2**32 + 1}, "market: n_features out of range"),
        ({"eta": 0}, "market: learning rate out of range"),
        ({"eta": 2**16}, "market: learning rate out of range"),
        ({"min_stake": 0}, "market: min stake is zero"),
        ({"min_stake": 2**96}, "market: amount too large"),
        ({"min_duration": 3599}, "market: min duration out of range"),
        ({"min_duration": 30 * 86400 + 1}, "market: min duration out of range"),
        ({"reveal_window": 3599}, "market: reveal window out of range"),
        ({"reveal_window": 30 * 86400 + 1}, "market: reveal window out of range"),
        ({"max_contributions": 0}, "market: contribution cap out of range"),
        ({"max_contributions": 65536}, "market: contribution cap out of range"),
        ({"max_features": 0}, "market: feature cap out of range"),
        ({"max_features": 513}, "market: feature cap out of range"),
        ({"max_contributors": 0}, "market: contributor cap out of range"),
        ({"max_contributors": 11}, "market: contributor cap out of range"),
        (
            {"max_contributions": 65535, "max_contributors": 2**16 - 1},
            "market: contributor cap out of range",
        ),
        (
            {"max_contributions": 65535, "max_contributors": 100},
            "market: worst-case work too large",
        ),
        ({"reward_window": 1}, "market: reward window too short for the work"),
    ],
)
def test_constructor_refuses(project, deployer, change, reason):
    with pytest.raises(Exception, match=reason):
        _deploy(project, deployer, change)


#: The constructor's arguments of `_deploy` unless a test changes them.
DEPLOY = {
    "n_features": N_FEATURES,
    "eta": 1,
    "pieces": 2,
    "test_size": 4,
    "min_stake": 1,
    "min_duration": 3600,
    "reveal_window": 3600,
    "value": ETH,
    "max_contributions": 10,
    "max_features": 8,
    "max_contributors": 2,
    "reward_window": 10**6,
}


def _deploy(project, sender, change):
    args = {**DEPLOY, **change}
    terms = (
        args["min_stake"],
        args["min_duration"],
        args["reveal_window"],
        args["max_contributions"],
        args["max_features"],
        args["max_contributors"],
        args["reward_window"],
    )
    return project.PredictionMarket.deploy(
        args["n_features"],
        args["eta"],
        "neg",
        "pos",
        "{}",
        [b"\x01" * 32] * args["pieces"],
        args["test_size"],
        terms,
        sender=sender,
        value=args["value"],
    )


@pytest.mark.parametrize(
    "change",
    [
        {"test_size": 2},  # one sample a piece
        {"test_size": 32},  # MAX_PIECE (16) samples a piece
        {"test_size": 32, "value": 32},  # exactly one wei per test sample: one round
        {"n_features": 1},
        {"n_features": 2**32},
        {"eta": 2**16 - 1},
        {"min_stake": 2**96 - 1},
        {"min_duration": 30 * 86400},
        {"reveal_window": 30 * 86400},
        {"reward_window": 30 * 86400},
        {"max_contributions": 1, "max_contributors": 1},
        {"max_contributions": 65535, "max_contributors": 1, "max_features": 1},
        {"max_features": 1},
        {"max_features": 512},
        {"max_contributions": 10, "max_contributors": 10},
    ],
    ids=lambda change: ",".join(f"{k}={v}" for k, v in change.items()),
)
def test_constructor_accepts_each_bound_exactly(project, owner, change):
    """Every range the constructor checks includes its end: a market at exactly the bound
    opens and keeps the value (a `<=` turned into `<` refuses it)."""
    args = {**DEPLOY, **change}
    terms = Terms(
        min_stake=args["min_stake"],
        min_duration=args["min_duration"],
        reveal_window=args["reveal_window"],
        max_contributions=args["max_contributions"],
        max_features=args["max_features"],
        max_contributors=args["max_contributors"],
    )
    if "reward_window" not in change:
        change = {**change, "reward_window": terms.min_reward_window(args["test_size"])}
    m = _deploy(project, owner, change)
    assert phase(m) == "committed"
    assert (int(m.bounty()), int(m.test_size()), int(m.n_features())) == (
        args["value"],
        args["test_size"],
        args["n_features"],
    )
    assert (int(m.min_stake()), int(m.min_duration()), int(m.reveal_window())) == (
        args["min_stake"],
        args["min_duration"],
        args["reveal_window"],
    )
    assert (int(m.max_contributions()), int(m.max_features()), int(m.max_contributors())) == (
        args["max_contributions"],
        args["max_features"],
        args["max_contributors"],
    )
    assert int(m.max_work()) == terms.max_work(args["test_size"])


@pytest.mark.parametrize(
    "test_size,caps",
    [(4, (10, 8, 2)), (5, (3, 1, 1)), (7, (9, 7, 3)), (13, (40, 13, 5)), (32, (2, 511, 2))],
)
def test_worst_case_work_and_the_shortest_reward_window(project, owner, deployer, test_size, caps):
    """`max_work` is the Python formula for caps whose feature count is not a multiple of 8 (a
    rounded-up `f // 8` would show), and the reward window may be exactly the work at
    WORK_RATE units a second, rounded up, but not a second shorter."""
    contributions, features, contributors = caps
    terms = Terms(
        min_stake=1,
        max_contributions=contributions,
        max_features=features,
        max_contributors=contributors,
    )
    change = {
        "test_size": test_size,
        "max_contributions": contributions,
        "max_features": features,
        "max_contributors": contributors,
    }
    shortest = terms.min_reward_window(test_size)
    with pytest.raises(Exception, match="market: reward window too short for the work"):
        _deploy(project, deployer, {**change, "reward_window": shortest - 1})
    m = _deploy(project, owner, {**change, "reward_window": shortest})
    assert int(m.max_work()) == terms.max_work(test_size)
    assert int(m.reward_window()) == shortest


def test_worst_case_work_is_fixed_at_opening(project, chain, owner, test_set):
    """`max_work` is the work of the worst market the terms allow, as the Python formula says,
    and the reward window covers it at the contract's rate."""
    from sharedmodels.market.rules import MAX_WORK, WORK_RATE

    run = open_market(project, owner, chain, *test_set, reveal=False)
    m = run.contract
    assert (m.MAX_WORK(), m.WORK_RATE()) == (MAX_WORK, WORK_RATE)
    assert int(m.max_work()) == TERMS.max_work(40) > 0
    assert int(m.reward_window()) * WORK_RATE >= int(m.max_work())
    assert (m.max_contributions(), m.max_features(), m.max_contributors(), m.test_size()) == (
        TERMS.max_contributions,
        TERMS.max_features,
        TERMS.max_contributors,
        40,
    )


def _create(project, owner, tmp_path, secrets):
    from sharedmodels.market.demo import create_market

    reviews = tmp_path / "reviews.csv"
    rows = [("a dull and tedious film", 0), ("a gorgeous, witty film", 1)] * 4
    reviews.write_text("text,label\n" + "".join(f'"{t}",{y}\n' for t, y in rows))
    return create_market(
        project.PredictionMarket,
        owner,
        f"csv:{reviews}",
        test_size=4,
        pieces=2,
        bounty=ETH,
        terms=TERMS,
        secrets_path=secrets,
        network="local",
        pretrain_n=4,
    )


def test_failed_create_keeps_secrets_exactly_when_the_market_exists(
    project, chain, owner, tmp_path, monkeypatch
):
    """The secrets file is written before the deployment is sent; a failure removes it only if
    no contract was created (the upload of the initial model failing after the deployment:
    kept; the deployment itself failing: removed)."""
    from sharedmodels.market import demo, driver

    def upload_fails(*args, **kwargs):
        raise RuntimeError("the node went away during the upload")

    kept = tmp_path / "kept.json"
    nonce = owner.nonce
    monkeypatch.setattr(driver, "upload_state", upload_fails)
    with pytest.raises(RuntimeError, match="went away"):
        _create(project, owner, tmp_path, kept)
    assert chain.provider.get_code(create_address(str(owner.address), nonce))  # it exists
    assert kept.is_file()
    monkeypatch.undo()

    def deploy_fails(container, sender, *args, **kwargs):
        assert demo.load_secrets(removed).commitments  # written before anything is sent
        raise RuntimeError("the node went away before the deployment")

    removed = tmp_path / "removed.json"
    monkeypatch.setattr(demo, "deploy_market", deploy_fails)
    with pytest.raises(RuntimeError, match="before the deployment"):
        _create(project, owner, tmp_path, removed)
    assert not removed.exists()


# ---------------------------------------------------------------- commitment and first reveal


def test_first_piece_is_drawn_from_a_later_block(project, chain, owner, alice, test_set):
    from sharedmodels.market.driver import first_piece, reveal_first

    run = open_market(project, owner, chain, *test_set, pieces=5, reveal=False)
    m = run.contract
    with pytest.raises(Exception, match="seed: seed block not mined yet"):
        m.reveal(0, *_piece_args(run, 0), sender=owner)
    chain.mine(3)
    i = first_piece(m, chain)
    seed_hash = bytes(chain.blocks[int(m.seed_block())].hash)
    assert i == int.from_bytes(seed_hash, "big") % 5
    wrong = (i + 1) % 5
    with pytest.raises(Exception, match="market: reveal the drawn piece first"):
        m.reveal(wrong, *_piece_args(run, wrong), sender=owner)
    with pytest.raises(Exception, match="market: piece does not match its commitment"):
        m.reveal(i, *_piece_args(run, wrong), sender=owner)
    with pytest.raises(Exception, match="market: provider only"):
        m.reveal(i, *_piece_args(run, i), sender=alice)
    with pytest.raises(Exception, match="market: participation is not open"):
        m.commit(b"\x01" * 32, sender=alice, value=TERMS.min_stake)
    assert reveal_first(m, owner, run.secrets, chain) == i
    assert m.phase() == 1 and m.revealed(i) and m.first_piece() == i
    assert m.revealed_samples() == len(run.secrets.pieces[i])
    assert [tuple(m.test_sample(t).x) for t in range(m.revealed_samples())] == [
        x for x, _ in run.secrets.pieces[i]
    ]


def _piece_args(run, i):
    salt, piece = run.secrets.reveal(i)
    return salt, [(list(x), y) for x, y in piece]


@pytest.mark.parametrize("how", ["salt", "relabel", "reorder", "drop"])
def test_wrong_reveals_are_refused(project, chain, owner, alice, test_set, how):
    run = open_market(project, owner, chain, *test_set)
    run.contribute(alice, (1, 2), 1)
    run.end()
    i = next(j for j in range(4) if not run.contract.revealed(j))
    salt, piece = _piece_args(run, i)
    if how == "salt":
        salt = bytes(32)
    elif how == "relabel":
        piece[0] = (piece[0][0], 1 - piece[0][1])
    elif how == "reorder":
        piece = piece[1:] + piece[:1]
    else:
        piece = piece[:-1]
    with pytest.raises(Exception, match="market: piece does not match its commitment"):
        run.contract.reveal(i, salt, piece, sender=owner)
    assert not run.contract.revealed(i)
    run.check()


@pytest.mark.parametrize(
    "bad,reason",
    [
        (((5, 3), 1), "market: features not sorted and unique"),
        (((2, 2), 1), "market: features not sorted and unique"),
        (((2,), 2), "market: test label out of range"),
        (((70,), 1), "market: feature index out of range"),
    ],
)
def test_reveal_checks_test_samples(project, chain, owner, bad, reason):
    """Every piece holds the bad sample, so the check runs whichever piece is drawn first."""
    from sharedmodels.encoding.features import Encoder
    from sharedmodels.market.driver import deploy_market, first_piece
    from sharedmodels.market.rules import ProviderSecrets

    pieces = [[((1,), 0), bad], [((4,), 1), bad]]
    secrets = ProviderSecrets(pieces, [b"\x02" * 32, b"\x03" * 32])
    m = deploy_market(
        project.PredictionMarket,
        owner,
        secrets,
        bounty=ETH,
        terms=TERMS,
        encoder=Encoder(n_features=N_FEATURES),
    )
    chain.mine(3)
    i = first_piece(m, chain)
    with pytest.raises(Exception, match=reason):
        m.reveal(i, *_piece_args_of(secrets, i), sender=owner)
    assert m.phase() == 0 and m.revealed_samples() == 0


def _piece_args_of(secrets, i):
    salt, piece = secrets.reveal(i)
    return salt, [(list(x), y) for x, y in piece]


def test_a_draw_nobody_records_in_256_blocks_is_lost(project, chain, owner, alice, test_set):
    """No re-arm: a provider that lets the draw lapse cannot draw again, cannot cancel, and its
    market can never open (ignoring a draw gains it nothing; its bounty stays put)."""
    run = open_market(project, owner, chain, *test_set, reveal=False)
    m = run.contract
    chain.mine(300)
    with pytest.raises(Exception, match="seed: draw lost"):
        m.draw(sender=alice)
    with pytest.raises(Exception, match="seed: draw lost"):
        m.reveal(0, *_piece_args(run, 0), sender=owner)
    with pytest.raises(Exception, match="market: the draw is fixed"):
        m.cancel(sender=owner)
    assert not m.drawn() and m.phase() == 0 and m.balance == ETH
    run.check()


def test_a_recorded_draw_stays_fixed(project, chain, owner, alice, test_set):
    from sharedmodels.market.driver import first_piece, reveal_first

    run = open_market(project, owner, chain, *test_set, reveal=False)
    m = run.contract
    with pytest.raises(Exception, match="seed: seed block not mined yet"):
        m.draw(sender=alice)
    chain.mine(3)
    i = first_piece(m, chain)
    m.draw(sender=alice)  # anyone may record it
    assert m.drawn() and m.first_piece() == i
    chain.mine(300)  # long after the hash left the window, the recorded draw still holds
    assert m.draw.call() == i
    with pytest.raises(Exception, match="market: the draw is fixed"):
        m.cancel(sender=owner)
    assert reveal_first(m, owner, run.secrets, chain) == i
    with pytest.raises(Exception, match="market: not in commitment phase"):
        m.draw(sender=owner)


def test_cancel_only_before_the_seed_block(project, chain, owner, alice, test_set):
    run = open_market(project, owner, chain, *test_set, reveal=False)
    before = owner.balance
    receipt = run.contract.cancel(sender=owner)  # mined in the block before the seed block
    assert receipt.block_number < int(run.contract.seed_block())
    assert owner.balance == before + ETH - receipt.total_fees_paid
    assert run.contract.phase() == 5 and run.contract.balance == 0
    run.check()
    late = open_market(project, owner, chain, *test_set, reveal=False)
    with pytest.raises(Exception, match="market: provider only"):
        late.contract.cancel(sender=alice)  # (this failed transaction mines the next block)
    chain.mine(1)
    with pytest.raises(Exception, match="market: the draw is fixed"):
        late.contract.cancel(sender=owner)
    opened = open_market(project, owner, chain, *test_set)
    with pytest.raises(Exception, match="market: participation has opened"):
        opened.contract.cancel(sender=owner)


def test_initial_model_upload_rules(project, chain, owner, alice, test_set):
    run = open_market(project, owner, chain, *test_set, reveal=False)
    m = run.contract
    with pytest.raises(Exception, match="market: provider only"):
        m.upload_weights([1], [1], sender=alice)
    with pytest.raises(Exception, match="market: length mismatch"):
        m.upload_weights([1, 2], [1], sender=owner)
    with pytest.raises(Exception, match="market: empty upload"):
        m.upload_weights([], [], sender=owner)
    with pytest.raises(Exception, match="market: feature index out of range"):
        m.upload_weights([N_FEATURES], [1], sender=owner)
    with pytest.raises(Exception, match="market: initial weight out of range"):
        m.upload_weights([1], [2**38], sender=owner)
    with pytest.raises(Exception, match="market: intercept not a float64"):
        m.upload_intercept(2**53 + 1, sender=owner)
    with pytest.raises(Exception, match="market: intercept out of range"):
        m.upload_intercept(2**38 << 59, sender=owner)
    m.upload_weights([1, 40], [3, -2], sender=owner)
    assert m.predict([1]) == 1 and m.predict([40]) == 0
    chain.mine(3)
    from sharedmodels.market.driver import reveal_first

    reveal_first(m, owner, run.secrets, chain)
    with pytest.raises(Exception, match="market: initial model is fixed"):
        m.upload_weights([1], [1], sender=owner)
    with pytest.raises(Exception, match="market: initial model is fixed"):
        m.upload_intercept(0, sender=owner)


# ---------------------------------------------------------------- participation


def test_a_commitment_below_the_minimum_stake_is_refused(project, chain, owner, alice, test_set):
    """A commitment sends the minimum stake plus the slot fee: one wei less is refused with
    nothing taken; the fee goes to the work fund, the rest is the stake."""
    run = open_market(project, owner, chain, *test_set)
    fee = int(run.contract.slot_fee())
    assert fee == slot_fee(TERMS.min_stake) == TERMS.min_stake // 8
    with pytest.raises(Exception, match="market: stake below minimum"):
        run.contract.commit(b"\x01" * 32, sender=alice, value=TERMS.min_stake + fee - 1)
    assert int(run.contract.work_fund()) == 0
    run.contract.commit(b"\x01" * 32, sender=alice, value=TERMS.min_stake + fee)
    with pytest.raises(Exception, match="market: commitment already made"):
        run.contract.commit(b"\x01" * 32, sender=alice, value=TERMS.min_stake + fee)
    assert run.contract.n_contributions() == 1
    assert int(run.contract.work_fund()) == fee
    assert int(run.contract.total_stake()) == TERMS.min_stake
    (log,) = list(run.contract.Committed)
    assert int(log.stake) == TERMS.min_stake
    run.check()


@pytest.mark.parametrize(
    "min_stake, fee", [(1, 1), (8, 1), (9, 2), (16, 2), (10**15, 125 * 10**12)]
)
def test_the_slot_fee_is_an_eighth_of_the_minimum_stake(
    project, chain, owner, test_set, min_stake, fee
):
    """The fee is ceil(min_stake / 8): at least 1 wei, whatever the terms."""
    terms = dataclasses.replace(TERMS, min_stake=min_stake)
    run = open_market(project, owner, chain, *test_set, terms=terms, reveal=False)
    assert int(run.contract.slot_fee()) == slot_fee(min_stake) == fee


@pytest.mark.parametrize(
    "x,y,reason",
    [
        ([1], 2, "market: label out of range"),
        ([3, 2], 1, "market: features not sorted and unique"),
        ([2, 2], 1, "market: features not sorted and unique"),
        ([N_FEATURES], 1, "market: feature index out of range"),
    ],
)
def test_a_bad_sample_cannot_be_revealed(project, chain, owner, alice, test_set, x, y, reason):
    """The checks `participate` made now come at the reveal (after the end): a committed bad
    sample stays an unrevealed contribution, skipped by the pass, its stake locked for good."""
    from sharedmodels.market.driver import commit_sample

    run = open_market(project, owner, chain, *test_set)
    k, salt, _ = commit_sample(run.contract, alice, x, y=y, stake=TERMS.min_stake, checked=False)
    run.end(grace=True)
    with pytest.raises(Exception, match=reason):
        run.contract.reveal_sample(salt, x, y, sender=alice)
    assert run.contract.contribution(k)[1].y == 2
    run.check()


def test_a_reveal_before_the_end_is_refused_and_changes_nothing(
    project, chain, owner, alice, test_set
):
    """Sealed participation: while commitments are accepted no sample can be revealed (not
    even by its own committer), so nobody can read one and commit behind it. The refused
    reveal changes nothing: the contribution stays sealed, no stake is credited, the copy
    rule's index is untouched. The same reveal counts once the market has ended."""
    from sharedmodels.market.driver import commit_sample

    run = open_market(project, owner, chain, *test_set)
    m = run.contract
    k, salt, _ = commit_sample(m, alice, (1,), y=1, stake=TERMS.min_stake, checked=False)
    chain.mine()
    held = int(m.balance)
    with pytest.raises(Exception, match="market: reveal after the end"):
        m.reveal_sample(salt, [1], 1, sender=alice)
    assert m.contribution(k)[1].y == 2 and int(m.revealed_stake()) == 0
    assert int(m.accounts(alice).stake) == int(m.accounts(alice).balance) == 0
    assert int(m.first_of_sample(keccak(encode(["uint32[]", "uint8"], [[1], 1])))) == 0
    assert int(m.balance) == held and phase(m) == "open"
    run.end(grace=True)
    m.reveal_sample(salt, [1], 1, sender=alice)
    assert m.contribution(k)[1].y == 1 and int(m.revealed_stake()) == TERMS.min_stake
    run.check()


def test_stakes_stay_below_2_96_wei(project, chain, owner, alice, test_set):
    run = open_market(project, owner, chain, *test_set)
    chain.set_balance(alice, 2**97)
    with pytest.raises(Exception, match="market: stake too large"):
        run.contract.commit(b"\x01" * 32, sender=alice, value=2**96)
    run.contract.commit(b"\x01" * 32, sender=alice, value=2**96 - 1)
    assert int(run.contract.total_stake()) == 2**96 - 1 - int(run.contract.slot_fee())
    run.check()


def test_forfeit_only_in_the_reveal_phase(project, chain, owner, alice, test_set):
    """Without the phase check, `forfeit` during participation would pass its deadline check
    (the reveal deadline is still 0) and hand the bounty out before anyone could reveal."""
    run = open_market(project, owner, chain, *test_set)
    run.contribute(alice, (1,), 1)
    with pytest.raises(Exception, match="market: not in reveal phase"):
        run.contract.forfeit(sender=alice)
    assert phase(run.contract) == "open"


def test_reading_past_the_end(project, chain, owner, alice, test_set):
    run = open_market(project, owner, chain, *test_set)
    run.contribute(alice, (1,), 1)
    m = run.contract
    with pytest.raises(Exception, match="market: no such test sample"):
        m.test_sample(m.revealed_samples())
    with pytest.raises(Exception, match="market: no such contribution"):
        m.contribution(1)


def test_provider_cannot_participate(project, chain, owner, test_set):
    run = open_market(project, owner, chain, *test_set)
    with pytest.raises(Exception, match="market: the provider cannot participate"):
        run.contract.commit(b"\x01" * 32, sender=owner, value=TERMS.min_stake)


def test_contributions_are_stored_and_stakes_add_up(project, chain, owner, alice, bob, test_set):
    from sharedmodels.market.driver import contributions

    run = open_market(project, owner, chain, *test_set)
    run.contribute(alice, (1, 9, 17, 25, 33, 41, 49, 57, 63), 1, 3 * TERMS.min_stake)
    run.contribute(bob, (), 0)
    run.contribute(alice, (0,), 0)
    assert [c.y for c in contributions(run.contract)] == [2, 2, 2]  # sealed until the end
    run.end(grace=True)
    got = contributions(run.contract)
    assert got == run.sent
    a = run.contract.accounts(alice)
    assert (a.stake, a.balance) == (4 * TERMS.min_stake, 4 * TERMS.min_stake)
    assert run.contract.n_contributors() == 2 and run.contract.total_stake() == 5 * TERMS.min_stake
    run.check()


def test_end_after_min_duration_to_the_second(project, chain, owner, alice, test_set):
    run = open_market(project, owner, chain, *test_set)
    run.contribute(alice, (1,), 1)
    hidden = next(j for j in range(4) if not run.contract.revealed(j))
    with pytest.raises(Exception, match="market: not in a reveal phase"):
        run.contract.reveal(hidden, *_piece_args(run, hidden), sender=owner)
    opened = int(run.contract.open_time())
    chain.pending_timestamp = opened + TERMS.min_duration - 1
    with pytest.raises(Exception, match="market: participation still open"):
        run.contract.end(sender=alice)
    chain.pending_timestamp = opened + TERMS.min_duration
    run.contract.end(sender=alice)
    assert run.contract.phase() == 2
    grace = int(run.contract.SAMPLE_WINDOW())
    assert grace == 86400
    assert (
        run.contract.reveal_deadline() == opened + TERMS.min_duration + grace + TERMS.reveal_window
    )
    with pytest.raises(Exception, match="market: participation is not open"):
        run.contract.commit(b"\x01" * 32, sender=alice, value=TERMS.min_stake)
    with pytest.raises(Exception, match="market: participation is not open"):
        run.contract.end(sender=alice)


def test_no_contributions_returns_the_bounty(project, chain, owner, test_set):
    run = open_market(project, owner, chain, *test_set)
    run.end()
    assert run.contract.phase() == 4 and run.contract.provider_balance() == ETH
    assert run.withdraw_all([owner]) == ETH
    with pytest.raises(Exception, match="market: nothing to withdraw"):
        run.contract.withdraw(sender=owner)


# ---------------------------------------------------------------- reveal, forfeit


def test_reveal_deadline_to_the_second(project, chain, owner, alice, test_set):
    run = open_market(project, owner, chain, *test_set)
    run.contribute(alice, (1,), 1)
    run.end(grace=True)
    m = run.contract
    deadline = int(m.reveal_deadline())
    window = int(m.SAMPLE_WINDOW())
    assert deadline == int(m.end_time()) + window + TERMS.reveal_window
    rest = [i for i in range(4) if not m.revealed(i)]
    with pytest.raises(Exception, match="market: provider only"):
        m.reveal(rest[0], *_piece_args(run, rest[0]), sender=alice)
    # The contributors' window: no piece before end_time + SAMPLE_WINDOW, to the second.
    chain.pending_timestamp = int(m.end_time()) + window
    with pytest.raises(Exception, match="market: sample window not over"):
        m.reveal(rest[0], *_piece_args(run, rest[0]), sender=owner)
    assert int(m.pieces_revealed()) == 1
    chain.pending_timestamp = int(m.end_time()) + window + 1
    with pytest.raises(Exception, match="market: no such piece"):
        m.reveal(4, *_piece_args(run, rest[0]), sender=owner)
    with pytest.raises(Exception, match="market: empty piece"):
        m.reveal(rest[0], _piece_args(run, rest[0])[0], [], sender=owner)
    first = int(m.first_piece())
    with pytest.raises(Exception, match="market: piece already revealed"):
        m.reveal(first, *_piece_args(run, first), sender=owner)
    with pytest.raises(Exception, match="market: reveal deadline not passed"):
        m.forfeit(sender=alice)
    with pytest.raises(Exception, match="market: not in reward phase"):
        m.step(256, sender=alice)
    chain.pending_timestamp = deadline
    m.reveal(rest[0], *_piece_args(run, rest[0]), sender=owner)
    chain.pending_timestamp = deadline + 1
    with pytest.raises(Exception, match="market: reveal deadline passed"):
        m.reveal(rest[1], *_piece_args(run, rest[1]), sender=owner)
    m.forfeit(sender=alice)
    assert phase(m) == "done"


def test_a_silent_provider_loses_the_bounty_and_stakes_come_back(
    project, chain, owner, alice, bob, carol, test_set
):
    """The forfeit: every contributor gets exactly its stakes back, the provider nothing, and
    the bounty stays in the contract for good (`pool`), whoever withdraws."""
    run = open_market(project, owner, chain, *test_set, bounty=ETH + 1)
    run.contribute(alice, (1,), 1, 3 * TERMS.min_stake + 1)
    run.contribute(bob, (40,), 0, TERMS.min_stake)
    run.contribute(carol, (2,), 0, 2 * TERMS.min_stake)
    run.contribute(bob, (3,), 1, TERMS.min_stake + 7)
    run.end()
    chain.pending_timestamp = int(run.contract.reveal_deadline()) + 1
    receipt = run.contract.forfeit(sender=carol)
    (log,) = receipt.decode_logs(run.contract.Forfeited)
    assert (int(log.missing_pieces), int(log.locked)) == (3, ETH + 1)
    assert phase(run.contract) == "done"
    assert (
        run.balances()
        == run.expected_forfeit()
        == {
            str(alice.address): 3 * TERMS.min_stake + 1,
            str(bob.address): 2 * TERMS.min_stake + 7,
            str(carol.address): 2 * TERMS.min_stake,
        }
    )
    assert int(run.contract.provider_balance()) == 0 and int(run.contract.pool()) == ETH + 1
    with pytest.raises(Exception, match="market: nothing to withdraw"):
        run.contract.withdraw(sender=owner)
    staked = int(run.contract.total_stake())
    assert staked == 7 * TERMS.min_stake + 8
    assert run.withdraw_all([alice, bob, carol, owner]) == staked
    assert run.contract.balance == ETH + 1 + run.fees() == ETH + 1 + run.kept()


# ---------------------------------------------------------------- reward pass


def test_drop_outs_restart_the_pass(project, chain, owner, alice, bob, carol, test_set):
    run = open_market(project, owner, chain, *test_set)
    rng = two_sided(run, alice, bob, n=8, seed=9)
    for _ in range(4):
        x = sample(rng)
        run.contribute(carol, x, 1 - truth(x))
    run.end()
    run.reveal()
    run.rewards(budget=256, check_every_step=True)
    want = run.expected()
    assert run.balances() == want.balances
    assert len(want.passes) >= 2 and want.dropped == {str(bob.address), str(carol.address)}
    settled = list(run.contract.PassSettled)
    # Each pass settles with the mirror's rounds and the contributors it leaves in (what the
    # demo's report prints as "contributors left in").
    assert [(int(e.epoch), int(e.rounds), bool(e.negative), int(e.active)) for e in settled] == [
        (p.epoch, p.rounds, p.negative, p.active) for p in want.passes
    ]
    assert {str(e.contributor) for e in run.contract.Dropped} == want.dropped
    for who in want.dropped:
        assert run.contract.accounts(who).dropped
    # The final model is the last pass: trained on the honest contributions only.
    for x, _ in run.secrets.pieces[0]:
        assert run.contract.predict(list(x)) == want.model.predict(x)


def test_only_bad_contributors(project, chain, owner, alice, bob, test_set):
    run = open_market(project, owner, chain, *test_set)
    rng = random.Random(9)
    for who in (alice, bob, alice, bob, alice):
        x = sample(rng)
        run.contribute(who, x, 1 - truth(x))
    run.end()
    run.reveal()
    run.rewards()
    want = run.expected()
    assert run.balances() == want.balances
    # Each negative scorer's drop forces a pass: it pays one slot fee for it (however many
    # contributions there are), kept back from its rounds; what is left after the rounds is
    # below one more round. Bob's drop leaves nobody: the restart is an empty last pass.
    assert run.balances() == {str(alice.address): 4, str(bob.address): 0}
    fee = int(run.contract.slot_fee())
    assert want.charged == {str(alice.address): fee, str(bob.address): fee}
    for who, paid in want.charged.items():
        assert int(run.contract.accounts(who).charged) == paid
    assert [p.dropped for p in want.passes] == [[str(alice.address)], [str(bob.address)], []]
    # Alice's drop leaves bob in, bob's nobody.
    settled = [int(e.active) for e in run.contract.PassSettled]
    assert settled == [p.active for p in want.passes] == [1, 0, 0]
    assert int(run.contract.provider_balance()) == want.provider > ETH
    run.withdraw_all([alice, bob, owner])
    assert run.contract.balance == run.kept()


def test_budget_does_not_change_the_outcome(project, chain, owner, alice, bob, test_set):
    run = open_market(project, owner, chain, *test_set)
    two_sided(run, alice, bob, n=5, seed=8)
    run.end()
    run.reveal()
    snap = chain.snapshot()
    run.rewards(budget=48)
    small = (run.balances(), len(run.steps))
    chain.restore(snap)
    run.steps.clear()
    run.rewards(budget=100_000)
    assert run.balances() == small[0] == run.expected().balances
    assert len(run.steps) < small[1]
    with pytest.raises(Exception, match="market: not in reward phase"):
        run.contract.step(256, sender=alice)


#: `step`'s work units among the contributors, as `rules` (and `max_work`) state them: a
#: contributor already out (scan or apply), one still in scanned, one still in shared out,
#: each slot a drop sets from zero (the flag; the charge when a restart follows), and the
#: settle at the end of the pass.
OUT, SCAN_UNITS, APPLY_UNITS = rules.BASE_COST, rules.SCAN_COST, rules.APPLY_COST
FRESH_WRITE, SETTLE_UNITS = rules.FRESH_WRITE_COST, rules.SETTLE_COST


def _scan_and_apply(stage, cursor, budget, out, drops, restart):
    """What a `step` of `budget` units that starts in the scan or apply stage does, by the
    contract's rule: a unit check before each item; OUT units for a contributor dropped in an
    earlier pass, else SCAN_UNITS in the scan and APPLY_UNITS in the apply plus FRESH_WRITE for
    a drop and FRESH_WRITE for its charge (`restart`); a free move from scan to apply; the
    settle (SETTLE_UNITS) ends the step.
    (stage, cursor, units used, settled)."""
    used = 0
    while used < budget:
        if cursor == len(out):
            if stage == 4:
                return stage, cursor, used + SETTLE_UNITS, True
            stage, cursor = 4, 0
            continue
        if out[cursor]:
            used += OUT
        elif stage == 3:
            used += SCAN_UNITS
        else:
            used += APPLY_UNITS + (FRESH_WRITE + FRESH_WRITE * restart) * drops[cursor]
        cursor += 1
    return stage, cursor, used, False


@pytest.mark.parametrize(("budget", "undos"), [(16, 0), (24, 1), (40, 2), (16, 2)])
def test_scan_and_apply_cost_their_units_exactly(
    project, chain, accounts, owner, alice, bob, carol, test_set, budget, undos
):
    """Every step that starts among the contributors (scan or apply) moves as far and counts
    as much work (`progress().work`) as the rule says, with `undos` contributors that undo
    alice's samples and drop (charged when a restart follows, cheap once out). A dearer or
    cheaper item shows in the cursor and in the work; the settle is work too."""
    run = open_market(project, owner, chain, *test_set)
    two_sided(run, alice, bob, n=3, seed=5)
    run.contribute(carol, sample(random.Random(9)), 1)
    for i in range(undos):  # the wrong label of one of alice's samples each, from new addresses
        who = accounts.generate_test_account()
        chain.set_balance(who, 10**20)
        first = run.sent[2 * i]
        run.contribute(who, first.x, 1 - first.y)
    run.end()
    run.reveal()
    m = run.contract
    contributors = int(m.n_contributors())
    people = [m.contributors(i) for i in range(contributors)]
    checked = settles = 0
    while phase(m) == "reward":
        before = m.progress()
        if int(before.stage) not in (3, 4):
            m.step(budget, sender=owner)  # training and scoring: not what this test counts
            continue
        out = [bool(m.accounts(w).dropped) for w in people]
        m.step(budget, sender=owner)
        after = m.progress()
        now = [bool(m.accounts(w).dropped) for w in people]
        drops = [d and not o for d, o in zip(now, out, strict=True)]
        if phase(m) == "done":
            restart = False
        elif int(after.epoch) > int(before.epoch):
            restart = True
        else:
            restart = bool(after.negative) and int(after.rounds) < int(m.rounds_left())
        stage, cursor, used, settled = _scan_and_apply(
            int(before.stage), int(before.cursor), budget, out, drops, restart
        )
        assert int(after.work) - int(before.work) == used
        if not settled:
            assert (int(after.stage), int(after.cursor)) == (stage, cursor)
            assert int(after.epoch) == int(before.epoch)
        settles += settled
        checked += 1
    assert checked >= 2 * contributors * SCAN_UNITS // budget and settles >= 1
    assert run.balances() == run.expected().balances


def test_step_budget_bounds(project, chain, owner, alice, test_set):
    run = open_market(project, owner, chain, *test_set)
    run.contribute(alice, (1,), 1)
    run.end()
    run.reveal()
    with pytest.raises(Exception, match="market: budget out of range"):
        run.contract.step(15, sender=alice)
    with pytest.raises(Exception, match="market: budget out of range"):
        run.contract.step(2**20 + 1, sender=alice)


def test_largest_samples_cannot_block_a_step(project, chain, owner, alice, bob):
    """Contributions of 512 features (the most a sample may carry), each in fresh weight slots,
    still step: one item per call at the smallest budget, the heaviest step under half a block."""
    n = 2**20
    rng = random.Random(9)
    rows = [tuple(sorted(rng.sample(range(n), 512))) for _ in range(4)]
    from dataclasses import replace

    from sharedmodels.encoding.features import Encoder
    from sharedmodels.market.driver import (
        deploy_market,
        participate,
        reveal_all,
        reveal_first,
        reveal_rest,
        run_rewards,
    )
    from sharedmodels.market.rules import commit_test_set

    secrets = commit_test_set(rows, [1, 0, 1, 0], 2, n_features=n)
    terms = replace(TERMS, max_features=512, max_contributions=3, max_contributors=2)
    m = deploy_market(
        project.PredictionMarket,
        owner,
        secrets,
        bounty=ETH,
        terms=terms,
        encoder=Encoder(n_features=n),
    )
    chain.mine(3)
    reveal_first(m, owner, secrets, chain)
    sealed = [
        participate(m, who, sorted(rng.sample(range(n), 512)), y=y, stake=TERMS.min_stake)
        for who, y in ((alice, 1), (bob, 0), (alice, 0))
    ]
    chain.pending_timestamp = int(m.open_time()) + TERMS.min_duration
    m.end(sender=alice)
    reveal_all(m, sealed)
    chain.mine(timestamp=int(m.end_time()) + int(m.SAMPLE_WINDOW()) + 1)
    reveal_rest(m, owner, secrets)
    log = run_rewards(m, alice, budget=16)
    assert m.phase() == 4
    assert log.heaviest < 15_000_000
    assert int(m.progress().work) <= int(m.max_work())


def test_unclaimed_balances_stay_claimable_and_nobody_can_take_them(
    project, chain, owner, alice, bob, test_set
):
    """Pull payments that never expire: a year after the market is done, the winner and the
    loser each still withdraw exactly what the mirror owes them, once; the provider has no
    call that takes another's balance (there is no `take`)."""
    run = open_market(project, owner, chain, *test_set)
    two_sided(run, alice, bob, n=3)
    run.end()
    run.reveal()
    with pytest.raises(Exception, match="market: not done"):
        run.contract.withdraw(sender=alice)
    run.rewards()
    want = run.expected()
    assert not hasattr(run.contract, "take")
    run.withdraw_all([owner])
    chain.pending_timestamp = int(run.contract.done_time()) + 365 * 86400
    for who in (alice, bob):
        assert int(run.contract.owed(who)) == want.balances[str(who.address)]
    assert want.balances[str(bob.address)] < 3 * TERMS.min_stake < want.balances[str(alice.address)]
    assert run.withdraw_all([alice, bob]) == sum(want.balances.values())
    for who in (alice, owner):
        with pytest.raises(Exception, match="market: nothing to withdraw"):
            run.contract.withdraw(sender=who)
    assert run.contract.balance == run.kept()


def test_tied_worst_scores_drop_together(project, chain, owner, alice, bob, carol, test_set):
    """Two flippers with the same negative score: the rounds are set by both at once, both go
    below one more round, both drop (one slot fee each), and the restart pays the honest
    contributor the rest."""
    run = open_market(project, owner, chain, *test_set)
    rng = random.Random(98)
    for _ in range(3):
        for who, honest in ((alice, True), (bob, False), (carol, False)):
            x = sample(rng)
            run.contribute(who, x, truth(x) if honest else 1 - truth(x))
    run.end()
    run.reveal()
    run.rewards()
    want = run.expected()
    first = want.passes[0]
    assert first.scores[str(bob.address)] == first.scores[str(carol.address)] < 0
    assert first.dropped == [str(bob.address), str(carol.address)]
    assert run.balances() == want.balances
    score = -first.scores[str(bob.address)]
    assert run.balances()[str(bob.address)] == run.balances()[str(carol.address)] < score
    fee = int(run.contract.slot_fee())
    assert want.charged == {str(bob.address): fee, str(carol.address): fee}
    assert run.balances()[str(alice.address)] > 3 * TERMS.min_stake
