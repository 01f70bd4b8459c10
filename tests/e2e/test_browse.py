"""Browsing in a real browser: live status, the photo page, labels to search, arrow keys."""

import re

import pytest
from playwright.sync_api import expect

from albums.models import Photo
from tests.support.corpus import corpus_file

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, client, user):
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_status_turns_ready_without_a_reload_then_browse(
    page, live_server, client, user, album, worker
):
    from processing import tasks  # noqa: F401  (declares the pipeline's queues)

    sign_in(page, live_server, client, user)
    page.goto(f"/albums/{album.id}/")
    page.evaluate("window.__no_reload = true")  # gone if the page reloads
    files = [corpus_file("good", n) for n in ("gps_DSCN0010.jpg", "Canon_40D.jpg", "hopper.png")]
    page.set_input_files("#file-input", [str(f) for f in files])

    tiles = page.locator("#photo-grid .photo-tile")
    expect(tiles).to_have_count(3)
    # htmx polls the grid while photos are in progress: all three reach Ready in place.
    expect(page.locator("#photo-grid .photo-tile[data-status=ready]")).to_have_count(
        3, timeout=60_000
    )
    assert page.evaluate("window.__no_reload") is True
    # ...and stops polling once everything is settled.
    expect(page.locator("#photo-grid-wrap")).not_to_have_attribute("hx-trigger", re.compile("."))
    # The upload rows show the final state too.
    expect(page.locator("#upload-list .upload-ready")).to_have_count(3)

    # Open the GPS photo: preview, metadata, labels.
    from albums.selectors import album_photos, photo_neighbours

    first = Photo.objects.get(albums=album, original_name="gps_DSCN0010.jpg")
    previous, following = photo_neighbours(photo=first, photos=album_photos(album=album))
    page.locator(f"#photo-{first.id} a").click()  # the viewer; its Details link: the page
    page.locator("#viewer-details").click()
    expect(page.locator(".photo-title")).to_have_text(first.original_name)
    expect(page.locator(".photo-preview img")).to_be_visible()
    expect(page.locator(".meta-list")).to_contain_text("COOLPIX P6000")

    # Arrow keys move through the album, in the album's order.
    key, neighbour = ("ArrowRight", following) if following else ("ArrowLeft", previous)
    back = "ArrowLeft" if key == "ArrowRight" else "ArrowRight"
    page.wait_for_load_state("load")  # photo.js (deferred) listens for the keys from then on
    page.keyboard.press(key)
    expect(page.locator(".photo-title")).to_have_text(neighbour.original_name)
    page.wait_for_load_state("load")
    page.keyboard.press(back)
    expect(page.locator(".photo-title")).to_have_text(first.original_name)

    # A label link leads to a search that finds this photo.
    label = page.locator(".labels a").first
    name = label.inner_text()
    label.click()
    expect(page).to_have_url(re.compile(r"/search/\?q="))
    expect(page.locator("#id_q")).to_have_value(name)
    expect(page.locator(f"#search-results #photo-{first.id}")).to_be_visible()
    assert page.script_errors == []
