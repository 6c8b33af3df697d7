"""Shared pieces of the ``ape run`` scripts: options, account choice, one-line errors.

Scripts stay thin: they parse options with these helpers, call the package and print. Each role
has its module (``accounts``, ``errors``, ``options``, ``selection``, ``commands``); the scripts
use them through this package (``from sharedmodels import cli as c``).
"""

from __future__ import annotations

from typing import Any

from sharedmodels.cli.accounts import (
    account_opt,
    make_node_hint,
    resolve_account,
    temporary_chain,
)
from sharedmodels.cli.commands import claims_command, role_command, run_claims
from sharedmodels.cli.errors import (
    Command,
    Group,
    _connected_command_class,
    one_line_errors,
)
from sharedmodels.cli.options import (
    DEFAULT_VERBOSITY,
    JUDGING,
    amount,
    ape_verbosity,
    dataset_opt,
    dataset_spec,
    default_judging,
    fee_guard,
    id_ranges,
    judging_opt,
    limit_opt,
    manifest_opt,
    max_fee_opt,
    model_options,
    offset_opt,
    pick_model_opt,
    progress_bar,
    quiet_opt,
)
from sharedmodels.cli.selection import (
    dataset_samples,
    dataset_size,
    deployment,
    live_deployments,
    manifest_path,
    pretrain_slice,
    record_path,
    trainer_deployment,
)
from sharedmodels.rpc.node import prefer_repo_anvil
from sharedmodels.units import ether as wei

# Scripts import this package before Ape connects: the Anvil ape-foundry starts is then the
# project's bin/anvil (no step tracing), whatever order the user's PATH has.
prefer_repo_anvil()

__all__ = [
    "DEFAULT_VERBOSITY",
    "JUDGING",
    "Command",
    "Group",
    "account_opt",
    "amount",
    "ape_verbosity",
    "claims_command",
    "dataset_opt",
    "dataset_samples",
    "dataset_size",
    "dataset_spec",
    "default_judging",
    "deployment",
    "fee_guard",
    "id_ranges",
    "judging_opt",
    "limit_opt",
    "live_deployments",
    "make_node_hint",
    "manifest_opt",
    "manifest_path",
    "max_fee_opt",
    "model_options",
    "offset_opt",
    "one_line_errors",
    "pick_model_opt",
    "pretrain_slice",
    "progress_bar",
    "quiet_opt",
    "record_path",
    "resolve_account",
    "role_command",
    "run_claims",
    "temporary_chain",
    "trainer_deployment",
    "wei",
]


def __getattr__(name: str) -> Any:
    """``c.ConnectedCommand`` (for ``cls=``) without importing Ape with this module."""
    if name == "ConnectedCommand":
        return _connected_command_class()
    raise AttributeError(name)
