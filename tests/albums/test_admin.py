"""Moderators in the admin: decide, recorded with who and when; nothing more."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from albums.models import ModerationDecision, Photo, ProcessingEvent
from tests.support.photos import stored_rendition

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(make_user):
    user = make_user("mod@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name="moderators"))
    return user


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


def _act(client, action, photos, url="admin:albums_photo_changelist"):
    return client.post(
        reverse(url),
        {"action": action, "_selected_action": [str(p.pk) for p in photos]},
        follow=True,
    )


def test_moderator_sees_the_review_queue_with_thumbnails(mod_client, album, make_photo):
    flagged = make_photo(album, status=Photo.Status.READY, moderation=Photo.Moderation.FLAGGED)
    make_photo(album, status=Photo.Status.READY)
    response = mod_client.get(reverse("admin:albums_flaggedphoto_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="action-select"') == 1
    assert (
        reverse("albums:photo_rendition", kwargs={"photo_id": flagged.id, "spec": "grid"}) in html
    )


def test_moderator_can_see_a_flagged_photos_rendition(mod_client, album, make_photo):

    photo = make_photo(album, status=Photo.Status.READY, moderation=Photo.Moderation.FLAGGED)
    stored_rendition(photo, mime="image/jpeg")
    url = reverse("albums:photo_rendition", kwargs={"photo_id": photo.id, "spec": "grid"})
    assert mod_client.get(url).status_code == 200


@pytest.mark.parametrize(
    "action,moderation,status",
    [
        ("approve", Photo.Moderation.VISIBLE, Photo.Status.READY),
        ("hide", Photo.Moderation.HIDDEN, Photo.Status.READY),
        ("reject", Photo.Moderation.HIDDEN, Photo.Status.REJECTED),
    ],
)
def test_decisions_are_applied_and_recorded(
    mod_client, moderator, album, make_photo, action, moderation, status
):
    photo = make_photo(album, status=Photo.Status.READY, moderation=Photo.Moderation.FLAGGED)
    response = _act(mod_client, action, [photo])
    assert response.status_code == 200
    photo.refresh_from_db()
    assert (photo.moderation, photo.status) == (moderation, status)
    decision = ModerationDecision.objects.get(photo=photo)
    assert decision.moderator == moderator and decision.decision == action
    assert decision.created_at is not None


def test_moderator_cannot_reach_user_administration(mod_client):
    assert mod_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert mod_client.get(reverse("admin:auth_group_changelist")).status_code == 403


def test_moderation_field_cannot_be_edited_by_hand(mod_client, album, make_photo):
    photo = make_photo(album, status=Photo.Status.READY, moderation=Photo.Moderation.FLAGGED)
    url = reverse("admin:albums_photo_change", kwargs={"object_id": photo.pk})
    mod_client.post(url, {"moderation": "visible"})
    photo.refresh_from_db()
    assert photo.moderation == Photo.Moderation.FLAGGED


def test_non_staff_users_get_nothing(client, user, album, make_photo):
    make_photo(album)
    client.force_login(user)
    response = client.get(reverse("admin:albums_photo_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_change_page_shows_processing_history(mod_client, album, make_photo):
    # Moderators see the review queue's photos (tests/security/test_access_matrix.py).
    photo = make_photo(
        album, status=Photo.Status.FAILED, status_reason="boom", moderation=Photo.Moderation.FLAGGED
    )
    ProcessingEvent.objects.create(
        photo=photo,
        step="thumbnails",
        attempt=3,
        outcome="failed",
        message="ConnectionError: storage down",
    )
    html = mod_client.get(reverse("admin:albums_photo_change", kwargs={"object_id": photo.pk}))
    assert b"ConnectionError: storage down" in html.content


def test_search_by_owner_album_file_name_and_label(mod_client, album, make_photo):
    from albums.models import Label, PhotoLabel

    flagged = Photo.Moderation.FLAGGED  # what moderators see: the review queue
    photo = make_photo(album, status=Photo.Status.READY, moderation=flagged)
    PhotoLabel.objects.create(
        photo=photo, label=Label.objects.create(name="Volcano"), confidence=99, source="test"
    )
    make_photo(album, status=Photo.Status.READY, moderation=flagged)
    url = reverse("admin:albums_photo_changelist")
    for term, expected in (
        ("Volcano", 1),
        ("owner@example.com", 2),
        ("Holiday", 2),
        ("Canon_40D", 2),
        ("nothing-like-this", 0),
    ):
        html = mod_client.get(url, {"q": term}).content.decode()
        assert html.count('class="action-select"') == expected, term


@pytest.mark.parametrize("count", [5, 60])
def test_photo_changelist_query_count(mod_client, album, make_photo, count):
    for _ in range(count):
        make_photo(album, status=Photo.Status.READY)
    with CaptureQueriesContext(connection) as ctx:
        assert mod_client.get(reverse("admin:albums_photo_changelist")).status_code == 200
    # The same for 5 photos and 60: nothing per row (owners and albums are joined).
    assert len(ctx.captured_queries) == CHANGELIST_QUERIES, [
        q["sql"][:80] for q in ctx.captured_queries
    ]


CHANGELIST_QUERIES = 9
