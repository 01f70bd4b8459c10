"""Selecting photos in a real browser: Shift+click ranges, the keyboard, a long press on a
touch screen; the bar moves them to the trash (with Undo) and adds them to an album."""

import pytest
from playwright.sync_api import expect

from albums.models import Album, Photo
from tests.support.browser import SCREENS, sign_in
from tests.support.photos import add_to_album

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _timeline(page, live_server, client, user, settings):
    settings.ALBUM_PAGE_SIZE = 100
    sign_in(page.context, live_server, client, user)
    page.goto(f"{live_server.url}/photos/")
    tiles = page.locator("#timeline .photo-tile")
    expect(tiles.first.locator(".tile-check")).to_be_attached()
    return tiles


def test_shift_click_a_range_trash_it_and_undo(page, live_server, client, user, library, settings):
    tiles = _timeline(page, live_server, client, user, settings)
    bar = page.locator("#selection-bar")
    expect(bar).to_be_hidden()

    tiles.nth(1).hover()
    tiles.nth(1).locator(".tile-check").click()
    expect(bar).to_be_visible()
    tiles.nth(5).click(modifiers=["Shift"])  # in selection mode a click selects, not opens
    expect(page.locator("#selection-count")).to_have_text("5 selected")
    expect(page.locator("#viewer")).not_to_be_visible()
    chosen = [tiles.nth(i).get_attribute("data-photo-id") for i in range(1, 6)]

    bar.get_by_role("button", name="Move to trash").click()
    toast = page.locator("#selection-toast")
    expect(toast).to_contain_text("Moved 5 photos to the trash.")
    expect(page.locator("#timeline .photo-tile:visible")).to_have_count(len(library) - 5)
    expect(bar).to_be_hidden()
    trashed = Photo.objects.in_trash()
    assert sorted(str(p.pk) for p in trashed) == sorted(chosen)

    toast.get_by_role("button", name="Undo").click()
    expect(toast).to_contain_text("Restored 5 photos.")
    expect(page.locator("#timeline .photo-tile:visible")).to_have_count(len(library))
    assert not Photo.objects.in_trash().exists()

    # Escape clears a selection; a plain click then opens the photo again.
    tiles.nth(0).locator(".tile-check").click()
    page.keyboard.press("Escape")
    expect(bar).to_be_hidden()
    tiles.nth(0).locator("a").click()
    expect(page.locator("#viewer")).to_be_visible()
    assert page.script_errors == []


def test_keyboard_selection_adds_to_a_new_album(
    page, live_server, client, user, library, settings, album
):
    add_to_album(album, library[:6])
    settings.ALBUM_PAGE_SIZE = 100
    sign_in(page.context, live_server, client, user)
    page.goto(f"{live_server.url}/albums/{album.id}/")
    tiles = page.locator("#photo-grid .photo-tile")
    expect(tiles.first.locator(".tile-check")).to_be_attached()

    tiles.nth(1).locator("a").focus()
    page.keyboard.press("Space")
    tiles.nth(3).locator("a").focus()
    page.keyboard.press("Shift+Space")
    expect(page.locator("#selection-count")).to_have_text("3 selected")
    chosen = {tiles.nth(i).get_attribute("data-photo-id") for i in (1, 2, 3)}

    page.get_by_role("button", name="Add to album").click()
    dialog = page.locator("#add-to-album-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Album", exact=True).select_option(label="A new album…")
    dialog.get_by_label("Title of the new album").fill("Best of <2024>")
    dialog.get_by_role("button", name="Add").click()
    expect(page.locator("#selection-toast")).to_contain_text("Added 3 photos to “Best of <2024>”.")

    best = Album.objects.get(title="Best of <2024>")
    assert {str(p.pk) for p in best.photos.all()} == chosen
    assert album.photos.count() == 6  # still in the first album too
    page.goto(f"{live_server.url}/albums/")
    expect(page.get_by_text("Best of <2024>")).to_be_visible()  # escaped, shown as typed

    # Set as cover, from the album's own page.
    page.goto(f"{live_server.url}/albums/{album.id}/")
    tiles.nth(4).locator(".tile-check").click()
    page.get_by_role("button", name="Set as cover").click()
    expect(page.locator("#selection-toast")).to_contain_text("is now the cover")
    album.refresh_from_db()
    assert str(album.cover_id) == tiles.nth(4).get_attribute("data-photo-id")
    assert page.script_errors == []


def test_long_press_selects_on_a_touch_screen(
    browser, live_server, client, user, library, settings
):
    settings.ALBUM_PAGE_SIZE = 100
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, has_touch=True
    )
    sign_in(context, live_server, client, user)
    page = context.new_page()
    page.goto(f"{live_server.url}/photos/")
    tiles = page.locator("#timeline .photo-tile")
    expect(tiles.first.locator(".tile-check")).to_be_attached()
    cdp = context.new_cdp_session(page)

    box = tiles.nth(2).bounding_box()
    point = {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [point]})
    expect(tiles.nth(2)).to_have_class("photo-tile selected")  # held until it selects
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    expect(page.locator("#viewer")).not_to_be_visible()

    tiles.nth(4).tap()  # once selecting, a tap adds to the selection
    expect(page.locator("#selection-count")).to_have_text("2 selected")
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENS / "selection-390.png")
    context.close()


def test_selection_screenshot_at_desktop_width(page, live_server, client, user, library, settings):
    page.set_viewport_size({"width": 1280, "height": 860})
    tiles = _timeline(page, live_server, client, user, settings)
    tiles.nth(0).locator(".tile-check").click()
    tiles.nth(3).click(modifiers=["Shift"])
    page.get_by_role("button", name="Add to album").click()
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENS / "selection-dialog-1280.png")
    page.keyboard.press("Escape")
    page.screenshot(path=SCREENS / "selection-1280.png")


def test_restore_and_delete_forever_a_selection_in_the_trash(
    page, live_server, client, user, library, settings
):
    tiles = _timeline(page, live_server, client, user, settings)
    tiles.nth(0).locator(".tile-check").click()
    tiles.nth(3).click(modifiers=["Shift"])
    page.locator("#selection-bar").get_by_role("button", name="Move to trash").click()
    expect(page.locator("#selection-toast")).to_contain_text("Moved 4 photos to the trash.")

    page.goto(f"{live_server.url}/trash/")
    trash = page.locator("#trash .photo-tile")
    expect(trash).to_have_count(4)
    trash.nth(0).hover()
    trash.nth(0).locator(".tile-check").click()
    trash.nth(1).locator(".trash-image").click()  # selecting: a click on the photo selects it
    bar = page.locator("#selection-bar")
    bar.get_by_role("button", name="Restore").click()
    expect(page.locator("#selection-toast")).to_contain_text("Restored 2 photos.")
    expect(page.locator("#trash .photo-tile:visible")).to_have_count(2)

    page.locator("#trash .photo-tile:visible .tile-check").first.click()
    page.once("dialog", lambda dialog: dialog.accept())
    bar.get_by_role("button", name="Delete forever").click()
    expect(page.locator("#selection-toast")).to_contain_text("Deleted 1 photo for good.")
    assert Photo.objects.in_trash().count() == 1
    assert Photo.objects.count() == len(library) - 1
    assert page.script_errors == []
