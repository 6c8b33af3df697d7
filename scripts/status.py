"""One screen about the deployment: model, incentive, contributions by state, money, leaders.

    ape run status [--model M] [--manifest PATH]

Everything is read from chain state and history; the wei check compares the contract's
balance with what the history says is still owed.
"""

import click

from sharedmodels import cli as c
from sharedmodels.trainers.actions import status_lines


@click.command(cls=c.ConnectedCommand, short_help="Show the deployment's state.")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True)
@c.pick_model_opt
@c.manifest_opt
@c.ape_verbosity
@c.one_line_errors
def cli(top, model, manifest):
    """One screen about the deployment, read from chain state and history: model, incentive and
    waits, contributions by state, deposits held and owed (with a wei check against the
    contract's balance), and the leaders."""
    man, contract = c.deployment(manifest, model)
    for line in status_lines(man, contract, top):
        click.echo(line)
