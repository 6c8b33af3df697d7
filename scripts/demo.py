"""The main job on a local chain: a staked model, an honest and a label-flipping contributor.

    ape run demo [--model M] [--dataset D] [--days 6] [--per-day 12] [--pretrain N]
                 [--judging leave-one-out|as-is] [--plot PATH] [--quiet]

1. Deploys the model's staked trainer (``NearestCentroidStake`` by default, pre-trained on ten
   ``sklearn:digits`` samples: a weak start; a text model at the encoder width and smoothing
   ``ape run sweep`` chose, pre-trained on 10,000 rt samples) (refund after 1 day, owner take
   after 3, anyone after 7; 0.06 ETH after a quiet hour), judging refunds leave-one-out.
2. Simulates days (Anvil time jumps). Each day the contributors first refund what the model
   agrees with and report the other's contributions it disagrees with, and the owner takes
   deposits past its window; then each adds samples every half hour while its 3 ETH wallet
   allows. The honest one sends the dataset's labels, the flipper wrong ones.
3. Prints accuracy before, after each day and at the end on 1,000 held-out samples beside the
   commoner-class baseline, saves that learning curve as a PNG, prints how many of each
   contributor's samples were refunded and forfeited, parity (every accepted
   contribution replayed through the reference: scikit-learn for the Perceptron, predictions
   and weights bit-identical; the integer mirror for the other models), each
   actor's balance change, gas per action and contributions by state.
"""

from dataclasses import replace
from pathlib import Path

import click

from sharedmodels import cli as c
from sharedmodels.registry import MODEL_NAMES, model_spec
from sharedmodels.runs.demo import TrainerDemoConfig, plot_curve, result_line, run


def _gas(values) -> str:
    if not values:
        return "-"
    v = sorted(values)
    return f"{v[len(v) // 2]:>9,}  ({v[0]:,}-{v[-1]:,}, {len(v)} calls)"


@click.command(cls=c.ConnectedCommand, short_help="The whole system on a local chain.")
@click.option("--days", type=click.IntRange(1, 30), default=6, show_default=True)
@click.option(
    "--per-day",
    type=click.IntRange(1, 200),
    default=12,
    show_default=True,
    help="Samples each contributor tries to add per day.",
)
@click.option(
    "--flipper-per-day",
    type=click.IntRange(0, 200),
    default=6,
    show_default=True,
    help="Samples the label flipper tries to add per day.",
)
@click.option(
    "--pretrain",
    type=click.IntRange(0, 100_000),
    default=None,
    help="Samples the model is pre-trained on off-chain (at most what the held-out part and "
    "the contributions leave). Default: 10 on sklearn:digits (a weak start the contributions "
    "improve), 10,000 on rt.",
)
@click.option("--model", type=click.Choice(MODEL_NAMES), default="ncc", show_default=True)
@click.option("--dataset", default=None, help="Default: rt, or sklearn:digits for a dense model.")
@c.judging_opt("leave-one-out where the model offers it (not the Perceptrons)")
@click.option(
    "--plot",
    type=click.Path(dir_okay=False),
    default="simulations/demo/learning-curve.png",
    show_default=True,
    help="Where to save the learning curve.",
)
@c.quiet_opt
@c.ape_verbosity
@c.one_line_errors
def cli(network, days, per_day, flipper_per_day, pretrain, model, dataset, judging, plot, quiet):
    """The whole system on a local chain: deploys a staked Nearest Centroid pre-trained on
    only ten handwritten digits and judging leave-one-out, lets simulated days pass with an
    honest and a label-flipping contributor paying deposits, refunding, reporting and taking,
    then prints accuracy before, by day and after beside the commoner-class baseline, the
    refund and forfeit rates, parity with the off-chain reference, and what each actor gained
    or lost."""
    from ape import accounts, chain

    if not (chain.provider.network.is_local or chain.provider.network.is_fork):
        raise click.ClickException("the demo moves time: run it on a local or fork network")
    owner, honest, flipper = (accounts.test_accounts[i] for i in (0, 1, 2))
    dataset = dataset or ("sklearn:digits" if model_spec(model).dense else "rt")
    judging = c.default_judging(model, judging)
    if pretrain is None:
        pretrain = 10 if dataset == "sklearn:digits" else 10_000
    config = TrainerDemoConfig(
        model=model,
        dataset=dataset,
        pretrain=pretrain,
        days=days,
        per_day=per_day,
        flipper_per_day=flipper_per_day,
    )
    config.incentive = replace(config.incentive, leave_one_out=judging == "leave-one-out")
    say = (lambda _: None) if quiet else (lambda m: click.echo(m, err=True))
    r = run(config, owner, honest, flipper, log=say)
    plot_curve(r, Path(plot))

    click.echo("")
    click.echo(f"== sharedmodels demo: {r.contract_name} on {dataset}, {days} simulated days ==")
    click.echo(f"model        {r.contract.address}, pre-trained on {r.pretrained} samples")
    click.echo(
        f"story        an honest contributor ({per_day} samples a day, true labels) and a label "
        f"flipper ({flipper_per_day} a day, wrong labels) pay deposits; each day they refund "
        "what the model agrees with and report the other's it disagrees with, and the owner "
        "takes what waited too long"
    )
    click.echo(
        f"accuracy     {r.accuracy_before:.2%} before -> {r.accuracy_after:.2%} after "
        f"({r.held_out} held-out samples, on-chain predictions; always answering the "
        f"commoner class scores {r.majority:.2%})"
    )
    click.echo("by day       " + " -> ".join(f"{a:.1%}" for a in r.curve) + f"  (plot: {plot})")
    click.echo(f"judging      {r.judging}")
    click.echo(
        f"{r.parity.summary()} ({r.replayed} contributions replayed in "
        f"{r.parity.reference_name})"
    )
    click.echo("")
    click.echo(f"{'actor':<9}{'added':>7}   {'balance change (gas included)':>30}   states")
    for name in ("honest", "flipper", "owner"):
        states = ", ".join(f"{k} {v}" for k, v in sorted(r.states.get(name, {}).items()))
        added = r.added.get(name, 0)
        click.echo(f"{name:<9}{added:>7}   {r.balances[name] / 1e18:>+26.6f} ETH   {states or '-'}")
    for name, state in (("honest", "refunded"), ("flipper", "forfeited")):
        got, total = r.rate(name, state)
        share = f"{got / total:.0%}" if total else "-"
        click.echo(f"{name} samples {state}: {got} of {total} ({share})")
    click.echo("")
    click.echo("gas per action: median (min-max, calls)")
    adds = ("addData",) if "addData" in r.gas else ("addData, no update", "addData, update")
    for action in (*adds, "refund", "report", "take"):
        click.echo(f"  {action:<20}{_gas(r.gas.get(action, []))}")
    click.echo("")
    click.echo(f"wei check: {'ok' if r.wei_ok else 'MISMATCH'} (contract balance == still owed)")
    click.echo(result_line(r))
