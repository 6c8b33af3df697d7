"""``simulate``: run any preset, a trainer's incentive or the prediction market, on the
connected local chain.

    result = simulate(PRESETS["drt"], samples=25_000)
    write_outputs(result, Path("simulations/drt"))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sharedmodels.simulation.common import Result, Run
from sharedmodels.simulation.incentives import simulate_trainer
from sharedmodels.simulation.market import simulate_market
from sharedmodels.simulation.presets import Preset


def simulate(
    preset: Preset,
    samples: int,
    *,
    dataset: str = "rt",
    seed: int = 0,
    model: str = "naive_bayes",
    accounts: Sequence[Any] | None = None,
    on_progress: Callable[[int, float], None] | None = None,
    sample_every: int | None = None,
    baseline_n: int = 25,
    on_status: Callable[[str], None] | None = None,
) -> Result:
    """Run ``preset`` for ``samples`` contributions on the connected local chain (see
    :class:`Run` for the rest)."""
    run = Run(
        preset=preset,
        samples=samples,
        dataset=dataset,
        seed=seed,
        model=model,
        accounts=accounts,
        on_progress=on_progress,
        sample_every=sample_every,
        baseline_n=baseline_n,
        on_status=on_status,
    )
    return simulate_market(run) if preset.market else simulate_trainer(run)
