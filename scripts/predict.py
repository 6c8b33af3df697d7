"""Ask the deployed model: free, no transaction.

    ape run predict --text "a gorgeous, witty film"     # text models: class name and index
    ape run predict --text "dull" --text "witty"         # several: answer, score, text
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


#: Characters of a text echoed beside its answer.
ECHO = 60


def _cut(text: str) -> str:
    """``text`` on one line, cut to ``ECHO`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= ECHO else flat[: ECHO - 1] + "…"


def confidence(contract, row: list[int], label: int) -> str:
    """What the model says of its answer, where it says anything: Naive Bayes its probability
    (from its log2 scores), the Perceptron its decision value; the Nearest Centroid models
    nothing (""). Ends with two spaces when not empty."""
    if hasattr(contract, "log_scores"):
        scores = [int(v) for v in contract.log_scores(row)]
        top = scores[label]
        total = sum(2.0 ** ((v - top) / 2**32) for v in scores if v > -(2**255))
        return f"probability {1 / total:.3f}  "
    if hasattr(contract, "score"):
        return f"score {int(contract.score(row)) / 2**59:+.3f}  "
    return ""


def _checked_text(text: str, encoder, number: int = 1, count: int = 1) -> list[int]:
    """The encoded row of one ``--text`` (the ``number``-th of ``count``), refusing what the
    model cannot meaningfully read."""
    which = f" (text {number} of {count})" if count > 1 else ""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # undecodable argv bytes arrive as lone surrogates
        raise click.UsageError(f"--text is not valid UTF-8{which}") from None
    if not text.strip():
        raise click.UsageError(f"--text is empty{which}; give the text to classify")
    row = encoder.encode_one(text)
    if not row:
        raise click.UsageError(
            f"--text {text!r}{which} has no words the model reads (words of two or more "
            "letters or digits); its answer would be the bias alone; nothing was predicted"
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
        else:  # all checked before any answer
            rows = [_checked_text(t, encoder, i, len(text)) for i, t in enumerate(text, 1)]
        labels = predict_many(contract, rows)
        if len(rows) == 1:
            click.echo(f"{names[labels[0]]} ({labels[0]})")
            return
        width = max(len(f"{names[y]} ({y})") for y in labels)
        for t, row, label in zip(text, rows, labels, strict=True):
            answer = f"{names[label]} ({label})".ljust(width)
            click.echo(f"{answer}  {confidence(contract, row, label)}{_cut(t)}")
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
    data = c.dataset_samples(dataset, encoder, limit=limit, offset=offset)
    if not len(data):
        raise click.ClickException(f"no samples in {dataset}")
    predictions = predict_many(contract, data.rows)
    right = sum(int(p == y) for p, y in zip(predictions, data.labels, strict=True))
    click.echo(
        f"accuracy: {right / len(data):.2%} ({right}/{len(data)} on {dataset}); always "
        f"answering the commoner class: {majority(data.labels):.2%}"
    )
