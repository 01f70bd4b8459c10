"""Deleting in the admin (a photo, an album, an account) removes the stored files too,
as deleting on the site does: nothing of a deleted photo stays in storage."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from albums.models import Album, Photo
from tests.support.corpus import corpus_file
from tests.support.photos import stored_rendition

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user("root@example.com", is_staff=True, is_superuser=True))
    return client


def _photo_with_files(album, make_photo, name="hopper.png"):
    photo = make_photo(album, corpus_file("good", name), status=Photo.Status.READY)
    copy = default_storage.save(f"renditions/t/{photo.id.hex}-grid.png", photo.original.open())
    stored_rendition(photo, file=copy, mime="image/png")
    return photo, [photo.original.name, copy]


def _all_exist(keys) -> bool:
    return all(default_storage.exists(key) for key in keys)


def _none_exist(keys) -> bool:
    return not any(default_storage.exists(key) for key in keys)


def test_deleting_a_photo_in_the_admin_removes_its_files(
    admin_client, album, make_photo, django_capture_on_commit_callbacks
):
    photo, keys = _photo_with_files(album, make_photo)
    kept, kept_keys = _photo_with_files(album, make_photo, "hopper.webp")
    url = reverse("admin:albums_photo_delete", args=[photo.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Photo.objects.filter(pk=photo.pk).exists() and _none_exist(keys)
    assert Photo.objects.filter(pk=kept.pk).exists() and _all_exist(kept_keys)


def test_delete_selected_photos_removes_their_files_and_albums_keep_theirs(
    admin_client, album, make_album, user, make_photo, django_capture_on_commit_callbacks
):
    first, first_keys = _photo_with_files(album, make_photo)
    other = make_album(user, title="Other")
    second, second_keys = _photo_with_files(other, make_photo)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:albums_photo_changelist"),
            {"action": "delete_selected", "_selected_action": [str(first.pk)], "post": "yes"},
        )
    assert _none_exist(first_keys) and _all_exist(second_keys)

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:albums_album_changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [str(other.pk)],
                "post": "yes",
            },
        )
    # An album is a collection: deleting it leaves its photos, and their files, in the library.
    assert not Album.objects.filter(pk=other.pk).exists()
    assert Photo.objects.filter(pk=second.pk).exists() and _all_exist(second_keys)


def test_deleting_an_account_in_the_admin_removes_its_photos_files(
    admin_client,
    album,
    user,
    other_user,
    make_album,
    make_photo,
    django_capture_on_commit_callbacks,
):
    _, keys = _photo_with_files(album, make_photo)
    _, their_keys = _photo_with_files(make_album(other_user), make_photo)
    url = reverse("admin:auth_user_delete", args=[user.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Photo.objects.filter(owner_id=user.pk).exists()
    assert _none_exist(keys) and _all_exist(their_keys)
