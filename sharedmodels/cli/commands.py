"""Whole commands and their factories: the subcommands of a role's group (market, bounty,
federated) and the ``refund``/``report``/``take`` scripts."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from sharedmodels.cli.accounts import account_opt, resolve_account
from sharedmodels.cli.errors import _connected_command_class, one_line_errors
from sharedmodels.cli.options import (
    ape_verbosity,
    fee_guard,
    manifest_opt,
    max_fee_opt,
    pick_model_opt,
    progress_bar,
    quiet_opt,
)
from sharedmodels.cli.selection import trainer_deployment
from sharedmodels.units import ether as wei


def role_command(group: click.Group, record_option: Callable) -> Callable:
    """The decorator factory of a group's subcommands (market, bounty, federated): connected
    to a network, with --account and the group's --record, one-line errors, and the function's
    docstring as its --help (``short_help`` when it has none)."""

    def command(short_help: str, name: str | None = None) -> Callable:
        def wrap(func: Callable) -> click.Command:
            func = one_line_errors(func)
            func = ape_verbosity(func)
            func = record_option(func)
            func = account_opt(func)
            return group.command(
                name,
                cls=_connected_command_class(),
                short_help=short_help,
                help=func.__doc__ or short_help,
            )(func)

        return wrap

    return command


_ACTION_VERB = {"refund": "refunded", "report": "reported", "take": "took"}


def run_claims(
    action: str,
    cid: int | None,
    *,
    every: bool,
    manifest: str | None,
    alias: str | None,
    quiet: bool,
    model: str | None = None,
    max_fee: int | None = None,
) -> None:
    """``refund``/``report``/``take`` one contribution (``--id``) or every eligible one; with
    ``max_fee`` (wei), none when their estimated fee in all is above it."""
    from sharedmodels.trainers.actions import claim_all, eligible_one, verdicts
    from sharedmodels.trainers.client import incentive_of, reason_counts

    if (cid is None) == (not every):
        raise click.UsageError("give exactly one of --id N or --all")
    man, contract = trainer_deployment(manifest, model)
    kind = incentive_of(contract).kind
    if action == "take" and kind == "points":
        raise click.ClickException("nothing to take under Points: contributions are free")
    sender = resolve_account(alias)
    if cid is not None:
        todo = [eligible_one(contract, action, sender, cid, man.block)]
    else:
        found = verdicts(contract, action, sender, from_block=man.block)
        todo = [v.contribution for v in found if v.eligible]
        click.echo(f"{len(todo)} of {len(found)} contributions eligible to {action} now")
        for reason, n in sorted(reason_counts(found).items(), key=lambda kv: -kv[1]):
            click.echo(f"  not yet / not eligible: {n} ({reason})")
        pending = [v for v in found if v.reason and v.reason.startswith("too early")]
        if pending:
            soonest = min(pending, key=lambda v: v.contribution.time)
            click.echo(f"  next: #{soonest.contribution.id} {soonest.reason}")
    from sharedmodels.rpc.fees import call_of
    from sharedmodels.trainers.client import claim_args

    method = getattr(contract, action)
    calls = [call_of(method, *claim_args(contract, action, t)) for t in todo]
    what = f"{action} #{todo[0].id}" if len(todo) == 1 else f"{action} of {len(todo)} contributions"
    fee_guard(max_fee, what, calls=calls, sender=sender)
    with progress_bar(len(todo), action, quiet or len(todo) < 2) as bar:
        done = claim_all(contract, sender, action, todo, bar.update)
    total = 0
    failed = 0
    for d in done:
        if d.error:
            failed += 1
            click.echo(f"#{d.contribution.id}: reverted: {d.error}")
            continue
        total += d.amount
        if cid is not None or len(done) <= 20:
            done_text = f"{_ACTION_VERB[action]} {wei(d.amount)}"
            if kind == "points":
                done_text = "validated: +1 point" if action == "refund" else "marked bad"
            click.echo(f"#{d.contribution.id}: {done_text}, gas {d.gas:,}")
    ok = [d for d in done if not d.error]
    if len(done) > 1 or cid is None:
        gas = sorted(d.gas for d in ok)
        median = f", median gas {gas[len(gas) // 2]:,}" if gas else ""
        click.echo(f"{action}: {len(ok)} done, {wei(total)} received{median}")
    if failed and not ok:
        sys.exit(1)


_CLAIM_HELP = {
    "refund": (
        "Refund your contributions the model now agrees with.",
        "Refund your own contributions whose wait is over and whose label the model, as it is "
        "now, agrees with: your deposit comes back with a good point (under Points: the point). "
        "--all scans the deployment's history and claims every eligible one; --id N claims one.",
    ),
    "report": (
        "Report others' contributions the model disagrees with.",
        "Report others' contributions whose wait is over and whose label the model, as it is "
        "now, disagrees with: under Stake you take a share of the deposit (you need good "
        "points), under Points the contribution is marked bad. --all scans the history and "
        "reports every eligible one; --id N reports one.",
    ),
    "take": (
        "Take what is left of old deposits (owner, then anyone).",
        "Take what is left of deposits nobody claimed in time: the owner after owner-wait, "
        "anyone but the contributor after any-wait. --all scans the history and takes every "
        "eligible one; --id N takes one.",
    ),
}


def claims_command(action: str) -> click.Command:
    """The whole ``refund``/``report``/``take`` script: ``--id N`` or every eligible one
    (``--all``; ``--scan``, its earlier name for ``report`` and ``take``, still works)."""
    short_help, help_text = _CLAIM_HELP[action]

    @click.command(cls=_connected_command_class(), short_help=short_help, help=help_text)
    @click.option("--id", "cid", type=click.IntRange(min=1), default=None, help="One contribution.")
    @click.option("--all", "every", is_flag=True, help="Every eligible contribution.")
    @click.option("--scan", "scan", is_flag=True, hidden=True)  # the old name of --all
    @pick_model_opt
    @manifest_opt
    @account_opt
    @quiet_opt
    @max_fee_opt
    @ape_verbosity
    @one_line_errors
    def command(*, cid, every, scan, model, manifest, account_alias, quiet, max_fee):
        run_claims(
            action,
            cid,
            every=every or scan,
            manifest=manifest,
            alias=account_alias,
            quiet=quiet,
            model=model,
            max_fee=max_fee,
        )

    return command
