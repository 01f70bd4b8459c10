"""Albums as their owner sees them: create, rename, describe, delete, list with covers."""

import pytest
from django.urls import reverse

from albums.models import Album, Photo, Rendition
from albums.services import trash_empty

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("albums:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_home_page_invites_sign_up(client):
    response = client.get("/")
    assert response.status_code == 200
    assert reverse("account_signup") in response.content.decode()


def test_create_album_and_see_it_listed(owner_client, user):
    response = owner_client.post(
        reverse("albums:list"), {"title": "  Summer 2026 ", "description": "Beach days"}
    )
    album = Album.objects.get(owner=user)
    assert response.status_code == 302
    assert response["Location"] == reverse("albums:detail", kwargs={"album_id": album.id})
    assert album.title == "Summer 2026"
    page = owner_client.get(reverse("albums:list")).content.decode()
    assert "Summer 2026" in page
    assert "0 photos" in page


def test_blank_title_is_refused_with_a_message(owner_client, user):
    response = owner_client.post(reverse("albums:list"), {"title": "   "})
    assert response.status_code == 200
    assert "Give the album a title." in response.content.decode()
    assert not Album.objects.filter(owner=user).exists()


def test_rename_and_describe(owner_client, album):
    url = reverse("albums:edit", kwargs={"album_id": album.id})
    response = owner_client.post(url, {"title": "Renamed", "description": "Now with words"})
    assert response.status_code == 302
    album.refresh_from_db()
    assert (album.title, album.description) == ("Renamed", "Now with words")


def test_album_titles_are_escaped(owner_client, make_album, user):
    make_album(user, title="<script>alert(1)</script>")
    page = owner_client.get(reverse("albums:list")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_delete_asks_for_confirmation_first(owner_client, album, make_photo):
    make_photo(album)
    url = reverse("albums:delete", kwargs={"album_id": album.id})
    page = owner_client.get(url)
    assert page.status_code == 200
    assert "1 photo" in page.content.decode()
    assert Album.objects.filter(pk=album.pk).exists()


def test_deleting_an_album_keeps_its_photos_and_emptying_the_trash_removes_their_files(
    owner_client, album, make_photo, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    photo = make_photo(album)
    key = photo.original.name
    Rendition.objects.create(
        photo=photo,
        spec="grid",
        file=default_storage.save("renditions/x/grid.webp", open(default_storage.path(key), "rb")),
        source_sha256="0" * 64,
        width=1,
        height=1,
        mime_type="image/webp",
        size=1,
    )
    rendition_key = photo.renditions.get().file.name
    owner_client.post(reverse("albums:delete", kwargs={"album_id": album.id}))
    photo.refresh_from_db()
    assert not Album.objects.filter(pk=album.pk).exists() and photo.trashed_at is None

    owner_client.post(
        reverse("albums:photo_delete", kwargs={"photo_id": photo.id})
    )  # to the trash: the files stay, restorable
    assert Photo.objects.in_trash().filter(pk=photo.pk).exists() and default_storage.exists(key)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        trash_empty(user=photo.owner)
        assert default_storage.exists(key), "files must stay until the delete commits"
    assert not Photo.objects.filter(pk=photo.pk).exists()
    for callback in callbacks:
        callback()
    assert not default_storage.exists(key)
    assert not default_storage.exists(rendition_key)


def test_album_page_shows_each_photo_with_its_status(owner_client, album, make_photo):
    make_photo(album, status=Photo.Status.QUEUED)
    make_photo(
        album,
        status=Photo.Status.REJECTED,
        status_reason="This file is not an image we can read (it looks like HTML)",
    )
    make_photo(album, status=Photo.Status.UPLOADING)  # not confirmed: not shown
    page = owner_client.get(reverse("albums:detail", kwargs={"album_id": album.id}))
    html = page.content.decode()
    assert html.count('class="photo-tile') == 2
    assert "Queued" in html and "Rejected" in html
    assert "it looks like HTML" in html


def test_album_page_paginates(owner_client, album, make_photo, settings):
    settings.ALBUM_PAGE_SIZE = 2
    for _ in range(5):
        make_photo(album)
    url = reverse("albums:detail", kwargs={"album_id": album.id})
    first = owner_client.get(url).content.decode()
    last = owner_client.get(url + "?page=3").content.decode()
    assert first.count('class="photo-tile') == 2
    assert last.count('class="photo-tile') == 1
    assert "Page 3 of 3" in last


def test_empty_states(owner_client, album):
    assert "No albums yet" not in owner_client.get(reverse("albums:list")).content.decode()
    page = owner_client.get(reverse("albums:detail", kwargs={"album_id": album.id}))
    assert "This album is empty" in page.content.decode()


def test_album_list_has_cover_and_count(owner_client, album, make_photo):
    ready = make_photo(album, status=Photo.Status.READY)
    make_photo(album, status=Photo.Status.QUEUED)
    page = owner_client.get(reverse("albums:list")).content.decode()
    assert "2 photos" in page
    assert reverse("albums:photo_rendition", kwargs={"photo_id": ready.id, "spec": "grid"}) in page


def test_custom_404_page(owner_client, client):
    response = owner_client.get("/albums/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert "Back to your albums" in response.content.decode()
    client.logout()
    visitor = client.get("/s/an-expired-link/").content.decode()
    assert "may have expired or been revoked" in visitor and "your albums" not in visitor
