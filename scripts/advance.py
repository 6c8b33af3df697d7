"""Move a development chain's clock forward: try refunds, reports and takes without waiting.

    ape run advance --days 1          # or --hours 2, --seconds 61; they add up

Mines one block ``--days``/``--hours``/``--seconds`` after the latest one (``evm_increaseTime``
then ``evm_mine``), so the next transaction sees the later time. Only on a chain that allows it:
a local or forked development node (``make node``); any other network is refused in one line,
as is a temporary chain Ape would start for this command alone (nothing would keep the time).
"""

import click

from sharedmodels import cli as c
from sharedmodels.rpc.clock import advance, describe


@click.command(cls=c.ConnectedCommand, short_help="Move a dev chain's clock forward.")
@click.option("--days", type=click.FloatRange(min=0), default=0.0, help="Days to add.")
@click.option("--hours", type=click.FloatRange(min=0), default=0.0, help="Hours to add.")
@click.option("--seconds", type=click.IntRange(min=0), default=0, help="Seconds to add.")
@c.ape_verbosity
@c.one_line_errors
def cli(network, days, hours, seconds):
    """Move the clock of a development chain (make node, or a fork) forward by --days, --hours
    and --seconds (added up), mining one block at the new time: waits for refunds, reports and
    takes pass at once. Refused on any other network."""
    from ape import chain

    total = int(days * 86_400 + hours * 3_600 + seconds)
    if total <= 0:
        raise click.UsageError("give how far to move: --days D, --hours H or --seconds S")
    net = chain.provider.network
    if not (net.is_local or net.is_fork) or not hasattr(chain.provider, "make_request"):
        raise click.ClickException(
            f"{network.choice} is not a development chain: its clock moves only with real time "
            "(advance works on make node and forks)"
        )
    temporary = c.temporary_chain()
    if temporary:
        raise click.ClickException(
            f"no node is standing at {temporary}: moving the clock of a chain that stops when "
            f"this command ends changes nothing; start one with `{c.make_node_hint(temporary)}`"
        )
    before, after = advance(chain.provider, total)
    click.echo(f"clock moved {describe(total)}: now {after} (was {before})")
