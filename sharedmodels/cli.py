"""Shared pieces of the ``ape run`` scripts: options, account choice, one-line errors.

Scripts stay thin: they parse options with these helpers, call the package and print.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import datasets
from .chain import DeploymentError, default_manifest_path
from .features import DEFAULT_N_FEATURES, OVERFLOW_POLICIES, Encoder, TooManyFeatures
from .jobs import Encoded, encode_dataset


def resolve_account(alias: str | None) -> Any:
    """The named account, or test account 0 on a local or forked network (never a prompt)."""
    from ape import accounts, chain

    if alias:
        if alias.startswith("TEST::"):
            return accounts.test_accounts[int(alias.split("::", 1)[1])]
        try:
            return accounts.load(alias)
        except Exception as exc:  # Ape raises its own error types per account plugin
            raise click.ClickException(f"unknown account alias {alias!r}") from exc
    network = chain.provider.network
    if network.is_local or network.is_fork:
        return accounts.test_accounts[0]
    raise click.ClickException(f"pass --account ALIAS to send transactions on {network.choice}")


def manifest_path(option: str | None) -> Path:
    from ape import chain

    return Path(option) if option else default_manifest_path(chain.provider.network.choice)


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
dataset_opt = click.option(
    "--dataset", required=True, help="rt | imdb:PATH | csv:PATH (a text,label CSV)."
)
limit_opt = click.option("--limit", type=click.IntRange(min=0), default=None, help="At most N.")
offset_opt = click.option("--offset", type=click.IntRange(min=0), default=0, help="Skip K.")
quiet_opt = click.option("--quiet", is_flag=True, help="No progress bar.")


_MODEL_OPTIONS = (
    click.option(
        "--model", type=click.Choice(["perceptron"]), default="perceptron", show_default=True
    ),
    click.option(
        "--n-features",
        type=click.IntRange(1, 2**32),
        default=DEFAULT_N_FEATURES,
        show_default=True,
        help="Hashing space of the text encoder.",
    ),
    click.option(
        "--learning-rate",
        type=click.IntRange(1, 2**64 - 1),
        default=1,
        show_default=True,
        help="Integer learning rate (scikit-learn's eta0).",
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
        help="Dataset to pre-train on off-chain first (rt | imdb:PATH | csv:PATH).",
    ),
    click.option("--pretrain-limit", type=click.IntRange(min=0), default=None),
    click.option("--pretrain-offset", type=click.IntRange(min=0), default=0),
)


def model_options(func: Callable) -> Callable:
    """The options that define a fresh model: kind, encoder, learning rate, pre-training."""
    for option in reversed(_MODEL_OPTIONS):
        func = option(func)
    return func


def pretrain_slice(
    spec: str | None, encoder: Encoder, limit: int | None, offset: int
) -> Encoded | None:
    """The encoded pre-training samples named by ``--pretrain*``, or None."""
    return encode_dataset(spec, encoder, limit, offset) if spec else None


def one_line_errors(func: Callable) -> Callable:
    """Turn the failures a user can cause into one line on stderr and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except click.ClickException:
            raise
        except (datasets.DatasetError, DeploymentError, TooManyFeatures, ValueError) as exc:
            _fail(str(exc))
        except Exception as exc:
            from ape.exceptions import ApeException

            if isinstance(exc, ApeException):
                _fail(f"{type(exc).__name__}: {exc}".splitlines()[0])
            raise

    return wrapper


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


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
