"""Pages run a fixed number of queries, however many photos there are: the owner's album list,
album page, photo page and search, and a share link's album and photo pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from albums.models import Album, Label, Photo, PhotoLabel
from albums.services import share_link_create
from tests.support.photos import add_to_album, bulk_renditions

pytestmark = pytest.mark.django_db


def _fill(album, count, *, labels=()) -> list[Photo]:
    """`count` ready photos with a grid and a preview rendition, each with `labels`."""
    photos = Photo.objects.bulk_create(
        Photo(
            owner=album.owner,
            original_name=f"p{i}.jpg",
            original=f"originals/{album.owner_id}/p{i}.jpg",
            status=Photo.Status.READY,
        )
        for i in range(count)
    )
    add_to_album(album, photos)
    bulk_renditions(photos, ("grid", "preview"))
    for name in labels:
        label, _ = Label.objects.get_or_create(name=name)
        PhotoLabel.objects.bulk_create(
            PhotoLabel.for_photo(p, label=label, confidence=90, source="test") for p in photos
        )
    return photos


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


# session, user, albums with counts and covers
ALBUM_LIST_QUERIES = 3
# session, user, album, photo count (paginator), photos, grid renditions, share links,
# rejected count ("move them to the trash"), the albums the selection bar can add to
ALBUM_PAGE_QUERIES = 9


@pytest.mark.parametrize("photos", [10, 120])
def test_album_list_query_count(owner_client, user, make_album, photos):
    for title in ("A", "B", "C"):
        _fill(make_album(user, title=title), photos)
    assert _queries(owner_client, reverse("albums:list")) == ALBUM_LIST_QUERIES


@pytest.mark.parametrize("photos", [10, 500])
def test_album_page_query_count(owner_client, album, photos, settings):
    settings.ALBUM_PAGE_SIZE = 100
    _fill(album, photos)
    url = reverse("albums:detail", kwargs={"album_id": album.id})
    assert _queries(owner_client, url) == ALBUM_PAGE_QUERIES
    assert Album.objects.count() == 1


# session, user, the photo (with its owner), previous and next on the timeline, its
# renditions, its labels, its pipeline steps, the albums it is in
PHOTO_PAGE_QUERIES = 9
# Opened from an album (?album=): that album, and the photo's place in its order, besides
PHOTO_IN_ALBUM_QUERIES = PHOTO_PAGE_QUERIES + 2
# session, user, album choices, the label ids of "dog" and of "beach", the matching ids up
# to the cap (one read serves the count and the page), those photos, their grid renditions,
# the albums the selection bar can add to
SEARCH_QUERIES = 9
# the link (with its album), photo count (paginator), photos, their grid renditions
SHARED_ALBUM_QUERIES = 4
# the link (with its album), the photo, its place in the album's order, previous and next
# among what the link shows, the preview rendition
SHARED_PHOTO_QUERIES = 6

COUNTS = [10, 500]


@pytest.mark.parametrize("photos", COUNTS)
def test_photo_page_query_count(owner_client, album, photos, django_assert_num_queries):
    filled = _fill(album, photos, labels=["Dog", "Beach"])
    url = reverse("albums:photo", kwargs={"photo_id": filled[photos // 2].id})
    with django_assert_num_queries(PHOTO_PAGE_QUERIES):
        assert owner_client.get(url).status_code == 200
    with django_assert_num_queries(PHOTO_IN_ALBUM_QUERIES):
        response = owner_client.get(url, {"album": str(album.id)})
    assert response.context["previous"] and response.context["next"]


@pytest.mark.parametrize("photos", COUNTS)
def test_search_query_count(owner_client, album, photos, settings, django_assert_num_queries):
    settings.ALBUM_PAGE_SIZE = 100
    _fill(album, photos, labels=["Dog", "Beach"])
    with django_assert_num_queries(SEARCH_QUERIES):
        response = owner_client.get(reverse("albums:search"), {"q": "dog beach"})
    assert response.status_code == 200
    assert len(response.context["photos"]) == min(photos, 100)


@pytest.mark.parametrize("photos", COUNTS)
def test_shared_album_page_query_count(client, album, photos, settings, django_assert_num_queries):
    settings.ALBUM_PAGE_SIZE = 100
    _fill(album, photos)
    link = share_link_create(album=album, expires_in_days=7, allow_downloads=False)
    with django_assert_num_queries(SHARED_ALBUM_QUERIES):
        response = client.get(reverse("albums:shared", kwargs={"token": link.token}))
    assert response.status_code == 200
    assert len(response.context["photos"]) == min(photos, 100)


@pytest.mark.parametrize("photos", COUNTS)
def test_shared_photo_page_query_count(client, album, photos, django_assert_num_queries):
    filled = _fill(album, photos)
    link = share_link_create(album=album, expires_in_days=7, allow_downloads=False)
    url = reverse(
        "albums:shared_photo", kwargs={"token": link.token, "photo_id": filled[photos // 2].id}
    )
    with django_assert_num_queries(SHARED_PHOTO_QUERIES):
        assert client.get(url).status_code == 200
