"""Serve the web page on the connected chain, with the demo's models deployed.

    ape run web [--port 8000] [--host 127.0.0.1] [--no-deploy] [--account ALIAS]
    ape run web --static DIR --rpc URL   (plain files for a static host; deploys nothing)

``make web`` runs it (after bundling the page with ``make web-build``). It connects to the
standing chain if one answers (``make node``, or ``APE_FOUNDRY_HOST``), else Ape starts Anvil
for the session. It deploys the demo models (a Perceptron and a Naive Bayes on a vocabulary, both
with deposits; a sparse Nearest Centroid with Points; a Nearest Centroid on wine's numbers),
reusing those whose manifests under ``deployments/web/`` are still live on this chain, then
serves ``web/dist/`` until Ctrl-C. The page also lists every other manifest of this chain.
"""

from pathlib import Path

import click

from sharedmodels import cli as c
from sharedmodels.runs.web import Server, deploy_demo, export_static


@click.command(
    cls=c.ConnectedCommand,
    short_help="Serve the web page (and deploy its demo).",
    help="Deploy the web page's demo models on the connected chain (reusing those still live), "
    "then serve the page (web/dist/, built by make web-build) until Ctrl-C. The page lists "
    "every manifest of this chain and predicts, contributes and claims from the browser.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port of the page (0: any free one).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--no-deploy", is_flag=True, help="Serve the manifests there are; deploy nothing.")
@click.option(
    "--static",
    "static_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the page as plain files to this folder for a static host (no server, no node "
    "accounts: visitors send with their wallet), then exit. Needs --rpc.",
)
@click.option(
    "--rpc",
    help="With --static: the public JSON-RPC URL the visitors' browsers read the chain from.",
)
@c.account_opt
@c.ape_verbosity
@c.one_line_errors
def cli(network, port, host, no_deploy, static_dir, rpc, account_alias):
    from ape import chain

    node = chain.provider.uri
    if static_dir is not None:
        if not rpc:
            raise click.UsageError("--static needs --rpc URL (the chain the visitors read)")
        out = export_static(static_dir, node, rpc)
        click.echo(f"web page: {out}/ (static files; reads from {rpc}, sends with a wallet)")
        return
    if not no_deploy:
        sender = c.resolve_account(account_alias)
        click.echo(f"demo models on {network.choice} (chain {chain.chain_id}):", err=True)
        deploy_demo(sender, network.choice, say=lambda s: click.echo(f"  {s}", err=True))
    try:
        server = Server(node, port=port, host=host)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    click.echo(f"web page: {server.url}  (node {node}; Ctrl-C stops)")
    if not server.node_accounts:
        click.echo(
            f"  listening on {host}: the node's accounts are not offered to visitors; they send "
            "with their own wallet (docs/web.md)",
            err=True,
        )
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        server.httpd.server_close()
