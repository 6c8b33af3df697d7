"""Federated learning on chain (``docs/federated.md``), one subcommand per role.

    ape run federated open [--rounds 10] [--rule trimmed-mean|fedavg] [--trim 2] [--pool 1]
        [--stake 0.01] [--clip 3.0] [--min-participants 5] [--max-participants 10]
        [--commit-window 3600] [--reveal-window 3600] [--min-agreement 100]
        [--allow ADDRESS|ALIAS ...]
    ape run federated join                          # a participant: deposit the stake
    ape run federated train-round --client I [--clients 10] [--alpha 1.0] [--epochs 2]
        [--epsilon E] [--poison flip|scale] [--advance]
    ape run federated aggregate [--budget 24]       # anyone, after the reveal window
    ape run federated status                        # the round, the books, the record checked
    ape run federated demo [--rounds 10] [--out simulations/federated]

Every subcommand but ``demo`` takes ``--account ALIAS`` (default: test account 0 on local
networks) and ``--record PATH`` (default ``deployments/<ecosystem>_<network>_federated.json``,
written by ``open``). ``train-round`` keeps the committed update and its salt in
``<record>.<address>.pending.json`` until it reveals it: run it once in the commit window and
once in the reveal window (``--advance`` on a local chain moves time to the reveal window and
reveals at once).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from sharedmodels import cli as c
from sharedmodels.encoding.features import FIXED_POINT_SCALE as SCALE
from sharedmodels.federated.client import (
    N_CLASSES,
    N_FEATURES,
    accuracy,
    digits,
)
from sharedmodels.federated.driver import (
    DEFAULT_BUDGET,
    check_history,
    conservation,
    deploy_task,
    phase,
    terms_of,
)
from sharedmodels.federated.driver import (
    aggregate as run_aggregation,
)
from sharedmodels.federated.participant import (
    commit_round,
    pending_path,
    reveal_round,
    shard_client,
)
from sharedmodels.federated.rules import MAX_BUDGET, RULES, FederatedError, Terms
from sharedmodels.rpc.mining import move_clock
from sharedmodels.units import ETH


def _task(record_opt: str | None):
    from ape import project

    path = c.record_path(record_opt, "federated")
    if not path.exists():
        raise click.UsageError(f"no task record at {path}: run `ape run federated open` first")
    record = json.loads(path.read_text())
    return record, project.FederatedTask.at(record["address"]), path


record_opt = click.option(
    "--record",
    "record_opt",
    default=None,
    help="Task record (default: deployments/<network>_federated.json).",
)


@click.group(cls=c.Group, short_help="Federated learning: open, join, train, aggregate, demo.")
@c.ape_verbosity
def cli():
    """Federated learning on chain, one subcommand per role."""


_command = c.role_command(cli, record_opt)


@_command("Coordinator: open a task on digits (64 features, 10 classes) with a reward pool.")
@click.option("--rounds", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--rule", type=click.Choice(sorted(RULES)), default="trimmed-mean", show_default=True)
@click.option("--trim", type=click.IntRange(0, 7), default=2, show_default=True)
@click.option("--pool", default="1", show_default=True, help="ETH.")
@click.option("--stake", default="0.01", show_default=True, help="ETH.")
@click.option("--clip", type=float, default=3.0, show_default=True, help="Update norm bound.")
@click.option("--min-participants", type=click.IntRange(1, 16), default=5, show_default=True)
@click.option("--max-participants", type=click.IntRange(1, 16), default=10, show_default=True)
@click.option("--commit-window", type=click.IntRange(3600), default=3600, show_default=True)
@click.option("--reveal-window", type=click.IntRange(3600), default=3600, show_default=True)
@click.option(
    "--min-agreement",
    type=click.IntRange(0, 999),
    default=100,
    show_default=True,
    help="Least cosine with the aggregate for a reward, in thousandths.",
)
@click.option(
    "--allow",
    "allow",
    multiple=True,
    metavar="ADDRESS|ALIAS",
    help="Only these may join (repeat; an address or an account alias such as TEST::1). "
    "Without it the task is open to anyone, Sybils included.",
)
def open(  # noqa: A001
    network,
    account_alias,
    record_opt,
    rounds,
    rule,
    trim,
    pool,
    stake,
    clip,
    min_participants,
    max_participants,
    commit_window,
    reveal_window,
    min_agreement,
    allow,
):
    """Coordinator: deploy a task (zero initial parameters) holding the reward pool; with
    --allow, only the named addresses may join."""
    from ape import chain

    sender = c.resolve_account(account_alias)
    allowed = [a if a.startswith("0x") else str(c.resolve_account(a).address) for a in allow]
    rule_id = RULES[rule]
    terms = Terms(
        n_features=N_FEATURES,
        n_classes=N_CLASSES,
        rounds=rounds,
        commit_window=commit_window,
        reveal_window=reveal_window,
        min_participants=min_participants,
        max_participants=max_participants,
        stake=c.amount(stake),
        clip=int(clip * SCALE),
        max_samples=10_000,
        rule=rule_id,
        trim=trim if rule_id else 0,
        min_agreement=min_agreement,
    )
    try:
        terms.check(len(allowed))
    except FederatedError as exc:
        raise click.UsageError(str(exc)) from None
    start = chain.blocks.height
    contract = deploy_task(
        __import__("ape").project.FederatedTask,
        sender,
        terms,
        pool=c.amount(pool),
        initial=(),
        allowed=allowed,
    )
    path = c.record_path(record_opt, "federated")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"address": contract.address, "start_block": start}, indent=2))
    who = f"{len(allowed)} allowed participants" if allowed else "open to anyone"
    click.echo(f"task {contract.address}: {terms.rounds} rounds, rule {rule}, {who}, record {path}")


@_command("Participant: join the task with its stake.")
def join(network, account_alias, record_opt):
    """Participant: deposit exactly the task's stake."""
    sender = c.resolve_account(account_alias)
    _, contract, _ = _task(record_opt)
    tx = contract.join(sender=sender, value=int(contract.stake()))
    click.echo(
        f"joined as participant #{int(contract.participants(sender).index)}, gas {tx.gas_used:,}"
    )


@_command(
    "Participant: train on the local shard and commit (or reveal) this round's update.",
    name="train-round",
)
@click.option(
    "--client", "client_i", type=click.IntRange(0, 15), required=True, help="Shard number."
)
@click.option("--clients", type=click.IntRange(1, 16), default=10, show_default=True)
@click.option("--alpha", type=float, default=1.0, show_default=True, help="Dirichlet label skew.")
@click.option("--epochs", type=click.IntRange(1, 100), default=2, show_default=True)
@click.option("--epsilon", type=float, default=None, help="Add (epsilon, 1e-5)-DP Gaussian noise.")
@click.option("--poison", type=click.Choice(["flip", "scale"]), default=None, help="Misbehave.")
@click.option("--advance", is_flag=True, help="Local chain: move to the reveal window and reveal.")
@click.option("--seed", type=int, default=0, show_default=True)
def train_round(
    network,
    account_alias,
    record_opt,
    client_i,
    clients,
    alpha,
    epochs,
    epsilon,
    poison,
    advance,
    seed,
):
    """Participant: in the commit window, train from the live global model on shard CLIENT of
    digits and commit the clipped (optionally noised) update; in the reveal window, reveal it."""
    from ape import chain

    sender = c.resolve_account(account_alias)
    _, contract, path = _task(record_opt)
    pending = pending_path(path, str(sender.address))
    ph = phase(contract, chain.pending_timestamp)
    if ph == "commit":
        client = shard_client(
            client_i, clients=clients, alpha=alpha, seed=seed, poison=poison, epsilon=epsilon
        )
        r, samples = commit_round(
            contract, sender, client, pending=pending, epochs=epochs, seed=seed, say=click.echo
        )
        click.echo(f"round {r}: committed an update from {samples} samples")
        if client.privacy:
            eps, delta = client.privacy.spent()
            click.echo(f"privacy spent this call: epsilon {eps:g}, delta {delta:g}")
        if not advance:
            return
        move_clock(chain.provider, int(contract.deadlines()[0]), "--advance")
        ph = "reveal"
    if ph == "reveal":
        r, tx = reveal_round(contract, sender, pending)
        click.echo(f"round {r}: revealed, gas {tx.gas_used:,}")
        return
    raise FederatedError(
        f"round {int(contract.round())} is in its {ph} phase: nothing to train now"
    )


@_command("Anyone: step the aggregation until the round closes.")
@click.option(
    "--budget", type=click.IntRange(1, MAX_BUDGET), default=DEFAULT_BUDGET, show_default=True
)
@click.option("--advance", is_flag=True, help="Local chain: move past the reveal window first.")
def aggregate(network, account_alias, record_opt, budget, advance):
    """Anyone: once the reveal window is over, call `step` until the round closes."""
    from ape import chain

    sender = c.resolve_account(account_alias)
    _, contract, _ = _task(record_opt)
    if advance:
        move_clock(chain.provider, int(contract.deadlines()[1]), "--advance")
    r = int(contract.round())
    gas = run_aggregation(contract, sender, budget)
    ok, _ = conservation(contract)
    click.echo(
        f"round {r} closed in {len(gas)} steps (most gas {max(gas):,}); "
        f"conservation: {'ok' if ok else 'BROKEN'}"
    )


@_command("Anyone: the round, the books, and every round rebuilt from the record.")
def status(network, account_alias, record_opt):
    """Anyone: where the task stands, and every global model rebuilt from the chain's record."""
    from ape import chain

    record, contract, _ = _task(record_opt)
    terms = terms_of(contract)
    ph = phase(contract, chain.pending_timestamp)
    click.echo(
        f"task {contract.address}: round {int(contract.round())}/{terms.rounds} ({ph}), "
        f"{int(contract.n_participants())} participants, {int(contract.n_revealed())} reveals"
    )
    ok, sheet = conservation(contract)
    click.echo("books: " + ", ".join(f"{k} {v / ETH:.6f}" for k, v in sheet.items()))
    click.echo(f"conservation: {'ok' if ok else 'BROKEN'}")
    split = digits(0)
    acc = accuracy([int(v) for v in contract.parameters()], split.X_test, split.y_test, N_FEATURES)
    click.echo(f"live model: digits test accuracy {acc:.3f}")
    problems = check_history(contract, int(record.get("start_block", 0)))
    click.echo(
        "history: every round rebuilt, hashes match" if not problems else "\n".join(problems)
    )


@cli.command(cls=c.ConnectedCommand, short_help="Ten clients, two poisoning, on a local chain.")
@click.option("--rounds", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--epochs", type=click.IntRange(1, 20), default=2, show_default=True)
@click.option("--alpha", type=float, default=1.0, show_default=True, help="Dirichlet label skew.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", default="simulations/federated", show_default=True, help="Output folder.")
@c.one_line_errors
def demo(network, rounds, epochs, alpha, seed, out):
    """Ten clients with non-IID shards of digits, two poisoning (one flips labels, one sends its
    change reversed at the clip bound claiming the most samples): FedAvg and the trimmed mean on
    chain, the trimmed mean without poisoners, central training, and accuracy vs epsilon."""
    from sharedmodels.federated.demo import FederatedDemoConfig, run_demo, summary_lines

    cfg = FederatedDemoConfig(rounds=rounds, epochs=epochs, alpha=alpha, seed=seed)
    for line in summary_lines(run_demo(cfg, Path(out), click.echo)):
        click.echo(line)
