"""Screenshots of the everyday pages at 1280 and 390 px wide, for people to look at.

Not a test (pytest only collects it when named):
    SCREENS_DIR=/tmp/screens .venv/bin/python -m pytest -q tests/e2e/screens.py
Photos go through the real upload and pipeline, so the grid shows real shapes.
"""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.support.browser import SCREENS, TIMEOUT_MS
from tests.support.corpus import corpus_file

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

GOOD = [
    "Canon_40D.jpg",
    "orientation_landscape_6.jpg",
    "gps_DSCN0010.jpg",
    "hopper.png",
    "Nikon_D70.jpg",
    "orientation_landscape_8.jpg",
    "Pentax_K10D.jpg",
    "Sony_HDR-HC3.jpg",
    "Fujifilm_FinePix_E500.jpg",
    "Kodak_CX7530.jpg",
    "Olympus_C8080WZ.jpg",
    "hopper.webp",
]
LARGE = ["28-hex_value.jpg", "iphone_hdr_NO.jpg", "canon_hdr_NO.jpg"]
WIDTHS = {"1280": {"width": 1280, "height": 860}, "390": {"width": 390, "height": 844}}


def _context(browser, live_server, client, user, width, javascript=True):
    context = browser.new_context(
        java_script_enabled=javascript,
        base_url=live_server.url,
        viewport=WIDTHS[width],
        has_touch=width == "390",
        is_mobile=width == "390",
    )
    context.set_default_timeout(TIMEOUT_MS)
    client.force_login(user)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context


def _network(cdp, *, latency, upload_bytes_per_s):
    conditions = {"offline": False, "latency": latency, "downloadThroughput": -1}
    cdp.send(
        "Network.emulateNetworkConditions", conditions | {"uploadThroughput": upload_bytes_per_s}
    )


def _shot(page, name, width, full_page=False):
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}-{width}.png"), full_page=full_page)


def test_screens(browser, live_server, client, user, album, worker):
    from processing import tasks  # noqa: F401  (declares the pipeline's queues)

    context = _context(browser, live_server, client, user, "1280")
    page = context.new_page()
    page.goto(f"/albums/{album.id}/")
    files = [str(corpus_file("good", n)) for n in GOOD] + [str(corpus_file("bad", "broken.png"))]
    files += [str(corpus_file("large", n)) for n in LARGE]
    page.set_input_files("#file-input", files)
    expect(page.locator("#upload-summary .upload-summary-counts")).to_have_text(
        f"{len(GOOD) + len(LARGE)} uploaded, 1 rejected", timeout=120_000
    )
    page.reload()  # the "could not be used" line is drawn with the page
    page.get_by_role("button", name="Move it to the trash").click()
    expect(page.get_by_role("button", name="Move it to the trash")).to_have_count(0)
    context.close()

    for width in WIDTHS:
        context = _context(browser, live_server, client, user, width)
        page = context.new_page()
        page.goto(f"/albums/{album.id}/")
        page.locator("#photo-grid img").last.scroll_into_view_if_needed()
        page.wait_for_function("() => [...document.images].every(i => i.complete)")
        page.evaluate("window.scrollTo(0, 0)")
        _shot(page, "album-grid", width, full_page=True)

        # The viewer on a large photo (the corpus's others are tiny).
        large = page.locator('#photo-grid a[data-viewer-src]:has(img[alt="iphone_hdr_NO.jpg"])')
        large.last.click()
        expect(page.locator("#viewer-image")).to_have_js_property("complete", True)
        _shot(page, "viewer", width)
        page.locator("#viewer-zoom").click()
        _shot(page, "viewer-zoomed", width)
        page.keyboard.press("Escape")

        # Mid-upload: a slow connection, three large files on their way, one done already.
        cdp = context.new_cdp_session(page)
        page.set_input_files("#file-input", [str(corpus_file("good", "Canon_PowerShot_S40.jpg"))])
        expect(page.locator("#upload-summary .upload-summary-counts")).to_contain_text(
            "1 uploaded", timeout=60_000
        )
        _network(cdp, latency=50, upload_bytes_per_s=200_000)
        page.set_input_files("#file-input", [str(corpus_file("large", n)) for n in LARGE])
        expect(page.locator("#upload-active .upload-state").first).to_have_text(
            re.compile(r"^[1-9]\d?%$"), timeout=60_000
        )
        time.sleep(1.5)  # let the bars move on a little for the picture
        page.evaluate("window.scrollTo(0, 0)")
        _shot(page, "upload-mid", width, full_page=width == "1280")
        _network(cdp, latency=0, upload_bytes_per_s=-1)
        expect(page.locator("#upload-active .upload-item")).to_have_count(0, timeout=120_000)

        _library_pages(page, width)
        _visitor_pages(browser, live_server, album, width)

        page.goto("/accounts/delete/")
        _shot(page, "account-delete", width, full_page=True)
        page.locator("input[name=confirmation]").fill("wrong")
        page.get_by_role("button", name="Delete my account and photos").click()
        _shot(page, "account-delete-wrong", width, full_page=True)
        context.close()

    # Without JavaScript: a plain grid, each photo whole inside its square.
    context = _context(browser, live_server, client, user, "1280", javascript=False)
    page = context.new_page()
    page.goto(f"/albums/{album.id}/")
    _shot(page, "album-grid-nojs", "1280", full_page=True)
    context.close()


def _library_pages(page, width):
    """The timeline (and its selection), a photo's page, search, albums and the trash."""
    from albums.models import Photo

    page.goto("/photos/")
    page.wait_for_function("() => [...document.images].every(i => i.complete)")
    _shot(page, "timeline", width, full_page=True)
    tiles = page.locator("#timeline .photo-tile")
    tiles.nth(1).locator(".tile-check").click()
    tiles.nth(3).click(modifiers=["Shift"])
    expect(page.locator("#selection-count")).to_have_text("3 selected")
    _shot(page, "timeline-selected", width)
    page.keyboard.press("Escape")

    placed = Photo.objects.get(original_name="gps_DSCN0010.jpg")
    page.goto(f"/photos/{placed.id}/")
    _shot(page, "photo", width, full_page=True)

    page.goto("/search/")
    _shot(page, "search-form", width, full_page=True)
    page.locator("input[name=q]").fill("flower")
    page.get_by_role("button", name="Search").click()
    _shot(page, "search-results", width, full_page=True)

    page.goto("/albums/")
    _shot(page, "albums", width, full_page=True)
    page.goto("/trash/")
    _shot(page, "trash", width, full_page=True)


def _visitor_pages(browser, live_server, album, width):
    """What someone who is not signed in sees: the front page, sign-up, sign-in and a
    shared album."""
    from albums.services import share_link_create

    context = browser.new_context(base_url=live_server.url, viewport=WIDTHS[width])
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    for name, url in (
        ("front", "/"),
        ("signup", "/accounts/signup/"),
        ("login", "/accounts/login/"),
    ):
        page.goto(url)
        _shot(page, name, width, full_page=True)
    link = share_link_create(album=album, expires_in_days=7, allow_downloads=False)
    page.goto(f"/s/{link.token}/")
    page.wait_for_function("() => [...document.images].every(i => i.complete)")
    _shot(page, "shared-album", width, full_page=True)
    context.close()


def test_admin_photo_page(browser, live_server, client, make_user, album, make_photo):
    """The photo's admin page: its preview and the moderation form (1280 only)."""
    from albums.models import Photo
    from tests.support.photos import stored_rendition

    photo = make_photo(album, status=Photo.Status.READY, moderation=Photo.Moderation.FLAGGED)
    stored_rendition(photo, "preview", mime="image/jpeg")
    admin = make_user("root@example.com", is_staff=True, is_superuser=True)
    context = _context(browser, live_server, client, admin, "1280")
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.goto(f"/admin/albums/photo/{photo.pk}/change/")
    _shot(page, "admin-photo", "1280", full_page=True)
    context.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors
