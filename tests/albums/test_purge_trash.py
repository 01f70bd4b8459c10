"""`manage.py purge_trash`: what has been in the trash longer than TRASH_DAYS goes for good,
with its files (local storage and S3); newer trash, and the library, stay."""

import re
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from albums.models import Photo
from albums.services import photos_trash
from tests.support.corpus import corpus_file
from tests.support.photos import stored_rendition


def _with_files(owner, make_photo, name="hopper.png", days_in_trash=None):
    """A ready photo with its original and a grid rendition stored; in the trash for
    `days_in_trash` days (None: in the library)."""
    photo = make_photo(owner, corpus_file("good", name), status=Photo.Status.READY)
    copy = default_storage.save(f"renditions/t/{photo.id.hex}-grid.png", photo.original.open())
    stored_rendition(photo, file=copy, mime="image/png")
    if days_in_trash is not None:
        photos_trash(photos=Photo.objects.filter(pk=photo.pk))
        when = timezone.now() - timedelta(days=days_in_trash)
        Photo.objects.filter(pk=photo.pk).update(trashed_at=when)
    return photo, [photo.original.name, copy]


def _exist(keys) -> list[bool]:
    return [default_storage.exists(key) for key in keys]


def _purge(capsys, *args) -> str:
    call_command("purge_trash", *args)
    return capsys.readouterr().out


@pytest.mark.django_db
def test_only_photos_older_than_the_cutoff_go_with_their_files(
    user, other_user, make_photo, settings, capsys, django_capture_on_commit_callbacks
):
    settings.TRASH_DAYS = 30
    expired, expired_keys = _with_files(user, make_photo, days_in_trash=31)
    theirs, theirs_keys = _with_files(other_user, make_photo, "hopper.webp", days_in_trash=45)
    recent, recent_keys = _with_files(user, make_photo, days_in_trash=29)
    alive, alive_keys = _with_files(user, make_photo)

    with django_capture_on_commit_callbacks(execute=True):
        assert "Would delete 2 photo(s)" in _purge(capsys, "--dry-run")
    assert Photo.objects.count() == 4 and all(_exist(expired_keys + theirs_keys))

    with django_capture_on_commit_callbacks(execute=True):
        out = _purge(capsys)

    assert re.search(r"Deleted 2 photo\(s\) in the trash for more than 30 day", out)
    assert set(Photo.objects.values_list("pk", flat=True)) == {recent.pk, alive.pk}
    assert not any(_exist(expired_keys + theirs_keys))
    assert all(_exist(recent_keys + alive_keys))


@pytest.mark.django_db
def test_older_than_days_moves_the_cutoff(
    user, make_photo, capsys, django_capture_on_commit_callbacks
):
    week_old, week_keys = _with_files(user, make_photo, days_in_trash=8)
    fresh, fresh_keys = _with_files(user, make_photo, days_in_trash=1)

    with django_capture_on_commit_callbacks(execute=True):
        assert "Deleted 1 photo(s)" in _purge(capsys, "--older-than-days", "7")

    assert list(Photo.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not any(_exist(week_keys)) and all(_exist(fresh_keys))
    with django_capture_on_commit_callbacks(execute=True):
        assert "Deleted 0 photo(s)" in _purge(capsys, "--older-than-days", "7")


# Committed for real (not in a test transaction): the files are deleted inside the command,
# as in the maintenance task, so tests/deploy/test_iam_coverage.py records its S3 calls as
# the maintenance task's and checks its role allows them.
@pytest.mark.django_db(transaction=True)
def test_purging_deletes_the_objects_in_s3(s3_storage, user, make_photo, settings, capsys):
    settings.TRASH_DAYS = 30
    expired, expired_keys = _with_files(user, make_photo, days_in_trash=40)
    recent, recent_keys = _with_files(user, make_photo, "hopper.webp", days_in_trash=3)
    assert set(s3_storage.keys()) == set(expired_keys + recent_keys)

    assert "Deleted 1 photo(s)" in _purge(capsys)

    assert list(Photo.objects.values_list("pk", flat=True)) == [recent.pk]
    assert set(s3_storage.keys()) == set(recent_keys)
