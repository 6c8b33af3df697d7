"""``ape console`` helpers for the deployment of the connected network.

    $ ape console --network ethereum:local:foundry
    In [1]: predict("a gorgeous, witty film")
    'pos'
    In [2]: contribute("a gorgeous, witty film", "pos")      # pays the deposit; returns the id
    In [3]: status()
    In [4]: refund(1); report(2); take(3)                  # once their windows have passed

An expected refusal (too early, not yours, the contract's reason, an unknown class) prints one
``error: …`` line and returns None; amounts are printed and returned in ETH; Ape's INFO lines
are held back while a helper runs; a text model takes positive/negative (or 1/0) as labels.

``model`` is the trainer contract named by ``deployments/<ecosystem>_<network>.json`` (written
by ``ape run deploy``; ``SHAREDMODELS_MANIFEST=PATH`` names another manifest; any of the five
models: a dense one takes rows of numbers, ``predict([13.2, 1.78, …])``); ``me`` is the account
the helpers send from (test account 0 on local and fork networks; assign another:
``me = accounts.load("alias")``).
"""

from __future__ import annotations

import builtins
import functools
import os
from decimal import Decimal


class HelperRefusal(Exception):
    """A helper's refusal of what it was asked (an unknown class, a label out of range)."""


def one_line(func):
    """A helper whose expected refusals (the contract's reason, a rule not met yet, a bad
    label) print as one ``error: …`` line and return None, instead of a traceback; Ape's INFO
    lines ("Confirmed 0x…") are held back meanwhile. Anything else is a bug and raises."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from ape.exceptions import ContractLogicError
        from ape.logging import logger

        from sharedmodels.errors import SharedModelsError

        level = logger.level
        logger.set_level("WARNING")
        try:
            return func(*args, **kwargs)
        except (HelperRefusal, SharedModelsError, ContractLogicError) as exc:
            message = getattr(exc, "message", None) or str(exc)
            builtins.print(f"error: {message.strip().splitlines()[0]}")
        except ValueError as exc:  # eligible_one's refusals (too early, not yours, no such id)
            if not str(exc).startswith(("cannot ", "no contribution")):
                raise
            builtins.print(f"error: {exc}")
        finally:
            logger.set_level(level)
        return None

    return wrapper


def ape_init_extras(chain):
    import click

    from sharedmodels import cli as c
    from sharedmodels.encoding.datasets import TEXT_LABELS
    from sharedmodels.rpc.deployments import DeploymentError
    from sharedmodels.trainers import actions as collab
    from sharedmodels.trainers import client as trainer
    from sharedmodels.units import ether

    try:
        manifest, model = c.deployment(os.environ.get("SHAREDMODELS_MANIFEST") or None)
    except (DeploymentError, click.ClickException) as exc:
        builtins.print(f"sharedmodels: {exc}")
        return {"model": None}
    encoder = manifest.encoder_obj
    state = {
        "me": c.resolve_account(None)
        if (chain.provider.network.is_local or chain.provider.network.is_fork)
        else None
    }

    def sender():
        account = namespace_me() or state["me"]
        if account is None:
            raise HelperRefusal("set `me` to the account to send from: me = accounts.load(...)")
        return account

    def namespace_me():
        try:
            from IPython import get_ipython

            return get_ipython().user_ns.get("me")
        except Exception:  # not inside IPython (ape console -c)
            return None

    def label_index(label) -> int:
        names = collab.class_names(model)  # read now: the owner may have added a class
        if isinstance(label, str):
            if label in names:
                return names.index(label)
            # The words a text CSV accepts for a binary text model (positive, 0, ...).
            alias = TEXT_LABELS.get(label.strip().lower()) if len(names) == 2 else None
            if alias is None:
                raise HelperRefusal(f"unknown class {label!r}: choose one of {names}")
            return alias
        if label not in range(len(names)):
            raise HelperRefusal(f"label must be 0..{len(names) - 1} or a class name {names}")
        return int(label)

    @one_line
    def predict(text) -> str:
        """The model's class for ``text`` (free): a string for a text model, a list of numbers
        (one row, in the dataset's units) for a dense one."""
        return collab.class_names(model)[int(model.predict(encoder.encode_one(text)))]

    @one_line
    def contribute(text, label) -> int:
        """Add ``text`` (a string, or a row of numbers for a dense model) with ``label`` (index
        or class name; positive/negative too for a text model), paying the deposit; returns
        the id."""
        y = label_index(label)
        (added,) = collab.contribute(model, sender(), [encoder.encode_one(text)], labels=[y])
        builtins.print(f"#{added.id}: deposit {ether(added.deposit)}, gas {added.gas:,}")
        return added.id

    def _claim(action: str, cid: int) -> Decimal:
        c = collab.eligible_one(model, action, sender(), cid, manifest.block)
        amount, gas = trainer.claim(model, sender(), action, c)
        builtins.print(f"#{cid}: {ether(amount)} received, gas {gas:,}")
        return Decimal(amount) / 10**18

    @one_line
    def refund(cid: int) -> Decimal:
        """Take back your deposit of contribution ``cid`` (model must agree now); returns the
        ETH received."""
        return _claim("refund", cid)

    @one_line
    def report(cid: int) -> Decimal:
        """Take a share of another's deposit of ``cid`` (model must disagree now); returns the
        ETH received."""
        return _claim("report", cid)

    @one_line
    def take(cid: int) -> Decimal:
        """Take what is left of ``cid`` (owner after owner-wait, anyone after any-wait); returns
        the ETH received."""
        return _claim("take", cid)

    @one_line
    def status() -> None:
        """Print the deployment's state (as ``ape run status``)."""
        for line in collab.status_lines(manifest, model):
            builtins.print(line)

    return {
        "model": model,
        "manifest": manifest,
        "me": state["me"],
        "predict": predict,
        "contribute": contribute,
        "refund": refund,
        "report": report,
        "take": take,
        "status": status,
    }
