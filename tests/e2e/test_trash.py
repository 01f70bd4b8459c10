"""The trash in a real browser: a photo moved to the trash from its page waits on /trash/,
Restore puts it back on /photos/, and Empty trash asks before it deletes anything.
Screenshots at 1280 and 390 px wide (tests/e2e/screens.py) for people to look at."""

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from albums.models import Photo
from albums.services import photos_trash
from tests.e2e.screens import WIDTHS, _context, _shot
from tests.support.browser import sign_in
from tests.support.photos import drawn_rendition

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHAPES = [(1600, 1000), (900, 1600), (1200, 1200), (1600, 700), (1000, 1500)]
COLOURS = ["#2f5d8a", "#8a2f5d", "#5d8a2f", "#8a5d2f", "#5d2f8a"]


def _photo(user, name, n):
    photo = Photo.objects.create(
        owner=user,
        original_name=name,
        status=Photo.Status.READY,
        taken_at=datetime(2024, 5, 1 + n, 12, tzinfo=UTC),
        taken_at_offset="+00:00",
    )
    size = SHAPES[n % len(SHAPES)]
    scale = 400 / max(size)
    drawn_rendition(photo, "grid", (round(size[0] * scale), round(size[1] * scale)), COLOURS[n % 5])
    drawn_rendition(photo, "preview", size, COLOURS[n % 5])
    return photo


def test_delete_restore_and_empty_the_trash(page, live_server, client, user):
    kept = _photo(user, "kept.jpg", 0)
    doomed = _photo(user, "beach.jpg", 1)
    sign_in(page.context, live_server, client, user)

    # Deleted from its own page: it leaves the timeline and waits in the trash.
    page.goto(f"{live_server.url}/photos/{doomed.id}/")
    page.get_by_role("link", name="Move to trash").click()
    page.get_by_role("button", name="Move to trash").click()
    expect(page.locator(".message")).to_have_text("“beach.jpg” moved to the trash.")
    expect(page.locator("#timeline .photo-tile")).to_have_count(1)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Trash").click()
    expect(page).to_have_url(f"{live_server.url}/trash/")
    tile = page.locator(f"#photo-{doomed.id}")
    expect(tile.locator(".trash-name")).to_have_text("beach.jpg")
    expect(tile.locator(".trash-deletes")).to_contain_text("Deletes on")
    # The thumbnail loads for its owner (the grid rendition of a 900 x 1600 photo).
    expect(tile.locator("img")).to_have_js_property("naturalWidth", 225)

    # Restore: back on the Photos page.
    tile.get_by_role("button", name="Restore beach.jpg").click()
    expect(page.locator(".message")).to_have_text("“beach.jpg” restored to your library.")
    expect(page.locator("#trash-empty")).to_contain_text("The trash is empty")
    page.goto(f"{live_server.url}/photos/")
    expect(page.locator("#timeline .photo-tile")).to_have_count(2)
    expect(page.locator(f"#photo-{doomed.id}")).to_be_visible()

    # Empty trash asks first; Cancel keeps everything, the confirmation deletes.
    photos_trash(photos=Photo.objects.filter(pk=doomed.pk))
    page.goto(f"{live_server.url}/trash/")
    page.get_by_role("link", name="Empty trash").click()
    expect(page).to_have_url(f"{live_server.url}/trash/empty/")
    expect(page.locator("h1")).to_have_text("Empty the trash?")
    assert Photo.objects.filter(pk=doomed.pk).exists(), "asking deletes nothing"
    page.get_by_role("link", name="Cancel").click()
    expect(page.locator(f"#photo-{doomed.id}")).to_be_visible()
    page.get_by_role("link", name="Empty trash").click()
    page.get_by_role("button", name="Delete 1 photo forever").click()
    expect(page.locator(".message")).to_have_text("1 photo deleted for good.")
    expect(page.locator("#trash-empty")).to_be_visible()
    assert list(Photo.objects.all()) == [kept]
    assert page.script_errors == []


def test_delete_forever_on_one_photo_asks_first(page, live_server, client, user):
    doomed = _photo(user, "beach.jpg", 1)
    photos_trash(photos=Photo.objects.filter(pk=doomed.pk))
    sign_in(page.context, live_server, client, user)
    page.goto(f"{live_server.url}/trash/")
    asked = []

    def answer(dialog, accept):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    page.get_by_role("button", name="Delete beach.jpg forever").click()
    expect(page.locator(f"#photo-{doomed.id}")).to_be_visible()
    assert asked == ["Delete “beach.jpg” for good? This cannot be undone."]
    assert Photo.objects.filter(pk=doomed.pk).exists(), "Cancel deletes nothing"

    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    page.get_by_role("button", name="Delete beach.jpg forever").click()
    expect(page.locator(".message")).to_have_text("“beach.jpg” deleted for good.")
    assert len(asked) == 2
    assert not Photo.objects.filter(pk=doomed.pk).exists()
    assert page.script_errors == []


@pytest.mark.parametrize("width", list(WIDTHS))
def test_screenshots(browser, live_server, client, user, width):
    names = ["harbour.jpg", "a-rather-long-file-name-from-a-phone-IMG_20240501_121314.jpg"]
    names += [f"trip-{n}.jpg" for n in range(5)]
    photos = [_photo(user, name, n) for n, name in enumerate(names)]
    photos_trash(photos=Photo.objects.filter(pk__in=[p.pk for p in photos]))
    context = _context(browser, live_server, client, user, width)
    page = context.new_page()
    page.goto("/trash/")
    page.wait_for_function("() => [...document.images].every(i => i.complete)")
    _shot(page, "trash", width, full_page=True)
    page.get_by_role("link", name="Empty trash").click()
    _shot(page, "trash-empty-confirm", width)
    page.get_by_role("button", name=f"Delete {len(photos)} photos forever").click()
    expect(page.locator("#trash-empty")).to_be_visible()
    _shot(page, "trash-emptied", width)
    context.close()
