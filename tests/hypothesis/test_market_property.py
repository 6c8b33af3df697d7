"""Properties over random prediction markets.

- Whatever the contributions, stakes, bounty, piece count, step budget, initial model (weights
  and intercept) and ending (the provider reveals, stays silent, or nobody finishes
  the pass before its deadline), the contract ends with exactly the balances of the Python
  mirror fed what the test sent, and the wallets get back, to the wei, what they put in. Every
  ending runs in every `make test`: the ending is a parameter, not a draw.
- The provider's return under any reveal other than the committed piece is a revert.
- No split of one party's money over addresses and contributions gets the provider's side
  any of a forfeited bounty: withholding returns it exactly its stakes, never more than
  revealing would (issue 27, attack 2).
"""

import random

import pytest
from eth_utils import keccak
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from market_helpers import N_FEATURES, TERMS, dataset, open_market, sample, truth

from sharedmodels.market.driver import phase
from sharedmodels.market.rules import first_link, sample_hash

INTERCEPTS = [0, 12_345, -(3 << 59), 1 << 58]


@pytest.mark.parametrize("ending", ["reveal", "silent", "expire"])
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,  # the same examples every run: a kill does not hang on a seed
)
@given(
    seed=st.integers(0, 2**32 - 1),
    intercept=st.sampled_from(INTERCEPTS),
    with_weights=st.booleans(),
)
def test_random_markets(project, chain, accounts, ending, seed, intercept, with_weights):
    rng = random.Random(seed)
    provider = accounts[0]
    people = [accounts[i] for i in (1, 2, 3, 4)][: rng.randint(1, 4)]
    honesty = {str(p.address): rng.random() for p in people}
    rows, labels = dataset(rng, rng.randint(4, 24))
    weights = None
    if with_weights:
        weights = {j: rng.randint(-3, 3) for j in rng.sample(range(N_FEATURES), 6)}
    bounty = rng.choice([len(rows), 10**9, rng.randint(len(rows), 2 * 10**18)])  # >= T
    run = open_market(
        project,
        provider,
        chain,
        rows,
        labels,
        pieces=rng.randint(2, min(4, len(rows))),
        bounty=bounty,
        weights=weights,
        intercept=intercept,
    )
    sent = {str(provider.address): bounty}
    for _ in range(rng.randint(1, 12)):
        who = rng.choice(people)
        x = sample(rng, rng.randint(0, 5))
        y = truth(x) if rng.random() < honesty[str(who.address)] else 1 - truth(x)
        stake = rng.randint(TERMS.min_stake, 4 * TERMS.min_stake)
        run.contribute(who, x, y, stake)
        sent[str(who.address)] = sent.get(str(who.address), 0) + stake
    run.end()
    if ending == "silent":
        chain.pending_timestamp = int(run.contract.reveal_deadline()) + 1
        run.contract.forfeit(sender=people[0])
    else:
        run.reveal()
    run.check()
    if ending == "expire":
        for _ in range(rng.randint(0, 3)):
            if phase(run.contract) == "reward":
                run.contract.step(rng.randint(16, 200), sender=rng.choice(people))
        assume(phase(run.contract) == "reward")
        chain.pending_timestamp = int(run.contract.reward_deadline()) + 1
        run.contract.expire(sender=rng.choice(people))
        # Each gets its revealed stakes back, less the charge it paid if it dropped out with a
        # negative score in a pass already settled.
        want = {
            who: amount - int(run.contract.accounts(who).charged)
            for who, amount in sent.items()
            if who != str(provider.address)
        }
        want_provider = 0  # the bounty stays locked, as on a forfeit
    else:
        run.rewards(budget=rng.randint(16, 600), anyone=rng.choice(people), check_every_step=True)
        assert phase(run.contract) == "done"
        if ending == "silent":
            want, want_provider = run.expected_forfeit(), 0
        else:
            outcome = run.expected(weights)
            want, want_provider = outcome.balances, outcome.provider
            assert int(run.contract.progress().work) <= int(run.contract.max_work())
        assert run.balances() == want
    assert int(run.contract.provider_balance()) == want_provider
    # The wallets, not the contract's counters: what each got back, and all of it together.
    run.withdraw_all([*people, provider])
    assert {who: got for who, got in run.received.items() if who in want} == {
        who: amount for who, amount in want.items() if amount
    }
    assert run.received.get(str(provider.address), 0) == want_provider
    # A forfeited or expired bounty stays in the contract, and so does the work fund: every
    # slot fee and every drop-out's charge (no keeper was paid: these chains have no base fee).
    locked = bounty if ending in ("silent", "expire") else 0
    charged = sum(int(run.contract.accounts(w).charged) for w in sent if w != str(provider.address))
    fund = int(run.contract.work_fund())
    assert fund == run.fees() + charged
    assert sum(run.received.values()) == sum(sent.values()) - locked - charged
    assert run.contract.balance == locked + fund


def _chain_values(salt, piece, secrets):
    links = [first_link(salt, len(piece), secrets.market, secrets.chain_id)]
    for x, y in piece:
        links.append(keccak(links[-1] + sample_hash(x, y)))
    return links


TAMPERINGS = [
    "suffix",
    "prefix",
    "drop",
    "swap",
    "relabel",
    "feature",
    "append",
    "salt",
    "other_salt",
    "other_piece",
]


def test_any_reveal_but_the_committed_piece_is_refused(project, chain, owner, alice, bob):
    """The provider's reveal must be the committed piece and nothing else: every tampering a
    provider could try after seeing the contributions (a cut from a chain value, a prefix, a
    dropped, swapped, relabelled, edited or added sample, another salt, another piece) is
    refused, and the committed pieces still reveal afterwards."""
    rng = random.Random(7)
    run = open_market(project, owner, chain, *dataset(rng, 48), pieces=4)
    m = run.contract
    for who in (alice, bob):
        x = sample(rng)
        run.contribute(who, x, truth(x))
    run.end()
    hidden = [i for i in range(4) if not m.revealed(i)]

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def attempt(data):
        i = data.draw(st.sampled_from(hidden))
        salt, piece = run.secrets.reveal(i)
        piece = [(list(x), y) for x, y in piece]
        how = data.draw(st.sampled_from(TAMPERINGS))
        n = len(piece)
        k = data.draw(st.integers(1, n - 1))
        if how == "suffix":
            salt, piece = _chain_values(salt, run.secrets.pieces[i], run.secrets)[k], piece[k:]
        elif how == "prefix":
            piece = piece[:k]
        elif how == "drop":
            piece = piece[:k] + piece[k + 1 :]
        elif how == "swap":
            piece[0], piece[k] = piece[k], piece[0]
        elif how == "relabel":
            piece[k] = (piece[k][0], 1 - piece[k][1])
        elif how == "feature":
            x = set(piece[k][0]) ^ {data.draw(st.integers(0, N_FEATURES - 1))}
            piece[k] = (sorted(x), piece[k][1])
        elif how == "append":
            piece = piece + [(list(sample(rng)), data.draw(st.integers(0, 1)))]
        elif how == "salt":
            salt = data.draw(st.binary(min_size=32, max_size=32))
        elif how == "other_salt":
            salt = run.secrets.salts[data.draw(st.sampled_from([j for j in range(4) if j != i]))]
        else:
            piece = [(list(x), y) for x, y in run.secrets.pieces[(i + k) % 4]]
        real_salt, real = run.secrets.reveal(i)
        assume((salt, piece) != (real_salt, [(list(x), y) for x, y in real]))
        with pytest.raises(Exception, match="market: "):
            m.reveal(i, salt, piece, sender=owner)

    attempt()
    assert m.pieces_revealed() == 1
    run.reveal()
    assert phase(m) == "reward"


# ---------------------------------------------------------------- a forfeit bought back

BOUNTIES = st.sampled_from([1, 7, 10**9, 10**18, 10**18 + 3])


@settings(max_examples=400, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    bounty=BOUNTIES,
    money=st.integers(TERMS.min_stake, 200 * TERMS.min_stake),
    addresses=st.integers(1, 20),
    honest=st.integers(1, 4),
)
def test_no_split_of_a_partys_money_buys_a_forfeit_back(seed, bounty, money, addresses, honest):
    """The provider's side (its own balance and `addresses` other addresses) spends `money` on
    stakes, split at random over those addresses and over any number of contributions
    (each at least min_stake), mixed at random with `honest` others' contributions. Shared by
    stake, one large stake took the forfeited bounty back; shared by contribution, many small
    ones did. Now, whatever the split:

    - withholding returns the side exactly `money` (its stakes) and not one wei of the
      bounty, and every honest contributor exactly its stakes;
    - revealing returns the side what the reward pass gives it: the provider's leftover plus
      its addresses' balances. Withholding never pays more, except by sparing the side's own
      addresses what their samples lost under the reveal (a loss they chose to risk):
      withheld <= revealed + losses.

    Chain-free (the mirror of the pass; `test_random_markets` holds the contract to it)."""
    from sharedmodels.market.rules import Contribution, forfeit_shares, reward_pass, slot_fee

    rng = random.Random(seed)
    unit = TERMS.min_stake
    # A split of `money` into stakes of at least min_stake, dealt to the side's addresses.
    stakes, left = [], money
    while left >= 2 * unit and rng.random() < 0.8:
        s = rng.randint(unit, left - unit)
        stakes.append(s)
        left -= s
    stakes.append(left)
    side = [f"0x{0xA0 + i:040x}" for i in range(addresses)]
    others = [f"0x{0x10 + i:040x}" for i in range(honest)]
    sent = [
        Contribution(rng.choice(side), sample(rng, rng.randint(1, 4)), rng.randint(0, 1), s)
        for s in stakes
    ]
    for _ in range(rng.randint(1, 6)):
        x = sample(rng, rng.randint(1, 4))
        sent.append(Contribution(rng.choice(others), x, truth(x), rng.randint(unit, 3 * unit)))
    rng.shuffle(sent)
    rows, labels = dataset(rng, rng.randint(4, 24))

    withheld = forfeit_shares(sent)
    assert sum(withheld.get(a, 0) for a in side) == money
    for o in others:
        assert withheld.get(o, 0) == sum(c.stake for c in sent if c.who == o)

    fee = slot_fee(TERMS.min_stake)
    test = list(zip(rows, labels, strict=True))
    outcome = reward_pass(bounty, test, sent, n_features=N_FEATURES, slot_fee=fee)
    revealed = outcome.provider + sum(outcome.balances.get(a, 0) for a in side)
    staked = {a: sum(c.stake for c in sent if c.who == a) for a in side}
    losses = sum(max(0, staked[a] - outcome.balances.get(a, 0)) for a in side)
    assert money <= revealed + losses


@settings(max_examples=400, deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 2**32 - 1),
    bounty=st.integers(24, 10**18),
    fee=st.integers(1, TERMS.min_stake),
    negatives=st.integers(0, 6),
)
def test_whoever_forces_a_pass_pays_for_it(seed, bounty, fee, negatives):
    """Chain-free (the mirror of the pass; `test_random_markets` holds the contract to it).
    Honest contributions mixed with `negatives` label flippers from their own addresses, any
    stakes, any slot fee up to the minimum stake (the contract's is an eighth of it):

    - every pass but the last ends with at least one drop-out that scored below zero, and
      those drop-outs pay one slot fee each into the work fund, however many contributions
      anyone committed: the pass their drop forces is paid for by them, not by the keeper;
    - a drop in the last pass (no restart follows it) is charged nothing;
    - nobody else is ever charged, and nobody is charged more than its stake;
    - the wei add up: balances + the provider's leftover + the charges == bounty + stakes."""
    from sharedmodels.market.rules import Contribution, reward_pass

    rng = random.Random(seed)
    unit = TERMS.min_stake
    rows, labels = dataset(rng, rng.randint(4, 24))
    sent = []
    for i in range(rng.randint(1, 6)):
        x = sample(rng, rng.randint(1, 4))
        sent.append(Contribution(f"0x{0x10 + i:040x}", x, truth(x), rng.randint(unit, 3 * unit)))
    for i in range(negatives):
        x = sample(rng, rng.randint(1, 4))
        who = f"0x{0xA0 + i:040x}"
        sent.append(Contribution(who, x, 1 - truth(x), rng.randint(unit, 3 * unit)))
    rng.shuffle(sent)
    test = list(zip(rows, labels, strict=True))
    out = reward_pass(bounty, test, sent, n_features=N_FEATURES, slot_fee=fee)
    stakes = {}
    for c in sent:
        stakes[c.who] = stakes.get(c.who, 0) + c.stake
    for p in out.passes[:-1]:
        forced = [w for w in p.dropped if p.scores.get(w, 0) < 0]
        assert forced, f"pass {p.epoch} restarted with no negative drop-out"
        for w in forced:
            assert out.charged[w] == fee
    assert not set(out.charged) & set(out.passes[-1].dropped)
    for w, paid in out.charged.items():
        assert w in out.dropped and 0 < paid <= stakes[w]
        assert any(w in p.dropped and p.scores.get(w, 0) < 0 for p in out.passes)
    total = sum(out.balances.values()) + out.provider + sum(out.charged.values())
    assert total == bounty + sum(stakes.values())
    assert all(b >= 0 for b in out.balances.values()) and out.provider >= 0
