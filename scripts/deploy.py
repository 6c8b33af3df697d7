"""Deploy a model behind an incentive, optionally pre-trained off-chain; write its manifest.

ape run deploy --model {perceptron,dense_perceptron,ncc,sparse_ncc,naive_bayes}
    --incentive {stake,points,none}
    [--refund-wait S --owner-wait S --any-wait S --cost-weight WEI]
    [--n-features N] [--learning-rate K] [--alpha A] [--class-names a,b,...]
    [--pretrain DATASET --pretrain-limit K --pretrain-offset J]
    [--manifest PATH] [--account ALIAS] [--network ecosystem:network:provider]

``stake`` is deposit/refund/take, ``points`` the free gamified variant,
``none`` the bare model trained by its owner only.

Dense models (dense_perceptron, ncc) need ``--pretrain`` with a numeric dataset: the encoder's
column scales are fitted on all of it (``--pretrain-limit 0`` fits them without pre-training),
and the class names default to the dataset's. The manifest goes to
``deployments/<ecosystem>_<network>.json`` (the latest deployment) and
``deployments/<ecosystem>_<network>_<model>.json``
(what ``--model`` selects in the other scripts).
"""

import click

from sharedmodels import cli as c
from sharedmodels.registry import make_encoder, model_spec
from sharedmodels.rpc.deployments import write_manifest
from sharedmodels.rpc.fees import announce_deploy
from sharedmodels.trainers.client import INCENTIVES, Incentive
from sharedmodels.trainers.deploy import deploy_model, describe_pretraining, manifest_for


@click.command(cls=c.ConnectedCommand, short_help="Deploy a model and write its manifest.")
@c.model_options
@click.option(
    "--class-names",
    default=None,
    help="Class names, comma-separated, class 0 first (default: neg,pos for text, the "
    "dataset's for numeric data).",
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
@c.judging_opt("leave-one-out where the model offers it (naive_bayes, sparse_ncc, ncc)")
@click.option(
    "--throwaway",
    is_flag=True,
    help="Deploy even when no node is standing: on the temporary chain Ape starts for this "
    "command and stops when it ends (the deployment goes with it; no default manifest is "
    "written). Without it, deploy refuses and says to run `make node` first.",
)
@click.option(
    "--max-fee",
    default=None,
    metavar="ETH",
    help="Refuse, before sending anything, when the whole deployment (creation, pre-training "
    "upload, seal) would cost more than this at the current base fee and tip.",
)
@c.manifest_opt
@c.account_opt
@c.ape_verbosity
@c.one_line_errors
def cli(
    network,
    model,
    n_features,
    encoder_spec,
    learning_rate,
    alpha,
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
    judging,
    throwaway,
    max_fee,
    manifest,
    account_alias,
):
    """Deploy a model (the Perceptron, Nearest Centroid or Naive Bayes, sparse or dense) behind an
    incentive (stake: deposit, refund and take; points: free, with points; none: the bare
    model), optionally pre-trained off-chain on a dataset, and write its manifest
    (deployments/<ecosystem>_<network>.json, and one per model) that the other commands read to
    find it and encode inputs the same way."""
    from ape import chain, project

    temporary = c.temporary_chain()
    if temporary and not throwaway:
        raise click.ClickException(
            f"no node is standing at {temporary}: the deployment would go to a temporary chain "
            f"that is gone when this command ends; start one with `{c.make_node_hint(temporary)}` "
            "in another shell (or pass --throwaway to deploy there anyway)"
        )
    k = model_spec(model)
    if k.dense and not pretrain_spec:
        raise click.UsageError(
            f"{model} needs --pretrain DATASET (numeric) to fit its encoder; add "
            "--pretrain-limit 0 to deploy it untrained"
        )
    if incentive == "points":
        owner_wait = any_wait = refund_wait
        cost_weight = 0
    judging = c.default_judging(model, judging)
    params = Incentive(
        incentive,
        refund_wait=refund_wait,
        owner_wait=owner_wait,
        any_wait=any_wait,
        cost_weight=cost_weight,
        leave_one_out=judging == "leave-one-out",
    )
    sender = c.resolve_account(account_alias)
    encoder = make_encoder(
        model,
        fit_spec=pretrain_spec,
        n_features=n_features,
        overflow=overflow,
        encoder=encoder_spec,
        fit_limit=pretrain_limit,
        fit_offset=pretrain_offset,
    )
    data = c.pretrain_slice(pretrain_spec, encoder, pretrain_limit, pretrain_offset)
    if class_names is not None:
        names = [n.strip() for n in class_names.split(",")]
    else:
        names = data.class_names if data is not None else ["neg", "pos"]
    try:
        k.check_classes(names)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--class-names") from None
    info = None
    if data is not None:
        info = {
            "dataset": pretrain_spec,
            "offset": pretrain_offset,
            "limit": pretrain_limit,
            "samples": len(data),
            "dropped": data.dropped,
        }
    cap = None if max_fee is None else c.amount(max_fee)
    container = getattr(project, k.contract(incentive))
    dep = deploy_model(
        container,
        sender,
        encoder,
        eta=learning_rate,
        class_names=names,
        pretrain_data=data,
        incentive=params,
        model=model,
        alpha=alpha,
        before_send=lambda preview: announce_deploy(preview, cap, click.echo),
    )
    info = describe_pretraining(
        info, dep, pretrain_spec, encoder=encoder, offset=pretrain_offset, limit=pretrain_limit
    )
    man = manifest_for(
        dep,
        network.choice,
        chain.chain_id,
        deployer=str(sender.address),
        block=chain.blocks.height,
        encoder=encoder,
        eta=learning_rate,
        class_names=names,
        pretrain_info=info,
        incentive=params,
        alpha=alpha,
    )
    path = None
    if not temporary or manifest is not None:
        path = write_manifest(man, c.manifest_path(manifest))
    if manifest is None and not temporary:
        write_manifest(man, c.manifest_path(None, model))
    click.echo(
        f"deployed {dep.contract.contract_type.name} ({model}, incentive {incentive}) "
        f"at {dep.contract.address} on {network.choice}"
    )
    click.echo(f"classes: {', '.join(names)}")
    if incentive == "stake":
        click.echo(
            f"waits: refund {refund_wait} s, owner {owner_wait} s, anyone {any_wait} s; "
            f"deposit after a quiet hour: {c.wei(params.deposit(3600))}"
        )
    elif incentive == "points":
        click.echo(f"points: validation after {refund_wait} s")
    if data is not None:
        click.echo(f"pre-trained on {len(data)} samples of {pretrain_spec}")
    click.echo(f"gas used: {dep.gas_used:,}")
    if path is not None:
        click.echo(f"manifest: {path}")
    if temporary:
        click.echo(
            "throwaway chain: it stops when this command ends, and the deployment with it"
            + ("" if path is not None else "; no manifest written")
        )
