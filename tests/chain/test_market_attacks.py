"""The prediction market as its attackers see it: each test performs an attack an adversarial
review found (or one that follows from it) and shows that it now fails, or that it gains the
attacker nothing. Wallets are checked against what the test itself sent, not against the
contract's own counters.

- The provider reveals a cut piece (a suffix, with a chain value as its salt) after seeing the
  contributions, to pick the test set that pays it best.
- A contributor makes the reward pass too expensive for anyone to finish, locking every wei.
- A contract wallet (a Safe) cannot receive a payment made with 2,300 gas.
- The provider re-rolls the first piece: cancelling after the draw, or letting it lapse.
"""

import itertools
import random
from dataclasses import replace

import pytest
from conftest import compile_test_contract
from eth_abi import encode
from eth_utils import keccak
from market_helpers import (
    N_FEATURES,
    TERMS,
    dataset,
    open_market,
    sample,
    truth,
    wallet_delta,
)

from sharedmodels.market.driver import (
    commit_sample,
    commitment_of,
    first_piece,
    participate,
    phase,
    reveal_all,
    reveal_first,
)
from sharedmodels.market.rules import first_link, reward_pass, sample_hash
from sharedmodels.rpc.reads import create_address
from sharedmodels.units import ETH

NOT_MATCHING = "market: piece does not match its commitment"
ZERO = "0x" + "00" * 20


@pytest.fixture(scope="module")
def wallet_type():
    return compile_test_contract("MarketWallet")


def chain_links(salt: bytes, piece, secrets) -> list[bytes]:
    """Every value of a piece's commitment chain: the first link, then one per sample."""
    links = [first_link(salt, len(piece), secrets.market, secrets.chain_id)]
    for x, y in piece:
        links.append(keccak(links[-1] + sample_hash(x, y)))
    return links


def as_args(piece):
    return [(list(x), y) for x, y in piece]


# ---------------------------------------------------------------- 1. a cut reveal


def test_cut_reveal_would_pay_the_provider_and_is_refused(project, chain, owner, alice, bob):
    """The reproduced attack: 40 test samples in 4 pieces, an honest contributor and a label
    flipper. With the old chain (starting from the bare salt) the provider could reveal each
    hidden piece from the chain value after k samples, keeping only the samples it liked; the
    mirror shows such a cut pays the provider more than the committed test set. Every cut is
    now refused, and the committed pieces still reveal."""
    rng = random.Random(4)
    rows, labels = dataset(rng, 40)
    run = open_market(project, owner, chain, rows, labels)
    m = run.contract
    for _ in range(6):
        x = sample(rng)
        run.contribute(alice, x, truth(x))
        x = sample(rng)
        run.contribute(bob, x, 1 - truth(x))
    run.end()
    first = int(m.first_piece())
    hidden = [i for i in range(4) if i != first]

    def provider_gets(test) -> int:
        fee = int(m.slot_fee())
        return reward_pass(ETH, test, run.sent, n_features=N_FEATURES, slot_fee=fee).provider

    pieces = run.secrets.pieces
    honest_test = pieces[first] + [s for i in hidden for s in pieces[i]]
    best, best_cut = provider_gets(honest_test), None
    for cuts in itertools.product(range(0, 10, 2), repeat=len(hidden)):
        test = pieces[first] + [s for i, k in zip(hidden, cuts, strict=True) for s in pieces[i][k:]]
        if provider_gets(test) > best:
            best, best_cut = provider_gets(test), cuts
    # The motive is real: whichever piece was drawn first, some cut pays the provider more
    # (for two of the four possible draws, the bounty and every stake).
    assert best_cut is not None and best > provider_gets(honest_test)

    for i in hidden:
        salt, piece = run.secrets.reveal(i)
        links = chain_links(salt, piece, run.secrets)
        for k in range(1, len(piece)):
            with pytest.raises(Exception, match=NOT_MATCHING):  # suffix from a chain value
                m.reveal(i, links[k], as_args(piece[k:]), sender=owner)
        with pytest.raises(Exception, match=NOT_MATCHING):  # a prefix with the real salt
            m.reveal(i, salt, as_args(piece[:-1]), sender=owner)
    assert m.pieces_revealed() == 1 and m.revealed_samples() == len(run.secrets.pieces[first])
    run.reveal()
    run.rewards()
    assert int(m.provider_balance()) == provider_gets(honest_test) < best


def test_the_drawn_piece_cannot_open_the_market_as_a_suffix(project, chain, owner):
    rows, labels = dataset(random.Random(3), 12)
    run = open_market(project, owner, chain, rows, labels, pieces=2, reveal=False)
    m = run.contract
    chain.mine(3)
    i = first_piece(m, chain)
    salt, piece = run.secrets.reveal(i)
    links = chain_links(salt, piece, run.secrets)
    for k in range(1, len(piece)):
        with pytest.raises(Exception, match=NOT_MATCHING):
            m.reveal(i, links[k], as_args(piece[k:]), sender=owner)
        with pytest.raises(Exception, match=NOT_MATCHING):
            m.reveal(i, salt, as_args(piece[:k]), sender=owner)
    assert m.phase() == 0
    assert reveal_first(m, owner, run.secrets, chain) == i


def test_reveals_beyond_the_committed_size_are_refused(project, chain, owner, alice):
    """The declared test size binds the pieces together: a provider whose pieces hold more or
    fewer samples than it declared cannot complete the reveal, and so forfeits."""
    from sharedmodels.market.rules import ProviderSecrets

    pieces = [[((1,), 1), ((9,), 0)], [((2,), 1), ((10,), 0)], [((3,), 1)]]
    for declared, reason in (
        (4, "market: more test samples than committed"),
        (6, "market: fewer test samples than committed"),
    ):
        secrets = ProviderSecrets(pieces, [bytes([7 + j]) * 32 for j in range(3)])
        secrets.bind(create_address(str(owner.address), owner.nonce), chain.chain_id)
        m = project.PredictionMarket.deploy(
            N_FEATURES,
            1,
            "neg",
            "pos",
            "{}",
            secrets.commitments,
            declared,
            TERMS.args(declared),
            sender=owner,
            value=ETH,
        )
        chain.mine(3)
        reveal_first(m, owner, secrets, chain)
        participate(m, alice, [1], y=1, stake=TERMS.min_stake)
        chain.pending_timestamp = int(m.open_time()) + TERMS.min_duration
        m.end(sender=alice)
        chain.mine(timestamp=int(m.end_time()) + int(m.SAMPLE_WINDOW()) + 1)
        rest = [j for j in range(3) if not m.revealed(j)]
        m.reveal(rest[0], *_reveal_args(secrets, rest[0]), sender=owner)
        with pytest.raises(Exception, match=reason):
            m.reveal(rest[1], *_reveal_args(secrets, rest[1]), sender=owner)
        assert phase(m) == "reveal"


def _reveal_args(secrets, i):
    salt, piece = secrets.reveal(i)
    return salt, as_args(piece)


def test_test_samples_over_the_feature_cap_cannot_be_revealed(project, chain, owner):
    rows = [tuple(range(j, j + 5)) for j in range(4)]
    terms = replace(TERMS, max_features=4)
    run = open_market(
        project, owner, chain, rows, [1, 0, 1, 0], pieces=2, terms=terms, reveal=False
    )
    chain.mine(3)
    i = first_piece(run.contract, chain)
    with pytest.raises(Exception, match="market: test sample has too many features"):
        run.contract.reveal(i, *_reveal_args(run.secrets, i), sender=owner)


# ---------------------------------------------------------------- 2. a pass nobody can finish


def heavy_rows(rng, n, features):
    """Samples of ``features`` indices spread over the whole index range (every one in its own
    weight slot), the costliest a contribution can be."""
    return [tuple(sorted(rng.sample(range(N_FEATURES * 16), features))) for _ in range(n)]


def test_work_bomb_is_capped_at_opening(project, chain, owner, alice, mallory):
    """The attack: one address sends the widest contributions it may, with alternating labels,
    as many as it may, so that every one changes the model and the pass re-evaluates the whole
    test set after each. Wider or more contributions are refused by the caps fixed at opening,
    and the pass the attacker can force stays within `max_work`, finishing step by step."""
    from sharedmodels.encoding.features import Encoder
    from sharedmodels.market.driver import deploy_market, reveal_rest, run_rewards
    from sharedmodels.market.rules import commit_test_set

    n = N_FEATURES * 16
    rng = random.Random(5)
    terms = replace(TERMS, max_contributions=12, max_features=32, max_contributors=2)
    test = heavy_rows(rng, 32, 32)
    secrets = commit_test_set(test, [j % 2 for j in range(32)], 2, n_features=n)
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
    assert int(m.max_work()) == terms.max_work(32)
    wide = list(heavy_rows(rng, 1, 33)[0])
    _, salt, _ = commit_sample(m, mallory, wide, y=1, stake=terms.min_stake, checked=False)
    sealed = [participate(m, alice, heavy_rows(rng, 1, 8)[0], y=1, stake=terms.min_stake)]
    for j, x in enumerate(heavy_rows(rng, 10, 32)):
        sealed.append(participate(m, mallory, list(x), y=j % 2, stake=terms.min_stake))
    with pytest.raises(Exception, match="market: contribution limit reached"):
        m.commit(b"\x02" * 32, sender=mallory, value=terms.min_stake + int(m.slot_fee()))
    chain.pending_timestamp = int(m.open_time()) + terms.min_duration
    m.end(sender=alice)
    with pytest.raises(Exception, match="market: too many features"):
        m.reveal_sample(salt, wide, 1, sender=mallory)  # stays unrevealed: skipped by the pass
    reveal_all(m, sealed)
    chain.mine(timestamp=int(m.end_time()) + int(m.SAMPLE_WINDOW()) + 1)
    reveal_rest(m, owner, secrets)
    log = run_rewards(m, alice, budget=2048)
    assert phase(m) == "done"
    work = int(m.progress().work)
    assert 0 < work <= int(m.max_work())
    # A work unit is what it claims: about one cold storage access (2,100 gas) or less.
    assert sum(log.gas) < 2_100 * work + 60_000 * len(log.gas)
    assert log.heaviest < 10_000_000


def _stalled_market(project, chain, owner, alice, bob):
    rng = random.Random(11)
    rows, labels = dataset(rng, 40)
    run = open_market(project, owner, chain, rows, labels, bounty=ETH + 3)
    for j in range(5):
        x = sample(rng)
        run.contribute(alice, x, truth(x), TERMS.min_stake + j)
        x = sample(rng)
        run.contribute(bob, x, 1 - truth(x), 2 * TERMS.min_stake)
    run.end()
    run.reveal()
    return run


def test_a_pass_unfinished_at_its_deadline_expires_returning_the_stakes_only(
    project, chain, owner, alice, bob, carol
):
    """Nobody finishes the pass (it could be too costly, or in nobody's interest): at the
    deadline anyone ends it, every contributor gets back exactly the stakes it revealed, and
    the bounty stays locked (handing it back would pay the provider for a pass it made too
    costly to finish)."""
    run = _stalled_market(project, chain, owner, alice, bob)
    m = run.contract
    last_reveal = chain.blocks[-1].timestamp
    m.step(64, sender=carol)  # some of the pass ran
    assert phase(m) == "reward"
    with pytest.raises(Exception, match="market: not done"):
        m.withdraw(sender=alice)
    deadline = int(m.reward_deadline())
    assert deadline == int(m.reward_window()) + last_reveal
    chain.pending_timestamp = deadline
    with pytest.raises(Exception, match="market: reward deadline not passed"):
        m.expire(sender=carol)
    chain.pending_timestamp = deadline + 1
    m.expire(sender=carol)
    assert phase(m) == "expired"
    with pytest.raises(Exception, match="market: not in reward phase"):
        m.step(64, sender=carol)
    with pytest.raises(Exception, match="market: not in reward phase"):
        m.expire(sender=carol)
    sent = {}
    for c in run.sent:
        sent[c.who] = sent.get(c.who, 0) + c.stake
    for who in (alice, bob):
        before = int(who.balance)
        receipt = m.withdraw(sender=who)
        assert wallet_delta(who, receipt, before) == sent[str(who.address)]
    with pytest.raises(Exception, match="market: nothing to withdraw"):
        m.withdraw(sender=owner)
    assert int(m.owed(owner)) == 0 and int(m.pool()) == ETH + 3
    assert m.balance == ETH + 3 + run.kept()
    run.check()


def test_a_forfeit_cannot_be_turned_into_an_expiry(project, chain, owner, alice, bob, carol):
    """A forfeit ends the market at once (there is no share-out to run): `expire`, which would
    hand the bounty back to the silent provider, is refused, and so is `step`."""
    rng = random.Random(4)
    run = open_market(project, owner, chain, *dataset(rng, 40))
    run.contribute(alice, (1,), 1)
    run.contribute(bob, (9,), 0)
    run.end()
    chain.pending_timestamp = int(run.contract.reveal_deadline()) + 1
    run.contract.forfeit(sender=carol)
    chain.pending_timestamp = int(run.contract.reveal_deadline()) + 10**8
    with pytest.raises(Exception, match="market: not in reward phase"):
        run.contract.expire(sender=carol)
    with pytest.raises(Exception, match="market: not in reward phase"):
        run.contract.step(16, sender=carol)
    with pytest.raises(Exception, match="market: not in reveal phase"):
        run.contract.forfeit(sender=carol)
    assert run.balances() == run.expected_forfeit()
    assert int(run.contract.provider_balance()) == 0


def test_the_contributor_cap_bounds_the_passes(project, chain, owner, alice, bob, carol, mallory):
    """Every restart drops a contributor, so `max_contributors` addresses make at most
    `max_contributors + 1` passes: the bound `max_work` counts on. One address more is
    refused."""
    rng = random.Random(98)
    rows, labels = dataset(rng, 40)
    run = open_market(project, owner, chain, rows, labels, terms=replace(TERMS, max_contributors=3))
    for _ in range(3):
        for who, honest in ((alice, True), (bob, False), (carol, False)):
            x = sample(rng)
            run.contribute(who, x, truth(x) if honest else 1 - truth(x))
    with pytest.raises(Exception, match="market: contributor limit reached"):
        run.contribute(mallory, (1,), 1)
    run.contribute(alice, (2,), 1)  # those already in may send more
    run.end()
    run.reveal()
    run.rewards(check_every_step=True)
    want = run.expected()
    assert run.balances() == want.balances
    assert len(list(run.contract.PassSettled)) == len(want.passes) <= 3 + 1
    assert 0 < int(run.contract.progress().work) <= int(run.contract.max_work())
    charged = run.kept() - run.fees()  # the drop-outs' charges stay in the work fund
    assert (
        run.withdraw_all([alice, bob, carol, owner]) == ETH + run.contract.total_stake() - charged
    )


# ---------------------------------------------------------------- 3. contract wallets


def _finished_market_with_wallet(project, chain, owner, alice, wallet):
    rng = random.Random(21)
    run = open_market(project, owner, chain, *dataset(rng, 40))
    m = run.contract
    reveals = []
    for _ in range(3):
        x = sample(rng)
        salt = bytes([len(x)]) * 32
        h = commitment_of(m, wallet, salt, x, truth(x))
        value = TERMS.min_stake + int(m.slot_fee())
        wallet.execute(m, m.commit.encode_input(h), value, sender=alice, value=value)
        reveals.append(m.reveal_sample.encode_input(salt, list(x), truth(x)))
        x = sample(rng)
        run.contribute(alice, x, truth(x))
    run.end(grace=True)
    for data in reveals:  # sealed until the end
        wallet.execute(m, data, 0, sender=alice)
    run.pass_window()
    run.reveal()
    run.rewards()
    return run


def test_a_wallet_that_writes_storage_on_receipt_is_paid(project, chain, owner, alice, wallet_type):
    wallet = wallet_type.deploy(sender=alice)
    run = _finished_market_with_wallet(project, chain, owner, alice, wallet)
    m = run.contract
    owed = int(m.owed(wallet))
    assert owed > 0
    wallet.execute(m, m.withdraw.encode_input(), 0, sender=alice)
    assert (int(wallet.received()), int(wallet.payments()), int(wallet.balance)) == (owed, 1, owed)
    assert int(m.owed(wallet)) == 0


def test_a_refused_payment_reverts_with_its_reason_and_changes_nothing(
    project, chain, owner, alice, wallet_type
):
    wallet = wallet_type.deploy(sender=alice)
    run = _finished_market_with_wallet(project, chain, owner, alice, wallet)
    m = run.contract
    owed = int(m.owed(wallet))
    wallet.set_mode(1, m, b"", sender=alice)
    with pytest.raises(Exception, match="pay: payment failed"):
        wallet.execute(m, m.withdraw.encode_input(), 0, sender=alice)
    assert int(m.owed(wallet)) == owed and not m.accounts(wallet).paid
    wallet.set_mode(0, m, b"", sender=alice)
    wallet.execute(m, m.withdraw.encode_input(), 0, sender=alice)
    assert int(wallet.received()) == owed


def test_reentering_withdraw_hits_the_lock(project, chain, owner, alice, wallet_type):
    """The wallet calls `withdraw` again from inside its payment. The nested call fails on the
    non-reentrancy lock itself (a revert with no data), not on a later check."""
    wallet = wallet_type.deploy(sender=alice)
    run = _finished_market_with_wallet(project, chain, owner, alice, wallet)
    m = run.contract
    owed = int(m.owed(wallet))
    wallet.set_mode(2, m, m.withdraw.encode_input(), sender=alice)
    wallet.execute(m, m.withdraw.encode_input(), 0, sender=alice)
    assert wallet.reentered() and wallet.reentry_failed()
    assert bytes(wallet.reentry_error()) == b""  # the lock's own failure
    assert int(wallet.received()) == owed and int(wallet.payments()) == 1


def _market_args(run, terms=TERMS, test_size=40):
    return encode(
        [
            "uint256",
            "uint256",
            "string",
            "string",
            "string",
            "bytes32[]",
            "uint256",
            "(uint256,uint256,uint256,uint256,uint256,uint256,uint256)",
        ],
        [
            N_FEATURES,
            1,
            "neg",
            "pos",
            "{}",
            run.secrets.commitments,
            test_size,
            terms.args(test_size),
        ],
    )


def test_a_provider_wallet_gets_its_cancelled_bounty_and_its_takings(
    project, chain, owner, alice, bob, wallet_type
):
    """A provider that is a contract wallet: `cancel` and `withdraw` pay the caller with all
    gas."""
    from market_helpers import Run

    from sharedmodels.market.rules import commit_test_set

    initcode = bytes.fromhex(
        project.PredictionMarket.contract_type.deployment_bytecode.bytecode.removeprefix("0x")
    )
    wallet = wallet_type.deploy(sender=owner)
    rng = random.Random(8)
    rows, labels = dataset(rng, 40)

    def open_by_wallet():
        nonce = int(
            chain.provider.make_request("eth_getTransactionCount", [wallet.address, "latest"]), 16
        )
        market = create_address(str(wallet.address), nonce)
        secrets = commit_test_set(
            rows, labels, 4, n_features=N_FEATURES, market=market, chain_id=chain.chain_id
        )
        run = Run(None, secrets, wallet, chain)
        receipt = wallet.create(initcode + _market_args(run), ETH, sender=owner, value=ETH)
        address = receipt.return_value
        assert address == market
        run.contract = project.PredictionMarket.at(address)
        return run

    # The wallet will re-enter `cancel` from inside its payment: the lock stops it.
    wallet.set_mode(2, ZERO, keccak(text="cancel()")[:4], sender=owner)
    run = open_by_wallet()
    m = run.contract
    assert m.call_view_method("provider") == wallet.address
    wallet.execute(m, m.cancel.encode_input(), 0, sender=owner)
    assert wallet.reentry_failed() and bytes(wallet.reentry_error()) == b""
    assert int(wallet.received()) == ETH and m.balance == 0
    wallet.set_mode(0, m, b"", sender=owner)

    run = open_by_wallet()
    m = run.contract
    chain.mine(3)
    i = first_piece(m, chain)
    salt, piece = run.secrets.reveal(i)
    wallet.execute(m, m.reveal.encode_input(i, salt, as_args(piece)), 0, sender=owner)
    sealed = []
    for who in (alice, bob):
        x = sample(rng)
        sealed.append(participate(m, who, x, y=1 - truth(x), stake=TERMS.min_stake))
    chain.pending_timestamp = int(m.open_time()) + TERMS.min_duration
    m.end(sender=alice)
    reveal_all(m, sealed)
    chain.mine(timestamp=int(m.end_time()) + int(m.SAMPLE_WINDOW()) + 1)
    for j in range(4):
        if not m.revealed(j):
            salt, piece = run.secrets.reveal(j)
            wallet.execute(m, m.reveal.encode_input(j, salt, as_args(piece)), 0, sender=owner)
    assert phase(m) == "reward"
    while phase(m) == "reward":
        m.step(2048, sender=alice)
    left = int(m.provider_balance())
    unclaimed = int(m.owed(alice)) + int(m.owed(bob))
    before = int(wallet.received())
    # Re-entering `withdraw` from inside its payment hits the lock, not the "nothing to
    # withdraw" check behind it.
    wallet.set_mode(2, m, m.withdraw.encode_input(), sender=owner)
    wallet.execute(m, m.withdraw.encode_input(), 0, sender=owner)
    assert wallet.reentry_failed() and bytes(wallet.reentry_error()) == b""
    assert int(wallet.received()) - before == left > 0
    # The contributors' balances stay theirs; the slot fees and the drop-outs' charges stay
    # in the work fund.
    charged = int(m.accounts(alice).charged) + int(m.accounts(bob).charged)
    fund = int(m.slot_fee()) * int(m.n_contributions()) + charged
    assert m.balance == unclaimed + fund == unclaimed + int(m.work_fund())


# ---------------------------------------------------------------- 5. re-rolling the first piece


def test_ignoring_a_draw_costs_the_bounty_following_it_costs_nothing(project, chain, owner):
    """What the provider ends with: following the draw (reveal, nobody joins, end, withdraw)
    returns the whole bounty; ignoring it (no cancel, no re-arm) leaves it locked for good. A
    re-roll never pays."""
    rng = random.Random(2)
    rows, labels = dataset(rng, 40)
    follow = open_market(project, owner, chain, rows, labels)
    chain.pending_timestamp = int(follow.contract.open_time()) + TERMS.min_duration
    follow.contract.end(sender=owner)
    before = int(owner.balance)
    receipt = follow.contract.withdraw(sender=owner)
    assert wallet_delta(owner, receipt, before) == ETH
    assert follow.contract.balance == 0

    ignore = open_market(project, owner, chain, rows, labels, reveal=False)
    chain.mine(300)
    m = ignore.contract
    for call, reason in (
        (m.cancel, "market: the draw is fixed"),
        (m.draw, "seed: draw lost"),
        (m.withdraw, "market: not done"),
        (m.end, "market: participation is not open"),
    ):
        with pytest.raises(Exception, match=reason):
            call(sender=owner)
    assert m.balance == ETH
