"""An album's settings choose the order of its photos: date taken either way, or custom."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from albums.models import Album, Photo

pytestmark = pytest.mark.django_db


def _shown(client, album) -> list:
    response = client.get(reverse("albums:detail", kwargs={"album_id": album.pk}))
    return [p.original_name for p in response.context["photos"]]


def _edit(client, album, sort):
    url = reverse("albums:edit", kwargs={"album_id": album.pk})
    return client.post(url, {"title": album.title, "description": "", "sort": sort})


def test_the_settings_page_orders_the_album(owner_client, album, make_photo):
    for name, year in (("middle", 2020), ("oldest", 2010), ("newest", 2024)):
        photo = make_photo(
            album, status=Photo.Status.READY, taken_at=datetime(year, 6, 1, tzinfo=UTC)
        )
        Photo.objects.filter(pk=photo.pk).update(original_name=name)
    assert _shown(owner_client, album) == ["newest", "oldest", "middle"]  # recently added

    assert _edit(owner_client, album, "taken_asc").status_code == 302
    assert _shown(owner_client, album) == ["oldest", "middle", "newest"]
    _edit(owner_client, album, "taken_desc")
    assert _shown(owner_client, album) == ["newest", "middle", "oldest"]

    refused = _edit(owner_client, album, "by-colour")
    assert refused.status_code == 200 and "by-colour is not one of" in refused.content.decode()
    album.refresh_from_db()
    assert album.sort == Album.Sort.TAKEN_DESC
