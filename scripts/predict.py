"""Ask the deployed model: free, no transaction.

    ape run predict --text "a gorgeous, witty film"     # class name and index
    ape run predict --dataset DATASET [--limit N] [--offset K]   # accuracy on labelled data

The text is encoded exactly as the deployment's manifest says (hashing space, overflow
policy), so any client reproduces the deployer's encoding.
"""

import click
from ape.cli import ConnectedProviderCommand

from sharedmodels import cli as c
from sharedmodels.chain import predict_many
from sharedmodels.jobs import encode_dataset


@click.command(cls=ConnectedProviderCommand, short_help="Predict with the deployed model.")
@click.option("--text", default=None, help="One text to classify.")
@click.option("--dataset", default=None, help="Labelled data to measure accuracy on.")
@c.limit_opt
@c.offset_opt
@c.manifest_opt
@c.one_line_errors
def cli(text, dataset, limit, offset, manifest):
    if (text is None) == (dataset is None):
        raise click.UsageError("give exactly one of --text or --dataset")
    man, contract = c.deployment(manifest)
    encoder = man.encoder_obj
    if text is not None:
        row = encoder.encode_one(text)
        label = int(contract.predict(row))
        click.echo(f"{man.class_names[label]} ({label})")
        return
    data = encode_dataset(dataset, encoder, limit, offset)
    if not len(data):
        raise click.ClickException(f"no samples in {dataset}")
    predictions = predict_many(contract, data.rows)
    right = sum(int(p == y) for p, y in zip(predictions, data.labels, strict=True))
    click.echo(f"accuracy: {right / len(data):.2%} ({right}/{len(data)} on {dataset})")
