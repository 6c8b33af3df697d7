"""Shared pieces of the ``ape run`` scripts: options, account choice, one-line errors.

Scripts stay thin: they parse options with these helpers, call the package and print.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

from sharedmodels.encoding.encoded import Encoded, encode_dataset
from sharedmodels.encoding.features import (
    OVERFLOW_POLICIES,
)
from sharedmodels.errors import SharedModelsError
from sharedmodels.registry import MODEL_NAMES, MODELS
from sharedmodels.rpc.deployments import default_manifest_path
from sharedmodels.rpc.node import prefer_repo_anvil
from sharedmodels.units import ether as wei

# Scripts import this module before Ape connects: the Anvil ape-foundry starts is then the
# project's bin/anvil (no step tracing), whatever order the user's PATH has.
prefer_repo_anvil()


def resolve_account(alias: str | None) -> Any:
    """The named account, or test account 0 on a local or forked network (never a prompt)."""
    from ape import accounts, chain

    if alias:
        if alias.startswith("TEST::"):
            index = alias.split("::", 1)[1]
            count = len(accounts.test_accounts)
            if not index.isdigit() or int(index) >= count:
                raise click.ClickException(
                    f"no test account {alias!r}: this network has TEST::0 to TEST::{count - 1}"
                )
            return accounts.test_accounts[int(index)]
        try:
            return accounts.load(alias)
        except Exception as exc:  # Ape raises its own error types per account plugin
            raise click.ClickException(f"unknown account alias {alias!r}") from exc
    network = chain.provider.network
    if network.is_local or network.is_fork:
        return accounts.test_accounts[0]
    raise click.ClickException(f"pass --account ALIAS to send transactions on {network.choice}")


def temporary_chain() -> str | None:
    """The address of the chain when Ape started it for this command alone (no standing node
    answered there; it stops, with everything on it, when the command ends), else None."""
    from ape import chain

    provider = chain.provider
    if getattr(provider, "process", None) is None:
        return None
    return str(getattr(provider, "uri", None) or "the local address")


def make_node_hint(uri: str) -> str:
    """``make node``, with ``PORT=N`` when ``uri`` names another port than its default."""
    port = uri.rstrip("/").rsplit(":", 1)[-1]
    return "make node" if not port.isdigit() or port == "8545" else f"make node PORT={port}"


def manifest_path(option: str | None, model: str | None = None) -> Path:
    """``--manifest``, else the network's manifest for ``model`` (its latest deployment), else
    the network's latest deployment of any model (``deployment`` refuses that when several
    models are deployed)."""
    from ape import chain

    if option:
        return Path(option)
    path = default_manifest_path(chain.provider.network.choice)
    return path.with_name(f"{path.stem}_{model}{path.suffix}") if model else path


account_opt = click.option(
    "--account",
    "account_alias",
    default=None,
    help="Account alias (or TEST::N). Default: test account 0 on local/fork networks.",
)
manifest_opt = click.option(
    "--manifest",
    default=None,
    help="Deployment manifest (default: deployments/<ecosystem>_<network>.json).",
)


def dataset_spec(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A ``--dataset``/``--pretrain`` value whose spec does not parse (``rtt``) is a usage
    error (exit 2), found before connecting; a missing file is found when it is read."""
    from sharedmodels.encoding.datasets import DatasetError, parse_spec

    if value is not None:
        try:
            parse_spec(value)
        except DatasetError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


dataset_opt = click.option(
    "--dataset",
    required=True,
    callback=dataset_spec,
    help="rt | imdb:PATH | csv:PATH (text,label or numeric columns + label) | "
    "sklearn:digits|breast_cancer|wine.",
)
limit_opt = click.option("--limit", type=click.IntRange(min=0), default=None, help="At most N.")
offset_opt = click.option("--offset", type=click.IntRange(min=0), default=0, help="Skip K.")
quiet_opt = click.option("--quiet", is_flag=True, help="No progress bar.")


def _fee_cap(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    """``--max-fee ETH`` in wei (a bad amount is a usage error before connecting)."""
    return None if value is None else amount(value, allow_zero=True)


max_fee_opt = click.option(
    "--max-fee",
    default=None,
    metavar="ETH",
    callback=_fee_cap,
    help="Refuse, before sending anything, when the transactions' estimated fee in all at the "
    "current base fee and tip is above this. The estimate is printed whenever it is above a "
    "million gas or this is given.",
)


def amount(text: str, unit: str = "ETH", scale: int = 10**18, allow_zero: bool = False) -> int:
    """An option's decimal amount of ``unit`` in wei (``scale`` wei per unit); more than 0, or
    0 and more with ``allow_zero``. A bad one is a usage error naming the text."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise click.BadParameter(f"{text!r} is not an amount of {unit}") from None
    if value < 0 or (value == 0 and not allow_zero):
        least = f"0 {unit} or more" if allow_zero else f"more than 0 {unit}"
        raise click.BadParameter(f"must be {least}")
    return int(value * scale)


def id_ranges(ids: Sequence[int]) -> str:
    """Ids in ranges: ``3-5`` for a run in a row (as before), ``1, 6-7`` when another sender's
    contributions landed between them."""
    runs: list[list[int]] = []
    for i in ids:
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    if len(runs) == 1:
        return f"{runs[0][0]}-{runs[0][1]}"
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def fee_guard(
    max_fee: int | None,
    what: str,
    calls: Any,
    sender: Any,
    each: str = "transaction",
    priced: Any = None,
) -> None:
    """``--max-fee`` (wei) for a command about to send ``calls`` (``fees.Call``) from ``sender``:
    print their estimated gas and fee (above a million gas, or under a cap) and refuse above
    the cap in one line before anything is sent (``sharedmodels.rpc.fees.guard``)."""
    from sharedmodels.rpc.fees import guard

    guard(calls, sender, what, max_fee, click.echo, each=each, priced=priced)


def record_path(option: str | None, kind: str) -> Path:
    """``option``, or this network's default record of a ``kind`` (market, bounty,
    federated): ``deployments/<ecosystem>_<network>_<kind>.json``."""
    from ape import chain

    if option:
        return Path(option)
    path = default_manifest_path(chain.provider.network.choice)
    return path.with_name(f"{path.stem}_{kind}{path.suffix}")


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


#: The choices of ``--judging`` (docs/incentives.md#judging-as-is-or-leave-one-out).
JUDGING = ("leave-one-out", "as-is")


def judging_opt(default_text: str) -> Callable:
    """``--judging leave-one-out|as-is``: how refunds and reports judge a contribution."""
    return click.option(
        "--judging",
        type=click.Choice(JUDGING),
        default=None,
        help="How refunds and reports judge a contribution: by the model without that "
        "contribution's own training (leave-one-out: the rest of the crowd must agree) or by the "
        f"model as it is. Default: {default_text}.",
    )


def default_judging(model: str, judging: str | None) -> str:
    """``judging`` if given, else leave-one-out where ``model`` offers it, else as-is."""
    return judging or ("leave-one-out" if MODELS[model].leave_one_out else "as-is")


pick_model_opt = click.option(
    "--model",
    type=click.Choice(MODEL_NAMES),
    default=None,
    help="Act on this network's latest deployment of this model. Needed only when several "
    "models are deployed on the network (without it: the one deployed model).",
)


_MODEL_OPTIONS = (
    click.option(
        "--model",
        type=click.Choice(MODEL_NAMES),
        default="perceptron",
        show_default=True,
        help="perceptron, sparse_ncc and naive_bayes read text; dense_perceptron and ncc "
        "read numeric features.",
    ),
    click.option(
        "--n-features",
        type=click.IntRange(1, 2**32),
        default=None,
        help="Hashing space of the text encoder. Default: the model's measured choice ("
        + ", ".join(f"{m.name} 2**{m.encoder_bits}" for m in MODELS.values() if not m.dense)
        + "; ape run sweep).",
    ),
    click.option(
        "--encoder",
        "encoder_spec",
        default=None,
        metavar="hash:BITS|vocab:K",
        help="Text encoder: hash:BITS hashes words into 2**BITS columns (the same as "
        "--n-features 2**BITS); vocab:K keeps the K most frequent words of the --pretrain "
        "slice (the model stores the word list's hash; the manifest holds the words).",
    ),
    click.option(
        "--learning-rate",
        type=click.IntRange(1, 2**16 - 1),
        default=1,
        show_default=True,
        help="Integer learning rate (scikit-learn's eta0).",
    ),
    click.option(
        "--alpha",
        type=click.FloatRange(1e-9, 1.8e10),
        default=None,
        help="Smoothing of naive_bayes (scikit-learn's alpha; stored in 10**-9 units). "
        f"Default: the measured choice, {MODELS['naive_bayes'].alpha:g} (ape run sweep).",
    ),
    click.option(
        "--overflow",
        type=click.Choice(OVERFLOW_POLICIES),
        default="truncate",
        show_default=True,
        help="What to do with a sample over the feature limit.",
    ),
    click.option(
        "--pretrain",
        "pretrain_spec",
        default=None,
        callback=dataset_spec,
        help="Dataset to pre-train on off-chain first (rt | imdb:PATH | csv:PATH | "
        "sklearn:NAME); dense models also fit their encoder's column scales on all of it.",
    ),
    click.option("--pretrain-limit", type=click.IntRange(min=0), default=None),
    click.option("--pretrain-offset", type=click.IntRange(min=0), default=0),
)


def model_options(func: Callable) -> Callable:
    """The options that define a fresh model: kind, encoder, learning rate, alpha, pre-training."""
    for option in reversed(_MODEL_OPTIONS):
        func = option(func)
    return func


def dataset_size(spec: str) -> int:
    """How many samples ``spec`` has in all."""
    from sharedmodels.encoding import datasets

    if datasets.is_dense(spec):
        return len(datasets.load_dense(spec).labels)
    return len(datasets.load(spec))


def dataset_samples(
    spec: str,
    encoder: Any,
    limit: int | None,
    offset: int,
    flags: tuple[str, str] = ("--limit", "--offset"),
    allow_none: bool = False,
) -> Encoded:
    """The encoded slice ``--offset``/``--limit`` name, refusing a selection of nothing (an
    explicit 0 is allowed only with ``allow_none``) instead of failing deep inside."""
    limit_flag, offset_flag = flags
    if limit == 0 and not allow_none:
        raise click.UsageError(
            f"{limit_flag} 0 selects no samples; give 1 or more, or leave it out"
        )
    if limit != 0:
        total = dataset_size(spec)
        if offset >= total:
            raise click.UsageError(
                f"{offset_flag} {offset} is past the end of {spec} ({total} samples)"
            )
    data = encode_dataset(spec, encoder, limit, offset)
    if not len(data) and data.dropped:
        raise click.ClickException(
            f"all {data.dropped} selected samples of {spec} were dropped: each has more "
            "features than the model takes (see --overflow)"
        )
    return data


def pretrain_slice(
    spec: str | None, encoder: Any, limit: int | None, offset: int
) -> Encoded | None:
    """The encoded pre-training samples named by ``--pretrain*``, or None (``--pretrain-limit
    0``: none, which still fits a dense encoder's scales)."""
    if not spec:
        return None
    flags = ("--pretrain-limit", "--pretrain-offset")
    return dataset_samples(spec, encoder, limit, offset, flags, allow_none=True)


#: Ape's log level for the scripts unless ``-v/--verbosity LVL`` says otherwise: its INFO lines
#: (one "Confirmed 0x…" per transaction, compiler chatter) drown the scripts' own output.
DEFAULT_VERBOSITY = "WARNING"
_EXPLICIT_VERBOSITY = "sharedmodels.verbosity"


def _keep_explicit_level(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """A level given on the command line wins over a subcommand's default (``ape run market
    -v INFO demo``: the group's option was given, the subcommand's was not)."""
    if ctx.get_parameter_source(param.name) == click.core.ParameterSource.DEFAULT:
        return ctx.meta.get(_EXPLICIT_VERBOSITY, value)
    ctx.meta[_EXPLICIT_VERBOSITY] = value
    return value


def ape_verbosity(func: Callable) -> Callable:
    """Ape's own ``-v/--verbosity`` option, defaulting to WARNING instead of INFO.

    ``ape run`` adds its option (default INFO) only to a script that lacks one; this is the
    option it documents for commands, with another default."""
    from ape.cli.options import verbosity_option

    return verbosity_option(default=DEFAULT_VERBOSITY, callback=_keep_explicit_level)(func)


def _usage_failure(exc: click.UsageError) -> None:
    """Click's usage errors (an unknown option, a missing or invalid value) as one ``error:``
    line with click's exit status 2, instead of its ``Usage:`` block and ``Error:`` line."""
    _fail(exc.format_message(), status=2)


class OneLineUsage:
    """Mixin for click commands and groups: usage errors are one ``error:`` line (exit 2)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)  # type: ignore[misc]
        except click.UsageError as exc:
            _usage_failure(exc)
            raise  # not reached

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)  # type: ignore[misc]
        except click.UsageError as exc:
            _usage_failure(exc)
            raise  # not reached


class Command(OneLineUsage, click.Command):
    """A script command that needs no network, with one-line usage errors."""


class Group(OneLineUsage, click.Group):
    """A group of subcommands (``ape run market``) with one-line usage errors."""


@functools.cache
def _connected_command_class() -> type:
    """``ConnectedProviderCommand`` whose failure to connect is one line (Ape's own retries and
    warnings silenced meanwhile, unless ``-v INFO``/``DEBUG`` asked for them)."""
    import logging

    from ape.cli import ConnectedProviderCommand
    from ape.logging import logger

    class ConnectedCommand(OneLineUsage, ConnectedProviderCommand):
        def invoke(self, ctx: click.Context) -> Any:
            level = logger.level
            self._level, self._connected = level, False
            if level >= logging.WARNING:
                logger.set_level("ERROR")
            try:
                return super().invoke(ctx)
            except Exception as exc:
                if self._connected:  # the script's own failure: one_line_errors judged it
                    raise
                reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                _fail(f"cannot connect: {reason or type(exc).__name__}")
            finally:
                logger.set_level(level)

        def _invoke(self, ctx: click.Context, provider: Any = None) -> Any:
            self._connected = True
            logger.set_level(self._level)  # the user's level again
            _adapt_to_mining()
            return super()._invoke(ctx, provider=provider)

    return ConnectedCommand


def _adapt_to_mining() -> None:
    """Wait for receipts when the node mines on an interval (``sharedmodels.rpc.mining``) and
    say on stderr how it mines, unless it is the usual automining dev node."""
    from ape import chain

    from sharedmodels.rpc.mining import wait_for_receipts

    mining = wait_for_receipts(chain.provider)
    if not mining.automine:
        click.echo(mining.describe(), err=True)


def __getattr__(name: str) -> Any:
    """``c.ConnectedCommand`` (for ``cls=``) without importing Ape with this module."""
    if name == "ConnectedCommand":
        return _connected_command_class()
    raise AttributeError(name)


def one_line_errors(func: Callable) -> Callable:
    """Turn the failures a user can cause into one line on stderr and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except click.UsageError as exc:  # one line, not click's usage block; still exit 2
            _fail(exc.format_message(), status=2)
        except click.ClickException as exc:
            _fail(exc.format_message())
        except SharedModelsError as exc:  # InputError included; a bare ValueError is a bug
            _fail(str(exc))
        except Exception as exc:
            from ape.exceptions import ApeException

            if _lost_node(exc):
                _fail(
                    f"lost the node at {_node_uri()}: it stopped or restarted mid-command; "
                    "what it mined before stays on chain "
                    "(contribute: a rerun with the same arguments resumes)"
                )
            if isinstance(exc, ApeException):
                _fail(f"{type(exc).__name__}: {exc}".splitlines()[0])
            raise

    return wrapper


def _lost_node(exc: BaseException) -> bool:
    """Whether ``exc`` (or an exception it came from) is a dropped or refused connection to
    the node: it was stopped mid-command, which is no bug of the script."""
    import http.client

    import requests
    import urllib3

    lost = (
        requests.exceptions.ConnectionError,
        urllib3.exceptions.ProtocolError,
        http.client.RemoteDisconnected,
        ConnectionRefusedError,
    )
    seen: BaseException | None = exc
    for _ in range(8):  # a chain of causes, never a cycle
        if seen is None:
            return False
        if isinstance(seen, lost):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _node_uri() -> str:
    try:
        from ape import chain

        return str(chain.provider.uri)
    except Exception:  # no provider to ask: say what is known
        return "the network's address"


def _fail(message: str, status: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(status)


def progress_bar(total: int, desc: str, quiet: bool = False):
    from tqdm import tqdm

    return tqdm(
        total=total,
        desc=desc,
        unit="sample",
        disable=quiet,
        file=sys.stderr,
        dynamic_ncols=True,
        smoothing=0.1,
    )


# ---------------------------------------------------------------- trainer scripts


def live_deployments() -> dict[str, Any]:
    """This network's latest deployment of each model that is still there: {model: Manifest}.

    A per-model manifest counts when it names the connected chain and its address holds the
    code of the contract it names (a restarted node reuses addresses, so code alone is not
    enough: the runtime code must be the named contract's, its immutables after it)."""
    from ape import chain, project

    from sharedmodels.rpc.deployments import read_manifest

    found = {}
    for model in MODEL_NAMES:
        path = manifest_path(None, model)
        if not path.is_file():
            continue
        try:
            man = read_manifest(path)
            runtime = getattr(project, man.contract).contract_type.runtime_bytecode.bytecode
            code = bytes(chain.provider.get_code(man.address))
        except (SharedModelsError, AttributeError):
            continue
        if man.chain_id == chain.chain_id and code.startswith(bytes.fromhex(runtime[2:])):
            found[model] = man
    return found


def _refuse_ambiguity() -> None:
    """With neither ``--manifest`` nor ``--model``: refuse when several models are deployed on
    this network, naming them, instead of silently acting on the latest."""
    live = live_deployments()
    if len(live) < 2:
        return
    from ape import chain

    latest = manifest_path(None)
    latest_address = None
    if latest.is_file():
        from sharedmodels.rpc.deployments import read_manifest

        latest_address = read_manifest(latest).address
    names = ", ".join(
        f"{m} ({man.address}{', the latest' if man.address == latest_address else ''})"
        for m, man in sorted(live.items())
    )
    raise click.ClickException(
        f"{len(live)} models are deployed on {chain.provider.network.choice}: {names}; "
        "pass --model NAME (or --manifest PATH)"
    )


def deployment(manifest: str | None, model: str | None = None):
    """(manifest, contract) of the deployment the scripts act on; with ``model``, refuse a
    manifest of another model. With neither, the network's one deployed model (several: a
    one-line refusal naming them)."""
    from sharedmodels.rpc.deployments import load_deployment

    if manifest is None and model is None:
        _refuse_ambiguity()
    path = manifest_path(manifest, model)
    man, contract = load_deployment(path)
    if model and man.model != model:
        raise click.ClickException(f"{path} is a {man.model} deployment, not {model}")
    return man, contract


def trainer_deployment(manifest: str | None, model: str | None = None):
    """Like ``deployment``, but refuses a bare model (no contributions to act on)."""
    from sharedmodels.trainers.client import incentive_of

    man, contract = deployment(manifest, model)
    if incentive_of(contract).kind == "none":
        raise click.ClickException(
            "this deployment is the bare model, trained by its owner only (--incentive none)"
        )
    return man, contract


_ACTION_VERB = {"refund": "refunded", "report": "reported", "take": "took"}


def run_claims(
    action: str,
    cid: int | None,
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
    fee_guard(max_fee, what, calls, sender)
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
    def command(cid, every, scan, model, manifest, account_alias, quiet, max_fee):
        run_claims(action, cid, every or scan, manifest, account_alias, quiet, model, max_fee)

    return command
