"""A hub as ``ape run hub ...`` uses it: the record file naming it, an entry found and checked
by address, a test set committed (its salts kept in a file of the evaluator's own) and
revealed, and the period a trainer's contributions are entered for."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sharedmodels.encoding.encoded import encode_dataset
from sharedmodels.hub import driver
from sharedmodels.hub.rules import TestSet, dump_test_set, load_test_set
from sharedmodels.rpc.deployments import encoder_from_descriptor


def write_record(path: Path, address: str, pool: str, chain_id: int) -> None:
    """The hub's record: its address, contract, its pool contract and chain."""
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "address": str(address),
        "contract": "ModelHub",
        "pool": str(pool),
        "chain_id": int(chain_id),
    }
    path.write_text(json.dumps(record) + "\n")


def _record(path: Path) -> dict:
    if not path.exists():
        raise driver.HubError(f"no hub record at {path}: run `ape run hub deploy` or pass --record")
    return json.loads(path.read_text())


def read_record(path: Path) -> str:
    """The hub's address from its record; ``HubError`` when there is none."""
    return _record(path)["address"]


def read_pool(path: Path) -> str:
    """The address of the hub's pool contract (``HubPool``) from the record; ``HubError`` when
    the record names none (a hub deployed before the pools had a contract of their own)."""
    pool = _record(path).get("pool")
    if not pool:
        raise driver.HubError(
            "the hub record names no pool contract: run `ape run hub deploy` for a new hub"
        )
    return pool


def contract_at(address: str, kind_name: str) -> Any:
    """The model contract at ``address`` as the project's ``kind_name`` container."""
    from ape import project

    return getattr(project, kind_name).at(address)


def find_entry(hub: Any, provider: Any, address: str) -> tuple[driver.Listed, Any]:
    """The hub's entry for ``address`` (withdrawn ones too) and its contract; ``HubError``
    when the hub does not list it or its contract does not match what the entry claims."""
    for e in driver.listing(hub, provider, contract_at, include_withdrawn=True):
        if e.model.lower() == address.lower():
            if e.problems:
                raise driver.HubError(f"{address}: {'; '.join(e.problems)}")
            return e, contract_at(e.model, e.kind)
    raise driver.HubError(f"{address} is not in this hub")


def commit_test_set(
    hub: Any,
    provider: Any,
    sender: Any,
    *,
    model_address: str,
    dataset: str,
    size: int,
    offset: int,
    secrets: Path,
    chain_id: int,
) -> tuple[int, TestSet]:
    """Encode ``size`` samples of ``dataset`` from ``offset`` with the model's own encoder (read
    from the chain), commit them and write the salts to ``secrets`` (mode 0600, never
    overwritten). Returns the evaluation id and the set."""
    entry, model = find_entry(hub, provider, model_address)
    if entry.dense:
        raise driver.HubError(
            "evaluate encodes text for sparse models; dense sets: see docs/hub.md"
        )
    if secrets.exists():
        raise driver.HubError(f"{secrets} exists: pick another --secrets")
    encoder = encoder_from_descriptor(model.encoder())
    data = encode_dataset(dataset, encoder, limit=size, offset=offset)
    ts = TestSet.make(data.rows, data.labels, dense=False)
    i = driver.commit(hub, model.address, ts, sender, chain_id)
    secrets.parent.mkdir(parents=True, exist_ok=True)
    secrets.write_text(dump_test_set(ts, [i]))
    secrets.chmod(0o600)
    return i, ts


def reveal_plan(hub: Any, provider: Any, secrets: Path) -> list[tuple[int, TestSet, Any]]:
    """Each evaluation in the secrets file with its set and its model's contract."""
    ts, ids = load_test_set(secrets.read_text())
    return [(i, ts, find_entry(hub, provider, hub.evaluations(i).model)[1]) for i in ids]


def reveal_fee_calls(hub: Any, plan: list[tuple[int, TestSet, Any]]) -> list[Any]:
    """The transactions revealing ``plan`` sends, as ``fees.Call`` (the pieces left, a batch a
    transaction, against each model's update count now)."""
    from sharedmodels.rpc.fees import call_of

    return [
        call_of(fn, *args)
        for i, ts, model in plan
        for fn, args in driver.reveal_calls(hub, i, ts, model)
    ]


def closed_period(pool: Any, model: str, period: int | None) -> int:
    """``period`` (default: the latest) if the model has closed it in ``pool`` (the hub's
    ``HubPool``); ``HubError`` otherwise."""
    count = pool.period_count(model)
    if count == 0:
        raise driver.HubError("this model has no closed period yet")
    p = count - 1 if period is None else period
    if p >= count:
        raise driver.HubError(f"no period {p}: this model has {count}")
    return p
