"""The web page's modules (web/src) under Node's test runner: tests/unit/js/web.test.mjs imports
them as the bundle does (the build's assets replaced by stand-ins) and checks the pieces that need
no browser: routes, amounts, durations, deposits typed by hand, networks and explorer links,
the chart's buckets, failures in words. The page itself runs in tests/browser."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "tests/unit/js"
NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="node is not on PATH (make setup needs it)")
def test_page_modules_under_node():
    proc = subprocess.run(
        [NODE, "--import", str(JS / "assets-hook.mjs"), "--test", str(JS / "web.test.mjs")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
