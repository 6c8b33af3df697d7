"""The hub's pool rule and its simulation, chain-free: the budget formula's bounds, a period's
split conserving every wei in any claim order (Hypothesis), and the agents' outcomes."""

from hypothesis import given, settings
from hypothesis import strategies as st

from sharedmodels.hub.rules import PeriodMirror, budget
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
    # The flipper is not stopped by this rule (docs/hub.md): it is paid like a contributor
    # whose refunded samples changed the model; we record that it gets no more than an
    # honest contributor's typical share.
    assert by["flipper"].paid <= max(a.paid for a in honest) * 2
