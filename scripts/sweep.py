"""Choose each text model's encoder width and smoothing by measurement.

    ape run sweep [--dataset rt] [--model M ...] [--out FILE] [--quiet]

Trains every text model at every hashing width (and Naive Bayes at every alpha) through its
integer mirror, the exact arithmetic of its contract, and through its float scikit-learn
family member, on the first 80% of the training part (rt: the first 10,000 snippets); scores
the last 20%; picks the best mirror setting; and only then scores the held-out rest once,
beside the majority-class baseline. Needs no chain. Prints the tables; writes JSON only
where ``--out`` says (``make bench`` writes ``bench/sweep.json``).
"""

import json
from pathlib import Path

import click

from sharedmodels import cli as c
from sharedmodels.runs.sweep import TEXT_MODELS, cells_table, choices_table, sweep


@click.command(
    cls=c.Command, short_help="Measure encoder widths and smoothing for the text models."
)
@click.option("--dataset", default="rt", show_default=True, help="A text dataset spec.")
@click.option(
    "--model",
    "only",
    type=click.Choice(TEXT_MODELS),
    multiple=True,
    help="Only these models (repeatable; default: all text models).",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
@c.quiet_opt
@c.one_line_errors
def cli(dataset, only, out, quiet):
    """Choose each text model's hashing width (and Naive Bayes' smoothing) by measurement, off
    chain: trains each setting through the model's integer mirror and its float scikit-learn
    counterpart, picks the best on a validation part, and scores only that choice once on
    held-out data. Needs no chain; writes JSON only where --out says."""

    def show(cell):
        if not quiet:
            click.echo(
                f"{cell.model:<12} 2^{cell.bits:<3} alpha {cell.alpha:<5g} "
                f"mirror {cell.mirror:.2%}  float {cell.float_:.2%}",
                err=True,
            )

    result = sweep(dataset, only or TEXT_MODELS, on_cell=show)
    click.echo(cells_table(result.cells, result.baseline))
    click.echo()
    click.echo(choices_table(result.choices))
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result.as_json(), indent=2) + "\n")
        click.echo(f"wrote {out}")
