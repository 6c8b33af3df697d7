"""The simulations' agents and ledger, off-chain: each policy's labels and its use of the
random stream (a run is reproducible from its seed only if every draw happens in order), the
books a row is read from."""

import random
from dataclasses import FrozenInstanceError, fields

import pytest

from sharedmodels.simulation.agents import Agent, Ledger, draw_owners, make_agents
from sharedmodels.simulation.common import Result, Row
from sharedmodels.simulation.presets import PRESETS, AgentSpec

SAMPLES = [([1], 0), ([2], 1), ([3], 1), ([4], 0)]


def agent(kind, mistake_rate=0.0, index=0):
    return Agent(index=index, spec=AgentSpec(kind, kind, mistake_rate=mistake_rate), account=None)


def test_good_agent_sends_true_labels_and_draws_nothing():
    rng = random.Random(1)
    assert agent("good").labels(SAMPLES, rng) == [0, 1, 1, 0]
    assert rng.random() == random.Random(1).random()  # the stream did not move


@pytest.mark.parametrize("kind", ["bad", "adversary"])
def test_flippers_flip_every_label_without_drawing(kind):
    rng = random.Random(1)
    assert agent(kind).labels(SAMPLES, rng) == [1, 0, 0, 1]
    assert rng.random() == random.Random(1).random()


def test_careless_agent_draws_once_a_sample_and_errs_below_its_rate():
    rng, twin = random.Random(7), random.Random(7)
    got = agent("good", mistake_rate=0.5).labels(SAMPLES, rng)
    draws = [twin.random() for _ in SAMPLES]
    assert got == [1 - y if d < 0.5 else y for (_, y), d in zip(SAMPLES, draws, strict=True)]
    assert rng.random() == twin.random()  # exactly one draw a sample


def test_own_picks_the_agents_samples_in_order():
    chunk = [(s, i % 2) for i, s in enumerate(SAMPLES)]
    assert agent("good", index=1).own(chunk) == [SAMPLES[1], SAMPLES[3]]
    assert agent("good", index=2).own(chunk) == []


def test_owners_are_drawn_by_pace_as_one_choices_call():
    specs = (AgentSpec("a", "good", pace=1.0), AgentSpec("b", "bad", pace=3.0))
    agents = make_agents(specs, ["acct-a", "acct-b", "unused"])
    assert [a.account for a in agents] == ["acct-a", "acct-b"]
    got = draw_owners(agents, 50, random.Random(3))
    assert got == random.Random(3).choices(range(2), weights=[1.0, 3.0], k=50)


def test_ledger_opens_at_the_starts_and_rows_are_snapshots():
    agents = make_agents(PRESETS["drt-adversary"].agents, [None, None])
    ledger = Ledger.open(agents)
    assert ledger.starts == ledger.balances == [100 * 10**18, 200 * 10**18]
    row = ledger.record(time=5, samples=0, accuracy=0.5, held=[0, 0])
    ledger.balances[0] -= 7
    ledger.count("refunds", 1)
    ledger.count("contributions", 0, 3)
    after = ledger.record(time=6, samples=3, accuracy=None, held=[7, 0])
    assert row.balances == [100 * 10**18, 200 * 10**18] and row.refunds == [0, 0]
    assert after.balances[0] == 100 * 10**18 - 7 and after.refunds == [0, 1]
    assert after.contributions == [3, 0] and ledger.rows == [row, after]
    with pytest.raises(AttributeError):
        ledger.count("bribes", 0)


@pytest.mark.parametrize("cls", [Row, Result, Ledger, Agent])
def test_records_take_keywords_only(cls):
    assert all(f.kw_only for f in fields(cls))
    with pytest.raises(TypeError, match="positional argument"):
        cls(1)


def test_agent_spec_is_frozen():
    with pytest.raises(FrozenInstanceError):
        PRESETS["drt"].agents[0].kind = "bad"
