"""Deploy a model behind an incentive, optionally pre-trained off-chain; write its manifest.

ape run deploy --model perceptron --incentive {stake,points,none}
    [--refund-wait S --owner-wait S --any-wait S --cost-weight WEI]
    [--n-features N] [--learning-rate K] [--class-names neg,pos]
    [--pretrain DATASET --pretrain-limit K --pretrain-offset J]
    [--manifest PATH] [--account ALIAS] [--network ecosystem:network:provider]

``stake`` is deposit/refund/take (SPEC §5.1), ``points`` the free gamified variant (§5.2),
``none`` the bare model trained by its owner only.
"""

import click
from ape.cli import ConnectedProviderCommand

from sharedmodels import cli as c
from sharedmodels.chain import write_manifest
from sharedmodels.features import Encoder
from sharedmodels.jobs import deploy_model, manifest_for
from sharedmodels.trainer import INCENTIVES, Incentive, contract_name


@click.command(cls=ConnectedProviderCommand, short_help="Deploy a model and write its manifest.")
@c.model_options
@click.option(
    "--class-names",
    default="neg,pos",
    show_default=True,
    help="Names of class 0 and class 1, comma-separated.",
)
@click.option(
    "--incentive",
    type=click.Choice(INCENTIVES),
    default="stake",
    show_default=True,
    help="Incentive mechanism guarding contributions.",
)
@click.option(
    "--refund-wait",
    type=click.IntRange(min=0),
    default=86_400,
    show_default=True,
    help="Seconds before a contribution can be refunded or reported.",
)
@click.option(
    "--owner-wait",
    type=click.IntRange(min=0),
    default=3 * 86_400,
    show_default=True,
    help="Seconds before the owner may take a deposit (stake).",
)
@click.option(
    "--any-wait",
    type=click.IntRange(min=0),
    default=7 * 86_400,
    show_default=True,
    help="Seconds before anyone but the contributor may take a deposit (stake).",
)
@click.option(
    "--cost-weight",
    type=click.IntRange(min=0),
    default=10**15,
    show_default=True,
    help="Wei; the deposit is cost_weight * 3600 // isqrt(seconds since last).",
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
    incentive,
    refund_wait,
    owner_wait,
    any_wait,
    cost_weight,
    manifest,
    account_alias,
):
    from ape import chain, project

    names = [n.strip() for n in class_names.split(",")]
    if len(names) != 2 or not all(names) or any(len(n) > 32 for n in names):
        raise click.BadParameter(
            "give two non-empty names of at most 32 characters", param_hint="--class-names"
        )
    if incentive == "points":
        owner_wait = any_wait = refund_wait
        cost_weight = 0
    params = Incentive(incentive, refund_wait, owner_wait, any_wait, cost_weight)
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
    container = getattr(project, contract_name(model, incentive))
    dep = deploy_model(container, sender, encoder, learning_rate, names, data, params)
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
        params,
    )
    path = write_manifest(man, c.manifest_path(manifest))
    click.echo(
        f"deployed {dep.contract.contract_type.name} ({model}, incentive {incentive}) "
        f"at {dep.contract.address} on {network.choice}"
    )
    if incentive == "stake":
        click.echo(
            f"waits: refund {refund_wait} s, owner {owner_wait} s, anyone {any_wait} s; "
            f"deposit after a quiet hour: {c.wei(params.deposit(3600))}"
        )
    elif incentive == "points":
        click.echo(f"points: validation after {refund_wait} s")
    if data is not None:
        click.echo(
            f"pre-trained on {len(data)} samples of {pretrain_spec} "
            f"({nonzero} non-zero weights uploaded)"
        )
    click.echo(f"gas used: {dep.gas_used:,}")
    click.echo(f"manifest: {path}")
