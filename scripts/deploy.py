"""Deploy a model, optionally pre-trained off-chain, and write its deployment manifest.

ape run deploy --model perceptron [--n-features N] [--learning-rate K]
    [--class-names neg,pos] [--pretrain DATASET --pretrain-limit K --pretrain-offset J]
    [--manifest PATH] [--account ALIAS] [--network ecosystem:network:provider]
"""

import click
from ape.cli import ConnectedProviderCommand

from sharedmodels import cli as c
from sharedmodels.chain import write_manifest
from sharedmodels.features import Encoder
from sharedmodels.jobs import deploy_model, manifest_for


@click.command(cls=ConnectedProviderCommand, short_help="Deploy a model and write its manifest.")
@c.model_options
@click.option(
    "--class-names",
    default="neg,pos",
    show_default=True,
    help="Names of class 0 and class 1, comma-separated.",
)
@c.manifest_opt
@c.account_opt
@c.one_line_errors
def cli(
    network,
    model,
    n_features,
    learning_rate,
    overflow,
    pretrain_spec,
    pretrain_limit,
    pretrain_offset,
    class_names,
    manifest,
    account_alias,
):
    from ape import chain, project

    names = [n.strip() for n in class_names.split(",")]
    if len(names) != 2 or not all(names) or any(len(n) > 32 for n in names):
        raise click.BadParameter(
            "give two non-empty names of at most 32 characters", param_hint="--class-names"
        )
    sender = c.resolve_account(account_alias)
    encoder = Encoder(n_features=n_features, overflow=overflow)
    data = c.pretrain_slice(pretrain_spec, encoder, pretrain_limit, pretrain_offset)
    info = None
    if data is not None:
        info = {
            "dataset": pretrain_spec,
            "offset": pretrain_offset,
            "limit": pretrain_limit,
            "samples": len(data),
            "dropped": data.dropped,
        }
    dep = deploy_model(project.SparsePerceptron, sender, encoder, learning_rate, names, data)
    nonzero = len(dep.reference.nonzero_weights())
    man = manifest_for(
        dep,
        network.choice,
        chain.chain_id,
        str(sender.address),
        chain.blocks.height,
        encoder,
        learning_rate,
        names,
        info,
    )
    path = write_manifest(man, c.manifest_path(manifest))
    click.echo(f"deployed {model} at {dep.contract.address} on {network.choice}")
    if data is not None:
        click.echo(
            f"pre-trained on {len(data)} samples of {pretrain_spec} "
            f"({nonzero} non-zero weights uploaded)"
        )
    click.echo(f"gas used: {dep.gas_used:,}")
    click.echo(f"manifest: {path}")
