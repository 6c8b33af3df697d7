"""Gas of the standalone model in the BENCHMARKS.md scenario (issue 4 extends this to the trainer).

    ape run gas [--out bench/model_gas.json]

1,000-word vocabulary, all 1,000 weights non-zero, uploaded in chunks of 250; for n in
{20, 60, 100, 200} distinct sorted indices, `update` with the label the model already predicts
("no_update") and with the other label ("update": all n weights change); `predict` as an
eth_estimateGas figure. Gas is exact, so one run is enough.
"""

import json
import random
from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand

from sharedmodels import cli as c
from sharedmodels.chain import deploy_perceptron
from sharedmodels.features import Encoder

SIZES = (20, 60, 100, 200)
VOCAB = 1000


@click.command(cls=ConnectedProviderCommand, short_help="Model gas in the benchmark scenario.")
@click.option("--out", default="bench/model_gas.json", show_default=True)
@c.account_opt
@c.one_line_errors
def cli(out, account_alias):
    from ape import project

    sender = c.resolve_account(account_alias)
    rnd = random.Random(2019)
    weights = {j: rnd.choice([-1, 1]) * rnd.randint(1, 5) for j in range(VOCAB)}
    contract, deploy_gas = deploy_perceptron(
        project.SparsePerceptron,
        sender,
        Encoder(n_features=VOCAB),
        1,
        weights=weights,
        intercept=0,
        chunk=250,
    )
    result = {"deploy_1000": deploy_gas, "update": {}, "predict": {}}
    for n in SIZES:
        row = sorted(rnd.sample(range(VOCAB), n))
        predicted = int(contract.predict(row))
        if contract.score(row) == 0:
            raise click.ClickException("tie in the benchmark sample; change the seed")
        same = contract.update(row, predicted, sender=sender)
        other = contract.update(row, 1 - predicted, sender=sender)
        result["update"][str(n)] = {"no_update": int(same.gas_used), "update": int(other.gas_used)}
        result["predict"][str(n)] = int(contract.predict.estimate_gas_cost(row, sender=sender))
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    click.echo(f"deploy + 1,000 weights: {deploy_gas:,} gas")
    click.echo(f"{'n':>5} {'update (no change)':>20} {'update (n changes)':>20} {'predict':>10}")
    for n in SIZES:
        u = result["update"][str(n)]
        click.echo(
            f"{n:>5} {u['no_update']:>20,} {u['update']:>20,} " f"{result['predict'][str(n)]:>10,}"
        )
    click.echo(f"written: {path}")
