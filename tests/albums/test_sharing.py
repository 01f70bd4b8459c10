"""Share links: renditions and titles only, never flagged photos, revocable, expiring."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from albums.models import Photo, ShareLink
from albums.services import share_link_create, share_link_revoke
from tests.support.sharing import ready_photo, shared_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(album, make_photo):
    visible = ready_photo(album, make_photo)
    flagged = ready_photo(album, make_photo, moderation=Photo.Moderation.FLAGGED)
    hidden = ready_photo(album, make_photo, moderation=Photo.Moderation.HIDDEN)
    queued = make_photo(album, status=Photo.Status.QUEUED)
    link = share_link_create(album=album, expires_in_days=7, allow_downloads=False)
    return {
        "link": link,
        "visible": visible,
        "flagged": flagged,
        "hidden": hidden,
        "queued": queued,
    }


def test_owner_creates_a_link_from_the_album_page(owner_client, album):
    response = owner_client.post(
        reverse("albums:share_create", kwargs={"album_id": album.id}), {"expires_in_days": "3"}
    )
    assert response.status_code == 302 and response["Location"].endswith("#share")
    link = ShareLink.objects.get(album=album)
    assert len(link.token) >= 40 and not link.allow_downloads
    assert timedelta(days=2.9) < link.expires_at - timezone.now() <= timedelta(days=3)
    page = owner_client.get(reverse("albums:detail", kwargs={"album_id": album.id}))
    assert shared_url("shared", link) in page.content.decode()


def test_visitor_sees_only_ready_visible_photos_and_no_metadata(client, shared):
    html = client.get(shared_url("shared", shared["link"])).content.decode()
    assert html.count('class="photo-tile"') == 1
    assert str(shared["visible"].id) in html
    for key in ("flagged", "hidden", "queued"):
        assert str(shared[key].id) not in html
    assert shared["visible"].original_name not in html  # no file names
    assert "COOLPIX" not in html and "43.46" not in html  # no EXIF, no GPS
    assert "Download original" not in html


def test_visitor_gets_renditions_but_not_originals(client, shared):
    link, photo = shared["link"], shared["visible"]
    response = client.get(shared_url("shared_rendition", link, photo_id=photo.id, spec="grid"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Referrer-Policy"] == "no-referrer"
    assert client.get(shared_url("shared_original", link, photo_id=photo.id)).status_code == 404
    assert client.get(reverse("albums:photo", kwargs={"photo_id": photo.id})).status_code == 302


def test_visitor_opens_a_photo_and_steps_through_only_what_is_shown(client, album, make_photo):
    last = ready_photo(album, make_photo)  # the album lists newest first: this one comes last
    ready_photo(album, make_photo, moderation=Photo.Moderation.FLAGGED)  # between the two
    first = ready_photo(album, make_photo)
    link = share_link_create(album=album, expires_in_days=None, allow_downloads=False)

    album_page = client.get(shared_url("shared", link)).content.decode()
    assert f'href="{shared_url("shared_photo", link, photo_id=first.id)}"' in album_page
    response = client.get(shared_url("shared_photo", link, photo_id=first.id))
    assert response.status_code == 200 and response["Referrer-Policy"] == "no-referrer"
    html = response.content.decode()
    preview = shared_url("shared_rendition", link, photo_id=first.id, spec="preview")
    assert f'src="{preview}"' in html
    assert f'href="{shared_url("shared_photo", link, photo_id=last.id)}" rel="next"' in html
    assert 'rel="prev"' not in html and "Download original" not in html
    for private in (first.original_name, "COOLPIX", "43.46", "/photos/"):
        assert private not in html
    back = client.get(shared_url("shared_photo", link, photo_id=last.id)).content.decode()
    assert f'href="{shared_url("shared_photo", link, photo_id=first.id)}" rel="prev"' in back


@pytest.mark.parametrize("key", ["flagged", "hidden", "queued"])
@pytest.mark.parametrize("view", ["shared_photo", "shared_rendition"])
def test_flagged_hidden_and_unfinished_photos_are_404_even_by_id(client, shared, key, view):
    extra = {"spec": "grid"} if view == "shared_rendition" else {}
    url = shared_url(view, shared["link"], photo_id=shared[key].id, **extra)
    assert client.get(url).status_code == 404


def test_a_link_only_opens_its_own_album(client, shared, make_album, user, make_photo):
    elsewhere = ready_photo(make_album(user, title="Private"), make_photo)
    url = shared_url("shared_rendition", shared["link"], photo_id=elsewhere.id, spec="grid")
    assert client.get(url).status_code == 404


def test_downloads_when_the_owner_allowed_them(client, album, make_photo):
    photo = ready_photo(album, make_photo)
    link = share_link_create(album=album, expires_in_days=None, allow_downloads=True)
    response = client.get(shared_url("shared_original", link, photo_id=photo.id))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert photo.original_name not in response["Content-Disposition"]


def test_revoked_and_expired_links_are_404(client, shared, album):
    link = shared["link"]
    share_link_revoke(link=link)
    assert client.get(shared_url("shared", link)).status_code == 404
    old = share_link_create(album=album, expires_in_days=1, allow_downloads=False)
    ShareLink.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(shared_url("shared", old)).status_code == 404
    photo = shared["visible"]
    for dead in (link, old):
        assert client.get(shared_url("shared_photo", dead, photo_id=photo.id)).status_code == 404
        url = shared_url("shared_rendition", dead, photo_id=photo.id, spec="grid")
        assert client.get(url).status_code == 404
    assert client.get("/s/not-a-real-token/").status_code == 404


def test_only_the_owner_can_revoke(client, other_user, shared, album):
    client.force_login(other_user)
    url = reverse(
        "albums:share_revoke", kwargs={"album_id": album.id, "link_id": shared["link"].id}
    )
    assert client.post(url).status_code == 404
    shared["link"].refresh_from_db()
    assert shared["link"].is_active
