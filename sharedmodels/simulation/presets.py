"""The simulation presets: agents, their pace and honesty, the incentive or market terms."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass

from sharedmodels.market.driver import (
    DEFAULT_BUDGET,
)
from sharedmodels.trainers.client import Incentive
from sharedmodels.units import DAY, ETH


@dataclass(kw_only=True, frozen=True)
class MarketSetup:
    """The market's terms in a simulation."""

    bounty_eth: float = 10.0
    stake_eth: float = 0.001
    #: The provider's committed test set (pieces of ``MAX_PIECE`` samples). Every Perceptron
    #: update touches common words that most test samples share, so the reward pass's work
    #: grows with this: 128 halves 256's time and still scores the agents apart.
    test_size: int = 128
    budget: int = DEFAULT_BUDGET
    #: ``step`` transactions sent per batch, and the simulated seconds between two steps.
    steps_per_batch: int = 16
    step_s: int = 600


@dataclass(frozen=True)
class AgentSpec:
    """``kind``: good (the dataset's labels, wrong at ``mistake_rate``), bad (flipped labels),
    or adversary (flipped labels, with more money to spend than the good agent). ``pace`` is
    the agent's share of the samples relative to the others'. ``budget_eth`` is the most it
    will have out at any time, deposits or stakes net of what came back (None: its whole
    balance); it skips samples that would take it further below its start."""

    name: str
    kind: str
    _: KW_ONLY
    start_eth: float = 100.0
    pace: float = 1.0
    mistake_rate: float = 0.0
    budget_eth: float | None = None

    def affordable(self, balance: int, price: int) -> int:
        """How many contributions at ``price`` wei it will pay for at ``balance``."""
        if not price:
            return 1 << 62
        start = int(self.start_eth * ETH)
        floor = 0 if self.budget_eth is None else max(0, start - int(self.budget_eth * ETH))
        return max(0, balance - floor) // price

    @property
    def flips(self) -> bool:
        return self.kind in ("bad", "adversary")


@dataclass(frozen=True)
class Preset:
    name: str
    _: KW_ONLY
    description: str
    agents: tuple[AgentSpec, ...]
    #: The model's incentive (deposit/refund/take or Points), or None for the market.
    incentive: Incentive | None
    #: Simulated seconds per sample: a round of ``round_size`` samples advances the clock by
    #: ``round_size * sample_s``. A round's transactions share few blocks, so most
    #: contributions pay the deposit for zero quiet seconds (``cost_weight * 3600``).
    sample_s: int = 60
    pretrain: int = 2000
    test_size: int = 500
    round_size: int = 500
    #: The prediction market's terms (the ``market`` preset).
    market: MarketSetup | None = None
    #: ``ape run simulate``'s default sample count.
    default_samples: int = 25_000
    #: The preset's own model and text encoder (``--encoder`` form), if it has them.
    model: str | None = None
    encoder: str | None = None

    @property
    def mechanism(self) -> str:
        return "market" if self.market else self.incentive.kind


PRESETS: dict[str, Preset] = {
    "drt": Preset(
        "drt",
        description="deposit, refund and take: one good agent, one label-flipping agent, same pace",
        agents=(AgentSpec("good", "good"), AgentSpec("bad", "bad")),
        incentive=Incentive(
            "stake",
            refund_wait=DAY,
            owner_wait=3 * DAY,
            any_wait=7 * DAY,
            cost_weight=2 * 10**13,
            leave_one_out=True,
        ),
    ),
    "drt-adversary": Preset(
        "drt-adversary",
        description="deposit, refund and take against an adversary willing to spend twice as much",
        agents=(AgentSpec("good", "good"), AgentSpec("adversary", "adversary", start_eth=200.0)),
        incentive=Incentive(
            "stake",
            refund_wait=DAY,
            owner_wait=3 * DAY,
            any_wait=7 * DAY,
            cost_weight=2 * 10**13,
            leave_one_out=True,
        ),
    ),
    "articles": Preset(
        "articles",
        description=(
            "the articles' experiment: a Perceptron on a 1,000-word vocabulary, "
            "deposit/refund/take, an adversary willing to spend twice what the good agent has"
        ),
        agents=(AgentSpec("good", "good"), AgentSpec("adversary", "adversary", start_eth=200.0)),
        incentive=Incentive(
            "stake", refund_wait=DAY, owner_wait=3 * DAY, any_wait=7 * DAY, cost_weight=2 * 10**13
        ),
        model="perceptron",
        encoder="vocab:1000",
    ),
    "points": Preset(
        "points",
        description=(
            "Points: free contributions, a point for each one the model later agrees with; a good "
            "agent, a careless one (30% wrong labels) and a label flipper"
        ),
        agents=(
            AgentSpec("good", "good", start_eth=0.0),
            AgentSpec("careless", "good", start_eth=0.0, mistake_rate=0.3),
            AgentSpec("bad", "bad", start_eth=0.0),
        ),
        incentive=Incentive(
            "points", refund_wait=DAY, owner_wait=0, any_wait=0, cost_weight=0, leave_one_out=True
        ),
    ),
    "market": Preset(
        "market",
        description=(
            "prediction market: a good and a label-flipping contributor stake 0.001 ETH a sample; "
            "a committed test set of 128 scores them and shares a 10 ETH bounty"
        ),
        agents=(AgentSpec("good", "good", start_eth=10.0), AgentSpec("bad", "bad", start_eth=10.0)),
        incentive=None,
        pretrain=1000,
        market=MarketSetup(),
        default_samples=8_000,
    ),
}
