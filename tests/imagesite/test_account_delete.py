"""A person deletes their own account: asked to prove it, then everything goes, files too."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from albums.models import Album, Photo
from tests.support.photos import stored_rendition

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
URL = reverse("account_delete")


def test_the_account_pages_offer_deletion_and_say_what_goes(owner_client, album, make_photo):
    make_photo(album)
    html = owner_client.get(reverse("account_email")).content.decode()
    assert f'href="{URL}"' in html
    page = owner_client.get(URL).content.decode()
    assert "1 album" in page and "1 photo" in page and "cannot be undone" in page
    assert 'type="password"' in page


def test_a_wrong_password_deletes_nothing(owner_client, user, album, make_photo):
    photo = make_photo(album)
    response = owner_client.post(URL, {"confirmation": "not-my-password"})
    assert response.status_code == 200
    assert "That is not your password." in response.content.decode()
    assert Photo.objects.filter(pk=photo.pk).exists() and type(user).objects.filter(pk=user.pk)
    assert default_storage.exists(photo.original.name)


def test_deleting_removes_the_account_its_photos_and_their_files_after_commit(
    owner_client, user, album, make_photo, django_capture_on_commit_callbacks
):
    photo = make_photo(album)
    rendition = stored_rendition(
        photo,
        file=default_storage.save(
            "renditions/t/grid.webp", open(default_storage.path(photo.original.name), "rb")
        ),
    )
    keys = [photo.original.name, rendition.file.name]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = owner_client.post(URL, {"confirmation": PASSWORD})
        assert all(default_storage.exists(k) for k in keys), "files stay until the commit"
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert not type(user).objects.filter(pk=user.pk).exists()
    assert not Album.objects.exists() and not Photo.objects.exists()
    for callback in callbacks:
        callback()
    assert not any(default_storage.exists(k) for k in keys)
    # Signed out: the albums page asks to sign in again.
    assert owner_client.get(reverse("albums:list")).status_code == 302


def test_an_account_without_a_password_confirms_by_typing_its_email(client, make_user):
    user = make_user("nopass@example.com")
    user.set_unusable_password()
    user.save()
    client.force_login(user)
    assert 'type="password"' not in client.get(URL).content.decode()
    wrong = client.post(URL, {"confirmation": "someone@example.com"})
    assert "not the email address of this account" in wrong.content.decode()
    assert client.post(URL, {"confirmation": " NoPass@Example.com "}).status_code == 302
    assert not type(user).objects.filter(pk=user.pk).exists()


def test_other_accounts_are_untouched(owner_client, other_user, make_album, make_photo):
    theirs = make_photo(make_album(other_user))
    owner_client.post(URL, {"confirmation": PASSWORD})
    assert Photo.objects.filter(pk=theirs.pk).exists()
    assert default_storage.exists(theirs.original.name)
