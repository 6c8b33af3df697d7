"""Check that the on-chain Perceptron trains exactly like scikit-learn's, sample by sample.

    ape run parity --dataset DATASET [--limit N] [--offset K]
        [--pretrain DATASET --pretrain-limit K --pretrain-offset J] [--n-features N]

Deploys a fresh model, streams the samples in order (on-chain prediction vs reference before
each update, then both train), compares every touched weight and the intercept, and prints
exactly one line:  parity: <agree>/<total> predictions, weights identical: yes|no
Exits 1 unless every prediction agrees and the weights are identical.
"""

import sys

import click
from ape.cli import ConnectedProviderCommand

from sharedmodels import cli as c
from sharedmodels.features import Encoder
from sharedmodels.jobs import encode_dataset, parity_job


@click.command(cls=ConnectedProviderCommand, short_help="On-chain vs scikit-learn parity.")
@c.dataset_opt
@c.limit_opt
@c.offset_opt
@c.model_options
@c.account_opt
@c.quiet_opt
@c.one_line_errors
def cli(
    dataset,
    limit,
    offset,
    model,
    n_features,
    learning_rate,
    overflow,
    pretrain_spec,
    pretrain_limit,
    pretrain_offset,
    account_alias,
    quiet,
):
    from ape import project

    sender = c.resolve_account(account_alias)
    encoder = Encoder(n_features=n_features, overflow=overflow)
    stream = encode_dataset(dataset, encoder, limit, offset)
    if not len(stream):
        raise click.ClickException(f"no samples to check in {dataset}")
    pre = c.pretrain_slice(pretrain_spec, encoder, pretrain_limit, pretrain_offset)
    with c.progress_bar(len(stream), "parity", quiet) as bar:
        result = parity_job(
            project.SparsePerceptron,
            sender,
            encoder,
            stream,
            learning_rate,
            pre,
            progress=bar.update,
        )
    if not result.ok:
        for i in result.disagreements[:5]:
            click.echo(f"prediction differs at sample {offset + i}", err=True)
        for j, got, want in result.weight_mismatches[:5]:
            click.echo(f"weight {j}: chain {got}, reference {want}", err=True)
        if result.intercept_chain != result.intercept_reference:
            click.echo(
                f"intercept: chain {result.intercept_chain}, reference "
                f"{result.intercept_reference} (2**-59 units)",
                err=True,
            )
    click.echo(result.summary())
    if not result.ok:
        sys.exit(1)
