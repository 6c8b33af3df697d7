"""The hub's pool rule and its simulation, chain-free: the budget formula's bounds, a period's
split conserving every wei in any claim order (Hypothesis), the cancellation's arithmetic, and
the agents' outcomes."""

from hypothesis import given, settings
from hypothesis import strategies as st

from sharedmodels.hub.rules import (
    PeriodMirror,
    ScoredSample,
    budget,
    cancellation,
    keeper_pay,
    moving,
    parts,
    pushed,
)
from sharedmodels.simulation.hub import simulate_hub, topics


@given(
    available=st.integers(0, 10**30),
    a_samples=st.integers(1, 1024),
    b_samples=st.integers(1, 1024),
    data=st.data(),
)
def test_budget_is_the_closed_share_of_the_error_and_never_more_than_the_pool(
    available, a_samples, b_samples, data
):
    a_correct = data.draw(st.integers(0, a_samples))
    b_correct = data.draw(st.integers(0, b_samples))
    got = budget(available, a_samples, a_correct, b_samples, b_correct)
    assert 0 <= got <= available
    gain = b_correct / b_samples - a_correct / a_samples
    if gain <= 0:
        assert got == 0
    else:
        exact = available * gain / (1 - a_correct / a_samples)
        assert abs(got - exact) <= 1 + exact * 1e-9
    if b_correct == b_samples and a_correct < a_samples:
        assert got == available  # a perfect record closes the whole gap


@settings(max_examples=300)
@given(
    amount=st.integers(0, 10**24),
    shares=st.lists(st.integers(1, 50), min_size=1, max_size=12),
    data=st.data(),
)
def test_claims_pay_out_the_budget_to_the_wei_in_any_order(amount, shares, data):
    period = PeriodMirror(amount, {f"c{i}": s for i, s in enumerate(shares)})
    order = data.draw(st.permutations(list(period.shares)))
    paid = {who: period.claim(who) for who in order}
    assert sum(paid.values()) == amount  # nothing lost, nothing created
    total = sum(shares)
    for who, got in paid.items():
        fair = amount * period.shares[who] // total
        assert fair <= got <= fair + len(shares)  # only the last claimer gets the remainder


@given(
    amount=st.integers(0, 10**24),
    shares=st.integers(1, 10**6),
    data=st.data(),
)
def test_a_keepers_pay_leaves_every_other_share_worth_what_it_was(amount, shares, data):
    """``HubPool._pay_keeper``: at most the gas at the base fee and at most the cut shares'
    worth, so that the period's other shares are worth no less after the cut and the pay."""
    cut = data.draw(st.integers(1, shares))
    gas = data.draw(st.integers(0, 30_000_000))
    fee = data.draw(st.integers(0, 10**12))
    pay = keeper_pay(gas, fee, budget=amount, cut=cut, shares=shares)
    assert pay == min(gas * fee, amount * cut // shares)
    # (amount - pay) / (shares - cut) >= amount / shares, cross-multiplied.
    assert (amount - pay) * shares >= amount * (shares - cut)


def test_agents_on_a_two_topic_corpus():
    rows, labels = topics(6000, shared=0.5, words=20)
    sim = simulate_hub(rows, labels, 2**12, pretrain=20, per_agent=25, seed=0)
    assert sim.conservation()
    by = {a.policy: a for a in sim.agents}
    honest = [a for a in sim.agents if a.policy == "honest"]
    total = sim.paid_total
    assert total > 0
    # Honest contributors together get at least their share of what was sent (half).
    assert sum(a.paid for a in honest) >= total // 2
    # The farmer's samples almost never change a Perceptron.
    assert by["farmer"].paid <= total // 20
    # The flipper's steps move the closing scores away from their labels: little or nothing.
    assert by["flipper"].paid <= total // 10


def test_noise_farmer_and_the_old_rule():
    """The attacker review's noise farmer (fresh features, alternating labels) takes about a
    third of the payouts under one share per good contribution, nothing under the push."""
    rows, labels = topics(6000, shared=0.5, words=20)
    policies = ("honest", "honest", "noise", "flipper")
    old = simulate_hub(
        rows, labels, 2**12, policies=policies, pretrain=20, per_agent=25, rule="good"
    )
    new = simulate_hub(rows, labels, 2**12, policies=policies, pretrain=20, per_agent=25)
    noise_old, noise_new = (next(a for a in s.agents if a.policy == "noise") for s in (old, new))
    assert old.conservation() and new.conservation()
    assert noise_old.paid > old.paid_total // 5 and new.paid_total > 0 and noise_new.paid == 0


def test_pushed_counts_shared_features_for_and_against():
    test = [
        ScoredSample((1, 2), (), 1, 0),
        ScoredSample((1, 3), (), 0, 0),
        ScoredSample((2, 3, 4), (), 1, 0),
    ]
    assert pushed([9], 1, test) == 0  # no shared feature: nothing
    assert pushed([1], 1, test) == 0  # +1 -1: refused by enter
    assert pushed([2], 1, test) == 2
    assert pushed([2, 4], 1, test) == 3  # two features of one sample count twice
    assert pushed([2, 4], 0, test) == -3
    assert pushed([1, 2], 1, test) == 2  # +2 (sample 1) -1 (sample 2) +1 (sample 3)


def test_undo_pairs_judged_unjudged_and_cancelled():
    """The undo pairs take more when no contribution is judged (every one still in its refund
    wait at the record: ``HubPool.enter`` asks no judgement), and almost nothing once opposite
    steps on shared features cancel (measured, not in the contract); no wei is lost."""
    rows, labels = topics(6000, shared=0.5, words=20)
    policies = ("honest", "honest", "pairs", "flipper")
    runs = {
        name: simulate_hub(rows, labels, 2**12, policies=policies, pretrain=20, per_agent=25, **kw)
        for name, kw in (
            ("judged", {}),
            ("unjudged", {"unjudged": 1.0}),
            ("cancel", {"unjudged": 1.0, "cancel": True}),
        )
    }
    pairs = {name: next(a for a in s.agents if a.policy == "pairs") for name, s in runs.items()}
    assert all(s.conservation() and s.paid_total > 0 for s in runs.values())
    share = {name: pairs[name].paid / runs[name].paid_total for name in runs}
    assert share["unjudged"] > share["judged"] > share["cancel"]
    assert share["cancel"] <= 0.05


def test_cancellation_is_the_positive_push_on_shared_features_not_used_before():
    """``HubPool.cancel``'s cut: what the features both steps carry, less the positions either
    used in an earlier cancellation, are worth to the target, feature by feature, each only
    when it pushed toward the labels; the positions it uses are returned: only those of
    features worth more than 0 to the target (seventh review: a feature worth nothing, spent,
    kept the other step from cutting anything else there)."""
    test = [
        ScoredSample((7, 100), (), 0, 0),
        ScoredSample((7, 101), (), 0, 0),
        ScoredSample((9, 102), (), 1, 0),
    ]
    # target [7, 9, 50] label 0, other [7, 9] label 1: shared 7 (+2) and 9 (-1: not spent)
    assert cancellation([7, 9, 50], 0, [7, 9], test) == (2, {0}, {0})
    assert cancellation([7, 9, 50], 0, [9, 7], test) == (2, {0}, {0})  # sorted first
    assert cancellation([7, 9, 50], 0, [7, 9], test, done_target={1}) == (2, {0}, {0})
    assert cancellation([7, 9, 50], 0, [7, 9], test, done_target={0}) == (0, set(), set())
    assert cancellation([7, 9, 50], 0, [7, 9], test, done_other={0}) == (0, set(), set())
    # label 1 on the same pair: 9 is worth +1 and spent, 7 (-2) is not
    assert cancellation([7, 9, 50], 1, [7, 9], test) == (1, {1}, {1})
    assert cancellation([50], 0, [7, 9], test) == (0, set(), set())
    assert cancellation([7], 1, [7, 100], test)[0] == 0 and pushed([7], 1, test) == -2
    # The parts add up however the features are split; the set's push nets them.
    assert parts([7, 9], 0, test) == parts([7], 0, test) + parts([9], 0, test) == 2
    assert pushed([7, 9], 0, test) == 1
    assert parts([9], 1, test) == 1 and parts([100, 101, 102], 0, test) == 2


def test_moving_hands_on_the_cut_features_the_later_step_carries_uncut():
    """``HubPool.move_cut``: the positions of ``source`` cut, whose feature ``dest`` carries
    and has not cancelled; worth what they push toward ``source``'s label."""
    test = [
        ScoredSample((7, 100), (), 0, 0),
        ScoredSample((7, 101), (), 0, 0),
        ScoredSample((9, 102), (), 1, 0),
    ]
    # source [7, 9, 50] had 7 and 9 cut (positions 0, 1); dest [9, 7, 60] sorts to [7, 9, 60]
    assert moving([7, 9, 50], 0, [9, 7, 60], test, cut_source={0, 1}, done_dest=set()) == (
        2,
        {0, 1},
        {0, 1},
    )
    assert moving([7, 9, 50], 0, [7, 9, 60], test, cut_source={0, 1}, done_dest={0}) == (
        0,
        {1},
        {1},
    )
    assert moving([7, 9, 50], 0, [7, 9, 60], test, cut_source={1}, done_dest=set()) == (0, {1}, {1})
    assert moving([7, 9, 50], 0, [50], test, cut_source={0, 1}, done_dest=set()) == (
        0,
        set(),
        set(),
    )
    assert moving([7, 50], 0, [7, 50], test, cut_source={0, 1}, done_dest=set()) == (
        2,
        {0, 1},
        {0, 1},
    )
