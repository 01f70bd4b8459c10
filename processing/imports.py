"""Importing files from disk for a user, the way an upload would arrive."""

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

from django.contrib.auth import get_user_model

from albums.models import Album, Photo


class ImportError_(Exception):
    """A problem with the whole import (unknown user), not with one file."""


def user_by_email(email: str):
    user = get_user_model().objects.filter(email__iexact=email).order_by("pk").first()
    if user is None:
        raise ImportError_(f"No user with the email address {email}.")
    return user


def album_for_import(*, user, title: str) -> Album:
    album = Album.objects.filter(owner=user, title=title).order_by("created_at").first()
    return album or Album.objects.create(owner=user, title=title)


def files_to_import(paths: list[str]) -> Iterator[Path]:
    """Files named directly, and every file under folders, in a stable order."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
            )
        else:
            yield path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fp:
        for chunk in iter(lambda: fp.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def existing_copy(*, user, sha256: str) -> Photo | None:
    """A photo in the user's library with exactly these bytes (not a rejected one)."""
    return (
        Photo.objects.filter(owner=user, sha256=sha256)
        .exclude(status=Photo.Status.REJECTED)
        .prefetch_related("albums")
        .order_by("created_at", "id")
        .first()
    )


def wait_until_settled(photo_ids: list, *, timeout: float, on_progress=None) -> bool:
    """Poll the database until every photo is ready, rejected or failed."""
    unsettled = Photo.objects.filter(pk__in=photo_ids).exclude(status__in=Photo.SETTLED)
    return poll_until_done(
        unsettled, total=len(photo_ids), timeout=timeout, on_progress=on_progress
    )


def poll_until_done(pending, *, total: int, timeout: float, on_progress=None) -> bool:
    """Count the `pending` queryset every 0.2 s until it is empty (True) or time is up."""
    deadline = time.monotonic() + timeout
    while True:
        left = pending.count()
        if on_progress:
            on_progress(total - left)
        if left == 0:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)


def gave_up_message(photo_ids: list) -> str:
    """What a command says when it stops waiting with photos still in flight."""
    # processing.pipeline declares the actors: only loaded for this message, not by every importer.
    from processing.pipeline import uses_embedded_broker

    pending = Photo.objects.filter(pk__in=photo_ids).exclude(status__in=Photo.SETTLED).count()
    if uses_embedded_broker():
        return (
            f"Gave up waiting with {pending} photo(s) still in progress; they stop with this "
            "command (the in-process broker). `manage.py resend_stale` carries on with them."
        )
    return f"Gave up waiting with {pending} photo(s) still in progress; the workers carry on."
