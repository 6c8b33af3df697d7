"""Gas in the BENCHMARKS.md scenario: the standalone model and the staked trainer.

    ape run gas [--out bench/gas.json] [--model-out bench/model_gas.json]
    ape run gas --model M [--model-out bench/gas_M.json]   # any other model

Prints the figures; writes files only where ``--out``/``--model-out`` say (``make bench``
passes both), and rewrites the ``--benchmarks`` table only with ``--out``.

With ``--model`` other than the sparse Perceptron: that model's staked trainer, pre-trained on
200 random samples, measured for ``addData`` and ``predict`` at two input sizes (20 and 100
features, or 16 and 64 dense values); see ``sharedmodels.runs.modelbench.gas_row``.

1,000-word vocabulary, all 1,000 weights non-zero, uploaded in chunks of 250; for n in
{20, 60, 100, 200} distinct sorted indices, `update` with the label the model already predicts
("no_update") and with the other label ("update": all n weights change); `predict` as an
eth_estimateGas figure. Gas is exact, so one run is enough.

The trainer (``PerceptronStake``: refund wait 60 s, owner 120 s, anyone 240 s, cost weight
10**15 wei, one hour before each contribution) is measured the same way for ``addData``, then
``refund`` (the contributor already has a good point, so its counter is not a fresh slot) and
``report`` (by a reporter with a good point, on a contribution the model disagrees with).
Pre-trained weights are 100-500 in magnitude so that one update never flips a prediction.
"""

import json
import random
from dataclasses import asdict
from pathlib import Path

import click

from sharedmodels import cli as c
from sharedmodels.encoding.features import Encoder
from sharedmodels.encoding.packed import as_x
from sharedmodels.registry import MODEL_NAMES, model_spec
from sharedmodels.rpc.deployments import deploy_perceptron
from sharedmodels.runs.bench import add_data_floor, gas_table, refund_floor, replace_section
from sharedmodels.runs.l2 import PRICES, costs, l2_table
from sharedmodels.runs.modelbench import GAS_SIZES, gas_row

SIZES = (20, 60, 100, 200)
VOCAB = 1000


def _write_json(path: str | None, data, flag: str = "--model-out") -> None:
    """Write ``data`` to ``path``; without a path, say how to save it."""
    if path is None:
        click.echo(f"not saved: pass {flag} PATH to write these figures")
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(data, indent=2) + "\n")
    click.echo(f"written: {path}")


@click.command(cls=c.ConnectedCommand, short_help="Model gas in the benchmark scenario.")
@click.option(
    "--out",
    default=None,
    help="Write the trainer figures here (make bench: bench/gas.json; floor.json beside it) "
    "and rewrite the --benchmarks table. Default: print only.",
)
@click.option(
    "--model-out",
    default=None,
    help="Write the model figures here (make bench: bench/model_gas.json). Default: print only.",
)
@click.option(
    "--benchmarks",
    default="BENCHMARKS.md",
    show_default=True,
    help="Markdown file whose generated table to rewrite (skipped when absent).",
)
@click.option("--model", type=click.Choice(MODEL_NAMES), default="perceptron", show_default=True)
@c.account_opt
@c.ape_verbosity
@c.one_line_errors
def cli(out, model_out, benchmarks, model, account_alias):
    """Measure gas in the BENCHMARKS.md scenario: the standalone sparse Perceptron's update and
    predict at several input sizes, and its staked trainer's addData, refund and report
    (--model M: another model's staked trainer). Prints the figures; writes files only where
    --out / --model-out say."""
    from ape import accounts, project

    sender = c.resolve_account(account_alias)
    if model != "perceptron":
        rows = [
            gas_row(project, sender, accounts.test_accounts[1], model, size)
            for size in GAS_SIZES[model_spec(model).dense]
        ]
        for g in rows:
            click.echo(
                f"{model} size {g['size']}: addData {g['addData']:,}, predict {g['predict']:,}"
            )
        _write_json(model_out, rows)
        return
    rnd = random.Random(2019)
    weights = {j: rnd.choice([-1, 1]) * rnd.randint(1, 5) for j in range(VOCAB)}
    contract, deploy_gas = deploy_perceptron(
        project.SparsePerceptron,
        sender,
        encoder=Encoder(n_features=VOCAB),
        eta=1,
        weights=weights,
        intercept=0,
        chunk=250,
    )
    result = {"deploy_1000": deploy_gas, "update": {}, "predict": {}}
    for n in SIZES:
        row = sorted(rnd.sample(range(VOCAB), n))
        x = as_x(contract, row)
        predicted = int(contract.predict(x))
        if contract.score(x) == 0:
            raise click.ClickException("tie in the benchmark sample; change the seed")
        same = contract.update(x, predicted, sender=sender)
        other = contract.update(x, 1 - predicted, sender=sender)
        result["update"][str(n)] = {"no_update": int(same.gas_used), "update": int(other.gas_used)}
        result["predict"][str(n)] = int(contract.predict.estimate_gas_cost(x, sender=sender))
    click.echo(f"deploy + 1,000 weights: {deploy_gas:,} gas")
    click.echo(f"{'n':>5} {'update (no change)':>20} {'update (n changes)':>20} {'predict':>10}")
    for n in SIZES:
        u = result["update"][str(n)]
        click.echo(
            f"{n:>5} {u['no_update']:>20,} {u['update']:>20,} " f"{result['predict'][str(n)]:>10,}"
        )
    _write_json(model_out, result, "--model-out")

    trainer, floors, l2 = trainer_gas(project.PerceptronStake, sender, rnd)
    click.echo(f"trainer deploy + 1,000 weights: {trainer['deploy_1000']:,} gas")
    click.echo(
        f"{'n':>5} {'addData no update':>18} {'addData update':>15} {'refund':>9} {'report':>9}"
    )
    for n in SIZES:
        a = trainer["addData"][str(n)]
        click.echo(
            f"{n:>5} {a['no_update']:>18,} {a['update']:>15,} "
            f"{trainer['refund'][str(n)]:>9,} {trainer['report'][str(n)]:>9,}"
        )
    if out is None:
        click.echo(
            "trainer figures not saved: pass --out PATH (also rewrites the BENCHMARKS table)"
        )
        return
    _write_json(out, trainer)
    _write_json(str(Path(out).with_name("floor.json")), floors)
    _write_json(str(Path(out).with_name("l2.json")), {"prices": asdict(PRICES), "costs": l2})
    if Path(benchmarks).is_file():
        replace_section(Path(benchmarks), "table", gas_table(trainer, floors))
        if "<!-- bench:l2 -->" in Path(benchmarks).read_text():
            replace_section(Path(benchmarks), "l2", l2_table(l2))
        click.echo(f"table updated: {benchmarks}")


def trainer_gas(container, owner, rnd: random.Random) -> dict:
    """The BENCHMARKS.md trainer scenario; returns the ``bench/gas.json`` structure."""
    from ape import accounts, chain

    from sharedmodels.trainers.client import Contribution, Incentive

    alice, bob = accounts.test_accounts[1], accounts.test_accounts[2]
    weights = {j: rnd.choice([-1, 1]) * rnd.randint(100, 500) for j in range(VOCAB)}
    params = Incentive("stake", refund_wait=60, owner_wait=120, any_wait=240, cost_weight=10**15)
    contract, deploy_gas = deploy_perceptron(
        container,
        owner,
        encoder=Encoder(n_features=VOCAB),
        eta=1,
        weights=weights,
        chunk=250,
        extra_args=params.constructor_args(),
    )
    clock = int(chain.pending_timestamp)

    def add(who, row, label):
        nonlocal clock
        clock += 3600
        chain.pending_timestamp = clock
        last = int(contract.last_contribution_time())
        receipt = contract.addData(
            as_x(contract, row), label, sender=who, value=params.deposit(clock - last)
        )
        (log,) = receipt.decode_logs(contract.ContributionAdded)
        c = Contribution(
            id=int(log.id),
            contributor=str(who.address),
            time=int(log.time),
            label=label,
            deposit=int(log.deposit),
        )
        return _with(c, row), receipt

    def predict(row):
        return int(contract.predict(as_x(contract, row)))

    def after_wait():
        nonlocal clock
        clock += 61
        chain.pending_timestamp = clock

    # Warm-up: alice and bob each earn one good point.
    for who in (alice, bob):
        row = sorted(rnd.sample(range(VOCAB), 20))
        c, _ = add(who, row, predict(row))
        after_wait()
        contract.refund(c.key(), as_x(contract, row), sender=who)
    result: dict = {"addData": {}, "refund": {}, "report": {}, "deploy_1000": deploy_gas}
    l2: dict = {}
    floors: dict = {"addData": {}, "refund": {}}
    for n in SIZES:
        rows = rnd.sample(range(VOCAB), 3 * n)
        agree, flip, target = (sorted(rows[i * n : (i + 1) * n]) for i in range(3))
        c_agree, same = add(alice, agree, predict(agree))
        _, update = add(alice, flip, 1 - predict(flip))
        c_bad, _ = add(alice, target, 1 - predict(target))
        after_wait()
        refund = contract.refund(c_agree.key(), as_x(contract, agree), sender=alice)
        report = contract.report(c_bad.key(), as_x(contract, target), sender=bob)
        result["addData"][str(n)] = {
            "no_update": int(same.gas_used),
            "update": int(update.gas_used),
        }
        result["refund"][str(n)] = int(refund.gas_used)
        result["report"][str(n)] = int(report.gas_used)
        floors["addData"][str(n)] = {
            "no_update": add_data_floor(bytes(same.transaction.data), agree, update=False),
            "update": add_data_floor(bytes(update.transaction.data), flip, update=True),
        }
        floors["refund"][str(n)] = refund_floor(bytes(refund.transaction.data), agree)
        for name, receipt in (
            (f"addData, no update, n = {n}", same),
            (f"addData, update, n = {n}", update),
            (f"refund, n = {n}", refund),
        ):
            l2[name] = l2_costs(receipt)
    return result, floors, l2


def l2_costs(receipt) -> dict:
    """The L2 columns of one receipt's transaction (its signed bytes from the node)."""
    from ape import networks

    raw = networks.provider.make_request("eth_getRawTransactionByHash", [receipt.txn_hash])
    return costs(bytes.fromhex(raw[2:]), bytes(receipt.transaction.data), int(receipt.gas_used))


def _with(c, row):
    c.features = tuple(row)
    return c
