"""The Photos page in a real browser: month and day headings, more days loading as you
scroll, a jump to a month; screenshots at 1280 and 390 px wide for people to look at."""

import pytest
from playwright.sync_api import expect

from tests.support.browser import SCREENS, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_headings_scrolling_and_jumping_to_a_month(
    page, live_server, client, user, library, settings
):
    settings.ALBUM_PAGE_SIZE = 10
    sign_in(page.context, live_server, client, user)
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/photos/")

    months = page.locator(".timeline-month")
    expect(months.first).to_have_text("March 2024")
    expect(page.locator(".timeline-day-heading time").first).to_have_text("Wed 20 Mar")
    tiles = page.locator("#timeline .photo-tile")
    expect(tiles.first).to_be_visible()

    # Scrolling to the end loads the next days, until the library's end: no heading twice.
    for _ in range(10):
        if page.locator("#timeline-more").count() == 0:
            break
        shown = tiles.count()  # before scrolling: the next days may arrive at once
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_function("n => document.querySelectorAll('#timeline .photo-tile').length > n",
                               arg=shown)  # fmt: skip
    expect(tiles).to_have_count(len(library))
    expect(months).to_have_text(["March 2024", "February 2024", "January 2024"])
    days = page.locator(".timeline-day-heading time").all_inner_texts()
    assert len(days) == 12 and len(set(days)) == 12, days

    # The month index jumps to February: the page starts there.
    page.locator("#month-jump summary").click()
    page.get_by_role("link", name="Feb 12").click()
    expect(page).to_have_url(f"{live_server.url}/photos/?month=2024-02")
    expect(months.first).to_have_text("February 2024")
    expect(page.locator(".timeline-day-heading time").first).to_have_text("Tue 20 Feb")

    # A photo opened from here steps through the timeline in the viewer.
    page.locator("#timeline .photo-tile a").first.click()
    expect(page.locator("#viewer-title")).to_have_text("2-20-18.jpg")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#viewer-title")).to_have_text("2-20-12.jpg")
    assert page.script_errors == []


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots(browser, live_server, client, user, library, settings, width):
    settings.ALBUM_PAGE_SIZE = 24
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": width, "height": 860 if width > 400 else 844},
        has_touch=width < 400,
        is_mobile=width < 400,
    )
    sign_in(context, live_server, client, user)
    page = context.new_page()
    page.goto(f"{live_server.url}/photos/")
    expect(page.locator("#timeline .photo-grid.justified").first).to_be_visible()
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENS / f"timeline-{width}.png")
    page.locator("#month-jump summary").click()
    page.screenshot(path=SCREENS / f"timeline-months-{width}.png")
    context.close()
