"""The trash page: only the owner's deleted photos, newest deleted first, each with the day it
goes for good; restore one or all, delete one forever, empty the trash after asking; the
owner sees the thumbnails, nobody else does; a fixed query count whatever the trash holds."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from albums.models import AlbumPhoto, Label, Photo, PhotoLabel
from albums.services import photos_trash, share_link_create
from tests.support.corpus import corpus_file
from tests.support.photos import add_to_album, bulk_renditions, stored_rendition

pytestmark = pytest.mark.django_db
URL = reverse("albums:trash")


def _trash(photo, when=None):
    photos_trash(photos=Photo.objects.filter(pk=photo.pk))
    if when is not None:
        Photo.objects.filter(pk=photo.pk).update(trashed_at=when)
    photo.refresh_from_db()
    return photo


def _with_files(album, make_photo, name="hopper.png", **fields):
    """A ready photo with its original and a grid rendition, both stored."""
    photo = make_photo(album, corpus_file("good", name), status=Photo.Status.READY, **fields)
    copy = default_storage.save(f"renditions/t/{photo.id.hex}-grid.png", photo.original.open())
    stored_rendition(photo, file=copy, mime="image/png")
    return photo, [photo.original.name, copy]


def _shown(response) -> list[str]:
    return [p.original_name for p in response.context["photos"]]


def _url(name, photo):
    return reverse(f"albums:{name}", kwargs={"photo_id": photo.id})


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_trash_lists_only_my_deleted_photos_newest_deleted_first(
    owner_client, album, make_photo, other_user, settings
):
    settings.TRASH_DAYS = 30
    kept, _ = _with_files(album, make_photo)
    older = _trash(make_photo(album), datetime(2026, 3, 1, 12, tzinfo=UTC))
    newer = _trash(make_photo(album), datetime(2026, 3, 5, 12, tzinfo=UTC))
    Photo.objects.filter(pk=older.pk).update(original_name="older.jpg")
    Photo.objects.filter(pk=newer.pk).update(original_name="newer.jpg")
    theirs = _trash(make_photo(other_user))
    Photo.objects.filter(pk=theirs.pk).update(original_name="theirs.jpg")

    response = owner_client.get(URL)

    assert _shown(response) == ["newer.jpg", "older.jpg"]
    html = response.content.decode()
    dates = re.findall(r"Deletes on <time[^>]*>([^<]+)</time>", html)
    assert dates == ["4 Apr 2026", "31 Mar 2026"]  # 30 days after each went in
    assert kept.original_name not in html and "theirs.jpg" not in html
    assert "Restore all" in html and 'href="/trash/empty/"' in html


def test_a_trashed_photo_that_could_not_be_used_says_so(owner_client, album, make_photo):
    rejected = make_photo(album, status=Photo.Status.REJECTED)
    Photo.objects.filter(pk=rejected.pk).update(status_reason="The file is not an image.")
    _trash(rejected)
    ready, _ = _with_files(album, make_photo)
    _trash(ready)

    html = owner_client.get(URL).content.decode()

    badges = re.findall(r'<span class="badge badge-(\w+)" title="([^"]*)">([^<]+)<', html)
    assert badges == [("rejected", "The file is not an image.", "Rejected")]


def test_someone_elses_trashed_photo_and_my_photo_in_the_library_are_404_here(
    owner_client, album, make_photo, other_user
):
    theirs = _trash(make_photo(other_user))
    mine_in_library = make_photo(album, status=Photo.Status.READY)
    for photo in (theirs, mine_in_library):
        for name in ("trash_restore", "trash_delete"):
            assert owner_client.post(_url(name, photo)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.trashed_at is not None
    assert Photo.objects.alive().filter(pk=mine_in_library.pk).exists()


def test_restore_brings_a_photo_back_to_the_timeline_and_its_albums(
    owner_client, album, make_photo
):
    photo, _ = _with_files(album, make_photo)
    _trash(photo)
    timeline = reverse("albums:timeline")
    album_page = reverse("albums:detail", kwargs={"album_id": album.id})
    assert photo not in owner_client.get(album_page).context["photos"]

    response = owner_client.post(_url("trash_restore", photo), follow=True)

    assert _messages(response) == [f"“{photo.original_name}” restored to your library."]
    assert _shown(response) == [] and "The trash is empty" in response.content.decode()
    shown = [p for day in owner_client.get(timeline).context["days"] for p in day.photos]
    assert shown == [photo]
    assert list(owner_client.get(album_page).context["photos"]) == [photo]


def test_restore_all_says_how_many(owner_client, album, make_photo, other_user):
    for _ in range(3):
        _trash(make_photo(album))
    theirs = _trash(make_photo(other_user))

    response = owner_client.post(reverse("albums:trash_restore_all"), follow=True)

    assert _messages(response) == ["3 photos restored to your library."]
    assert Photo.objects.in_trash().filter(owner=album.owner).count() == 0
    assert Photo.objects.in_trash().get() == theirs


def test_delete_forever_removes_the_row_and_its_files_once_committed(
    owner_client, album, make_photo, django_capture_on_commit_callbacks
):
    photo, keys = _with_files(album, make_photo)
    other, other_keys = _with_files(album, make_photo, "hopper.webp")
    _trash(photo)
    _trash(other)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(_url("trash_delete", photo))
    assert response.status_code == 302 and response.url == URL

    assert not Photo.objects.filter(pk=photo.pk).exists()
    assert not any(default_storage.exists(key) for key in keys)
    assert all(default_storage.exists(key) for key in other_keys), "only that one"
    page = owner_client.get(URL)
    assert _messages(page) == [f"“{photo.original_name}” deleted for good."]
    assert _shown(page) == [other.original_name]


def test_emptying_the_trash_asks_first_and_a_get_deletes_nothing(
    owner_client, album, make_photo, other_user, django_capture_on_commit_callbacks
):
    trashed = [_with_files(album, make_photo) for _ in range(2)]
    for photo, _ in trashed:
        _trash(photo)
    alive, alive_keys = _with_files(album, make_photo, "hopper.webp")
    theirs = _trash(make_photo(other_user))
    empty_url = reverse("albums:trash_empty")

    with django_capture_on_commit_callbacks(execute=True):
        asked = owner_client.get(empty_url)
    assert asked.status_code == 200
    assert "deletes the 2 photos in your trash for good" in asked.content.decode()
    assert f'<form method="post" class="card stack" action="{empty_url}">' in asked.content.decode()
    assert Photo.objects.in_trash().count() == 3

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(empty_url, follow=True)

    assert _messages(response) == ["2 photos deleted for good."]
    assert not Photo.objects.filter(pk__in=[p.pk for p, _ in trashed]).exists()
    assert not any(default_storage.exists(k) for _, keys in trashed for k in keys)
    assert Photo.objects.filter(pk=alive.pk).exists()
    assert all(default_storage.exists(k) for k in alive_keys)
    assert Photo.objects.in_trash().get() == theirs, "another user's trash is theirs"


def test_the_actions_are_posts_with_a_csrf_token(user, album, make_photo):
    photo = _trash(make_photo(album))
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    for url in (_url("trash_restore", photo), _url("trash_delete", photo)):
        assert client.get(url).status_code == 405
        assert client.post(url).status_code == 403
    for url in (reverse("albums:trash_restore_all"), reverse("albums:trash_empty")):
        assert client.post(url).status_code == 403
    assert Photo.objects.in_trash().filter(pk=photo.pk).exists()
    assert client.get(reverse("albums:trash_restore_all")).status_code == 405

    page = client.get(URL).content.decode()
    # sign out, restore all, the photo's 2 buttons, the selection bar's
    assert page.count('name="csrfmiddlewaretoken"') == 1 + 3 + 1


def test_an_empty_trash_says_so(owner_client):
    response = owner_client.get(URL)
    html = response.content.decode()
    assert "The trash is empty" in html and "Restore all" not in html
    assert 'href="/trash/"' in html, "the site's navigation links to the trash"


def test_pages_follow_each_other_by_keyset(owner_client, user, settings):
    settings.ALBUM_PAGE_SIZE = 3
    start = datetime(2026, 1, 1, tzinfo=UTC)
    photos = _fill(user, 7)
    for number, photo in enumerate(photos):
        Photo.objects.filter(pk=photo.pk).update(trashed_at=start + timedelta(hours=number))
    seen, url = [], URL
    while url:
        response = owner_client.get(url)
        seen += _shown(response)
        url = response.context["next_url"]
    assert seen == [f"p{n}.jpg" for n in reversed(range(7))]


def _fill(owner, count):
    when = datetime(2026, 1, 1, tzinfo=UTC)
    photos = Photo.objects.bulk_create(
        Photo(owner=owner, original_name=f"p{i}.jpg", status=Photo.Status.READY, trashed_at=when)
        for i in range(count)
    )
    bulk_renditions(photos)
    return photos


# session, user, the photos (one more than a page), their grid renditions; a later page
# reads the position's keys first.
TRASH_QUERIES = 4
LATER_PAGE_QUERIES = 5


@pytest.mark.parametrize("count", [10, 500])
def test_trash_query_count(owner_client, user, count, settings, django_assert_num_queries):
    settings.ALBUM_PAGE_SIZE = 8
    _fill(user, count)
    with django_assert_num_queries(TRASH_QUERIES):
        first = owner_client.get(URL)
    assert len(_shown(first)) == 8
    with django_assert_num_queries(LATER_PAGE_QUERIES):
        later = owner_client.get(first.context["next_url"])
    assert len(_shown(later)) == min(8, count - 8)


# --- Thumbnails: the owner's, of their own trash; nobody else's ------------------------------


def _rendition_url(photo, spec="grid"):
    return reverse("albums:photo_rendition", kwargs={"photo_id": photo.id, "spec": spec})


def test_the_owner_sees_thumbnails_of_their_trash_on_the_page(owner_client, album, make_photo):
    photo, _ = _with_files(album, make_photo)
    _trash(photo)
    html = owner_client.get(URL).content.decode()
    assert f'src="{_rendition_url(photo)}"' in html
    assert owner_client.get(_rendition_url(photo)).status_code == 200


def test_nobody_else_gets_a_trashed_photos_renditions(
    client, album, make_photo, make_user, other_user
):
    photo, _ = _with_files(album, make_photo, moderation=Photo.Moderation.FLAGGED)
    moderator = make_user("mod@example.com", is_staff=True)
    moderator.groups.add(Group.objects.get(name="moderators"))
    superuser = make_user("root@example.com", is_staff=True, is_superuser=True)
    for viewer in (moderator, superuser):
        client.force_login(viewer)
        assert client.get(_rendition_url(photo)).status_code == 200, "in the review queue"
    _trash(photo)
    for viewer in (other_user, moderator, superuser):
        client.force_login(viewer)
        assert client.get(_rendition_url(photo)).status_code == 404
        assert client.get(reverse("albums:photo", kwargs={"photo_id": photo.id})).status_code == 404


def test_a_share_link_never_shows_a_trashed_photo(client, album, make_photo):
    shown, _ = _with_files(album, make_photo)
    trashed, _ = _with_files(album, make_photo, "hopper.webp")
    link = share_link_create(album=album, expires_in_days=None, allow_downloads=True)
    kwargs = {"token": link.token, "photo_id": trashed.id}
    assert client.get(reverse("albums:shared_photo", kwargs=kwargs)).status_code == 200
    _trash(trashed)

    album_page = client.get(reverse("albums:shared", kwargs={"token": link.token}))
    assert list(album_page.context["photos"]) == [shown]
    assert client.get(reverse("albums:shared_photo", kwargs=kwargs)).status_code == 404
    rendition = reverse("albums:shared_rendition", kwargs={**kwargs, "spec": "grid"})
    assert client.get(rendition).status_code == 404
    assert client.get(reverse("albums:shared_original", kwargs=kwargs)).status_code == 404


# --- Hidden everywhere else ------------------------------------------------------------------


def test_a_trashed_photo_is_not_in_search_or_album_pages(owner_client, album, make_photo):
    label = Label.objects.create(name="Dog")
    kept = make_photo(album, status=Photo.Status.READY)
    trashed = make_photo(album, status=Photo.Status.READY)
    for photo in (kept, trashed):
        PhotoLabel.objects.create(
            photo=photo, label=label, kind=PhotoLabel.Kind.LABEL, confidence=90, source="test"
        )
    _trash(trashed)
    search = owner_client.get(reverse("albums:search"), {"q": "dog"})
    assert list(search.context["photos"]) == [kept]
    album_page = owner_client.get(reverse("albums:detail", kwargs={"album_id": album.id}))
    assert list(album_page.context["photos"]) == [kept]
    albums = owner_client.get(reverse("albums:list")).context["albums"]
    assert [a.photo_count for a in albums] == [1]
    assert AlbumPhoto.objects.filter(photo=trashed).exists(), "still in the album, for restore"


def test_restored_photo_is_in_search_again(owner_client, album, make_photo, user):
    label = Label.objects.create(name="Beach")
    photo = Photo.objects.create(owner=user, original_name="b.jpg", status=Photo.Status.READY)
    add_to_album(album, [photo])
    PhotoLabel.objects.create(
        photo=photo, label=label, kind=PhotoLabel.Kind.LABEL, confidence=90, source="test"
    )
    _trash(photo)
    assert list(owner_client.get(reverse("albums:search"), {"q": "beach"}).context["photos"]) == []
    owner_client.post(_url("trash_restore", photo))
    found = owner_client.get(reverse("albums:search"), {"q": "beach"}).context["photos"]
    assert list(found) == [photo]
