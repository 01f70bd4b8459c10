"""Revoking a link, or a moderator's decision, shows at once: nothing a share link served
may be reused by a browser or a proxy without asking the site again."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.cache import get_max_age

from albums.models import Photo
from albums.moderation import photo_moderate
from albums.services import share_link_create, share_link_revoke
from tests.support.sharing import ready_photo, shared_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(album, make_photo):
    visible = ready_photo(album, make_photo)
    link = share_link_create(album=album, expires_in_days=7, allow_downloads=False)
    return {"link": link, "visible": visible}


def reusable_for(response) -> int:
    """Seconds a cache may reuse `response` without asking (0 when it must ask)."""
    control = response.get("Cache-Control", "")
    if "no-store" in control or "no-cache" in control:
        return 0
    return get_max_age(response) or 0


def share_urls(shared):
    link, photo = shared["link"], shared["visible"]
    return {
        "album page": shared_url("shared", link),
        "photo page": shared_url("shared_photo", link, photo_id=photo.id),
        "rendition": shared_url("shared_rendition", link, photo_id=photo.id, spec="grid"),
    }


def test_nothing_a_link_serves_may_be_reused_without_asking(client, shared):
    for what, url in share_urls(shared).items():
        response = client.get(url)
        assert response.status_code == 200, what
        assert reusable_for(response) == 0, (what, response["Cache-Control"])
        assert "public" not in response["Cache-Control"], what
    for what in ("album page", "photo page"):
        assert client.get(share_urls(shared)[what])["Cache-Control"] == "no-store"


def test_a_revoked_link_stops_at_once(client, shared):
    urls = share_urls(shared)
    for url in urls.values():
        assert client.get(url).status_code == 200

    share_link_revoke(link=shared["link"])

    for what, url in urls.items():
        assert client.get(url).status_code == 404, what


def test_a_moderators_decision_stops_the_photo_at_once(client, shared, make_user):
    moderator = make_user("mod@example.com", is_staff=True)
    urls = share_urls(shared)
    album_page = client.get(urls["album page"])
    assert reusable_for(album_page) == 0

    photo_moderate(photo=shared["visible"], moderator=moderator, decision="hide")

    assert client.get(urls["photo page"]).status_code == 404
    assert client.get(urls["rendition"]).status_code == 404
    assert str(shared["visible"].id) not in client.get(urls["album page"]).content.decode()


def test_a_moderators_view_of_the_queue_is_not_kept(client, album, make_photo, make_user):
    photo = ready_photo(album, make_photo, moderation=Photo.Moderation.FLAGGED)
    url = reverse("albums:photo_rendition", kwargs={"photo_id": photo.id, "spec": "grid"})
    moderator = make_user("mod@example.com", is_staff=True)
    moderator.groups.add(Group.objects.get(name="moderators"))

    client.force_login(moderator)
    as_moderator = client.get(url)
    client.force_login(album.owner)
    as_owner = client.get(url)

    assert as_moderator.status_code == as_owner.status_code == 200
    assert reusable_for(as_moderator) == 0  # leaving the queue or the group ends it
    assert reusable_for(as_owner) == 3600  # the owner's own thumbnails may be kept
