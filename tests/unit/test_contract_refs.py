"""Every reference a contract's comments make resolves: a backticked Python name
(`sharedmodels.x.y`) imports, a backticked contract path (`lib/pay.vy`, `base.vy`) is a file
under `contracts/`, and a `docs/…md` page exists. A comment that points at code that moved is
worse than none (needs no chain)."""

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "contracts"
PY_REF = re.compile(r"`(sharedmodels(?:\.\w+)+)`")
FILE_REF = re.compile(r"`((?:\w+/)*\w+\.vyi?)`")
DOC_REF = re.compile(r"\b(docs/[\w-]+\.md)\b")
#: References in files another change owns, known to be stale until that change lands (each
#: must still be stale: drop it from here when it is fixed).
PENDING = {("ModelHub.vy", "sharedmodels.hub.registry.code_hash")}


def sources() -> list[Path]:
    return sorted([*CONTRACTS.rglob("*.vy"), *CONTRACTS.rglob("*.vyi"), *CONTRACTS.rglob("*.j2")])


def resolves(name: str) -> bool:
    """Whether `name` is a module, or an attribute path under the longest importable prefix."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def file_exists(ref: str) -> bool:
    if "/" in ref:
        return (CONTRACTS / ref).is_file()
    return any(CONTRACTS.rglob(ref))


def test_the_check_finds_references():
    found = [m for p in sources() for m in PY_REF.findall(p.read_text())]
    assert len(found) > 10
    assert resolves("sharedmodels.market.rules.sample_hash")
    assert not resolves("sharedmodels.market.sample_hash")
    assert not resolves("sharedmodels.no_such_module.x")
    assert file_exists("lib/pay.vy") and file_exists("base.vy") and not file_exists("nope.vy")


def test_every_python_reference_resolves():
    broken = {
        (p.name, ref)
        for p in sources()
        for ref in PY_REF.findall(p.read_text())
        if not resolves(ref)
    }
    assert broken - PENDING == set(), sorted(broken - PENDING)
    assert PENDING <= broken, f"fixed, drop from PENDING: {sorted(PENDING - broken)}"


def test_every_contract_and_doc_reference_exists():
    broken = [
        (p.name, ref)
        for p in sources()
        for ref in FILE_REF.findall(p.read_text())
        if not file_exists(ref)
    ]
    broken += [
        (p.name, ref)
        for p in sources()
        for ref in DOC_REF.findall(p.read_text())
        if not (ROOT / ref).is_file()
    ]
    assert broken == [], broken
