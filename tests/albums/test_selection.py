"""The selection bar's actions: several photos at once, only ever the user's own."""

import pytest
from django.urls import reverse

from albums.models import Album, AlbumPhoto, Photo

pytestmark = pytest.mark.django_db
URL = reverse("albums:selection")


def _post(client, action, photos=(), **fields):
    data = {"action": action, "photos": ",".join(str(p.pk) for p in photos), **fields}
    return client.post(URL, data)


def _timeline_ids(client) -> set:
    response = client.get(reverse("albums:timeline"))
    return {p.pk for day in response.context["days"] for p in day.photos}


@pytest.fixture
def three(make_photo, album):
    return [make_photo(album, status=Photo.Status.READY) for _ in range(3)]


def test_add_to_another_album_keeps_them_in_the_first(owner_client, album, make_album, three):
    second = make_album(album.owner, title="Best of")

    response = _post(owner_client, "add_to_album", three[:2], album=second.pk)

    assert response.status_code == 200
    assert response.json()["message"] == "Added 2 photos to “Best of”."
    assert set(second.photos.all()) == set(three[:2])
    assert album.photos.count() == 3
    again = _post(owner_client, "add_to_album", three, album=second.pk).json()
    assert again["message"] == "Added 1 photo to “Best of” (2 already there)."


def test_add_to_a_new_album(owner_client, user, three):
    response = _post(owner_client, "add_to_album", three, new_album="  Summer  ")

    assert response.json()["album"]["title"] == "Summer"
    assert set(Album.objects.get(owner=user, title="Summer").photos.all()) == set(three)


def test_remove_from_album_is_not_deleting(owner_client, album, three):
    response = _post(owner_client, "remove_from_album", three[:1], album=album.pk)

    assert response.json()["removed"] == [str(three[0].pk)]
    assert "stay in your library" in response.json()["message"]
    assert set(album.photos.all()) == set(three[1:])
    assert three[0].pk in _timeline_ids(owner_client)


def test_trash_then_undo(owner_client, album, three):
    trashed = _post(owner_client, "trash", three[:2]).json()

    assert trashed["message"] == "Moved 2 photos to the trash."
    assert _timeline_ids(owner_client) == {three[2].pk}
    assert trashed["undo"]["action"] == "restore"

    undo = {"photos": ",".join(trashed["undo"]["photos"]), "action": "restore"}
    assert owner_client.post(URL, undo).json()["message"] == "Restored 2 photos."
    assert _timeline_ids(owner_client) == {p.pk for p in three}
    assert album.photos.count() == 3


def test_set_cover_needs_one_photo_of_the_album(owner_client, album, three, make_photo, user):
    assert _post(owner_client, "set_cover", three[:2], album=album.pk).status_code == 400
    elsewhere = make_photo(user, status=Photo.Status.READY)  # in the library, not the album
    refused = _post(owner_client, "set_cover", [elsewhere], album=album.pk)
    assert refused.json()["error"] == "Only a photo in the album can be its cover."

    assert _post(owner_client, "set_cover", three[1:2], album=album.pk).status_code == 200
    album.refresh_from_db()
    assert album.cover == three[1]


def test_move_to_start_puts_the_album_in_a_custom_order(owner_client, album, three):
    _post(owner_client, "move_to_start", [three[2]], album=album.pk)

    album.refresh_from_db()
    assert album.sort == Album.Sort.CUSTOM
    order = AlbumPhoto.objects.filter(album=album).order_by("position")
    assert [m.photo_id for m in order] == [three[2].pk, three[0].pk, three[1].pk]


def test_remove_rejected_trashes_only_the_rejected_ones_of_the_album(
    owner_client, album, make_photo, user, three
):
    bad = [make_photo(album, status=Photo.Status.REJECTED) for _ in range(2)]
    elsewhere = make_photo(user, status=Photo.Status.REJECTED)

    response = _post(owner_client, "remove_rejected", album=album.pk)

    assert set(response.json()["removed"]) == {str(p.pk) for p in bad}
    assert set(Photo.objects.in_trash()) == set(bad)
    assert Photo.objects.get(pk=elsewhere.pk).trashed_at is None
    page = owner_client.get(reverse("albums:detail", kwargs={"album_id": album.pk}))
    assert b"rejected-note" not in page.content


def test_the_album_page_offers_to_trash_rejected_photos(owner_client, album, make_photo):
    make_photo(album, status=Photo.Status.REJECTED)
    page = owner_client.get(reverse("albums:detail", kwargs={"album_id": album.pk}))
    assert "1 photo could not be used" in page.content.decode()
    assert b'data-selection-global="remove_rejected"' in page.content


def test_another_users_photos_and_albums_are_out_of_reach(
    client, other_user, album, three, make_album
):
    client.force_login(other_user)
    theirs = make_album(other_user, title="Mine")

    assert _post(client, "trash", three).json()["message"] == "Moved 0 photos to the trash."
    assert not Photo.objects.in_trash().exists()
    assert (
        _post(client, "add_to_album", three, album=theirs.pk)
        .json()["message"]
        .startswith("Added 0 photos")
    )
    assert not theirs.photos.exists()
    assert _post(client, "remove_from_album", three, album=album.pk).status_code == 404
    assert _post(client, "set_cover", three[:1], album=album.pk).status_code == 404
    assert album.photos.count() == 3


def test_bad_requests_say_what_is_wrong(owner_client, three):
    assert _post(owner_client, "explode", three).json()["error"] == (
        "That is not something the selection can do."
    )
    assert _post(owner_client, "trash").json()["error"] == "Select some photos first."
    assert _post(owner_client, "add_to_album", three).json()["error"] == "Choose an album first."
    assert _post(owner_client, "trash", photos=[]).status_code == 400
    mangled = owner_client.post(URL, {"action": "trash", "photos": "nope,also-nope"})
    assert mangled.json()["error"] == "Select some photos first."
    assert owner_client.get(URL).status_code == 405


def test_delete_forever_only_takes_what_is_in_the_trash(owner_client, three):
    _post(owner_client, "trash", three[:1])

    response = _post(owner_client, "delete_forever", three)

    assert response.json()["message"] == "Deleted 1 photo for good."
    assert response.json()["removed"] == [str(three[0].pk)]
    assert set(Photo.objects.all()) == set(three[1:])
