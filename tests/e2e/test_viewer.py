"""The full-screen viewer in a real browser: keyboard, swipe and pinch on a touch screen,
zoom, the next photo preloaded, the address bar and the Back button, Escape; the grid keeps
each photo's shape."""

import re

import pytest
from playwright.sync_api import expect

from albums.models import Photo
from albums.services import share_link_create
from tests.support.browser import TIMEOUT_MS, sign_in
from tests.support.photos import drawn_rendition

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# (width, height) of each photo's preview, in upload order: landscape, portrait, square...
SHAPES = [(1600, 1000), (900, 1600), (1200, 1200), (1600, 700)]


@pytest.fixture
def ready_photos(album, make_photo):
    """Ready photos with real grid and preview renditions, in the grid's order (newest first)."""
    colours = ["#2f5d8a", "#8a2f5d", "#5d8a2f", "#8a5d2f"]
    photos = []
    for n, (size, colour) in enumerate(zip(SHAPES, colours, strict=True)):
        photo = make_photo(album, status=Photo.Status.READY)
        Photo.objects.filter(pk=photo.pk).update(original_name=f"photo-{n}.jpg")
        photo.original_name = f"photo-{n}.jpg"
        scale = 400 / max(size)
        drawn_rendition(photo, "grid", (round(size[0] * scale), round(size[1] * scale)), colour)
        drawn_rendition(photo, "preview", size, colour)
        photos.append(photo)
    return photos[::-1]


def _preview(photo):
    return f"/photos/{photo.id}/r/preview/"


def _fetched(page, path):
    """Wait until the page has requested `path` (a preload shows in the resource timing)."""
    page.wait_for_function(
        "path => performance.getEntriesByType('resource').some(e => e.name.endsWith(path))",
        arg=path,
    )


FITS = """() => {
  const image = document.getElementById("viewer-image").getBoundingClientRect();
  const stage = document.getElementById("viewer-stage").getBoundingClientRect();
  return image.top >= stage.top - 1 && image.bottom <= stage.bottom + 1
    && image.left >= stage.left - 1 && image.right <= stage.right + 1;
}"""


def test_every_shape_is_shown_whole_before_zooming(
    page, live_server, client, user, album, ready_photos
):
    """A landscape photo wider than the screen's shape was cropped top and bottom: its
    height followed its width instead of the stage."""
    sign_in(page.context, live_server, client, user)
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/albums/{album.id}/")
    page.locator(f"#photo-{ready_photos[0].id} a").click()
    for n, photo in enumerate(ready_photos, start=1):
        expect(page.locator("#viewer-count")).to_have_text(f"{n} of {len(ready_photos)}")
        expect(page.locator("#viewer-image")).to_have_js_property("complete", True)
        assert page.evaluate(FITS), (
            f"{photo.original_name} ({SHAPES[int(photo.original_name[6])]}) overflows"
        )
        page.keyboard.press("ArrowRight")


def test_keyboard_zoom_address_bar_back_and_escape(
    page, live_server, client, user, album, ready_photos
):
    sign_in(page.context, live_server, client, user)
    album_url = f"{live_server.url}/albums/{album.id}/"
    page.goto(album_url)
    first, second, third, last = ready_photos
    viewer = page.locator("#viewer")
    image = page.locator("#viewer-image")

    # The grid keeps each photo's shape, all four in one row of one height.
    expect(page.locator("#photo-grid.justified")).to_be_visible()
    boxes = [page.locator(f"#photo-{p.id} img").bounding_box() for p in ready_photos]
    for photo, box in zip(ready_photos, boxes, strict=True):
        width, height = SHAPES[int(photo.original_name[6])]
        assert box["width"] / box["height"] == pytest.approx(width / height, rel=0.03)
    assert max(b["height"] for b in boxes) - min(b["height"] for b in boxes) < 2

    page.locator(f"#photo-{first.id} a").click()
    expect(viewer).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/photos/{first.id}/?album={album.id}")
    expect(page.locator("#viewer-count")).to_have_text("1 of 4")
    expect(page.locator("#viewer-title")).to_have_text(first.original_name)
    expect(image).to_have_attribute("src", _preview(first))
    expect(page.locator("#viewer-prev")).to_be_disabled()
    expect(page.locator("#viewer-download")).to_be_visible()
    _fetched(page, _preview(second))  # the next photo is preloaded before it is asked for

    page.keyboard.press("ArrowRight")
    expect(page.locator("#viewer-count")).to_have_text("2 of 4")
    expect(page).to_have_url(f"{live_server.url}/photos/{second.id}/?album={album.id}")
    expect(image).to_have_attribute("src", _preview(second))
    _fetched(page, _preview(third))
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#viewer-count")).to_have_text("1 of 4")
    page.keyboard.press("End")
    expect(page.locator("#viewer-count")).to_have_text("4 of 4")
    expect(page.locator("#viewer-next")).to_be_disabled()

    # Zoom with the button, the keyboard and the wheel; a new photo starts unzoomed.
    zoom = page.locator("#viewer-zoom")
    zoom.click()
    expect(zoom).to_have_attribute("aria-pressed", "true")
    expect(zoom).to_have_text("Zoom out")
    expect(image).to_have_attribute("style", re.compile(r"scale\(2\.5\)"))
    page.keyboard.press("0")
    expect(zoom).to_have_attribute("aria-pressed", "false")
    box = page.locator("#viewer-stage").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -400)
    expect(zoom).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Home")
    expect(page.locator("#viewer-count")).to_have_text("1 of 4")
    expect(zoom).to_have_attribute("aria-pressed", "false")

    # Focus stays inside the viewer.
    for _ in range(8):
        page.keyboard.press("Tab")
        assert page.evaluate("document.getElementById('viewer').contains(document.activeElement)")

    # Escape closes it: the grid's address again, focus back on the photo's tile.
    page.keyboard.press("Escape")
    expect(viewer).to_be_hidden()
    expect(page).to_have_url(album_url)
    page.wait_for_function(  # focus comes back as the dialog finishes closing
        "id => document.activeElement?.closest('li')?.id === id", arg=f"photo-{first.id}"
    )

    # Back closes it too (one step, however many photos were seen); Forward reopens it.
    page.locator(f"#photo-{second.id} a").click()
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(f"{live_server.url}/photos/{third.id}/?album={album.id}")
    page.go_back()
    expect(viewer).to_be_hidden()
    expect(page).to_have_url(album_url)
    page.go_forward()
    expect(viewer).to_be_visible()
    expect(page.locator("#viewer-count")).to_have_text("3 of 4")

    # The address is the photo's own page: opening it again shows it (the no-JS fallback).
    # In a tab of its own: navigating this one right after go_forward can be aborted by the
    # popstate still being handled (net::ERR_ABORTED, seen once).
    assert page.script_errors == []
    opened = page.context.new_page()
    opened.goto(page.url)
    expect(opened.locator(".photo-title")).to_have_text(third.original_name)


def _touch(cdp, kind, *points):
    cdp.send(
        "Input.dispatchTouchEvent",
        {
            "type": kind,
            "touchPoints": [{"x": x, "y": y, "id": n} for n, (x, y) in enumerate(points)],
        },
    )


def _swipe(cdp, x0, x1, y):
    _touch(cdp, "touchStart", (x0, y))
    for n in range(1, 9):
        _touch(cdp, "touchMove", (x0 + (x1 - x0) * n / 8, y))
    _touch(cdp, "touchEnd")


@pytest.fixture
def phone(browser, live_server):
    """A phone-sized context with a touch screen."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        has_touch=True,
        is_mobile=True,
        device_scale_factor=2,
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.script_errors = errors
    try:
        yield page
    finally:
        context.close()


def test_swipe_and_pinch_on_a_touch_screen(phone, live_server, client, user, album, ready_photos):
    sign_in(phone.context, live_server, client, user)
    phone.goto(f"/albums/{album.id}/")
    first, second = ready_photos[:2]
    phone.locator(f"#photo-{first.id} a").tap()
    expect(phone.locator("#viewer")).to_be_visible()
    expect(phone.locator("#viewer-count")).to_have_text("1 of 4")
    cdp = phone.context.new_cdp_session(phone)
    box = phone.locator("#viewer-stage").bounding_box()
    y = box["y"] + box["height"] / 2

    _swipe(cdp, 320, 60, y)  # right to left: the next photo
    expect(phone.locator("#viewer-count")).to_have_text("2 of 4")
    expect(phone).to_have_url(re.compile(f"/photos/{second.id}/\\?album={album.id}$"))
    _swipe(cdp, 60, 320, y)  # left to right: back to the previous one
    expect(phone.locator("#viewer-count")).to_have_text("1 of 4")
    _swipe(cdp, 200, 180, y)  # too short to count
    expect(phone.locator("#viewer-count")).to_have_text("1 of 4")

    # Two fingers apart: zoomed in; a swipe while zoomed pans instead of changing photo.
    zoom = phone.locator("#viewer-zoom")
    _touch(cdp, "touchStart", (170, y), (220, y))
    for n in range(1, 9):
        _touch(cdp, "touchMove", (170 - 12 * n, y), (220 + 12 * n, y))
    _touch(cdp, "touchEnd")
    expect(zoom).to_have_attribute("aria-pressed", "true")
    _swipe(cdp, 320, 60, y)
    expect(phone.locator("#viewer-count")).to_have_text("1 of 4")

    # A double tap zooms out again (and in once more).
    for _ in range(2):
        phone.touchscreen.tap(195, y)
    expect(zoom).to_have_attribute("aria-pressed", "false")
    for _ in range(2):
        phone.touchscreen.tap(195, y)
    expect(zoom).to_have_attribute("aria-pressed", "true")
    phone.locator("#viewer-close").tap()
    expect(phone.locator("#viewer")).to_be_hidden()
    assert phone.script_errors == []


@pytest.mark.parametrize("downloads", [True, False])
def test_a_share_page_opens_the_viewer_without_file_names(page, album, ready_photos, downloads):
    link = share_link_create(album=album, expires_in_days=None, allow_downloads=downloads)
    page.goto(f"/s/{link.token}/")
    page.locator("#shared-grid a[data-viewer-src]").first.click()
    expect(page.locator("#viewer")).to_be_visible()
    expect(page.locator("#viewer-title")).to_have_text("Photo 1")
    expect(page.locator("#viewer-download")).to_be_visible(visible=downloads)
    page.keyboard.press("ArrowRight")
    expect(page.locator("#viewer-title")).to_have_text("Photo 2")
    expect(page).to_have_url(re.compile(f"/s/{link.token}/{ready_photos[1].id}/$"))
    assert "photo-" not in page.locator("#viewer").inner_text()
    assert page.script_errors == []
