"""The main job on a local chain: pre-train, deploy, measure, then prove parity on held-back data.

    ape run demo [--holdout 2000] [--pretrain-limit N]

1. Loads the Rotten Tomatoes snippets (``rt``) and holds back the last ``--holdout`` samples.
2. Trains scikit-learn's Perceptron on the rest off-chain (one in-order pass) and deploys the
   contract with those weights uploaded in chunks.
3. Measures held-out accuracy from on-chain predictions (free calls) next to scikit-learn's.
4. Streams the held-back samples through both models (predict, then train) and compares every
   prediction, weight and the intercept: the parity line.
"""

import sys
import time

import click
from ape.cli import ConnectedProviderCommand

from sharedmodels import cli as c
from sharedmodels.chain import predict_many
from sharedmodels.features import Encoder
from sharedmodels.jobs import Encoded, deploy_model, encode_dataset
from sharedmodels.parity import run_parity


def accuracy(predictions, labels) -> float:
    return sum(int(p == y) for p, y in zip(predictions, labels, strict=True)) / max(len(labels), 1)


@click.command(cls=ConnectedProviderCommand, short_help="Deploy, pre-train, check parity.")
@click.option(
    "--holdout",
    type=click.IntRange(min=1),
    default=2000,
    show_default=True,
    help="Samples held back from pre-training (the last ones of rt).",
)
@click.option(
    "--pretrain-limit",
    type=click.IntRange(min=0),
    default=None,
    help="Pre-train on at most this many samples (default: all the rest).",
)
@c.account_opt
@c.quiet_opt
@c.one_line_errors
def cli(holdout, pretrain_limit, account_alias, quiet):
    from ape import project

    sender = c.resolve_account(account_alias)
    encoder = Encoder()
    everything = encode_dataset("rt", encoder)
    if holdout >= len(everything):
        raise click.ClickException(f"--holdout must be below {len(everything)}")
    split = len(everything) - holdout
    train_end = split if pretrain_limit is None else min(split, pretrain_limit)
    pre = Encoded(everything.rows[:train_end], everything.labels[:train_end])
    test_rows, test_labels = everything.rows[split:], everything.labels[split:]

    t0 = time.monotonic()
    dep = deploy_model(project.SparsePerceptron, sender, encoder, pretrain_data=pre)
    deploy_s = time.monotonic() - t0
    uploaded = len(dep.reference.nonzero_weights())

    chain_acc = accuracy(predict_many(dep.contract, test_rows), test_labels)
    ref_acc = accuracy([dep.reference.predict(r) for r in test_rows], test_labels)
    with c.progress_bar(len(test_rows), "held-back stream", quiet) as bar:
        result = run_parity(
            dep.contract,
            sender,
            dep.reference,
            test_rows,
            test_labels,
            extra_indices=list(dep.reference.nonzero_weights()),
            progress=bar.update,
        )
    gas = sorted(result.gas_used)

    rows = [
        ("dataset", f"rt: {len(everything)} samples, {train_end} pre-train, {holdout} held back"),
        ("model", f"SparsePerceptron at {dep.contract.address}"),
        ("deployment", f"{uploaded} weights uploaded, {dep.gas_used:,} gas, {deploy_s:.1f} s"),
        ("held-out accuracy", f"on-chain {chain_acc:.2%}, scikit-learn {ref_acc:.2%}"),
        (
            "test-then-train acc.",
            f"{accuracy(result.chain_predictions, test_labels):.2%} "
            "(each held-back sample predicted on-chain before training on it)",
        ),
        ("update gas", f"median {gas[len(gas) // 2]:,}, max {gas[-1]:,}"),
        ("weights compared", f"{result.weights_checked} + intercept"),
    ]
    width = max(len(k) for k, _ in rows)
    click.echo("")
    for k, v in rows:
        click.echo(f"{k:<{width}}  {v}")
    click.echo(result.summary())
    if not result.ok:
        sys.exit(1)
