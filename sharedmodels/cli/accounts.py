"""Who sends, and on which chain: ``--account`` and the account it names, and whether the
chain is a standing node or one Ape started for this command alone."""

from __future__ import annotations

from typing import Any

import click

account_opt = click.option(
    "--account",
    "account_alias",
    default=None,
    help="Account alias (or TEST::N). Default: test account 0 on local/fork networks.",
)


def resolve_account(alias: str | None) -> Any:
    """The named account, or test account 0 on a local or forked network (never a prompt)."""
    # Not Ape's ``ape.cli.account_option``, though it reads ``TEST::N`` too (tried for issue 30):
    # it can prompt for a choice, where a script must run unattended; ``--account 12`` hung
    # instead of failing; and its refusals say less than these lines (which name the test
    # accounts the network has, or the option to pass on a live network).
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
