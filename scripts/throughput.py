"""Contributions per second: one Ape transaction at a time against the pipelined fast path.

    ape run throughput [--samples 1000] [--model M] [--out bench/throughput.json]

Nothing is written without ``--out`` (``make bench`` passes it); with it, the throughput table
in ``--benchmarks`` is rewritten too.

Deploys a fresh ``PerceptronStake`` (BENCHMARKS.md incentive settings), then contributes the
same number of ``rt`` snippets twice in one run: first through Ape, one transaction at a time
(``contribute --one-by-one``), then through ``sharedmodels.rpc.fastpath`` (locally signed
transactions with consecutive nonces, sent in JSON-RPC batches). Absolute rates depend on the
machine; the ratio is what to compare.
"""

import json
import time
from pathlib import Path

import click

from sharedmodels import cli as c
from sharedmodels.encoding.encoded import encode_dataset
from sharedmodels.registry import MODEL_NAMES, make_encoder, model_spec
from sharedmodels.runs.bench import replace_section
from sharedmodels.trainers.actions import contribute
from sharedmodels.trainers.client import Incentive
from sharedmodels.trainers.deploy import deploy_model


@click.command(cls=c.ConnectedCommand, short_help="Contribution throughput, two paths.")
@click.option("--samples", type=click.IntRange(1, 6000), default=1000, show_default=True)
@click.option(
    "--out",
    default=None,
    help="Write the figures here (make bench: bench/throughput.json) and rewrite the table in "
    "--benchmarks. Default: print only.",
)
@click.option(
    "--benchmarks",
    default="BENCHMARKS.md",
    show_default=True,
    help="Markdown file whose generated throughput table to rewrite (if present).",
)
@click.option(
    "--model",
    type=click.Choice(MODEL_NAMES),
    default="perceptron",
    show_default=True,
    help="Its staked trainer; text models read rt, dense ones sklearn:digits (reused in turn).",
)
@c.quiet_opt
@c.ape_verbosity
@c.one_line_errors
def cli(samples, out, benchmarks, model, quiet):
    """Measure contributions per second on this node: deploys a fresh PerceptronStake and
    contributes the same rt snippets twice, first one Ape transaction at a time, then through
    the pipelined fast path. Prints the rates; writes files only where --out says."""
    from ape import accounts, project

    sender = accounts.test_accounts[1]
    k = model_spec(model)
    spec = "sklearn:digits" if k.dense else "rt"
    encoder = make_encoder(model, fit_spec=spec)
    data = encode_dataset(spec, encoder, limit=2 * samples)
    reps = -(-2 * samples // len(data))
    data.rows, data.labels = (data.rows * reps)[: 2 * samples], (data.labels * reps)[: 2 * samples]
    incentive = Incentive("stake", refund_wait=60, owner_wait=120, any_wait=240, cost_weight=10**15)
    dep = deploy_model(
        getattr(project, k.contract("stake")),
        accounts.test_accounts[0],
        encoder,
        class_names=data.class_names,
        incentive=incentive,
        model=model,
    )
    rates = {}
    for name, fast, part in (
        ("ape_one_at_a_time", False, slice(0, samples)),
        ("fast_path", True, slice(samples, 2 * samples)),
    ):
        rows, labels = data.rows[part], data.labels[part]
        with c.progress_bar(len(rows), name, quiet) as bar:
            start = time.perf_counter()
            added = contribute(
                dep.contract, sender, rows, labels=labels, progress=bar.update, fast=fast
            )
            elapsed = time.perf_counter() - start
        if len(added) != len(rows):
            raise click.ClickException(f"{name}: {len(added)} of {len(rows)} contributions landed")
        rates[name] = len(rows) / elapsed
    result = {
        "model": model,
        "samples": samples,
        "ape_one_at_a_time_per_s": round(rates["ape_one_at_a_time"], 1),
        "fast_path_per_s": round(rates["fast_path"], 1),
        "ratio": round(rates["fast_path"] / rates["ape_one_at_a_time"], 1),
    }
    click.echo(
        f"{samples} contributions each way: Ape one at a time {result['ape_one_at_a_time_per_s']}"
        f"/s, fast path {result['fast_path_per_s']}/s, ratio {result['ratio']}x"
    )
    if out is None:
        click.echo("not saved: pass --out PATH to write the figures (and the BENCHMARKS.md table)")
        return
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    click.echo(f"written: {path}")
    if Path(benchmarks).is_file() and model == "perceptron":
        table = (
            "| path | contributions per second | ratio |\n|---|---|---|\n"
            f"| Ape, one transaction at a time | {result['ape_one_at_a_time_per_s']} | 1x |\n"
            f"| fast path (pipelined, JSON-RPC batches) | {result['fast_path_per_s']} | "
            f"{result['ratio']}x |\n"
            f"\n{samples} `addData` calls each way, same run, same deployment.\n"
        )
        replace_section(Path(benchmarks), "throughput", table)
