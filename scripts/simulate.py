"""The articles' simulations on a local chain, with plots.

    ape run simulate --preset drt [--samples 25000] [--dataset rt|imdb:PATH] [--out DIR]
        [--seed 0] [--quiet]

Presets: ``drt`` (deposit, refund and take: a good and a label-flipping agent at the same
pace), ``drt-adversary`` (the flipper has twice the money, same pace), ``points``
(free contributions and points: a good, a careless and a label-flipping agent) and ``market``
(the prediction market: contributors stake, a committed test set decides the payouts). Writes
``series.csv``, ``series.json``, ``plot.png`` (balances as % of start and accuracy over
simulated days) and ``summary.txt`` to ``--out`` (default ``simulations/<preset>``), and prints
the summary, with the fast path's rate next to a one-transaction-at-a-time baseline measured in
the same run.
"""

from dataclasses import replace
from pathlib import Path

import click

from sharedmodels import cli as c
from sharedmodels.registry import MODELS, model_spec
from sharedmodels.runs.bench import replace_section
from sharedmodels.simulation.outputs import summary_lines, write_outputs
from sharedmodels.simulation.presets import PRESETS
from sharedmodels.simulation.run import simulate


@click.command(cls=c.ConnectedCommand, short_help="Run an incentive simulation.")
@click.option("--preset", type=click.Choice(sorted(PRESETS)), default="drt", show_default=True)
@click.option(
    "--samples",
    type=click.IntRange(10, 1_000_000),
    default=None,
    help="Contributions to simulate [default: 25,000; 8,000 for the market, as in the articles]",
)
@click.option("--dataset", default="rt", show_default=True, help="rt | imdb:PATH | csv:PATH")
@click.option("--out", default=None, help="Output folder (default: simulations/<preset>).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--model",
    type=click.Choice(sorted(m.name for m in MODELS.values() if not m.dense)),  # text models
    default=None,
    help="The model under deposit/refund/take or Points (default: the preset's, else "
    "naive_bayes; the market is a Perceptron). On "
    "rt's short snippets a Perceptron memorises every sample, so flipped labels get "
    "refunded; Naive Bayes judges them against all the counts.",
)
@c.judging_opt("the preset's, as-is for a model that offers nothing else")
@click.option(
    "--benchmarks",
    "benchmarks",
    is_flag=True,
    help="Also write the run's rate against the baseline into BENCHMARKS.md (make bench).",
)
@c.quiet_opt
@c.ape_verbosity
@c.one_line_errors
def cli(network, preset, samples, dataset, out, seed, model, judging, benchmarks, quiet):
    """Run one of the articles' incentive simulations against the contracts on a local chain, with
    the clock jumping ahead: agents (honest, careless, label flippers, a richer adversary)
    contribute and claim; writes series (CSV, JSON), a plot and a summary to --out and prints
    the summary."""
    from ape import chain

    if not chain.provider.network.is_local:
        raise click.ClickException("the simulation moves time: run it on a local network")
    p = PRESETS[preset]
    model = model or p.model or "naive_bayes"
    if judging is not None:
        if p.incentive is None:
            raise click.BadParameter("the market has no judging rule", param_hint="--judging")
        loo = judging == "leave-one-out"
        p = replace(p, incentive=replace(p.incentive, leave_one_out=loo))
    if (
        p.incentive is not None
        and p.incentive.leave_one_out
        and not model_spec(model).leave_one_out
    ):
        if judging is not None:
            raise click.BadParameter(
                f"{model} does not offer leave-one-out judging (docs/incentives.md)",
                param_hint="--judging",
            )
        p = replace(p, incentive=replace(p.incentive, leave_one_out=False))
    samples = samples or p.default_samples
    folder = Path(out or f"simulations/{preset}")
    with c.progress_bar(samples, f"simulate {preset}", quiet) as bar:

        def progress(n, acc):
            if n == 0:  # set-up (dataset, deployment, pre-training, baseline) is over
                bar.reset(total=samples)
            bar.update(n)
            bar.set_postfix(accuracy=f"{100 * acc:.1f}%")

        def status(text):  # the market's reward pass, after the last sample
            bar.set_description_str(f"simulate {preset}: {text}")

        result = simulate(
            p,
            samples,
            dataset=dataset,
            seed=seed,
            model=model,
            on_progress=progress,
            on_status=status,
        )
    paths = write_outputs(result, folder)
    for line in summary_lines(result):
        click.echo(line)
    click.echo(f"wrote        {', '.join(str(v) for v in paths.values())}")
    if benchmarks:
        replace_section(Path("BENCHMARKS.md"), f"simulate-{preset}", _bench_text(result))


def _bench_text(r) -> str:
    last = r.rows[-1]
    ratio = r.tx_rate / r.baseline_rate if r.baseline_rate else 0
    finals = (
        f"{a.name} {b:,} points" if not s else f"{a.name} {100 * b / s:.1f}%"
        for a, b, s in zip(r.preset.agents, last.balances, r.starts, strict=True)
    )
    return (
        f"`{r.preset.name}`, {r.samples:,} samples on {r.dataset} ({r.model}): "
        f"{r.transactions:,} transactions in {r.elapsed_s:.1f} s after set-up "
        f"({r.rate:.0f} samples/s, accuracy checks included): **{r.tx_rate:.0f} "
        f"transactions/s** through the fast path against **{r.baseline_rate:.1f}/s** through "
        f"Ape one transaction at a time, **{ratio:.0f}x**, measured in the same run. Final: "
        + ", ".join(finals)
        + f"; accuracy {100 * r.baseline_accuracy:.1f}% -> {100 * (last.accuracy or 0):.1f}%.\n"
    )
