"""The main job on a local chain: a staked model, an honest and a label-flipping contributor.

    ape run demo [--days 6] [--per-day 12] [--pretrain 4000] [--quiet]

1. Deploys ``PerceptronStake`` pre-trained off-chain on the first ``--pretrain`` rt snippets
   (refund after 1 day, owner take after 3, anyone after 7; 0.06 ETH after a quiet hour).
2. Simulates days (Anvil time jumps). Each day the contributors first refund what the model
   agrees with and report the other's contributions it disagrees with, and the owner takes
   deposits past its window; then each adds samples every half hour while its 3 ETH wallet
   allows. The honest one sends rt's labels, the flipper the opposite ones.
3. Prints accuracy before and after on 1,000 held-out snippets, parity (every accepted
   contribution replayed through scikit-learn: predictions and weights bit-identical), each
   actor's balance change, gas per action and contributions by state.
"""

import click
from ape.cli import ConnectedProviderCommand

from sharedmodels import cli as c
from sharedmodels.story import DemoConfig, run


def _gas(values) -> str:
    if not values:
        return "-"
    v = sorted(values)
    return f"{v[len(v) // 2]:>9,}  ({v[0]:,}-{v[-1]:,}, {len(v)} calls)"


@click.command(cls=ConnectedProviderCommand, short_help="The whole system on a local chain.")
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
    type=click.IntRange(0, 8000),
    default=4000,
    show_default=True,
    help="rt snippets the model is pre-trained on off-chain.",
)
@c.quiet_opt
@c.one_line_errors
def cli(network, days, per_day, flipper_per_day, pretrain, quiet):
    from ape import accounts, chain

    if not (chain.provider.network.is_local or chain.provider.network.is_fork):
        raise click.ClickException("the demo moves time: run it on a local or fork network")
    owner, honest, flipper = (accounts.test_accounts[i] for i in (0, 1, 2))
    config = DemoConfig(
        pretrain=pretrain, days=days, per_day=per_day, flipper_per_day=flipper_per_day
    )
    say = (lambda _: None) if quiet else (lambda m: click.echo(m, err=True))
    r = run(config, owner, honest, flipper, log=say)

    click.echo("")
    click.echo(f"== sharedmodels demo: PerceptronStake on rt, {days} simulated days ==")
    click.echo(f"model        {r.contract.address}, pre-trained on {pretrain} rt snippets")
    click.echo(
        f"accuracy     {r.accuracy_before:.2%} before -> {r.accuracy_after:.2%} after "
        f"({config.holdout} held-out rt snippets, on-chain predictions)"
    )
    click.echo(f"{r.parity.summary()} ({r.replayed} contributions replayed in scikit-learn)")
    click.echo("")
    click.echo(f"{'actor':<9}{'added':>7}   {'balance change (gas included)':>30}   states")
    for name in ("honest", "flipper", "owner"):
        states = ", ".join(f"{k} {v}" for k, v in sorted(r.states.get(name, {}).items()))
        added = r.added.get(name, 0)
        click.echo(f"{name:<9}{added:>7}   {r.balances[name] / 1e18:>+26.6f} ETH   {states or '-'}")
    click.echo("")
    click.echo("gas per action: median (min-max, calls)")
    for action in ("addData, no update", "addData, update", "refund", "report", "take"):
        click.echo(f"  {action:<20}{_gas(r.gas.get(action, []))}")
    click.echo("")
    click.echo(f"wei check: {'ok' if r.wei_ok else 'MISMATCH'} (contract balance == still owed)")
    verdict = (
        r.balances["honest"] > 0 > r.balances["flipper"]
        and r.accuracy_after >= r.accuracy_before
        and r.parity.ok
        and r.wei_ok
    )
    click.echo(
        "result: honest up, flipper down, accuracy held, parity exact"
        if verdict
        else "result: NOT as expected (see the table above)"
    )
