"""The web page in a real browser: headless Chromium (Debian's ``chromium``, which ``make test``
installs where apt-get is available) driven by Playwright, against this session's Anvil.

Per module: the page is bundled by the project's own build (``web/build.mjs``) into a temporary
directory, from assets exported from this checkout; four small demo models are deployed (the
same kinds as ``make web``, with less pre-training); the page's server runs in a thread on a free
port. Every test gets a fresh browser context. Screenshots go to web/screenshots/ (ignored by
git), one per page a test visits.

Without Chromium or Playwright the tests skip with one line saying so, unless
``SHAREDMODELS_REQUIRE_BROWSER=1`` (CI sets it), which turns the skip into a failure.
"""

import os
import shutil
import subprocess
from pathlib import Path

import ape
import pytest

from sharedmodels.rpc.deployments import read_manifest
from sharedmodels.runs.web import DemoModel, Server, deploy_demo, write_assets

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
MODELS = (
    DemoModel(
        name="perceptron", model="perceptron", incentive="stake", pretrain="rt", pretrain_limit=400
    ),
    DemoModel(
        name="naive_bayes_vocab",
        model="naive_bayes",
        incentive="stake",
        pretrain="rt",
        pretrain_limit=400,
        encoder="vocab:300",
    ),
    DemoModel(
        name="sparse_ncc_points",
        model="sparse_ncc",
        incentive="points",
        pretrain="rt",
        pretrain_limit=200,
    ),
    DemoModel(
        name="wine_ncc", model="ncc", incentive="stake", pretrain="sklearn:wine", pretrain_limit=60
    ),
)


def chromium_path() -> str | None:
    explicit = os.environ.get("SHAREDMODELS_CHROMIUM")
    if explicit:
        return explicit
    return next((p for name in CHROMIUM_NAMES if (p := shutil.which(name))), None)


def skip_or_fail(reason: str) -> None:
    if os.environ.get("SHAREDMODELS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required here, but {reason}")
    pytest.skip(reason)


@ape.fixture(scope="session", chain_isolation=False)
def chromium():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        skip_or_fail("Playwright is not installed (pip install -e '.[dev]')")
    path = chromium_path()
    if not path:
        skip_or_fail("no Chromium on PATH (make test installs Debian's chromium via apt-get)")
    node = shutil.which("node")
    if not node:
        skip_or_fail("node is not on PATH (it bundles the page)")
    return path


@ape.fixture(scope="session", chain_isolation=False)
def dist(chromium, tmp_path_factory):
    """The page bundled from this checkout into a fresh directory."""
    base = tmp_path_factory.mktemp("web")
    assets = base / "assets"
    write_assets(assets)
    out = base / "dist"
    subprocess.run(
        [
            shutil.which("node"),
            str(ROOT / "web/build.mjs"),
            "--out",
            str(out),
            "--assets",
            str(assets),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out


#: Where the tests' screenshots go (ignored by git): one per page a test visits, and the layout
#: test's phone and desktop views.
SCREENSHOTS = ROOT / "web" / "screenshots"


@ape.fixture(scope="session", chain_isolation=False)
def screenshots():
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


@pytest.fixture(scope="module")
def manifests(chromium, accounts, tmp_path_factory):
    """The demo models on this chain; {name: manifest path}."""
    from ape import networks

    out = tmp_path_factory.mktemp("manifests")
    paths = deploy_demo(
        accounts[0], networks.provider.network.choice, out, MODELS, say=lambda s: None
    )
    return {p.stem: p for p in paths}


@pytest.fixture(scope="module")
def models(manifests):
    return {name: read_manifest(path) for name, path in manifests.items()}


@pytest.fixture(scope="module")
def server(dist, manifests):
    from ape import chain

    srv = Server(
        chain.provider.uri, port=0, dist=dist, dirs=[next(iter(manifests.values())).parent]
    )
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(
        viewport={"width": 1280, "height": 1000}, permissions=["clipboard-read", "clipboard-write"]
    )
    ctx.set_default_timeout(30_000)
    yield ctx
    ctx.close()


class Shots:
    def __init__(self, folder: Path, prefix: str) -> None:
        self.folder, self.prefix, self.n = folder, prefix, 0

    def __call__(self, page, name: str) -> Path:
        self.n += 1
        path = self.folder / f"{self.prefix}-{self.n:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shot(screenshots, request):
    return Shots(screenshots, request.node.name)
