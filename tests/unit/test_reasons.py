"""Every revert reason in `contracts/` is named by some test: a reason no test expects is a
rule no test shows to hold (needs no chain)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REASON = re.compile(r'(?:assert\b[^\n]*?,|raise)\s*"([^"]+)"')


def reasons() -> dict[str, str]:
    """Each reason string in the contracts, with the first file that has it."""
    out: dict[str, str] = {}
    for path in sorted((ROOT / "contracts").rglob("*.vy")):
        for reason in REASON.findall(path.read_text()):
            out.setdefault(reason, str(path.relative_to(ROOT)))
    return out


def test_the_contracts_have_reasons():
    found = reasons()
    assert len(found) > 100
    assert "market: piece does not match its commitment" in found


def test_every_reason_is_named_by_a_test():
    tests = "\n".join(
        p.read_text() for p in (ROOT / "tests").rglob("*.py") if p.name != "test_reasons.py"
    )
    unnamed = [f"{r!r} ({where})" for r, where in reasons().items() if r not in tests]
    assert not unnamed, "reasons no test names:\n" + "\n".join(unnamed)


def test_the_security_page_names_real_tests():
    """`docs/security.md` points at the test for every claim; each must exist."""
    import fnmatch

    text = (ROOT / "docs" / "security.md").read_text()
    missing, current = [], None
    for m in re.finditer(r"`(?:([\w/]+\.py))?::([\w*]+)`", text):
        current = m.group(1) or current
        found = sorted((ROOT / "tests").rglob(current))  # named from any folder of tests/
        if not found:
            missing.append(current)
            continue
        source = found[0].read_text()
        names = re.findall(r"^def (test_\w+)", source, re.M)
        if not fnmatch.filter(names, m.group(2)):
            missing.append(f"{current}::{m.group(2)}")
    assert current is not None and not missing, missing
