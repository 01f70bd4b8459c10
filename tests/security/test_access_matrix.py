"""Every URL pattern, walked as anonymous, another user, the owner, a moderator (with and
without `albums.view_original`), plain staff and a superuser.

The world's photo is in the review queue (flagged). Staff status alone opens nothing of
other people's: what a moderator sees follows the permissions of the `moderators` group.

The table states who gets what. A URL added without a row here fails
`test_every_url_pattern_is_in_the_table`, so nothing new escapes the walk.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from albums.models import Photo
from albums.services import photos_trash, share_link_create
from tests.support.photos import stored_rendition
from tests.support.urls import _patterns

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "other", "owner", "moderator", "curator", "staff", "superuser")
LOGIN = "login"  # a redirect to the sign-in page

# name: (method, {role: expected status}); roles not listed expect the "*" entry.
TABLE = {
    "home": ("get", {"anonymous": 200, "*": 302}),
    "livez": ("get", {"*": 200}),
    "healthz": ("get", {"*": 200}),
    "metrics": ("get", {"anonymous": 403, "other": 403, "owner": 403, "*": 200}),
    "albums:list": ("get", {"anonymous": LOGIN, "*": 200}),
    "albums:search": ("get", {"anonymous": LOGIN, "*": 200}),
    "albums:timeline": ("get", {"anonymous": LOGIN, "*": 200}),
    # Scoped by the ids posted: others' ids are ignored, so everyone gets an answer.
    "albums:selection": ("post", {"anonymous": LOGIN, "*": 400}),
    "albums:selection_zip": ("post", {"anonymous": LOGIN, "*": 400}),
    "albums:detail": ("get", {"anonymous": LOGIN, "owner": 200, "*": 404}),
    "albums:edit": ("get", {"anonymous": LOGIN, "owner": 200, "*": 404}),
    "albums:delete": ("get", {"anonymous": LOGIN, "owner": 200, "*": 404}),
    "albums:grid": ("get", {"anonymous": LOGIN, "owner": 200, "*": 404}),
    "albums:upload_start": ("post", {"anonymous": LOGIN, "owner": 400, "*": 404}),
    "albums:upload_status": ("get", {"anonymous": LOGIN, "owner": 200, "*": 404}),
    "albums:share_create": ("post", {"anonymous": LOGIN, "owner": 302, "*": 404}),
    "albums:share_revoke": ("post", {"anonymous": LOGIN, "owner": 302, "*": 404}),
    "albums:photo": ("get", {"anonymous": LOGIN, "other": 404, "staff": 404, "*": 200}),
    "albums:photo_delete": ("get", {"anonymous": LOGIN, "owner": 200, "*": 404}),
    "albums:photo_retry": ("post", {"anonymous": LOGIN, "owner": 302, "*": 404}),
    "albums:photo_upload": ("post", {"anonymous": LOGIN, "owner": 400, "*": 404}),
    "albums:photo_confirm": ("post", {"anonymous": LOGIN, "owner": 200, "*": 404}),
    # Resumable uploads: the owner's photo is no longer uploading (failed).
    "albums:photo_parts": ("get", {"anonymous": LOGIN, "owner": 200, "*": 404}),
    "albums:photo_part_target": ("post", {"anonymous": LOGIN, "owner": 400, "*": 404}),
    "albums:photo_parts_complete": ("post", {"anonymous": LOGIN, "owner": 400, "*": 404}),
    "albums:photo_original": (
        "get",
        {"anonymous": LOGIN, "other": 404, "staff": 404, "moderator": 404, "*": 200},
    ),
    "albums:photo_rendition": (
        "get",
        {"anonymous": LOGIN, "other": 404, "staff": 404, "*": 200},
    ),
    # Share links are public by design: the token is the key.
    "albums:shared": ("get", {"*": 200}),
    "albums:shared_photo": ("get", {"*": 200}),
    "albums:shared_rendition": ("get", {"*": 200}),
    "albums:shared_original": ("get", {"*": 404}),  # the owner did not allow downloads
    # Everyone's own trash; the world's trashed photo (the owner's) only for the owner.
    "albums:trash": ("get", {"anonymous": LOGIN, "*": 200}),
    "albums:trash_restore_all": ("post", {"anonymous": LOGIN, "*": 302}),
    "albums:trash_empty": ("get", {"anonymous": LOGIN, "*": 200}),  # asks; only a POST empties
    "albums:trash_restore": ("post", {"anonymous": LOGIN, "owner": 302, "*": 404}),
    "albums:trash_delete": ("post", {"anonymous": LOGIN, "owner": 302, "*": 404}),
}
NOT_STAFF = {"anonymous": LOGIN, "other": LOGIN, "owner": LOGIN}
ADMIN_TABLE = {
    "admin:index": {**NOT_STAFF, "*": 200},
    "admin:albums_photo_changelist": {**NOT_STAFF, "staff": 403, "*": 200},
    "admin:albums_flaggedphoto_changelist": {**NOT_STAFF, "staff": 403, "*": 200},
    "admin:albums_rendition_changelist": {**NOT_STAFF, "staff": 403, "*": 200},
    "admin:auth_user_changelist": {**NOT_STAFF, "superuser": 200, "*": 403},
}


def moderator_user(make_user, email, *, originals=False):
    moderator = make_user(email, is_staff=True)
    moderator.groups.add(Group.objects.get(name="moderators"))
    if originals:
        moderator.user_permissions.add(Permission.objects.get(codename="view_original"))
    return moderator


@pytest.fixture
def world(make_user, album, make_photo, user):
    photo = make_photo(album, status=Photo.Status.READY)
    Photo.objects.filter(pk=photo.pk).update(
        status=Photo.Status.FAILED,
        status_reason="x",
        moderation=Photo.Moderation.FLAGGED,
        latitude=48.85837,
        longitude=2.29448,
    )
    shown = make_photo(album, status=Photo.Status.READY)
    trashed = make_photo(album, status=Photo.Status.READY, moderation=Photo.Moderation.FLAGGED)
    for p in (photo, shown, trashed):
        stored_rendition(p, mime="image/jpeg")
    photos_trash(photos=Photo.objects.filter(pk=trashed.pk))
    link = share_link_create(album=album, expires_in_days=None, allow_downloads=False)
    users = {
        "anonymous": None,
        "other": make_user("other@example.com"),
        "owner": user,
        "moderator": moderator_user(make_user, "mod@example.com"),
        "curator": moderator_user(make_user, "curator@example.com", originals=True),
        "staff": make_user("staff@example.com", is_staff=True),
        "superuser": make_user("root@example.com", is_staff=True, is_superuser=True),
    }
    kwargs = {
        "album_id": album.id,
        "photo_id": photo.id,
        "spec": "grid",
        "link_id": link.id,
        "token": link.token,
        "trashed_id": trashed.id,
        "number": 1,
    }
    return users, kwargs, shown


def _url(name, kwargs, shown):
    pattern = next(p for route, p in _patterns() if _full_name(p, route) == name)
    if name.startswith("albums:shared"):
        kwargs = {**kwargs, "photo_id": shown.id}  # shares show only ready, visible photos
    if name.startswith("albums:trash_"):
        kwargs = {**kwargs, "photo_id": kwargs["trashed_id"]}  # the trash's own photo
    wanted = set(pattern.pattern.converters)
    return reverse(name, kwargs={k: v for k, v in kwargs.items() if k in wanted})


def _full_name(pattern, route):
    namespace = (
        "albums:"
        if pattern.name and route.startswith(("albums/", "photos/", "search", "s/", "trash/"))
        else ""
    )
    return f"{namespace}{pattern.name}"


def _expected(table_row, role):
    return table_row.get(role, table_row.get("*"))


def _check(client, users, role, method, url, expected):
    if users[role] is not None:
        client.force_login(users[role])
    response = getattr(client, method)(url)
    if expected == LOGIN:
        assert response.status_code == 302, f"{role} {method.upper()} {url}"
        assert "/login/" in response["Location"], response["Location"]
    else:
        assert response.status_code == expected, f"{role} {method.upper()} {url}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(TABLE))
def test_site_urls(client, world, role, name):
    users, kwargs, shown = world
    method, row = TABLE[name]
    _check(client, users, role, method, _url(name, kwargs, shown), _expected(row, role))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(ADMIN_TABLE))
def test_admin_urls(client, world, role, name):
    users, _, _ = world
    _check(client, users, role, "get", reverse(name), _expected(ADMIN_TABLE[name], role))


def test_every_url_pattern_is_in_the_table():
    site = {
        _full_name(p, route)
        for route, p in _patterns()
        if not route.startswith(("admin/", "accounts/"))
    }
    assert site == set(TABLE)


@pytest.mark.parametrize(
    "role, sees_place", [("owner", True), ("moderator", False), ("curator", True)]
)
def test_the_place_a_photo_was_taken_needs_the_originals_permission(
    client, world, role, sees_place
):
    users, kwargs, _ = world
    client.force_login(users[role])

    page = client.get(reverse("albums:photo", kwargs={"photo_id": kwargs["photo_id"]}))
    change = reverse("admin:albums_photo_change", args=[kwargs["photo_id"]])

    assert page.status_code == 200
    assert ("48.85837" in page.content.decode()) is sees_place
    assert ("Download original" in page.content.decode()) is sees_place
    if role != "owner":
        admin_page = client.get(change)
        assert admin_page.status_code == 200
        assert ("48.85837" in admin_page.content.decode()) is sees_place


@pytest.mark.parametrize("role", ["moderator", "curator", "staff"])
def test_photos_outside_the_review_queue_stay_private(client, world, role):
    users, _, shown = world  # `shown` is ready and visible: nothing to review
    client.force_login(users[role])

    for name in ("albums:photo", "albums:photo_original"):
        assert client.get(reverse(name, kwargs={"photo_id": shown.id})).status_code == 404
    rendition = reverse("albums:photo_rendition", kwargs={"photo_id": shown.id, "spec": "grid"})
    assert client.get(rendition).status_code == 404
    changelist = client.get(reverse("admin:albums_photo_changelist"))
    if role == "staff":
        assert changelist.status_code == 403
    else:
        assert changelist.status_code == 200
        listed = {photo.pk for photo in changelist.context["cl"].result_list}
        assert shown.pk not in listed and kwargs_photo(world) in listed
        change = reverse("admin:albums_photo_change", args=[shown.id])
        assert client.get(change).status_code == 302  # the admin's "doesn't exist" redirect


def kwargs_photo(world):
    return world[1]["photo_id"]


@pytest.mark.parametrize("role", ROLES)
def test_a_trashed_photo_is_only_its_owners_and_only_as_thumbnails(client, world, role):
    """The world's trashed photo is flagged, so it would be in the review queue: the trash
    takes it out of everyone's sight but the owner's (the trash page's thumbnails)."""
    users, kwargs, _ = world
    photo_id = kwargs["trashed_id"]
    rendition = reverse("albums:photo_rendition", kwargs={"photo_id": photo_id, "spec": "grid"})
    expected = {"anonymous": LOGIN, "owner": 200}.get(role, 404)
    _check(client, users, role, "get", rendition, expected)
    page = reverse("albums:photo", kwargs={"photo_id": photo_id})
    _check(client, users, role, "get", page, LOGIN if role == "anonymous" else 404)
