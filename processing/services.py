"""The pipeline's writes: what the stages found, saved; photos rejected or failed.

Every function here is idempotent. Run twice, or concurrently, it leaves one set of
results: rows are written with update_or_create under unique constraints, each photo's
derived rows are written under its row lock, and status moves only through conditional
UPDATEs. Which step runs when is the runner's business (processing/runner.py).
"""

import logging
from datetime import UTC

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from albums.models import Photo, PhotoLabel, ProcessingEvent, Rendition
from albums.storage import get_photo_storage, rendition_key
from albums.taken_time import offset_timezone
from processing.steps import formats

logger = logging.getLogger(__name__)

IN_FLIGHT = (Photo.Status.QUEUED, Photo.Status.PROCESSING)


def decode_budget() -> int:
    """DECODE_MEMORY_BUDGET_MB in bytes, as the pure steps take it (`max_bytes`)."""
    return settings.DECODE_MEMORY_BUDGET_MB * 1024 * 1024


def record_event(*, photo_id, step: str, outcome: str, message: str = "", attempt: int = 0):
    ProcessingEvent.objects.create(
        photo_id=photo_id, step=step, outcome=outcome, message=message[:2000], attempt=attempt
    )


def back_in_flight(status: str) -> dict:
    """The fields that put a photo back in the pipeline: its last failure forgotten."""
    return {
        "status": status,
        "status_reason": "",
        "settled_at": None,
        "queued_at": timezone.now(),
    }


def lock_photo(photo_id) -> bool:
    """Inside a transaction: wait for, then hold, the photo's row lock until commit.
    False when the photo is gone (deleted while a step ran): there is nothing to write.

    Steps of one photo run concurrently on different workers; taking this lock first
    serializes their writes to its derived rows (renditions, labels), and avoids the
    deadlock of two transactions upgrading the shared lock their foreign-key inserts take
    on the photo row. SQLite ignores it: its IMMEDIATE transactions already run one at a time.
    """
    locked = Photo.objects.select_for_update().filter(pk=photo_id).values_list("pk")
    return locked.first() is not None


def photo_reject(*, photo_id, step: str, reason: str) -> None:
    """A permanent problem with the file: the photo ends `rejected`, never retried.

    Two steps can find the same problem; only the one that settles the photo records the
    rejection.
    """
    with transaction.atomic():
        rejected = Photo.objects.filter(pk=photo_id, status__in=IN_FLIGHT).update(
            status=Photo.Status.REJECTED, status_reason=reason, settled_at=timezone.now()
        )
        if rejected:
            record_event(photo_id=photo_id, step=step, outcome="rejected", message=reason)


def _botocore_network() -> tuple[type[BaseException], ...]:
    # botocore is there only with the S3 or Rekognition extras; asked only on a failure.
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import HTTPClientError

    return (BotoConnectionError, HTTPClientError)


def failure_reason(*, step: str, exception: BaseException | None, attempts: int) -> str:
    """What the owner reads: the step and a plain cause, never a path or a traceback."""
    # detectors.base sits above services in the layers contract: read only to word a failure.
    from processing.detectors.base import TransientDetectorError

    if isinstance(exception, FileNotFoundError):
        cause = "the original file is missing from storage"
    elif isinstance(exception, TransientDetectorError):
        cause = "the label service was unavailable"
    elif isinstance(exception, (ConnectionError, TimeoutError, OSError, *_botocore_network())):
        cause = "storage or a service it needs could not be reached"
    else:
        cause = "an unexpected error; the site's operators can see the details"
    tries = f"{attempts} attempt{'' if attempts == 1 else 's'}"
    return f"Processing stopped at the {step} step after {tries}: {cause}. Try again later."


def photo_fail(*, photo_id, reason: str) -> None:
    """A required step outlived its retries: the photo is `failed`, with the plain reason.

    The step's own row keeps the error; the photo's history has every attempt.
    """
    Photo.objects.filter(pk=photo_id, status__in=IN_FLIGHT).update(
        status=Photo.Status.FAILED, status_reason=reason, settled_at=timezone.now()
    )


# --- ingest: metadata and renditions ------------------------------------------------------


def photo_save_metadata(*, photo: Photo, meta) -> None:
    """Record what the file says about itself, and whether the owner has it already."""
    photo_id = photo.pk
    fields = _metadata_fields(meta)
    with transaction.atomic():
        # One owner's metadata commits take turns, so two copies of the same file finishing
        # at once still see each other (READ COMMITTED would let both miss).
        get_user_model().objects.select_for_update().filter(pk=photo.owner_id).first()
        fields["duplicate_of_id"] = first_with_same_content(photo=photo, sha256=meta.sha256)
        Photo.objects.filter(pk=photo_id).update(**fields)
        # Labels may already be in (a rerun): their copy of the sort position follows.
        PhotoLabel.objects.filter(photo_id=photo_id).update(taken_at=fields["taken_at"])
        if fields["duplicate_of_id"] is None:  # later copies hashed before this one
            _claim_later_copies(photo=photo, sha256=meta.sha256)


def first_with_same_content(*, photo: Photo, sha256: str):
    """The earliest other photo of the owner's with these exact bytes, if any (its id)."""
    earlier = Q(created_at__lt=photo.created_at) | Q(created_at=photo.created_at, id__lt=photo.id)
    return (
        Photo.objects.filter(owner_id=photo.owner_id, sha256=sha256)
        .filter(earlier)
        .exclude(status=Photo.Status.REJECTED)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
        .first()
    )


def _claim_later_copies(*, photo: Photo, sha256: str) -> None:
    later = Q(created_at__gt=photo.created_at) | Q(created_at=photo.created_at, id__gt=photo.id)
    Photo.objects.filter(owner_id=photo.owner_id, sha256=sha256, duplicate_of__isnull=True).filter(
        later
    ).update(duplicate_of_id=photo.pk)


def _metadata_fields(meta) -> dict:
    taken_at = meta.taken_at
    if taken_at is not None and timezone.is_naive(taken_at):
        # EXIF times are wall-clock; with an offset we know the instant, else call it UTC.
        tz = offset_timezone(meta.taken_at_offset) or UTC
        taken_at = taken_at.replace(tzinfo=tz)
    return {
        "format": meta.format or "",
        "mime_type": meta.mime_type or "",
        "size": meta.size,
        "sha256": meta.sha256,
        "width": meta.width,
        "height": meta.height,
        "taken_at": taken_at,
        "taken_at_offset": meta.taken_at_offset or "",
        "camera_make": (meta.camera_make or "")[:100],
        "camera_model": (meta.camera_model or "")[:100],
        "lens": (meta.lens or "")[:150],
        "exposure_time": meta.exposure_time,
        "f_number": meta.f_number,
        "iso": meta.iso,
        "focal_length": meta.focal_length,
        "orientation": meta.orientation,
        "latitude": meta.latitude,
        "longitude": meta.longitude,
        "altitude": meta.altitude,
    }


# --- renditions ---------------------------------------------------------------------------


def photo_save_renditions(*, photo: Photo, sha256: str, renditions) -> None:
    """Store renditions of the content with this hash (what the key and row record)."""
    photo.sha256 = sha256
    for rendition in renditions:
        _store_rendition(photo, rendition)


def _store_rendition(photo: Photo, rendition) -> None:
    """Write one rendition under its content-keyed name and point the photo's row at it.

    The photo's row lock makes this one writer at a time, so a file under the key that no
    row names is a leftover of a run that died before committing: it is replaced, and the
    key stays exactly the one a re-run will look for.
    """
    storage = get_photo_storage()
    ext = formats.key_extension(rendition.mime_type)
    key = rendition_key(photo_id=photo.id, spec=rendition.name, ext=ext, source_sha256=photo.sha256)
    with transaction.atomic():
        if not lock_photo(photo.pk):
            return  # deleted meanwhile: a file saved now would belong to nobody
        previous = (
            Rendition.objects.filter(photo=photo, spec=rendition.name)
            .values_list("file", flat=True)
            .first()
        )
        name = key
        if previous != key:
            name = storage.save_rendition(
                photo_id=photo.id,
                spec=rendition.name,
                ext=ext,
                data=rendition.data,
                content_type=rendition.mime_type,
                source_sha256=photo.sha256,
            )
        Rendition.objects.update_or_create(
            photo=photo,
            spec=rendition.name,
            defaults={
                "file": name,
                "source_sha256": photo.sha256,
                "width": rendition.width,
                "height": rendition.height,
                "mime_type": rendition.mime_type,
                "size": len(rendition.data),
            },
        )
        if previous and previous != name:
            transaction.on_commit(lambda: storage.delete([previous]))
