"""The model hub: find models on any network, record their accuracy, pay their contributors.

    ape run hub deploy                                  # a hub accepting this checkout's models
    ape run hub register --model ADDRESS --name NAME [--uri URI]
    ape run hub list [--all]                            # every entry, checked against its code
    ape run hub evaluate --model ADDRESS --dataset rt --offset K --size N [--secrets PATH]
    ape run hub evaluate --reveal SECRETS               # after the hub's reveal delay
    ape run hub history --model ADDRESS [--plot PNG]
    ape run hub fund --model ADDRESS --evaluator ADDRESS --amount ETH
    ape run hub close --model ADDRESS --evaluation ID   # anchor, then close a period
    ape run hub enter --model ADDRESS [--period P]      # enter the contributions that fixed answers
    ape run hub claim --model ADDRESS
    ape run hub demo [--plot PNG]                       # the whole story on a local chain

Every subcommand takes ``--account`` and ``--record`` (the addresses of the hub and of its pool
contract, default ``deployments/<ecosystem>_<network>_hub.json``, written by ``deploy``). See
docs/hub.md.
"""

from __future__ import annotations

from pathlib import Path

import click

from sharedmodels import cli as c
from sharedmodels.hub import client, driver
from sharedmodels.hub.demo import HubDemoConfig, history_lines, plot_history, run_hub_demo
from sharedmodels.hub.report import listing_lines
from sharedmodels.hub.rules import MAX_PIECE
from sharedmodels.units import ETH

record_opt = click.option(
    "--record",
    "record_opt",
    default=None,
    help="Hub record (default: deployments/<network>_hub.json).",
)
model_opt = click.option("--model", "model_address", required=True, help="The model's address.")


def _hub(record_opt: str | None):
    from ape import project

    return project.ModelHub.at(client.read_record(c.record_path(record_opt, "hub")))


def _pool(record_opt: str | None):
    """The hub's pool contract (``HubPool``), named by the hub record."""
    from ape import project

    return project.HubPool.at(client.read_pool(c.record_path(record_opt, "hub")))


def _entry(hub, address: str):
    from ape import chain

    return client.find_entry(hub, chain.provider, address)


@click.group(cls=c.Group, short_help="Model hub: register, evaluate, fund, claim, list.")
@c.ape_verbosity
def cli():
    """The model hub, one subcommand per action."""


_command = c.role_command(cli, record_opt)


@_command("Deploy a hub accepting this checkout's model contracts, and its pool contract.")
def deploy(network, account_alias, record_opt):
    """Deploy a ModelHub whose kind list is every model contract compiled here and the
    HubPool that pays its models' contributors, and write their record."""
    from ape import chain, project

    sender = c.resolve_account(account_alias)
    hub, pool = driver.deploy_hub_and_pool(project, sender)
    path = c.record_path(record_opt, "hub")
    client.write_record(path, hub.address, pool.address, chain.chain_id)
    click.echo(
        f"hub: {hub.address} ({hub.kind_count()} kinds); pool: {pool.address}; record {path}"
    )


@_command("List a model you own in the hub.")
@model_opt
@click.option("--name", required=True)
@click.option("--uri", default="", help="Where the model is described.")
def register(network, model_address, name, uri, account_alias, record_opt):
    """Register a model you own: the hub finds its kind from its code and reads its classes
    and encoder."""
    from ape import chain

    hub = _hub(record_opt)
    sender = c.resolve_account(account_alias)
    kind = driver.detect_kind(hub, chain.provider, model_address)
    receipt = hub.register(model_address, kind, name, uri, sender=sender)
    click.echo(f"registered {model_address} as {hub.kinds(kind).name} (gas {receipt.gas_used:,})")


@_command("Every model in the hub, each checked against its contract.", name="list")
@click.option("--all", "include_withdrawn", is_flag=True, help="Include withdrawn entries.")
def list_(network, include_withdrawn, account_alias, record_opt):
    """Every entry with its kind, classes, latest accuracy and pool; an entry whose contract
    does not match what it claims is marked REFUSED with the reason."""
    from ape import chain

    hub = _hub(record_opt)
    entries = driver.listing(hub, chain.provider, client.contract_at, include_withdrawn)
    for line in listing_lines(hub, _pool(record_opt), entries):
        click.echo(line)


@_command("Commit a test set for a model, or reveal one (after the delay).")
@click.option("--model", "model_address", default=None, help="The model to evaluate.")
@click.option("--dataset", default=None, help="Where the test samples come from (text: rt ...).")
@c.offset_opt
@click.option("--size", type=click.IntRange(1, 64 * MAX_PIECE), default=64, show_default=True)
@click.option("--secrets", "secrets_opt", default=None, help="Secrets file to write.")
@click.option("--reveal", "reveal_path", default=None, help="Reveal the set in this file.")
@c.max_fee_opt
def evaluate(
    network,
    model_address,
    dataset,
    offset,
    size,
    secrets_opt,
    reveal_path,
    max_fee,
    account_alias,
    record_opt,
):
    """Commit: encode --size samples of --dataset from --offset with the model's own encoder
    (read from the chain), commit them in pieces of 16 and keep the salts in a file of your
    own. Reveal: score every piece against the model; the last writes the record. A reveal's
    gas and fee (every piece is a prediction run on chain) are estimated first and printed
    above a million gas; --max-fee refuses, with nothing sent, a dearer reveal."""
    from ape import chain

    hub = _hub(record_opt)
    sender = c.resolve_account(account_alias)
    if reveal_path:
        plan = client.reveal_plan(hub, chain.provider, Path(reveal_path))
        calls = client.reveal_fee_calls(hub, plan)
        c.fee_guard(max_fee, "reveal", calls=calls, sender=sender, each="transaction")
        for i, ts, model in plan:
            driver.reveal(hub, i, ts, sender, model)
            e = hub.evaluations(i)
            click.echo(f"evaluation {i}: {e.correct}/{e.samples} correct at block {e.block}")
        return
    if not (model_address and dataset):
        raise click.UsageError("pass --model and --dataset to commit, or --reveal SECRETS")
    path = (
        Path(secrets_opt)
        if secrets_opt
        else c.record_path(None, f"hub_set_{chain.blocks.head.number}")
    )
    i, ts = client.commit_test_set(
        hub,
        chain.provider,
        sender,
        model_address=model_address,
        dataset=dataset,
        size=size,
        offset=offset,
        secrets=path,
        chain_id=chain.chain_id,
    )
    click.echo(
        f"evaluation {i}: {ts.size} samples in {len(ts.pieces)} pieces committed; "
        f"secrets in {path}; reveal after {hub.reveal_delay()} s"
    )


@_command("A model's accuracy records, oldest first.")
@model_opt
@click.option("--plot", "plot_path", default=None, help="Also draw them to this PNG.")
def history(network, model_address, plot_path, account_alias, record_opt):
    hub = _hub(record_opt)
    entry, _ = _entry(hub, model_address)
    records = driver.history(hub, model_address)
    for line in history_lines({entry.name: records}):
        click.echo(line)
    if plot_path and records:
        plot_history({entry.name: records}, Path(plot_path))
        click.echo(f"plot: {plot_path}")


@_command("Add ETH to a trainer's pool that an evaluator's records close (irrevocable).")
@model_opt
@click.option("--evaluator", required=True, help="Whose records anchor and close the pool.")
@click.option("--amount", "amount_text", required=True, help="ETH.")
def fund(network, model_address, evaluator, amount_text, account_alias, record_opt):
    pool = _pool(record_opt)
    value = c.amount(amount_text)
    pool.fund(model_address, evaluator, value=value, sender=c.resolve_account(account_alias))
    available = pool.pools(model_address, evaluator).available
    click.echo(f"pool of {evaluator}'s records: {available / ETH:g} ETH available")


@_command(
    "Anchor a pool on a record, close its period with a later one, or re-anchor once the"
    " anchor's sets can no longer be revealed."
)
@model_opt
@click.option("--evaluation", type=click.IntRange(1), required=True)
def close(network, model_address, evaluation, account_alias, record_opt):
    pool = _pool(record_opt)
    receipt = pool.close_period(model_address, evaluation, sender=c.resolve_account(account_alias))
    click.echo(f"released {int(receipt.return_value) / ETH:g} ETH")


@_command("Enter a period's contributions that fixed answers of its closing test set.")
@model_opt
@click.option("--period", type=click.IntRange(0), default=None, help="Default: the latest.")
def enter(network, model_address, period, account_alias, record_opt):
    """Read the period's closing set back from its reveal transactions, find the period's
    contributions that changed the model and whose own step fixed closing answers, and enter
    them; then cut what a step of the other label undid (``cancel``), largest cut first."""
    from ape import chain

    from sharedmodels.trainers.client import scan

    hub = _hub(record_opt)
    pool = _pool(record_opt)
    _, trainer = _entry(hub, model_address)
    p = client.closed_period(pool, model_address, period)
    sender = c.resolve_account(account_alias)
    skipped: list[int] = []
    history = scan(trainer, 0)  # entering adds no contribution: one scan serves both
    keeper = {"history": history, "test_set": None, "sender": sender, "provider": chain.provider}
    done = driver.enter_eligible(hub, pool, trainer, p, **keeper, skipped=skipped)
    cancelled = driver.cancel_eligible(hub, pool, trainer, p, **keeper)
    click.echo(
        f"period {p}: entered {len(done)} contributions; {len(cancelled)} cancellations cut "
        f"{sum(n for _, _, n in cancelled)} shares undone by a step of the other label"
    )
    if skipped:
        click.echo(
            f"left out {len(skipped)} contributions whose entry alone is over "
            f"{driver.ENTER_GAS:,} gas: {', '.join(map(str, skipped))}"
        )


@_command("Claim your part of every closed period of a model's pool.")
@model_opt
def claim(network, model_address, account_alias, record_opt):
    from ape import chain

    pool = _pool(record_opt)
    who = c.resolve_account(account_alias)
    got = driver.claim_all(pool, model_address, who, chain.pending_timestamp)
    if not got:
        raise driver.HubError("nothing to claim (no shares, entries still open, or claimed)")
    for p, wei in got:
        click.echo(f"period {p}: {wei / ETH:.6f} ETH")


@_command("Three models, two evaluations days apart and a pool paid out (local chain).")
@click.option("--dataset", default="rt", show_default=True)
@click.option("--plot", "plot_path", default="deployments/hub-history.png", show_default=True)
def demo(network, dataset, plot_path, account_alias, record_opt):
    """Deploy a hub and three models, record each twice on committed test sets with the dev
    clock moved days apart, fund one model's pool, pay out the period's contributors, check
    conservation and draw the accuracy history."""
    from ape import accounts, chain, project

    if not (chain.provider.network.is_local or chain.provider.network.is_fork):
        raise click.ClickException("the demo moves time: run it on a local or fork network")
    cfg = HubDemoConfig(dataset=dataset, plot=Path(plot_path) if plot_path else None)
    result = run_hub_demo(project, chain, accounts.test_accounts, cfg, say=click.echo)
    client.write_record(c.record_path(record_opt, "hub"), result.hub, result.pool, chain.chain_id)
    if not result.conservation_ok:
        raise click.ClickException("conservation check failed")
