"""Browser fixtures: Playwright's sync API driving Debian's Chromium against live_server.

Only the system Chromium is used (never `playwright install`). Without it the browser tests
skip with the reason; CI (IMAGESITE_NO_SKIPS=1) turns that skip into a failed run.
"""

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Headless, and quiet on the network: without the background-networking flags Chromium
# keeps calling home, which a closed CI network answers slowly or not at all.
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
TIMEOUT_MS = 15_000


@pytest.fixture
def browser(live_server, monkeypatch):
    """A Chromium started for one test.

    It depends on live_server so that it is set up after the database and torn down before
    the database is flushed. Function-scoped on purpose: the sync API keeps an asyncio loop
    running on the main thread while it is alive, which Django's async-safety check sees.
    """
    if not CHROMIUM.is_file():
        reason = f"{CHROMIUM} is missing: install it with `apt-get install -y chromium`"
        print(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs its event loop on this thread, so Django would refuse ORM
    # calls made here (fixtures, assertions) as "from an async context". Nothing here is
    # async code; only for the browser tests' lifetime, tell Django so.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) on the live server, collecting script errors."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.script_errors = []  # uncaught exceptions and console errors (CSP violations too)
    page.on("pageerror", lambda exc: page.script_errors.append(f"pageerror: {exc}"))
    page.on(
        "console",
        lambda msg: msg.type == "error" and page.script_errors.append(f"console: {msg.text}"),
    )
    try:
        yield page
    finally:
        context.close()
