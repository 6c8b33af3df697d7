"""Ask the deployed model: free, no transaction.

    ape run predict --text "a gorgeous, witty film"     # text models: class name and index
    ape run predict --text "dull" --text "witty"         # several: one line each, in order
    ape run predict --values "13.2,1.78,2.14,..."        # dense models: one row of numbers
    ape run predict --dataset DATASET [--limit N] [--offset K]   # accuracy on labelled data
    ape run predict --dataset csv:texts.csv [--out preds.csv]    # no label column: predictions
    [--model M] [--manifest PATH]

Inputs are encoded exactly as the deployment's manifest says (hashing space and overflow
policy for text, column scales for numbers), so any client reproduces the deployer's encoding.
"""

import csv
import sys

import click

from sharedmodels import cli as c
from sharedmodels.encoding import datasets
from sharedmodels.encoding.encoded import majority
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


def _checked_text(text: str, encoder) -> list[int]:
    """The encoded row of one ``--text``, refusing what the model cannot meaningfully read."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # undecodable argv bytes arrive as lone surrogates
        raise click.UsageError("--text is not valid UTF-8") from None
    if not text.strip():
        raise click.UsageError("--text is empty; give the text to classify")
    row = encoder.encode_one(text)
    if not row:
        raise click.UsageError(
            f"--text {text!r} has no words the model reads (words of two or more letters "
            "or digits); its answer would be the bias alone"
        )
    return row


def _write_predictions(path: str | None, texts, rows, labels, names) -> None:
    """Per-row predictions as CSV (row, label, class, text) to ``path`` or stdout."""
    out = open(path, "w", newline="", encoding="utf-8") if path else sys.stdout
    try:
        writer = csv.writer(out)
        writer.writerow(["row", "label", "class", "text"])
        answers = iter(labels)
        for i, (text, row) in enumerate(zip(texts, rows, strict=True), start=1):
            if row is None:
                writer.writerow([i, "", "(over the feature limit: skipped)", text])
                continue
            label = next(answers)
            writer.writerow([i, label, names[label], text])
    finally:
        if path:
            out.close()


@click.command(
    cls=c.ConnectedCommand,
    short_help="Predict with the deployed model.",
    help="Ask the deployed model, for free (eth_call, no transaction): the class of one or "
    "more --text (or a --values row for dense models), the accuracy on a labelled --dataset, "
    "or per-row predictions for a CSV with a text column and no label column.",
)
@click.option(
    "--text",
    multiple=True,
    help="A text to classify; repeat for several (one answer line each, in order).",
)
@click.option("--values", default=None, help="One row of numbers, comma-separated (dense).")
@click.option(
    "--dataset",
    default=None,
    callback=c.dataset_spec,
    help="Labelled data: prints the accuracy. A csv:PATH with a text column and no label "
    "column: writes each row's prediction as CSV.",
)
@click.option(
    "--out",
    default=None,
    type=click.Path(dir_okay=False, writable=True),
    help="Where per-row predictions of an unlabelled CSV go (default: stdout).",
)
@c.limit_opt
@c.offset_opt
@c.pick_model_opt
@c.manifest_opt
@c.ape_verbosity
@c.one_line_errors
def cli(text, values, dataset, out, limit, offset, model, manifest):
    if sum(v is not None for v in (text or None, values, dataset)) != 1:
        raise click.UsageError("give exactly one of --text, --values or --dataset")
    if out is not None and dataset is None:
        raise click.UsageError("--out is for the predictions of an unlabelled --dataset")
    man, contract = c.deployment(manifest, model)
    encoder = man.encoder_obj
    dense = isinstance(encoder, DenseEncoder)
    if text or values is not None:
        if dense != (values is not None):
            wanted = "--values (numbers)" if dense else "--text"
            raise click.UsageError(f"this {man.model} deployment takes {wanted}")
        names = class_names(contract)
        if dense:
            rows = [encoder.encode_one(_numbers(values))]
        else:
            rows = [_checked_text(t, encoder) for t in text]  # all checked before any answer
        for label in predict_many(contract, rows):
            click.echo(f"{names[label]} ({label})")
        return
    if not dense and not datasets.csv_has_labels(dataset):
        _, path = datasets.parse_spec(dataset)
        texts = datasets.load_texts_csv(path)
        end = None if limit is None else offset + limit
        if limit == 0 or offset >= len(texts):
            raise click.UsageError(
                f"--limit/--offset select none of the {len(texts)} rows of {dataset}"
            )
        texts = texts[offset:end]
        rows = encoder.encode(texts)
        labels = predict_many(contract, [r for r in rows if r is not None])
        _write_predictions(out, texts, rows, labels, class_names(contract))
        if out:
            click.echo(f"predictions: {len(labels)} of {len(texts)} rows written to {out}")
        return
    if out is not None:
        raise click.UsageError("--out is for a CSV without labels; this dataset has them")
    data = c.dataset_samples(dataset, encoder, limit, offset)
    if not len(data):
        raise click.ClickException(f"no samples in {dataset}")
    predictions = predict_many(contract, data.rows)
    right = sum(int(p == y) for p, y in zip(predictions, data.labels, strict=True))
    click.echo(
        f"accuracy: {right / len(data):.2%} ({right}/{len(data)} on {dataset}); always "
        f"answering the commoner class: {majority(data.labels):.2%}"
    )
