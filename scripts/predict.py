"""Ask the deployed model: free, no transaction.

    ape run predict --text "a gorgeous, witty film"     # text models: class name and index
    ape run predict --values "13.2,1.78,2.14,..."        # dense models: one row of numbers
    ape run predict --dataset DATASET [--limit N] [--offset K]   # accuracy on labelled data
    [--model M] [--manifest PATH]

Inputs are encoded exactly as the deployment's manifest says (hashing space and overflow
policy for text, column scales for numbers), so any client reproduces the deployer's encoding.
"""

import click
from ape.cli import ConnectedProviderCommand

from sharedmodels import cli as c
from sharedmodels.encoding.encoded import encode_dataset
from sharedmodels.encoding.features import DenseEncoder
from sharedmodels.rpc.deployments import predict_many
from sharedmodels.trainers.actions import class_names


def _numbers(text: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise click.BadParameter(
            "give numbers separated by commas", param_hint="--values"
        ) from None


@click.command(cls=ConnectedProviderCommand, short_help="Predict with the deployed model.")
@click.option("--text", default=None, help="One text to classify.")
@click.option("--values", default=None, help="One row of numbers, comma-separated (dense).")
@click.option("--dataset", default=None, help="Labelled data to measure accuracy on.")
@c.limit_opt
@c.offset_opt
@c.pick_model_opt
@c.manifest_opt
@c.ape_verbosity
@c.one_line_errors
def cli(text, values, dataset, limit, offset, model, manifest):
    if sum(v is not None for v in (text, values, dataset)) != 1:
        raise click.UsageError("give exactly one of --text, --values or --dataset")
    man, contract = c.deployment(manifest, model)
    encoder = man.encoder_obj
    dense = isinstance(encoder, DenseEncoder)
    if text is not None or values is not None:
        if dense != (values is not None):
            wanted = "--values (numbers)" if dense else "--text"
            raise click.UsageError(f"this {man.model} deployment takes {wanted}")
        row = encoder.encode_one(_numbers(values) if dense else text)
        label = int(contract.predict(row))
        click.echo(f"{class_names(contract)[label]} ({label})")
        return
    data = encode_dataset(dataset, encoder, limit, offset)
    if not len(data):
        raise click.ClickException(f"no samples in {dataset}")
    predictions = predict_many(contract, data.rows)
    right = sum(int(p == y) for p, y in zip(predictions, data.labels, strict=True))
    click.echo(f"accuracy: {right / len(data):.2%} ({right}/{len(data)} on {dataset})")
