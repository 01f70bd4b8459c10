"""Every album and photo URL answers 404 to anyone but the owner."""

import pytest

from albums.models import Photo
from tests.support.photos import stored_rendition
from tests.support.urls import _patterns

pytestmark = pytest.mark.django_db

ID_PARAMS = {"album_id", "photo_id"}


def _id_patterns():
    found = []
    for route, pattern in _patterns():
        params = set(pattern.pattern.converters)
        # Share-link URLs are public by design (the token is the key): tested on their own.
        if params & ID_PARAMS and "token" not in params:
            found.append((route, params))
    return found


def test_the_walk_covers_the_album_and_photo_urls():
    routes = [route for route, _ in _id_patterns()]
    # A sanity floor: if URLs are added, they are walked automatically.
    assert len(routes) >= 14, routes


@pytest.fixture
def owned(album, make_photo):
    photo = make_photo(album, status=Photo.Status.FAILED, status_reason="boom")
    stored_rendition(photo)
    from albums.services import share_link_create

    link = share_link_create(album=album, expires_in_days=None, allow_downloads=False)
    return {
        "album_id": album.id, "photo_id": photo.id, "spec": "grid", "link_id": link.id,
        "number": 1,  # a part of a resumable upload
    }  # fmt: skip


def _fill(route: str, values: dict) -> str:
    url = "/" + route
    for name, value in values.items():
        for converter in ("uuid", "slug", "str", "int"):
            url = url.replace(f"<{converter}:{name}>", str(value))
    return url


def test_other_users_get_404_on_every_id_url(client, other_user, owned):
    client.force_login(other_user)
    for route, _ in _id_patterns():
        url = _fill(route, owned)
        codes = {client.get(url).status_code, client.post(url).status_code}
        # 405 only for a method the URL never takes; its own method must answer 404.
        assert codes <= {404, 405} and 404 in codes, f"{url}: {codes}"


def test_owner_reaches_the_same_urls(owner_client, owned):
    for route, _ in _id_patterns():
        url = _fill(route, owned)
        response = owner_client.get(url)
        assert response.status_code in (200, 302, 405), f"GET {url}: {response.status_code}"


def test_anonymous_visitors_are_asked_to_sign_in(client, owned):
    for route, _ in _id_patterns():
        response = client.get(_fill(route, owned))
        assert response.status_code in (302, 405)
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"]


def test_every_form_carries_a_csrf_token(owner_client, owned):
    from django.urls import reverse

    for url in (
        reverse("albums:list"),
        reverse("albums:edit", kwargs={"album_id": owned["album_id"]}),
        reverse("albums:delete", kwargs={"album_id": owned["album_id"]}),
        reverse("albums:photo", kwargs={"photo_id": owned["photo_id"]}),
    ):
        html = owner_client.get(url).content.decode()
        assert html.count("<form") == html.count("csrfmiddlewaretoken"), url


def test_csrf_is_enforced(owned, user):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    response = strict.post("/albums/", {"title": "sneaky"})
    assert response.status_code == 403
