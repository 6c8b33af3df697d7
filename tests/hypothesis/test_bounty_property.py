"""Properties over random model bounties.

- Whatever the models (every kind, random shapes and parameters, some of them the concept
  itself so that ties happen), the stakes, which submissions are sealed or left unfinished,
  the threshold, the scoring fee (none, or up to the largest the minimum stake allows), the
  keeper and the ending (the organiser reveals and everything is scored,
  or only some of it by the scoring deadline, or it stays silent), the contract's payouts
  equal the Python rules fed what the test sent: the winner is the first argmax of the
  integer mirror's scores among the fully scored, the keepers earn every scoring fee taken,
  every withdrawal (submitters, organiser, keepers) plus the burned stakes of the unsealed
  adds up to the prize and the stakes to the wei, and the contract ends holding exactly the
  burned stakes (and the prize, after a forfeit with a model sealed). Every ending runs in
  every test session.
- No deviation pays: a silent organiser never gets a wei of the prize back once a model is
  sealed (a forfeit burns it), an unsealed model never wins, however well it would have
  scored, and whoever takes the pot
  (the organiser or the winner) never receives a wei of an unsealed stake.
"""

import random

import pytest
from bounty_helpers import (
    CLASSES,
    DIM,
    FEE,
    TERMS,
    good_perceptron,
    groups,
    open_bounty,
    random_model,
)
from eth_abi import encode
from eth_utils import keccak
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sharedmodels.bounty.driver import Terms, conservation, phase, withdraw_all
from sharedmodels.bounty.models import CENTROID, MLP, PERCEPTRON
from sharedmodels.bounty.rules import (
    GROUP_TAG,
    draw_test_mask,
    group_commitment,
    max_fee,
    sample_hash,
)


def _model(rng: random.Random):
    kind = rng.choice([PERCEPTRON, CENTROID, MLP, "good"])
    if kind == "good":
        return good_perceptron()
    if kind == MLP:
        return random_model(rng, MLP, rng.randint(1, 4), rng.choice([0, rng.randint(1, 3)]))
    return random_model(rng, kind)


@pytest.mark.parametrize("ending", ["reveal", "deadline", "silent"])
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,  # the same examples every run: a kill does not hang on a seed
)
@given(seed=st.integers(0, 2**32 - 1))
def test_random_bounties(project, chain, accounts, ending, seed):
    rng = random.Random(seed)
    organiser = accounts[0]
    people = [accounts[i] for i in (1, 2, 3, 4)]
    k = rng.randint(4, 6)
    prize = rng.choice([1, 10**9 + 7, rng.randint(1, 2 * 10**18)])
    threshold = rng.choice([0, 5000, 8000, 10000])
    test_groups = rng.randint(1, k - 1)
    top = TERMS.min_stake // max_fee(1, DIM, CLASSES, test_groups)  # the largest rate allowed
    rate = rng.choice([0, FEE, top])
    run = open_bounty(
        project,
        chain,
        organiser,
        groups(rng, k, rng.randint(1, 4)),
        test_groups=test_groups,
        threshold_bps=threshold,
        prize=prize,
        terms=Terms(TERMS.min_stake, scoring_fee=rate),
    )
    run.open()
    sealed = []
    for _ in range(rng.randint(1, 5)):
        who = rng.choice(people)
        e = run.submit(who, _model(rng), rng.randint(TERMS.min_stake, 3 * TERMS.min_stake), 5)
        sealed.append(rng.random() < 0.75)
    run.to_uploads()
    for (who, e, _), seal in zip(run.entrants, sealed, strict=True):
        if seal:
            run.upload(who, e)
        elif rng.random() < 0.5:  # an unfinished upload
            run.contract.upload(e.id, e.salt, 0, list(e.model.params[:2]), sender=who)
    run.to_reveal()
    if ending == "silent":
        tests = [i for i in range(k) if run.mask >> i & 1]
        for i in tests[: rng.randint(0, len(tests) - 1)]:  # at most all but one
            run.contract.reveal_test(
                i, run.secrets.salts[i], run.secrets.groups[i], sender=organiser
            )
        chain.pending_timestamp = int(run.contract.reveal_deadline()) + 1
        run.contract.forfeit(sender=rng.choice(people))
        want = run.expected_forfeit()
        if any(sealed):
            assert want.organiser == 0 and int(run.contract.organiser_due()) == 0
    else:
        run.reveal_tests()
        keeper = rng.choice([*people, organiser])
        ids = [i for i, seal in enumerate(sealed) if seal]
        if ending == "deadline":  # some scored, one perhaps part-way, the rest never
            rng.shuffle(ids)
            ids = ids[: rng.randint(0, len(ids))]
        stepped = bool(run.evaluate(keeper=keeper, ids=ids))
        if ending == "deadline":
            rest = [i for i, seal in enumerate(sealed) if seal and i not in ids]
            if rest and rng.random() < 0.5:
                run.contract.step(rest[0], sender=keeper)
                stepped = True
            run.to_scoring_deadline()
        run.contract.finalize(sender=rng.choice(people))
        want = run.expected()
        assert int(run.contract.fees_due(keeper)) == want.keepers
        assert want.keepers > 0 if rate and stepped else want.keepers == 0
        assert run.contract.has_winner() == (want.winner is not None)
        if want.winner is not None:
            assert int(run.contract.winner()) == want.winner
            assert sealed[want.winner] and run.contract.submissions(want.winner).scored
    assert run.dues() == want.dues
    assert int(run.contract.organiser_due()) == want.organiser
    burned = sum(
        stake for (_, _, stake), seal in zip(run.entrants, sealed, strict=True) if not seal
    )
    if ending == "silent" and any(sealed):
        burned += prize  # a forfeit with a model sealed burns the prize
    assert want.burned == burned == int(run.contract.burned())
    # The pot's taker gets the prize at most: no unsealed stake reaches the organiser or a
    # winner (whose due is its own stake less its fee, plus the prize).
    assert want.organiser in (0, prize)
    for i, (_, _, stake) in enumerate(run.entrants):
        assert want.dues[i] <= stake + prize
    assert sum(want.dues) + want.organiser + want.keepers + burned == prize + sum(
        stake for _, _, stake in run.entrants
    )
    ok, figures = conservation(run.contract, chain)
    assert ok, figures
    paid = withdraw_all(run.contract, [*people, organiser], organiser)
    assert sum(paid.values()) + burned == prize + sum(stake for _, _, stake in run.entrants)
    assert run.contract.balance == burned
    assert phase(run.contract) in ("done", "forfeited")


@settings(max_examples=200, deadline=None)
@given(
    seed=st.binary(min_size=32, max_size=32),
    k=st.integers(4, 16),
    data=st.data(),
)
def test_the_draw_picks_exactly_the_asked_number_of_groups(seed, k, data):
    t = data.draw(st.integers(1, k - 1))
    mask = draw_test_mask(seed, k, t)
    assert bin(mask).count("1") == t and mask < 2**k


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.lists(st.integers(-(2**40), 2**40), min_size=DIM, max_size=DIM),
            st.integers(0, CLASSES - 1),
        ),
        min_size=2,
        max_size=6,
    ),
    salt=st.binary(min_size=32, max_size=32),
    cut=st.integers(1, 5),
)
def test_no_cut_of_a_group_matches_its_commitment(rows, salt, cut):
    """A prefix or a suffix (from the chain value after `cut` samples) commits differently."""
    cut = min(cut, len(rows) - 1)
    full = group_commitment(31337, salt, rows)
    assert group_commitment(31337, salt, rows[:cut]) != full
    acc = keccak(
        encode(["bytes32", "uint256", "bytes32", "uint256"], [GROUP_TAG, 31337, salt, len(rows)])
    )
    for x, y in rows[:cut]:
        acc = keccak(acc + sample_hash(x, y))
    assert group_commitment(31337, acc, rows[cut:]) != full
