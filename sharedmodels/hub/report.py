"""What ``ape run hub list`` prints: one line an entry, as text (the script only echoes it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sharedmodels.hub import driver
from sharedmodels.units import ETH


def listing_lines(hub: Any, pool: Any, entries: Sequence[driver.Listed]) -> list[str]:
    """Each entry with its kind, classes, latest accuracy and pools (``pool``: the hub's
    ``HubPool``); an entry whose contract
    does not match what it claims is marked REFUSED with the reason."""
    if not entries:
        return ["no models"]
    out = []
    for e in entries:
        if e.problems:
            out.append(f"REFUSED {e.model}: {'; '.join(e.problems)}")
            continue
        records = driver.history(hub, e.model)
        latest = f"{records[-1].correct}/{records[-1].samples}" if records else "no record"
        held = sum(driver.pools(pool, e.model).values()) / ETH
        state = "" if e.listed else " (withdrawn)"
        out.append(
            f"{e.model}  {e.name}{state}  {e.kind}  classes {','.join(e.classes)}  "
            f"accuracy {latest} ({len(records)} records)  pool {held:g} ETH"
        )
    return out
