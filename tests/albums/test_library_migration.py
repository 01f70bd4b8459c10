"""Migration 0010: every existing photo joins the album it was uploaded into, in upload order,
and nothing else changes (MigrationExecutor on the test database, SQLite or MariaDB)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("albums", "0009_photolabel_place_kind"), ("processing", "0002_photostep")]
AFTER = [("albums", "0011_photolabel_in_trash")]


@pytest.fixture
def executor(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # leave the schema as it was


def test_photos_join_the_album_they_were_in_in_upload_order(executor, django_user_model):
    old = executor.loader.project_state(BEFORE).apps
    User, Album, Photo = (old.get_model(*name.split(".")) for name in (
        "auth.User", "albums.Album", "albums.Photo"))  # fmt: skip
    owner = User.objects.create(username="owner", email="owner@example.com")
    trip, home = (Album.objects.create(owner_id=owner.pk, title=t) for t in ("Trip", "Home"))
    start = datetime(2025, 5, 1, tzinfo=UTC)
    made = []
    for number, album in enumerate([trip, home, trip, trip]):
        photo = Photo.objects.create(album=album, owner_id=owner.pk, original_name=f"{number}.jpg")
        Photo.objects.filter(pk=photo.pk).update(created_at=start + timedelta(hours=number))
        made.append(photo.pk)

    executor.loader.build_graph()
    executor.migrate(AFTER)

    new = executor.loader.project_state(AFTER).apps
    AlbumPhoto = new.get_model("albums", "AlbumPhoto")
    rows = AlbumPhoto.objects.order_by("album__title", "position")
    assert [(r.album.title, r.photo_id, r.position) for r in rows] == [
        ("Home", made[1], 1),
        ("Trip", made[0], 1),
        ("Trip", made[2], 2),
        ("Trip", made[3], 3),
    ]
    added = {r.photo_id: r.added_at for r in rows}
    assert added[made[3]] == start + timedelta(hours=3)  # added when it was uploaded
    NewPhoto = new.get_model("albums", "Photo")
    assert NewPhoto.objects.filter(trashed_at__isnull=True).count() == 4
    assert new.get_model("albums", "Album").objects.get(title="Trip").sort == "added"
