"""Check that an on-chain model trains exactly like its reference, sample by sample.

    ape run parity --model M --dataset DATASET [--limit N] [--offset K]
        [--pretrain DATASET --pretrain-limit K --pretrain-offset J] [--n-features N] [--alpha A]

Deploys a fresh standalone model (pre-trained off-chain if asked), streams the samples in order
(on-chain prediction vs reference before each update, so every prediction is on a sample the
model has not seen, then both train), compares the whole state, and prints one line:

    parity: <agree>/<total> predictions, weights|state identical: yes|no

The sparse Perceptron is compared with scikit-learn itself (bit-identical weights); the other
models with their integer-exact mirrors in ``sharedmodels.mirrors.multiclass`` (every stored
number).
Dense models fit their encoder on the ``--pretrain`` dataset if given, else on ``--dataset``.
Exits 1 unless every prediction agrees and the state is identical.
"""

import sys

import click

from sharedmodels import cli as c
from sharedmodels.registry import make_encoder, model_spec
from sharedmodels.trainers.deploy import parity_job


@click.command(cls=c.ConnectedCommand, short_help="On-chain vs scikit-learn parity.")
@c.dataset_opt
@c.limit_opt
@c.offset_opt
@c.model_options
@c.account_opt
@c.quiet_opt
@c.ape_verbosity
@c.one_line_errors
def cli(
    dataset,
    limit,
    offset,
    model,
    n_features,
    encoder_spec,
    learning_rate,
    alpha,
    overflow,
    pretrain_spec,
    pretrain_limit,
    pretrain_offset,
    account_alias,
    quiet,
):
    """Deploy a fresh model and train it on chain sample by sample beside its reference
    (scikit-learn for the sparse Perceptron, the integer mirror for the others), comparing
    every prediction before each update and the whole state at the end; prints one line and
    exits 1 unless everything is identical."""
    from ape import project

    sender = c.resolve_account(account_alias)
    encoder = make_encoder(
        model,
        fit_spec=pretrain_spec or dataset,
        n_features=n_features,
        overflow=overflow,
        encoder=encoder_spec,
        fit_limit=pretrain_limit if pretrain_spec else limit,
        fit_offset=pretrain_offset if pretrain_spec else offset,
    )
    stream = c.dataset_samples(dataset, encoder, limit=limit, offset=offset)
    if not len(stream):
        raise click.ClickException(f"no samples to check in {dataset}")
    pre = c.pretrain_slice(pretrain_spec, encoder, pretrain_limit, pretrain_offset)
    container = getattr(project, model_spec(model).contract("none"))
    with c.progress_bar(len(stream), "parity", quiet) as bar:
        result = parity_job(
            container,
            sender,
            encoder,
            stream=stream,
            eta=learning_rate,
            pretrain_data=pre,
            progress=bar.update,
            model=model,
            alpha=alpha,
        )
    if not result.ok:
        for i in result.disagreements[:5]:
            click.echo(f"prediction differs at sample {offset + i}", err=True)
        for line in result.mismatches[:5]:
            click.echo(line, err=True)
    click.echo(result.summary())
    if not result.ok:
        sys.exit(1)
