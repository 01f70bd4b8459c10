"""Browser fixtures: Playwright's sync API driving Debian's Chromium against live_server.

Only the system Chromium is used (never `playwright install`). Without it the browser tests
skip with the reason; CI (IMAGESITE_NO_SKIPS=1) turns that skip into a failed run.
"""

from datetime import UTC, datetime

import pytest

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS
from tests.support.photos import drawn_rendition


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


# --- A library of photos on known days --------------------------------------------------

LIBRARY_SHAPES = [(1600, 1000), (900, 1600), (1200, 1200), (1600, 700), (1000, 1500)]
LIBRARY_COLOURS = ["#2f5d8a", "#8a2f5d", "#5d8a2f", "#8a5d2f", "#5d2f8a"]


@pytest.fixture
def library(user):
    """Three photos a day on four days in each of March, February and January 2024, with
    real renditions of several shapes (the timeline and selection tests)."""
    from albums.models import Photo

    photos = []
    for month in (3, 2, 1):
        for day in (20, 14, 9, 2):
            for hour in (18, 12, 8):
                n = len(photos)
                photo = Photo.objects.create(
                    owner=user,
                    original_name=f"{month}-{day}-{hour}.jpg",
                    status=Photo.Status.READY,
                    taken_at=datetime(2024, month, day, hour, tzinfo=UTC),
                    taken_at_offset="+00:00",
                )
                size = LIBRARY_SHAPES[n % len(LIBRARY_SHAPES)]
                scale = 400 / max(size)
                grid = (round(size[0] * scale), round(size[1] * scale))
                drawn_rendition(photo, "grid", grid, LIBRARY_COLOURS[n % len(LIBRARY_COLOURS)])
                drawn_rendition(photo, "preview", size, LIBRARY_COLOURS[n % len(LIBRARY_COLOURS)])
                photos.append(photo)
    return photos
