"""The manual holds together (needs no chain): every relative link in README.md and docs/*.md
points at a file in the repository (and at a heading, when it names one), and every revert
reason in `contracts/` appears in the documentation."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: ``[text](target)`` and ``![alt](target)``; the target ends at whitespace or ``)``.
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
REASON = re.compile(r'(?:assert\b[^\n]*?,|raise)\s*"([^"]+)"')


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text())
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*$", text, re.M)}


def links(page: Path) -> list[str]:
    return LINK.findall(FENCE.sub("", page.read_text()))


def test_the_pages_have_links():
    assert len(PAGES) > 5
    assert any(links(page) for page in PAGES)


def test_every_relative_link_resolves():
    broken = []
    for page in PAGES:
        for target in links(page):
            if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http(s), mailto and the like
                continue
            path, _, anchor = target.partition("#")
            dest = (page.parent / path).resolve() if path else page
            where = f"{page.relative_to(ROOT)}: {target}"
            if not dest.exists():
                broken.append(f"{where} (no such file)")
            elif not dest.is_relative_to(ROOT):
                broken.append(f"{where} (outside the repository)")
            elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                broken.append(f"{where} (no such heading)")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_slug_matches_github():
    assert slug("`ape run demo` (`make demo`)") == "ape-run-demo-make-demo"
    assert slug("Stake: the rules, exactly") == "stake-the-rules-exactly"


def test_every_revert_reason_is_documented():
    docs = "\n".join(page.read_text() for page in PAGES)
    reasons = {
        reason
        for path in (ROOT / "contracts").rglob("*.vy")
        for reason in REASON.findall(path.read_text())
    }
    assert len(reasons) > 100
    missing = sorted(r for r in reasons if f"`{r}`" not in docs)
    assert not missing, "revert reasons no page names:\n" + "\n".join(missing)
