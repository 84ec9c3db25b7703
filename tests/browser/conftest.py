"""Browser fixtures: Debian's chromium driven by Playwright against a live, seeded app.

Nothing is installed at run time: `make test` installs chromium (scripts/system-deps.sh).
Without /usr/bin/chromium these tests skip with the reason, unless CI is set (then fail).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import LiveServer, seed_demo_catalog

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    # module scope: the Playwright loop is gone before other folders' tests run
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: run `make test` (scripts/system-deps.sh "
                     "installs Debian's chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - depends on the machine
        _unavailable("Playwright for Python is not installed: pip install -e '.[dev]'")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                      args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def browser_app(sqlite_app):
    """SQLite is enough here: the database-facing rules are tested on both backends elsewhere."""
    seed_demo_catalog(sqlite_app)
    return sqlite_app


@pytest.fixture
def server(browser_app):
    live = LiveServer(browser_app).start()
    yield live
    live.stop()


@pytest.fixture
def new_page(browser, server):
    """new_page(width, height, lang=None) → a page in a fresh context (own cookies)."""
    contexts = []

    def make(width: int = 1366, height: int = 768, *, touch: bool = False,
             timezone_id: str | None = None):
        context = browser.new_context(base_url=server.url, locale="zh-CN",
                                      viewport={"width": width, "height": height},
                                      has_touch=touch, timezone_id=timezone_id)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def login(page, username: str, password: str = "demo-pass-2026") -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_load_state("domcontentloaded")
