"""Sending photos through the pipeline again, from the database alone."""

from django.db import transaction
from django.utils import timezone

from albums.models import Photo
from processing.pipeline import pipeline_start


@transaction.atomic
def photo_reprocess(*, photo: Photo) -> None:
    """Reset the photo's pipeline state and queue it from the first step."""
    Photo.objects.filter(pk=photo.pk).update(
        status=Photo.Status.QUEUED,
        status_reason="",
        failed_step="",
        failed_at=None,
        settled_at=None,
        queued_at=timezone.now(),
        metadata_done=False,
        thumbnails_done=False,
        labels_done=False,
        labels_skipped="",
    )
    pipeline_start(photo_id=photo.pk)
