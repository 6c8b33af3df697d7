"""Every model side by side: on-chain accuracy vs float scikit-learn, and gas at two sizes.

    ape run models [--out bench/models.json] [--doc docs/models.md] [--model M ...] [--quiet]

For each (model, dataset) row (sparse models on rt, dense ones on scikit-learn's
breast_cancer, wine and digits): a fresh contract trains on the training split on chain, one
``update`` per sample in order (rt: the first 10,000 samples; the others: the first 70%), then
predicts the rest; the float scikit-learn model trains on the same inputs in the same order.
Then each model's staked trainer is measured for ``addData`` and ``predict`` gas at two input
sizes (20 and 100 features; 16 and 64 dense values). Writes ``bench/models.json`` and, on a
full run (every model, no ``--train-limit``), the two tables in ``docs/models.md`` between the
``<!-- bench:models -->`` and ``<!-- bench:model-gas -->`` markers.
Exits 1 if a row's on-chain accuracy is more than 1 point from the float model's.
"""

import json
import sys
from pathlib import Path

import click

from sharedmodels import cli as c
from sharedmodels.registry import MODEL_NAMES, model_spec
from sharedmodels.runs.bench import replace_section
from sharedmodels.runs.modelbench import (
    GAS_SIZES,
    ROWS,
    accuracy_row,
    accuracy_table,
    as_json,
    gas_row,
    gas_table,
)


@click.command(cls=c.ConnectedCommand, short_help="Accuracy and gas of every model.")
@click.option(
    "--out",
    default=None,
    help="Write the figures here (make models: bench/models.json) and rewrite the --doc "
    "tables. Default: print only.",
)
@click.option(
    "--doc",
    default="docs/models.md",
    show_default=True,
    help="Markdown file whose generated tables to rewrite (with --out, full runs only).",
)
@click.option(
    "--model",
    "only",
    type=click.Choice(MODEL_NAMES),
    multiple=True,
    help="Only these models (repeatable; default: all).",
)
@click.option("--train-limit", type=click.IntRange(min=1), default=None, help="Cap training.")
@c.account_opt
@c.quiet_opt
@c.ape_verbosity
@c.one_line_errors
def cli(out, doc, only, train_limit, account_alias, quiet):
    """Train every model on chain, one update per sample, beside its float scikit-learn
    counterpart on the same inputs, and compare held-out accuracy; then measure each staked
    trainer's addData and predict gas. Prints the tables; writes them only where --out / --doc
    say. Exits 1 if an on-chain accuracy is more than a point from the float model's."""
    from ape import accounts, chain, project

    sender = c.resolve_account(account_alias)
    models = set(only or MODEL_NAMES)
    acc = []
    for i, (model, spec) in enumerate(ROWS):
        if model not in models:
            continue
        # Each row runs from the same snapshot: rows stay independent, and the node stays small.
        # (After some 10,000 heavy pipelined transactions in one Anvil, the next Ape
        # transaction, sent with the block gas limit, sat in the pool unmined; reverting to a
        # snapshot avoids it.) Each row trains from its own account: after a revert the same
        # account would re-sign byte-identical transactions (same nonces, same contract
        # address, same rt rows), which Anvil takes for ones it already knows and never mines.
        trainer = accounts.test_accounts[1 + i % 9] if not account_alias else sender
        snapshot = chain.snapshot()
        with c.progress_bar(0, f"{model} on {spec}", quiet) as bar:
            row = accuracy_row(
                project, trainer, model, spec=spec, progress=bar.update, train_limit=train_limit
            )
        chain.restore(snapshot)
        acc.append(row)
        click.echo(
            f"{model:<17} {spec:<22} on-chain {row.chain_accuracy:.2%}  float "
            f"{row.float_accuracy:.2%}  gap {row.gap_points:.2f} pt  "
            f"commoner class {row.majority:.2%}"
        )
    gas = []
    for model in MODEL_NAMES:
        if model not in models:
            continue
        for size in GAS_SIZES[model_spec(model).dense]:
            g = gas_row(project, sender, accounts.test_accounts[1], model, size)
            gas.append(g)
            click.echo(
                f"{model:<17} size {size:>4}: addData {g['addData']:,}, predict {g['predict']:,}"
            )
    if out is None:
        click.echo("not saved: pass --out PATH to write the figures (and the doc tables)")
    else:
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(as_json(acc, gas), indent=2) + "\n")
        click.echo(f"written: {path}")
    if out is not None and Path(doc).is_file() and not only and train_limit is None:
        replace_section(Path(doc), "models", accuracy_table(acc))
        replace_section(Path(doc), "model-gas", gas_table(gas))
        click.echo(f"tables updated: {doc}")
    worst = max((r.gap_points for r in acc), default=0.0)
    if worst > 1.0:
        click.echo(f"error: a row is {worst:.2f} points from the float model", err=True)
        sys.exit(1)
