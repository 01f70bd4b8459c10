"""The admin's pages: no "Add" for what the pipeline owns, an Album Add that works, and
moderation from the photo's own page (with a note), its preview sized by a stylesheet."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from albums.models import Album, ModerationDecision, Photo

pytestmark = pytest.mark.django_db

PIPELINE_OWNED = ("photo", "flaggedphoto", "rendition", "label")


@pytest.fixture
def superuser(make_user):
    return make_user("root@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def mod_client(client, make_user):
    moderator = make_user("mod@example.com", is_staff=True)
    moderator.groups.add(Group.objects.get(name="moderators"))
    client.force_login(moderator)
    return client


@pytest.mark.parametrize("model", PIPELINE_OWNED)
def test_no_add_for_what_the_pipeline_owns(admin_client, model):
    changelist = admin_client.get(reverse(f"admin:albums_{model}_changelist"))
    assert changelist.status_code == 200
    assert f'href="{reverse(f"admin:albums_{model}_add")}"' not in changelist.content.decode()
    assert admin_client.get(reverse(f"admin:albums_{model}_add")).status_code == 403


def test_album_add_asks_for_an_owner_instead_of_crashing(admin_client, user):
    url = reverse("admin:albums_album_add")
    form = admin_client.get(url)
    assert form.status_code == 200 and 'name="owner"' in form.content.decode()
    refused = admin_client.post(url, {"title": "No owner"})
    assert refused.status_code == 200 and "This field is required." in refused.content.decode()
    assert not Album.objects.exists()
    made = admin_client.post(url, {"owner": user.pk, "title": "Given", "description": ""})
    assert made.status_code == 302
    assert Album.objects.get().owner == user
    # Once it exists, its owner and title are read-only.
    change = admin_client.get(reverse("admin:albums_album_change", args=[Album.objects.get().pk]))
    assert 'name="owner"' not in change.content.decode()


def test_moderate_from_the_photos_change_page_with_a_note(mod_client, album, make_photo):
    photo = make_photo(album, status=Photo.Status.READY, moderation=Photo.Moderation.FLAGGED)
    change_url = reverse("admin:albums_photo_change", args=[photo.pk])
    page = mod_client.get(change_url).content.decode()
    moderate_url = reverse("admin:albums_photo_moderate", args=[photo.pk])
    assert f'action="{moderate_url}"' in page and 'name="note"' in page
    response = mod_client.post(
        moderate_url, {"decision": "reject", "note": "Not a photo of anything"}, follow=True
    )
    assert response.redirect_chain[-1][0] == change_url
    assert "rejected" in response.content.decode()
    photo.refresh_from_db()
    assert (photo.moderation, photo.status) == (Photo.Moderation.HIDDEN, Photo.Status.REJECTED)
    decision = ModerationDecision.objects.get(photo=photo)
    assert (decision.decision, decision.note) == ("reject", "Not a photo of anything")


def test_moderate_from_the_review_queue_page_too(mod_client, album, make_photo):
    photo = make_photo(album, status=Photo.Status.READY, moderation=Photo.Moderation.FLAGGED)
    url = reverse("admin:albums_flaggedphoto_moderate", args=[photo.pk])
    assert (
        f'action="{url}"'
        in mod_client.get(
            reverse("admin:albums_flaggedphoto_change", args=[photo.pk])
        ).content.decode()
    )
    mod_client.post(url, {"decision": "approve"})
    photo.refresh_from_db()
    assert photo.moderation == Photo.Moderation.VISIBLE


def test_moderate_refuses_an_unknown_decision_and_a_get(mod_client, album, make_photo):
    photo = make_photo(album, status=Photo.Status.READY, moderation=Photo.Moderation.FLAGGED)
    url = reverse("admin:albums_photo_moderate", args=[photo.pk])
    assert mod_client.get(url).status_code == 405
    response = mod_client.post(url, {"decision": "delete-everything"}, follow=True)
    assert "Choose approve, hide or reject." in response.content.decode()
    assert not ModerationDecision.objects.exists()


def test_users_without_change_permission_cannot_moderate(client, make_user, album, make_photo):
    viewer = make_user("viewer@example.com", is_staff=True)
    client.force_login(viewer)
    photo = make_photo(album, status=Photo.Status.READY, moderation=Photo.Moderation.FLAGGED)
    client.post(reverse("admin:albums_photo_moderate", args=[photo.pk]), {"decision": "approve"})
    photo.refresh_from_db()
    assert photo.moderation == Photo.Moderation.FLAGGED


def test_the_preview_is_sized_by_the_admin_stylesheet_not_inline(mod_client, album, make_photo):
    photo = make_photo(album, status=Photo.Status.READY, moderation=Photo.Moderation.FLAGGED)
    page = mod_client.get(reverse("admin:albums_photo_change", args=[photo.pk])).content.decode()
    assert 'class="admin-preview"' in page and "css/admin.css" in page
    assert "style=" not in page.split('class="admin-preview"')[0].rsplit("<img", 1)[1]
