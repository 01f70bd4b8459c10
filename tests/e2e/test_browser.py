"""The site as a person uses it, in Chromium: sign up, confirm, make an album, upload."""

import os
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.support.corpus import corpus_file
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e

PHOTOS = ["Canon_40D.jpg", "hopper.png", "gps_DSCN0010.jpg"]
IN_FLIGHT_OR_DONE = {"queued", "processing", "ready"}
READY_TIMEOUT_S = 60
# The album page once every photo is ready, one per xdist worker (kept when the wait fails).
SCREENSHOT = f"/tmp/e2e-album-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.png"
CONFIRM_LINK = re.compile(r"https?://[^\s\"'<>]+/accounts/confirm-email/[^\s\"'<>]+")


def _wait_for_mail(count: int, timeout_s: float = 10) -> None:
    """The live server runs in this process, so its locmem outbox is ours to read."""
    wait_until(
        lambda: len(mail.outbox) >= count,
        timeout=timeout_s,
        what=f"{count} mail(s)",
        explain=lambda: f"got {len(mail.outbox)}",
    )


def _badges(page) -> list[str]:
    """Each tile's status (a ready tile shows none: it is in its data-status)."""
    return page.locator("#photo-grid .photo-tile").evaluate_all(
        "tiles => tiles.map(tile => tile.dataset.status)"
    )


def _pipeline_diagnostics() -> str:
    from albums.models import Photo, ProcessingEvent

    photos = [f"{p.original_name}: {p.status} {p.status_reason!r}" for p in Photo.objects.all()]
    events = [
        f"{e.photo_id} {e.step} {e.outcome} {e.message[:200]!r}"
        for e in ProcessingEvent.objects.order_by("pk")
    ]
    return "photos:\n  " + "\n  ".join(photos) + "\nevents:\n  " + "\n  ".join(events)


def test_sign_up_confirm_create_album_upload_and_see_photos_ready(page, live_server, worker):
    from processing import tasks  # noqa: F401  (declares the pipeline's queues for the worker)

    email, password = "new.person@example.com", "plum-harbour-92-lantern"

    # Home page → sign up.
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_role("link", name="Create an account").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password1]").fill(password)
    page.locator("input[name=password2]").fill(password)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))

    # The verification mail arrives; its link asks for a click to confirm (not on GET).
    _wait_for_mail(1)
    message = mail.outbox[-1]
    assert message.to == [email]
    link = CONFIRM_LINK.search(message.body)
    assert link, f"no confirmation link in the mail:\n{message.body}"
    page.goto(urlsplit(link.group(0)).path)
    expect(page.locator("main")).to_contain_text(email)
    page.locator("main form button[type=submit]").click()

    # Signed in, on my (empty) library, which points to the albums.
    expect(page).to_have_url(re.compile(r"/photos/$"))
    expect(page.locator(".site-header")).to_contain_text(email)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.locator("#timeline-empty").get_by_role("link", name="Create an album").click()
    expect(page).to_have_url(re.compile(r"/albums/$"))

    # New album.
    expect(page.locator("details.create-album > summary")).to_have_text("New album")
    page.locator("input[name=title]").fill("Camera roll")
    page.get_by_role("button", name="Create album").click()
    expect(page).to_have_url(re.compile(r"/albums/[0-9a-f-]{36}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Camera roll")
    album_url = page.url
    page.wait_for_load_state()  # upload.js is deferred: let it attach to the input first

    # Upload three photos through the file input.
    page.locator("#file-input").set_input_files([corpus_file("good", n) for n in PHOTOS])
    rows = page.locator("#upload-list .upload-item")
    expect(rows).to_have_count(3)
    unsettled = "#upload-list .upload-item:not(.upload-error)" + "".join(
        f":not(.upload-{status})" for status in ("queued", "processing", "ready")
    )
    expect(page.locator(unsettled)).to_have_count(0)  # every row has an outcome
    errors = page.locator("#upload-list .upload-error").all_inner_texts()
    assert errors == [], f"uploads refused: {errors}\n{page.script_errors}"
    assert sorted(page.locator("#upload-list .upload-name").all_text_contents()) == sorted(PHOTOS)

    # The page swaps in a fresh grid by itself once the uploads are in.
    tiles = page.locator("#photo-grid .photo-tile")
    expect(tiles).to_have_count(3)
    names = page.locator("#photo-grid .photo-tile a > :first-child").evaluate_all(
        "els => els.map(el => el.alt || el.getAttribute('aria-label'))"
    )
    assert sorted(names) == sorted(PHOTOS)  # for screen readers; tiles print no file names
    assert set(_badges(page)) <= IN_FLIGHT_OR_DONE, f"{_badges(page)}\n{_pipeline_diagnostics()}"

    # The worker processes them: after a reload, every photo is ready.
    def all_ready() -> bool:
        page.goto(album_url)
        badges = _badges(page)
        assert set(badges) <= IN_FLIGHT_OR_DONE, f"{badges}\n{_pipeline_diagnostics()}"
        return badges == ["ready"] * 3

    try:
        wait_until(
            all_ready,
            timeout=READY_TIMEOUT_S,
            interval=0.5,
            what="every photo ready",
            explain=lambda: f"{_badges(page)}\n{_pipeline_diagnostics()}",
        )
    finally:
        page.screenshot(path=SCREENSHOT, full_page=True)  # kept when the wait fails

    # Ready photos show their thumbnails, actually decoded by the browser.
    images = page.locator("#photo-grid .photo-tile img")
    expect(images).to_have_count(3)
    for img in images.all():
        img.scroll_into_view_if_needed()
        expect(img).to_have_js_property("complete", True)
        assert img.evaluate("el => el.naturalWidth") > 0, img.get_attribute("src")
    page.screenshot(path=SCREENSHOT, full_page=True)  # now with the thumbnails
    assert page.script_errors == []


def test_keyboard_reaches_skip_link_and_file_input(page, live_server, client, user, album):
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(f"/albums/{album.id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(album.title)

    # The first Tab from the top of the page lands on the skip link, which then shows.
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text("Skip to content")
    box = focused.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, f"skip link is off-screen when focused: {box}"

    # Following it moves focus into the main content.
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    # Tabbing on from the top reaches the file input (not hidden from the keyboard).
    page.goto(f"/albums/{album.id}/")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == "file-input":
            break
    expect(page.locator("#file-input")).to_be_focused()
    assert page.script_errors == []
