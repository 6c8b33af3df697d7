"""Rebuild the crowd-built dataset from chain history alone and write it as CSV.

    ape run export --out FILE.csv [--model M] [--manifest PATH]

Columns: id, contributor, time, block, label, class, deposit, state, features (space-separated
indices, or the fixed-point values of a dense model). Features come from the calldata of each
contributing transaction; every row is checked against the contract's stored binding (and
claimable amount) before it is written. A model with a vocabulary encoder also gets its word
list beside the CSV (``FILE.words.txt``, feature i on line i + 1), checked against the hash
the model stores.
"""

import click

from sharedmodels import cli as c
from sharedmodels.encoding.features import VocabEncoder
from sharedmodels.trainers.actions import class_names, now_for_next_block
from sharedmodels.trainers.client import export_csv, incentive_of, records, scan, verify


@click.command(cls=c.ConnectedCommand, short_help="Export the crowd-built dataset.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="CSV file to write.")
@c.pick_model_opt
@c.manifest_opt
@c.ape_verbosity
@c.one_line_errors
def cli(out, model, manifest):
    """Rebuild the crowd-built dataset from chain history alone (the calldata of every
    contribution, checked against what the contract stored) and write it as CSV: id,
    contributor, time, block, label, class, deposit, state and features."""
    from pathlib import Path

    man, contract = c.trainer_deployment(manifest, model)
    history = scan(contract, man.block)
    bad = verify(history, records(contract, [x.id for x in history]))
    if bad:
        raise click.ClickException(
            f"{len(bad)} rebuilt contributions do not match chain state (first: #{bad[0]})"
        )
    wait = incentive_of(contract).refund_wait
    n = export_csv(history, Path(out), class_names(contract), now_for_next_block(), wait)
    click.echo(f"exported {n} contributions to {out} (all {n} verified against chain state)")
    encoder = man.encoder_obj
    if isinstance(encoder, VocabEncoder):
        # Feature i is line i + 1; the words were checked against the model's hash on load.
        words = Path(out).with_suffix(".words.txt")
        tmp = words.with_suffix(".tmp")
        tmp.write_text("\n".join(encoder.words) + "\n", encoding="utf-8")
        tmp.replace(words)
        click.echo(f"vocabulary   {words} ({encoder.n_features} words, keccak {encoder.hash})")
