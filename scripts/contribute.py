"""Add labelled samples to the deployed model, paying the current deposit for each.

    ape run contribute --dataset DATASET [--limit N] [--offset K] [--flip-labels]
        [--account ALIAS] [--sponsor ALIAS] [--model M] [--manifest PATH] [--quiet]

Each sample is one ``addData`` transaction: the incentive takes its deposit (any excess comes
straight back), the data handler records it, and the model trains on it. Prints each id with
its deposit and gas (a summary when there are more than 20). Accounts whose key is at hand
(Ape's test accounts) send pipelined batches of signed transactions; ``--one-by-one`` uses Ape
for every transaction. Either way each carries the largest deposit it may owe (the cap, or the
deposit of a contribution in the same block as another when the cap is above that) and gets the
excess back, so another contributor landing first in the same block never makes it too low.

Under Stake it first prints the deposits: the deposit now, the cap per sample (``--max-deposit``;
by default the deposit after a quiet minute) and the most the batch can pay in all. A batch
that would pay above the cap (samples sent at once land in the same second, where the deposit
is largest) is refused in one line before anything is sent, unless ``--pace`` is given: then
each sample waits until the deposit has fallen to the cap. No sample ever pays above the cap:
one overtaken in its block by another contribution, with the deposit then above the cap, reverts
(gas only) and is sent once more when the deposit is back under the cap (``--pace`` waits for
that), or refused in one line.

Before sending, the run's gas is estimated (each ``addData`` simulated after the ones before
it) and printed with its fee when above a million gas; ``--max-fee ETH`` refuses, in one line
and with nothing sent, a run whose fees in all would be above it (deposits are not fees: they
are bounded by ``--max-deposit``).

Runs are resumable: a journal under ``deployments/journal/`` names the run (chain, trainer,
sender, and a hash of every planned sample), and a rerun with the same arguments first matches
the sender's contributions on chain against the plan, then sends only the rest. ``--fresh``
sends everything again.

With ``--sponsor ALIAS`` the ``--account`` only signs each contribution (EIP-712 typed data,
valid for an hour) and the sponsor submits them in batches of 8 through ``addDataBatch``,
paying gas and deposits; the records, and their refunds, belong to the signer. A signed
contribution whose nonce was used first (someone else submitted it) or cancelled is skipped by
the contract at no deposit; the run reports how many.
"""

import click

from sharedmodels import cli as c
from sharedmodels.trainers.actions import (
    check_batch_funds,
    check_funds,
    class_names,
    contribute,
    contribution_gas,
    now_for_next_block,
)
from sharedmodels.trainers.client import incentive_of
from sharedmodels.trainers.deposits import plan, wait_until_at_most
from sharedmodels.trainers.journal import open_journal, reconcile
from sharedmodels.trainers.sponsor import sign_many, submit

#: Contributions between journal updates.
CHUNK = 64


@click.command(cls=c.ConnectedCommand, short_help="Contribute labelled samples.")
@c.dataset_opt
@c.limit_opt
@c.offset_opt
@click.option(
    "--flip-labels",
    is_flag=True,
    help="Send a wrong label, class y+1 (mod the class count): a bad contributor.",
)
@click.option(
    "--one-by-one",
    is_flag=True,
    help="One Ape transaction at a time, even when the account can sign locally (the default "
    "then pipelines signed transactions in JSON-RPC batches).",
)
@click.option(
    "--sponsor",
    "sponsor_alias",
    default=None,
    help="Account that submits the signed contributions and pays (stake deployments).",
)
@click.option(
    "--max-deposit",
    "max_deposit",
    default=None,
    metavar="ETH",
    help="Most one sample may pay as its deposit (Stake). Default: the deposit after a quiet "
    "minute. A batch that would pay more is refused before sending, unless --pace.",
)
@click.option(
    "--pace",
    is_flag=True,
    help="Send one sample at a time, each when the deposit has fallen to --max-deposit "
    "(waits; the deposit falls as the chain stays quiet).",
)
@click.option(
    "--fresh",
    is_flag=True,
    help="Start a new run even if an earlier run with the same samples left a journal.",
)
@c.max_fee_opt
@c.pick_model_opt
@c.manifest_opt
@c.account_opt
@c.quiet_opt
@c.ape_verbosity
@c.one_line_errors
def cli(
    dataset,
    limit,
    offset,
    flip_labels,
    one_by_one,
    sponsor_alias,
    max_deposit,
    pace,
    fresh,
    max_fee,
    model,
    manifest,
    account_alias,
    quiet,
):
    """Add labelled samples from a dataset to the deployed model, one addData transaction each:
    the incentive takes its deposit (under Stake; any excess comes straight back), the contract
    records the sample and the model trains on it. Test accounts send pipelined batches
    (--one-by-one: one Ape transaction at a time); a rerun with the same arguments resumes an
    interrupted run; with --sponsor another account submits and pays for signed contributions."""
    from ape import chain

    man, contract = c.trainer_deployment(manifest, model)
    sender = c.resolve_account(account_alias)
    sponsor = None
    if sponsor_alias is not None:
        if not hasattr(contract, "addDataBatch"):
            raise click.ClickException(
                f"{man.contract} takes no sponsored batches (only PerceptronStake does: "
                "--model perceptron --incentive stake)"
            )
        sponsor = c.resolve_account(sponsor_alias)
    data = c.dataset_samples(dataset, man.encoder_obj, limit=limit, offset=offset)
    if not len(data):
        raise click.ClickException(f"no samples to contribute in {dataset}")
    names = class_names(contract)
    n_classes = len(names)
    if any(y >= n_classes for y in data.labels):
        raise click.ClickException(f"{dataset} has labels beyond the model's {n_classes} classes")
    labels = [(y + 1) % n_classes for y in data.labels] if flip_labels else data.labels
    rows = data.rows
    payer = sponsor if sponsor is not None else sender
    check_funds(contract, payer)
    cap = None
    incentive = incentive_of(contract)
    if incentive.kind == "stake":
        if max_deposit is not None:
            cap = c.amount(max_deposit, allow_zero=True)
        deposits = plan(contract, incentive, len(rows), cap, pace)
        cap = deposits.cap
        if not deposits.fits and (not pace or sponsor is not None):
            if pace:
                raise click.UsageError(
                    "--pace sends one sample at a time; a --sponsor submits them in batches"
                )
            raise click.ClickException(deposits.refusal())
        check_batch_funds(payer, deposits)
        for line in deposits.lines():
            click.echo(line)
    paced = cap is not None and pace and not deposits.fits
    journal, path, resumed = open_journal(
        chain.chain_id,
        str(contract.address),
        str(sender.address),
        rows=rows,
        labels=labels,
        current_block=chain.blocks.height,
        fresh=fresh,
    )
    done = reconcile(contract, journal, rows, labels) if resumed else 0
    if resumed and done == 0:  # nothing of it on this chain (e.g. a restarted dev node)
        journal.start_block, resumed = chain.blocks.height + 1, False
        journal.save(path)
    if resumed:
        click.echo(f"resuming an earlier run: {done} of {len(rows)} already on chain ({path})")
    if done == len(rows):
        click.echo(f"nothing to send: all {len(rows)} contributions of this run are on chain")
        return
    try:
        priced = contribution_gas(contract, sender, rows[done:], labels[done:], sponsor)
        n = len(rows) - done
        what = f"{n} contribution{'s' if n > 1 else ''}"
        each = "batch" if sponsor is not None else "sample"
        c.fee_guard(max_fee, what, calls=[], sender=payer, each=each, priced=priced)
    except Exception:
        if not resumed:  # refused before anything was sent: leave no journal of this run
            path.unlink(missing_ok=True)
        raise
    added = []
    with c.progress_bar(len(rows), "contribute", quiet) as bar:
        bar.update(done)
        for start in range(done, len(rows), CHUNK):
            part, part_labels = rows[start : start + CHUNK], labels[start : start + CHUNK]
            if sponsor is not None:
                deadline = now_for_next_block() + 3600
                items = sign_many(contract, sender, part, part_labels, deadline)
                added += submit(contract, sponsor, items, bar.update)
            elif paced:

                def wait(limit: int) -> None:
                    wait_until_at_most(contract, limit, bar.write)

                for row, y in zip(part, part_labels, strict=True):
                    wait(cap)
                    added += contribute(
                        contract, sender, [row], labels=[y], progress=bar.update, cap=cap, wait=wait
                    )
            else:
                fast = False if one_by_one else None
                added += contribute(
                    contract,
                    sender,
                    part,
                    labels=part_labels,
                    progress=bar.update,
                    fast=fast,
                    cap=cap,
                )
            journal.done = start + len(part)
            journal.save(path)
    labels = labels[done:]
    if len(added) <= 20:
        for a, y in zip(added, labels, strict=True):
            if a.id:
                click.echo(f"#{a.id}: label {names[y]}, deposit {c.wei(a.deposit)}, gas {a.gas:,}")
            else:
                click.echo(f"skipped: label {names[y]} (its nonce was used or cancelled)")
    skipped = sum(1 for a in added if not a.id)
    added = [a for a in added if a.id]
    if skipped:
        click.echo(
            f"skipped {skipped} signed contributions: their nonce was used first (submitted by "
            "someone else) or cancelled; no deposit paid for them"
        )
    if not added:
        raise click.ClickException("no contribution landed")
    gas = sorted(a.gas for a in added)
    click.echo(
        f"contributed {len(added)} samples as {sender.address}: ids "
        f"{c.id_ranges([a.id for a in added])}"
        f"{' (labels flipped)' if flip_labels else ''}"
        f"{f', sponsored by {sponsor.address}' if sponsor is not None else ''}"
    )
    click.echo(
        f"deposits {c.wei(sum(a.deposit for a in added))}; gas per addData "
        f"min {gas[0]:,} / median {gas[len(gas) // 2]:,} / max {gas[-1]:,}"
    )
    if data.dropped:
        click.echo(f"skipped {data.dropped} samples over the feature limit (overflow policy)")
