"""Share links in a real browser: copy one with a click, revoke only after saying yes,
and the visitor's view: album, photo page, arrow keys."""

import re

import pytest
from playwright.sync_api import expect

from albums.models import Photo, ShareLink
from albums.services import share_link_create
from tests.support.photos import stored_rendition

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, client, user):
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_copy_and_revoke_a_link_from_the_album_page(page, live_server, client, user, album):
    link = share_link_create(album=album, expires_in_days=None, allow_downloads=False)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    sign_in(page, live_server, client, user)
    page.goto(f"/albums/{album.id}/")

    copy = page.locator("button[data-copy]")
    copy.click()
    expect(copy).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()").endswith(f"/s/{link.token}/")

    page.once("dialog", lambda dialog: dialog.dismiss())  # "Revoke this link?" — no
    page.get_by_role("button", name="Revoke").click()
    page.wait_for_timeout(300)
    assert ShareLink.objects.get(pk=link.pk).is_active

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke").click()
    expect(page).to_have_url(re.compile(r"#share$"))
    expect(page.locator(".messages")).to_contain_text("Share link revoked")
    assert not ShareLink.objects.get(pk=link.pk).is_active
    assert page.script_errors == []


def test_a_visitor_steps_through_shared_photos_with_the_arrow_keys(
    page, live_server, album, make_photo
):
    photos = [make_photo(album, status=Photo.Status.READY) for _ in range(3)]
    for photo in photos:
        for spec in ("grid", "preview"):
            stored_rendition(photo, spec, mime="image/jpeg")
    link = share_link_create(album=album, expires_in_days=None, allow_downloads=False)
    newest, middle, oldest = reversed(photos)

    # The shared photo's own page (what the viewer's address opens, and the grid without
    # JavaScript): arrow keys step through the album too.
    page.goto(f"/s/{link.token}/{newest.id}/")
    expect(page.locator(".photo-preview img")).to_be_visible()
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile(f"/s/{link.token}/{middle.id}/$"))
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile(f"/s/{link.token}/{oldest.id}/$"))
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(re.compile(f"/s/{link.token}/{middle.id}/$"))
    assert page.script_errors == []
