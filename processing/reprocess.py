"""Sending photos through the pipeline again, from the database alone.

Whatever the broker remembers or forgot, the photo rows say what to do: the whole
pipeline from the first step, or one step on its own.
"""

from datetime import datetime

from django.core.files.storage import default_storage
from django.db import transaction

from albums import storage as photo_storage
from albums.models import Photo, Rendition
from processing.pipeline import ensure_embedded_worker, pipeline_start
from processing.services import back_in_flight

STEPS = ("metadata", "thumbnails", "labels")


@transaction.atomic
def photo_reprocess(*, photo: Photo, step: str | None = None) -> None:
    """Queue the photo again: every step (the default) or just the one named.

    A single step needs what the metadata step found, so a photo that never got that
    far (or `--step metadata`) runs the whole pipeline instead.
    """
    if step in (None, "metadata") or not photo.metadata_done:
        Photo.objects.filter(pk=photo.pk).update(
            **back_in_flight(Photo.Status.QUEUED),
            metadata_done=False,
            thumbnails_done=False,
            labels_done=False,
            labels_skipped="",
        )
        pipeline_start(photo_id=photo.pk)
        return
    _rerun_step(photo=photo, step=step)


def _rerun_step(*, photo: Photo, step: str) -> None:
    from processing import tasks

    flag = {"thumbnails": "thumbnails_done", "labels": "labels_done"}[step]
    Photo.objects.filter(pk=photo.pk).update(
        **back_in_flight(Photo.Status.PROCESSING), **{flag: False}
    )
    if step == "thumbnails":  # render anew even though the content hash is unchanged
        keys = list(Rendition.objects.filter(photo=photo).values_list("file", flat=True))
        Rendition.objects.filter(photo=photo).delete()
        transaction.on_commit(
            lambda: photo_storage.delete_quietly(storage=default_storage, keys=keys)
        )
    actor = tasks.render_thumbnails if step == "thumbnails" else tasks.detect_labels
    ensure_embedded_worker()
    transaction.on_commit(lambda: actor.send(str(photo.pk)))


def photos_to_reprocess(
    *,
    statuses: list[str] | None = None,
    album: str | None = None,
    user: str | None = None,
    photo_ids: list[str] | None = None,
    since: datetime | None = None,
):
    """Select photos by status, album (title or id), owner email, ids and creation time."""
    photos = Photo.objects.exclude(status=Photo.Status.UPLOADING)
    if statuses:
        photos = photos.filter(status__in=statuses)
    if album:
        photos = photos.filter(_album_filter(album))
    if user:
        photos = photos.filter(owner__email__iexact=user)
    if photo_ids:
        photos = photos.filter(pk__in=photo_ids)
    if since:
        photos = photos.filter(created_at__gte=since)
    return photos.order_by("created_at", "id")


def _album_filter(album: str):
    import uuid

    from django.db.models import Q

    try:
        return Q(album_id=uuid.UUID(album))
    except ValueError:
        return Q(album__title=album)
