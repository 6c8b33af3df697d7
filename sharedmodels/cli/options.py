"""The scripts' shared options and how their values parse: amounts of ETH, fee caps, dataset
specs, the options of a fresh model, Ape's verbosity, and the progress bar."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import click

from sharedmodels.encoding.features import OVERFLOW_POLICIES
from sharedmodels.registry import MODEL_NAMES, MODELS

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
    *,
    calls: Any,
    sender: Any,
    each: str = "transaction",
    priced: Any = None,
) -> None:
    """``--max-fee`` (wei) for a command about to send ``calls`` (``fees.Call``) from ``sender``:
    print their estimated gas and fee (above a million gas, or under a cap) and refuse above
    the cap in one line before anything is sent (``sharedmodels.rpc.fees.guard``)."""
    from sharedmodels.rpc.fees import guard

    guard(calls, sender, what=what, max_fee=max_fee, echo=click.echo, each=each, priced=priced)


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
