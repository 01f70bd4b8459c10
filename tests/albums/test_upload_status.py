"""The upload list's status URL: each watched photo's state, on any page of the album."""

import uuid

import pytest
from django.urls import reverse

from albums.models import Photo

pytestmark = pytest.mark.django_db


def _status(client, album, *ids):
    url = reverse("albums:upload_status", kwargs={"album_id": album.id})
    response = client.get(url, {"ids": ",".join(map(str, ids))})
    assert response.status_code == 200
    return {row["id"]: row for row in response.json()["photos"]}


def test_each_photo_says_its_state_and_reason_wherever_it_is_paged(
    owner_client, album, make_photo, settings
):
    settings.ALBUM_PAGE_SIZE = 2
    rejected = make_photo(album, status=Photo.Status.REJECTED)
    Photo.objects.filter(pk=rejected.pk).update(status_reason="The file is not an image.")
    queued = make_photo(album)
    for _ in range(3):  # newer uploads push the first two off page one
        make_photo(album, status=Photo.Status.READY)

    rows = _status(owner_client, album, rejected.id, queued.id, "not-a-uuid", uuid.uuid4())

    assert set(rows) == {str(rejected.id), str(queued.id)}
    assert rows[str(rejected.id)] | {"url": None} == {
        "id": str(rejected.id),
        "status": "rejected",
        "status_label": "Rejected",
        "reason": "The file is not an image.",
        "settled": True,
        "duplicate": False,
        "url": None,
    }
    assert rows[str(queued.id)]["status"] == "queued" and not rows[str(queued.id)]["settled"]


def test_photos_of_other_albums_or_people_are_never_reported(
    owner_client, album, make_album, user, other_user, make_photo
):
    mine_elsewhere = make_photo(make_album(user, title="Other"))
    theirs = make_photo(make_album(other_user))
    assert _status(owner_client, album, mine_elsewhere.id, theirs.id) == {}


def test_the_album_page_tells_the_script_where_to_ask(owner_client, album):
    html = owner_client.get(reverse("albums:detail", kwargs={"album_id": album.id})).content
    url = reverse("albums:upload_status", kwargs={"album_id": album.id})
    assert f'data-status-url="{url}"' in html.decode()


def test_a_duplicate_says_so(owner_client, album, make_photo):
    first = make_photo(album, status=Photo.Status.READY)
    copy = make_photo(album, status=Photo.Status.READY, duplicate_of=first)
    rows = _status(owner_client, album, first.id, copy.id)
    assert rows[str(copy.id)]["duplicate"] and not rows[str(first.id)]["duplicate"]
