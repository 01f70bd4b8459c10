"""Sending photos through the pipeline again, from the database alone.

Whatever the broker remembers or forgot, the photo and step rows say what to do: the
whole pipeline from the first step, or any registered step on its own.
"""

import uuid
from datetime import datetime

from django.db import transaction
from django.db.models import Q

from albums.models import AlbumPhoto, Photo, Rendition
from albums.storage import get_photo_storage
from processing import registry
from processing.imports import poll_until_done
from processing.models import PhotoStep
from processing.pipeline import pipeline_send, pipeline_start
from processing.services import back_in_flight


def step_names() -> list[str]:
    return [step.name for step in registry.steps()]


@transaction.atomic
def photo_reprocess(*, photo: Photo, step: str | None = None) -> None:
    """Queue the photo again: every step (the default) or just the one named.

    A photo whose first steps never finished runs them all instead; the first step named
    on its own (`ingest`) renders the photo's sizes anew, even for unchanged content. Any
    other step on its own leaves a `ready` photo ready (its results are replaced when the
    step finishes); a photo that `failed` goes back to processing for it.
    """
    roots = {s.name for s in registry.first_steps()}
    if step is not None:
        registry.get(step)  # an unknown name says which steps there are
    done = set(
        PhotoStep.objects.filter(photo=photo, status__in=PhotoStep.FINAL).values_list(
            "step", flat=True
        )
    )
    if step in roots:  # asked for by name: render anew, even for the same content
        keys = list(Rendition.objects.filter(photo=photo).values_list("file", flat=True))
        Rendition.objects.filter(photo=photo).delete()
        transaction.on_commit(lambda: get_photo_storage().delete(keys))
    if step is None or step in roots or not roots <= done:
        Photo.objects.filter(pk=photo.pk).update(**back_in_flight(Photo.Status.QUEUED))
        pipeline_start(photo_id=photo.pk)
        return
    if photo.status != Photo.Status.READY:
        Photo.objects.filter(pk=photo.pk).update(**back_in_flight(Photo.Status.PROCESSING))
    pipeline_send(photo_id=photo.pk, steps=[step])


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

    try:
        in_album = AlbumPhoto.objects.filter(album_id=uuid.UUID(album))
    except ValueError:
        in_album = AlbumPhoto.objects.filter(album__title=album)
    return Q(pk__in=in_album.values("photo_id"))


def wait_for_step(photo_ids: list, *, step: str, timeout: float, on_progress=None) -> bool:
    """Poll until the step has finished (or failed) for every photo still there, or every
    photo has settled otherwise (rejected, failed at another step)."""
    pending = (
        PhotoStep.objects.filter(photo_id__in=photo_ids, step=step)
        .filter(status__in=(PhotoStep.Status.PENDING, PhotoStep.Status.RUNNING))
        .exclude(photo__status__in=(Photo.Status.REJECTED, Photo.Status.FAILED))
    )
    return poll_until_done(pending, total=len(photo_ids), timeout=timeout, on_progress=on_progress)
