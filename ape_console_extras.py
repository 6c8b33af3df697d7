"""``ape console`` helpers for the deployment of the connected network.

    $ ape console --network ethereum:local:foundry
    In [1]: predict("a gorgeous, witty film")
    'pos'
    In [2]: contribute("a gorgeous, witty film", "pos")      # pays the deposit; returns the id
    In [3]: status()
    In [4]: refund(1); report(2); take(3)                  # once their windows have passed

``model`` is the trainer contract named by ``deployments/<ecosystem>_<network>.json`` (written
by ``ape run deploy``; any of the five models: a dense one takes rows of numbers,
``predict([13.2, 1.78, …])``); ``me`` is the account the helpers send from (test account 0 on local
and fork networks; assign another: ``me = accounts.load("alias")``).
"""

from __future__ import annotations

import builtins


def ape_init_extras(chain):
    from sharedmodels import cli as c
    from sharedmodels.rpc.deployments import DeploymentError
    from sharedmodels.trainers import actions as collab
    from sharedmodels.trainers import client as trainer
    from sharedmodels.units import ether

    try:
        manifest, model = c.deployment(None)
    except DeploymentError as exc:
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
            raise RuntimeError("set `me` to the account to send from, e.g. me = accounts.load(...)")
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
            if label not in names:
                raise ValueError(f"unknown class {label!r}: choose one of {names}")
            return names.index(label)
        if label not in range(len(names)):
            raise ValueError(f"label must be 0..{len(names) - 1} or a class name")
        return int(label)

    def predict(text) -> str:
        """The model's class for ``text`` (free): a string for a text model, a list of numbers
        (one row, in the dataset's units) for a dense one."""
        return collab.class_names(model)[int(model.predict(encoder.encode_one(text)))]

    def contribute(text, label) -> int:
        """Add ``text`` (a string, or a row of numbers for a dense model) with ``label`` (index
        or class name), paying the deposit; returns the id."""
        (added,) = collab.contribute(
            model, sender(), [encoder.encode_one(text)], [label_index(label)]
        )
        builtins.print(f"#{added.id}: deposit {ether(added.deposit)}, gas {added.gas:,}")
        return added.id

    def _claim(action: str, cid: int) -> int:
        c = collab.eligible_one(model, action, sender(), cid, manifest.block)
        amount, gas = trainer.claim(model, sender(), action, c)
        builtins.print(f"#{cid}: {ether(amount)} received, gas {gas:,}")
        return amount

    def refund(cid: int) -> int:
        """Take back your deposit of contribution ``cid`` (model must agree now)."""
        return _claim("refund", cid)

    def report(cid: int) -> int:
        """Take a share of another's deposit of ``cid`` (model must disagree now)."""
        return _claim("report", cid)

    def take(cid: int) -> int:
        """Take what is left of ``cid`` (owner after owner-wait, anyone after any-wait)."""
        return _claim("take", cid)

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
