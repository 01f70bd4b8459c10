"""Every URL pattern, walked as anonymous, another user, the owner, a moderator and staff.

The table states who gets what. A URL added without a row here fails
`test_every_url_pattern_is_in_the_table`, so nothing new escapes the walk.
"""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from albums.models import Photo
from albums.services import share_link_create
from tests.albums.test_ownership import _patterns
from tests.conftest import stored_rendition

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "other", "owner", "moderator", "staff")
LOGIN = "login"  # a redirect to the sign-in page

# name: (method, {role: expected status}); roles not listed expect the "*" entry.
TABLE = {
    "home": ("get", {"anonymous": 200, "*": 302}),
    "healthz": ("get", {"*": 200}),
    "metrics": ("get", {"moderator": 200, "staff": 200, "*": 403}),
    "albums:list": ("get", {"anonymous": LOGIN, "*": 200}),
    "albums:search": ("get", {"anonymous": LOGIN, "*": 200}),
    "albums:detail": ("get", {"anonymous": LOGIN, "owner": 200, "*": 404}),
    "albums:edit": ("get", {"anonymous": LOGIN, "owner": 200, "*": 404}),
    "albums:delete": ("get", {"anonymous": LOGIN, "owner": 200, "*": 404}),
    "albums:grid": ("get", {"anonymous": LOGIN, "owner": 200, "*": 404}),
    "albums:upload_start": ("post", {"anonymous": LOGIN, "owner": 400, "*": 404}),
    "albums:upload_status": ("get", {"anonymous": LOGIN, "owner": 200, "*": 404}),
    "albums:share_create": ("post", {"anonymous": LOGIN, "owner": 302, "*": 404}),
    "albums:share_revoke": ("post", {"anonymous": LOGIN, "owner": 302, "*": 404}),
    "albums:photo": ("get", {"anonymous": LOGIN, "other": 404, "*": 200}),
    "albums:photo_delete": ("get", {"anonymous": LOGIN, "owner": 200, "*": 404}),
    "albums:photo_retry": ("post", {"anonymous": LOGIN, "owner": 302, "*": 404}),
    "albums:photo_upload": ("post", {"anonymous": LOGIN, "owner": 400, "*": 404}),
    "albums:photo_confirm": ("post", {"anonymous": LOGIN, "owner": 200, "*": 404}),
    "albums:photo_original": ("get", {"anonymous": LOGIN, "other": 404, "*": 200}),
    "albums:photo_rendition": ("get", {"anonymous": LOGIN, "other": 404, "*": 200}),
    # Share links are public by design: the token is the key.
    "albums:shared": ("get", {"*": 200}),
    "albums:shared_photo": ("get", {"*": 200}),
    "albums:shared_rendition": ("get", {"*": 200}),
    "albums:shared_original": ("get", {"*": 404}),  # the owner did not allow downloads
}
ADMIN_TABLE = {
    "admin:index": {"anonymous": LOGIN, "other": LOGIN, "owner": LOGIN, "*": 200},
    "admin:albums_photo_changelist": {"anonymous": LOGIN, "other": LOGIN, "owner": LOGIN, "*": 200},
    "admin:albums_flaggedphoto_changelist": {
        "anonymous": LOGIN,
        "other": LOGIN,
        "owner": LOGIN,
        "*": 200,
    },
    "admin:auth_user_changelist": {
        "anonymous": LOGIN,
        "other": LOGIN,
        "owner": LOGIN,
        "moderator": 403,
        "staff": 200,
    },
}


@pytest.fixture
def world(make_user, album, make_photo, user):
    photo = make_photo(album, status=Photo.Status.READY)
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.FAILED, status_reason="x")
    shown = make_photo(album, status=Photo.Status.READY)
    for p in (photo, shown):
        stored_rendition(p, mime="image/jpeg")
    link = share_link_create(album=album, expires_in_days=None, allow_downloads=False)
    moderator = make_user("mod@example.com", is_staff=True)
    moderator.groups.add(Group.objects.get(name="moderators"))
    users = {
        "anonymous": None,
        "other": make_user("other@example.com"),
        "owner": user,
        "moderator": moderator,
        "staff": make_user("root@example.com", is_staff=True, is_superuser=True),
    }
    kwargs = {
        "album_id": album.id,
        "photo_id": photo.id,
        "spec": "grid",
        "link_id": link.id,
        "token": link.token,
    }
    return users, kwargs, shown


def _url(name, kwargs, shown):
    pattern = next(p for route, p in _patterns() if _full_name(p, route) == name)
    if name.startswith("albums:shared"):
        kwargs = {**kwargs, "photo_id": shown.id}  # shares show only ready, visible photos
    wanted = set(pattern.pattern.converters)
    return reverse(name, kwargs={k: v for k, v in kwargs.items() if k in wanted})


def _full_name(pattern, route):
    namespace = (
        "albums:"
        if pattern.name and route.startswith(("albums/", "photos/", "search", "s/"))
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
