"""The model bounty, one subcommand per role and phase.

    ape run bounty create --dataset wine [--groups 6] [--test-groups 2] [--limit N]
        [--prize 1] [--stake 0.01] [--scoring-fee 0.1] [--threshold 80]
        [--submit-window 3600] [--upload-window 3600] [--reveal-window 3600] [--score-window 3600]
    ape run bounty reveal                      # organiser: the draw and the training groups;
                                               # after the upload deadline, the test groups
    ape run bounty submit --kind mlp|perceptron|centroid [--hidden 16[,8]] [--shuffle-labels]
        [--stake E]                            # trains on the training data rebuilt from chain
    ape run bounty upload --entry PATH         # after the submission deadline: upload, seal
    ape run bounty evaluate                    # anyone: score every sealed model in steps,
                                               # earning their scoring fees
    ape run bounty finalize                    # anyone: settle (or forfeit); pays the caller
                                               # its dues and scoring fees
    ape run bounty status
    ape run bounty demo                        # a whole competition on a local chain

Every subcommand takes ``--account ALIAS`` (default: test account 0 on local networks) and
``--record PATH`` (default ``deployments/<ecosystem>_<network>_bounty.json``, written by
``create``). The organiser's groups and salts go to their own file (mode 0600); keep it until
the test reveal, since losing it forfeits the prize. Each submission's model and salt go to an
entry file beside the record, needed by ``upload``.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import click

from sharedmodels import cli as c
from sharedmodels.bounty.demo import (
    DATASETS,
    BountyDemoConfig,
    float_accuracy,
    make_groups,
    run_demo,
    train,
    training_from_chain,
)
from sharedmodels.bounty.driver import (
    Entrant,
    Terms,
    collect,
    deploy_bounty,
    evaluate,
    evaluate_calls,
    group_split,
    load_entry,
    phase,
    reveal_tests,
    reveal_training,
    save_entry,
    settle,
    submit,
    upload,
    upload_calls,
    winner,
)
from sharedmodels.bounty.models import KINDS
from sharedmodels.bounty.report import demo_lines, status_lines
from sharedmodels.bounty.rules import (
    MAX_GROUPS,
    MIN_GROUPS,
    BountyError,
    OrganiserSecrets,
    max_fee,
)
from sharedmodels.units import ether


def _bounty(record_opt: str | None):
    from ape import project

    path = c.record_path(record_opt, "bounty")
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        raise BountyError(
            f"no bounty record at {path}: run `ape run bounty create` first"
        ) from None
    return record, project.ModelBounty.at(record["address"]), path


@click.group(short_help="Model bounty: create, reveal, submit, upload, evaluate, finalize.")
@c.ape_verbosity
def cli():
    """The model bounty, one subcommand per role and phase."""


record_opt = click.option("--record", "record_opt", default=None, help="Bounty record.")
_command = c.role_command(cli, record_opt)


@_command("Organiser: commit a dataset in groups and deploy the bounty with its prize.")
@click.option("--dataset", type=click.Choice(DATASETS), default="wine", show_default=True)
@click.option("--groups", type=click.IntRange(MIN_GROUPS, MAX_GROUPS), default=6, show_default=True)
@click.option("--test-groups", type=click.IntRange(1), default=2, show_default=True)
@click.option("--limit", type=click.IntRange(1), default=None, help="Use the first N samples.")
@click.option("--prize", default="1", show_default=True, help="ETH.")
@click.option("--stake", default="0.01", show_default=True, help="Minimum stake, ETH.")
@click.option(
    "--scoring-fee",
    default="0.1",
    show_default=True,
    help="Gwei per work unit (estimated scoring gas) each sealed model pays the keepers.",
)
@click.option("--threshold", type=click.FloatRange(0, 100), default=80.0, show_default=True)
@click.option(
    "--submit-window", type=click.IntRange(3600, 30 * 86400), default=3600, show_default=True
)
@click.option(
    "--upload-window", type=click.IntRange(3600, 30 * 86400), default=3600, show_default=True
)
@click.option(
    "--reveal-window", type=click.IntRange(3600, 30 * 86400), default=3600, show_default=True
)
@click.option(
    "--score-window", type=click.IntRange(3600, 30 * 86400), default=3600, show_default=True
)
def create(
    network,
    dataset,
    groups,
    test_groups,
    limit,
    prize,
    stake,
    scoring_fee,
    threshold,
    submit_window,
    upload_window,
    reveal_window,
    score_window,
    account_alias,
    record_opt,
):
    from ape import chain, project

    if test_groups >= groups:
        raise click.BadParameter(
            "must leave at least one training group", param_hint="--test-groups"
        )
    organiser = c.resolve_account(account_alias)
    gs, dim, n_classes = make_groups(dataset, groups, limit)
    secrets = OrganiserSecrets(gs)
    path = c.record_path(record_opt, "bounty")
    secrets_path = path.with_name(f"{path.stem}_secrets.json")
    if secrets_path.exists():
        raise BountyError(f"{secrets_path} exists: move it away first (it may hold live salts)")
    rate = c.amount(scoring_fee, "gwei", 10**9, allow_zero=True)
    terms = Terms(
        c.amount(stake),
        submit_window=submit_window,
        upload_window=upload_window,
        reveal_window=reveal_window,
        score_window=score_window,
        scoring_fee=rate,
    )
    top = max_fee(rate, dim, n_classes, test_groups)
    if top > terms.min_stake:
        raise BountyError(
            f"--stake {ether(terms.min_stake)} is below the largest model's scoring fee "
            f"{ether(top)}: raise --stake or lower --scoring-fee"
        )
    b = deploy_bounty(
        project.ModelBounty,
        organiser,
        secrets,
        chain_id=chain.chain_id,
        prize=c.amount(prize),
        dim=dim,
        n_classes=n_classes,
        test_groups=test_groups,
        threshold_bps=round(threshold * 100),
        terms=terms,
    )
    secrets.save(secrets_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {"address": str(b.address), "dataset": dataset, "secrets": str(secrets_path)}, indent=2
        )
    )
    click.echo(f"bounty     {b.address} (record {path})")
    click.echo(
        f"prize      {ether(int(b.prize()))}; {dataset}: {dim} features, {n_classes} classes"
    )
    click.echo(
        f"groups     {groups}, {test_groups} drawn for the test set; threshold {threshold:g}%"
    )
    click.echo(
        f"stakes     at least {ether(terms.min_stake)}; scoring fee {scoring_fee} gwei a work "
        f"unit, at most {ether(top)} a model"
    )
    click.echo(f"secrets    {secrets_path} (mode 0600: keep it until the test reveal)")
    click.echo(f"next       `ape run bounty reveal` after block {b.seed_block()}")


@_command("Organiser: record the draw and reveal the training groups, or later the test groups.")
def reveal(network, account_alias, record_opt):
    from ape import chain

    record, b, _ = _bounty(record_opt)
    organiser = c.resolve_account(account_alias)
    secrets = OrganiserSecrets.load(Path(record["secrets"]))
    ph = phase(b)
    if ph == "committed":
        if chain.blocks.head.number <= int(b.seed_block()):
            raise BountyError(f"the seed block {b.seed_block()} is not mined yet")
        gas = reveal_training(b, organiser, secrets)
        train_g, test_g = group_split(int(b.test_mask()), int(b.n_groups()))
        click.echo(f"drawn      test groups {test_g}; training groups {train_g} revealed")
        click.echo(f"gas        {', '.join(f'{g:,}' for g in gas)}")
        click.echo(f"open       submissions until {b.submit_deadline()} (unix time)")
    elif ph == "open":
        if chain.blocks.head.timestamp <= int(b.upload_deadline()):
            raise BountyError(f"uploads are open until {b.upload_deadline()}; reveal after it")
        gas = reveal_tests(b, organiser, secrets)
        click.echo(f"revealed   test groups ({', '.join(f'{g:,}' for g in gas)} gas); scoring open")
    else:
        raise BountyError(f"the bounty is {ph}: nothing to reveal")


@_command(
    "Submitter: train on the training data rebuilt from chain, commit the model, stake.", "submit"
)
@click.option("--kind", type=click.Choice(sorted(KINDS)), required=True)
@click.option("--hidden", default="16", show_default=True, help="MLP hidden sizes, e.g. 16,8.")
@click.option("--shuffle-labels", is_flag=True, help="Train on shuffled labels (a bad model).")
@click.option("--stake", default=None, help="ETH (default: the minimum).")
@click.option("--seed", type=int, default=0, show_default=True)
def submit_(network, kind, hidden, shuffle_labels, stake, seed, account_alias, record_opt):
    from ape import chain

    _, b, path = _bounty(record_opt)
    who = c.resolve_account(account_alias)
    xs, ys = training_from_chain(b, chain)
    if not xs:
        raise BountyError("no training group is revealed yet")
    if shuffle_labels:
        random.Random(seed).shuffle(ys)
    sizes = tuple(int(h) for h in hidden.split(",") if h)
    est, model = train(kind, xs, ys, n_classes=int(b.n_classes()), hidden=sizes, seed=seed)
    e = Entrant(model)
    value = c.amount(stake) if stake else int(b.min_stake())
    submit(b, who, e, value)
    entry = path.with_name(f"{path.stem}_entry_{e.id}.json")
    save_entry(entry, e, str(who.address))
    click.echo(f"submitted  #{e.id}: {kind}, {len(model.params)} parameters, stake {ether(value)}")
    click.echo(
        f"training   {len(xs)} samples; float accuracy on them {float_accuracy(est, xs, ys):.2%}"
    )
    click.echo(
        f"entry      {entry} (keep it: `ape run bounty upload --entry` after {b.submit_deadline()})"
    )


@_command("Submitter: upload the model's parameters in chunks and seal them.", "upload")
@click.option("--entry", "entry_path", required=True, type=click.Path(exists=True, dir_okay=False))
@c.max_fee_opt
def upload_(network, entry_path, max_fee, account_alias, record_opt):
    """Submitter: upload the model's parameters in chunks and seal them. The chunks' and the
    seal's gas and fee are estimated first (printed above a million gas); --max-fee refuses,
    with nothing sent, when they would cost more in all."""
    _, b, _ = _bounty(record_opt)
    who = c.resolve_account(account_alias)
    e = load_entry(Path(entry_path), b, str(who.address))
    c.fee_guard(max_fee, f"upload of #{e.id}", calls=upload_calls(b, e), sender=who, each="chunk")
    gas = upload(b, who, e)
    click.echo(f"sealed     #{e.id}: {len(gas) - 1} chunks, {sum(gas):,} gas in all")


@_command("Anyone: score the sealed models in steps of at most 10M estimated gas.", "evaluate")
@c.max_fee_opt
def evaluate_(network, max_fee, account_alias, record_opt):
    """Anyone: score every sealed model in steps of at most 10M estimated gas; the caller earns
    each step's scoring fee. The steps' gas and fee are estimated first (printed above a
    million gas); --max-fee refuses, with nothing sent, when they would cost more in all."""
    _, b, _ = _bounty(record_opt)
    who = c.resolve_account(account_alias)
    if phase(b) == "evaluating":  # otherwise evaluate says why in one line
        c.fee_guard(max_fee, "scoring", calls=evaluate_calls(b), sender=who, each="step")
    gas = evaluate(b, who)
    click.echo(f"scored     in {len(gas)} steps; gas per step {', '.join(f'{g:,}' for g in gas)}")
    click.echo(f"fees       {ether(int(b.fees_due(who.address)))} earned (withdrawn by finalize)")


@_command("Anyone: settle (or forfeit after a missed test reveal), then pay the caller its due.")
def finalize(network, account_alias, record_opt):
    from ape import chain

    _, b, _ = _bounty(record_opt)
    who = c.resolve_account(account_alias)
    settle(b, who, chain)
    paid = collect(b, who)
    click.echo(f"settled    {phase(b)}; winner {winner(b)}; paid you {ether(paid)}")


@_command("Where the bounty stands: phase, deadlines, submissions, scores, conservation.")
def status(network, account_alias, record_opt):
    from ape import chain

    _, b, _ = _bounty(record_opt)
    for line in status_lines(b, chain):
        click.echo(line)


@cli.command(cls=c.ConnectedCommand, short_help="A whole competition on a local chain.")
@click.option("--dataset", type=click.Choice(DATASETS), default="wine", show_default=True)
@click.option("--limit", type=click.IntRange(1), default=None)
@click.option("--threshold", type=click.FloatRange(0, 100), default=80.0, show_default=True)
@c.ape_verbosity
@c.one_line_errors
def demo(network, dataset, limit, threshold):
    """A whole competition on a local chain: an organiser commits a scikit-learn dataset in
    groups, three submitters (an MLP, a dense Perceptron, a model trained on shuffled labels)
    commit, upload and seal their models, the test groups are revealed, a keeper scores every
    model in gas-bounded steps, and the best one at or above the threshold wins. Prints each
    model's on-chain accuracy beside its integer mirror's and float scikit-learn's, gas per
    step, and the conservation check."""
    from ape import accounts, chain

    if not (chain.provider.network.is_local or chain.provider.network.is_fork):
        raise click.ClickException("the demo moves time: run it on a local or fork network")
    groups = 6 if dataset == "wine" else 16
    if dataset == "breast_cancer" and limit is None:
        limit = 480
    t = accounts.test_accounts
    config = BountyDemoConfig(
        dataset=dataset,
        groups=groups,
        test_groups=2,
        limit=limit,
        threshold_bps=round(threshold * 100),
    )
    r = run_demo(config, t[0], [t[1], t[2], t[3]], log=click.echo, keeper=t[4])
    for line in demo_lines(r):
        click.echo(line)
    if not r.conservation_ok:
        raise SystemExit(1)
