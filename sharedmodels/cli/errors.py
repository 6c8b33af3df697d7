"""One-line failures: what a user can cause is one ``error:`` line on stderr and a non-zero
exit status (2 for usage, 1 otherwise); a bug keeps its traceback (``sharedmodels.errors``).

The command classes here give click's usage errors and a failure to connect the same shape.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click

from sharedmodels.errors import SharedModelsError


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
