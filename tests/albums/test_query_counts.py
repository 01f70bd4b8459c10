"""List pages run a fixed number of queries, however many photos there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from albums.models import Album, Photo, Rendition

pytestmark = pytest.mark.django_db


def _fill(album, count):
    photos = Photo.objects.bulk_create(
        Photo(
            album=album,
            owner=album.owner,
            original_name=f"p{i}.jpg",
            original=f"originals/{album.owner_id}/p{i}.jpg",
            status=Photo.Status.READY,
        )
        for i in range(count)
    )
    Rendition.objects.bulk_create(
        Rendition(
            photo=p,
            spec="grid",
            file=f"renditions/{p.pk}.webp",
            source_sha256="0" * 64,
            width=400,
            height=300,
            mime_type="image/webp",
            size=10,
        )
        for p in photos
    )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


# session, user, albums with counts and covers
ALBUM_LIST_QUERIES = 3
# session, user, album, photo count (paginator), photos, grid renditions, share links
ALBUM_PAGE_QUERIES = 7


@pytest.mark.parametrize("photos", [10, 120])
def test_album_list_query_count(owner_client, user, make_album, photos):
    for title in ("A", "B", "C"):
        _fill(make_album(user, title=title), photos)
    assert _queries(owner_client, reverse("albums:list")) == ALBUM_LIST_QUERIES


@pytest.mark.parametrize("photos", [10, 120])
def test_album_page_query_count(owner_client, album, photos, settings):
    settings.ALBUM_PAGE_SIZE = 100
    _fill(album, photos)
    url = reverse("albums:detail", kwargs={"album_id": album.id})
    assert _queries(owner_client, url) == ALBUM_PAGE_QUERIES
    assert Album.objects.count() == 1
