"""Fixtures for browser tests: the app on a live server, driven by Debian's Chromium.

Playwright (sync API) launches ``/usr/bin/chromium`` rather than a browser of
its own (``playwright install`` needs a download CI does not have); ``.ci/run``
installs the Debian package, and without it the browser tests are skipped.
The live server runs the ``app`` fixture of ``tests/conftest.py``, so the
server and the test share one database.
"""

import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
# Headless as root, with nothing reaching out to the network on its own.
# Playwright gives each launch a new, empty user data dir.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_TIMEOUT_MS = 5_000
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"  # git-ignored

_reports = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so that ``page`` can see a failure."""
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


@pytest.fixture
def live_server(app):
    """The app served on 127.0.0.1 at a free port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, launched once per run through Playwright."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does)")
    # The sync API refuses to start inside a running asyncio loop; no fixture here has one.
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(request, browser, live_server):
    """A fresh context and page on the live server; a screenshot if the test fails."""
    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    yield page
    try:
        report = request.node.stash.get(_reports, {}).get("call")
        if report is not None and report.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
            page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
    finally:
        context.close()


@pytest.fixture
def screenshot_dir(tmp_path):
    """Where deliberate screenshots go: a temporary folder, so running the
    tests never rewrites a tracked file (``.venv/bin/python docs/screenshots.py``
    makes the README's)."""
    return tmp_path
