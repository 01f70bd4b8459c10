"""The pipeline's services: load a photo, run a pure step on its bytes, save the result.

Every function here is idempotent. Run twice, or concurrently, it leaves one set of
results: steps whose output already exists for the photo's content hash skip, rows are
written with update_or_create under unique constraints, and the photo only moves to
`ready` through one conditional UPDATE on the three done-flags.
"""

import logging
from datetime import UTC, timedelta
from datetime import timezone as dt_timezone

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from albums import storage as photo_storage
from albums.models import Photo, PhotoLabel, ProcessingEvent, Rendition
from processing.steps.errors import PhotoRejected
from processing.steps.metadata import extract_metadata
from processing.steps.thumbnails import RENDITION_SPECS, render_renditions

logger = logging.getLogger(__name__)

IN_FLIGHT = (Photo.Status.QUEUED, Photo.Status.PROCESSING)
_EXTENSIONS = {"image/webp": "webp", "image/jpeg": "jpg", "image/png": "png"}


def record_event(*, photo_id, step: str, outcome: str, message: str = "", attempt: int = 0):
    ProcessingEvent.objects.create(
        photo_id=photo_id, step=step, outcome=outcome, message=message[:2000], attempt=attempt
    )


def back_in_flight(status: str) -> dict:
    """The fields that put a photo back in the pipeline: its last failure forgotten."""
    return {
        "status": status,
        "status_reason": "",
        "failed_step": "",
        "failed_at": None,
        "settled_at": None,
        "queued_at": timezone.now(),
    }


def _load(photo_id, *, failed_too: bool = False) -> Photo | None:
    """The photo if it still wants processing; None when deleted or already settled.

    The fan-out steps also work on a `failed` photo: when one of them runs out of retries
    while its sibling is still retrying, the sibling must finish its part, or the photo
    could never become ready once the failed step is requeued. A failed photo only moves
    to `ready` after that requeue puts it back in `processing`.
    """
    photo = Photo.objects.filter(pk=photo_id).first()
    wanted = (*IN_FLIGHT, Photo.Status.FAILED) if failed_too else IN_FLIGHT
    if photo is None or photo.status not in wanted:
        return None
    return photo


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

    Both fan-out steps can find the same problem; only the one that settles the photo
    records the rejection.
    """
    with transaction.atomic():
        rejected = Photo.objects.filter(pk=photo_id, status__in=IN_FLIGHT).update(
            status=Photo.Status.REJECTED, status_reason=reason, settled_at=timezone.now()
        )
        if rejected:
            record_event(photo_id=photo_id, step=step, outcome="rejected", message=reason)


def _botocore_network() -> tuple[type[BaseException], ...]:
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import HTTPClientError

    return (BotoConnectionError, HTTPClientError)


def failure_reason(*, step: str, exception: BaseException | None, attempts: int) -> str:
    """What the owner reads: the step and a plain cause, never a path or a traceback."""
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


def photo_fail(
    *, photo_id, step: str, error: str, attempts: int, exception: BaseException | None = None
) -> None:
    """Transient errors outlived their retries: `failed`, with the step and error kept.

    The owner sees a plain reason; the full error goes to the photo's history for
    moderators and operators.
    """
    now = timezone.now()
    reason = failure_reason(step=step, exception=exception, attempts=attempts)
    with transaction.atomic():
        Photo.objects.filter(pk=photo_id, status__in=IN_FLIGHT).update(
            status=Photo.Status.FAILED,
            status_reason=reason,
            failed_step=step,
            failed_at=now,
            settled_at=now,
        )
        record_event(
            photo_id=photo_id, step=step, outcome="failed", message=error, attempt=attempts
        )


def _complete_if_done(photo_id) -> bool:
    """The step that finds all three flags set moves the photo to ready (exactly once)."""
    done = Photo.objects.filter(
        pk=photo_id,
        status=Photo.Status.PROCESSING,
        metadata_done=True,
        thumbnails_done=True,
        labels_done=True,
    ).update(status=Photo.Status.READY, settled_at=timezone.now(), status_reason="")
    return bool(done)


# --- metadata (validation) ----------------------------------------------------------------


def photo_extract_metadata(*, photo_id) -> bool:
    """Validate the file by its content and record its metadata.

    Returns True when the photo should fan out to thumbnails and labels.
    """
    photo = _load(photo_id)
    if photo is None:
        return False
    Photo.objects.filter(pk=photo_id, status=Photo.Status.QUEUED).update(
        status=Photo.Status.PROCESSING, processing_started_at=timezone.now()
    )
    if photo.metadata_done and photo.sha256:
        return True  # a redelivered message: the fan-out below is idempotent
    try:
        with default_storage.open(photo.original.name, "rb") as fp:
            meta = extract_metadata(fp, max_pixels=settings.MAX_IMAGE_PIXELS)
    except PhotoRejected as exc:
        photo_reject(photo_id=photo_id, step="metadata", reason=exc.reason)
        return False
    fields = _metadata_fields(meta)
    with transaction.atomic():
        # One owner's metadata commits take turns, so two copies of the same file finishing
        # at once still see each other (READ COMMITTED would let both miss).
        get_user_model().objects.select_for_update().filter(pk=photo.owner_id).first()
        fields["duplicate_of_id"] = first_with_same_content(photo=photo, sha256=meta.sha256)
        Photo.objects.filter(pk=photo_id).update(metadata_done=True, **fields)
        # Labels may already be in (a rerun): their copy of the sort position follows.
        PhotoLabel.objects.filter(photo_id=photo_id).update(taken_at=fields["taken_at"])
        if fields["duplicate_of_id"] is None:  # later copies hashed before this one
            _claim_later_copies(photo=photo, sha256=meta.sha256)
        record_event(photo_id=photo_id, step="metadata", outcome="done")
    return True


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
        tz = _offset_tz(meta.taken_at_offset) or UTC
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


def _offset_tz(offset: str | None):
    if not offset or len(offset) != 6 or offset[0] not in "+-":
        return None
    try:
        hours, minutes = int(offset[1:3]), int(offset[4:6])
    except ValueError:
        return None
    sign = 1 if offset[0] == "+" else -1
    return dt_timezone(sign * timedelta(hours=hours, minutes=minutes))


# --- thumbnails ---------------------------------------------------------------------------


def photo_render_thumbnails(*, photo_id) -> None:
    photo = _load(photo_id, failed_too=True)
    if photo is None:
        return
    existing = {
        r.spec: r for r in Rendition.objects.filter(photo_id=photo_id, source_sha256=photo.sha256)
    }
    if photo.sha256 and all(spec.name in existing for spec in RENDITION_SPECS):
        logger.debug("Renditions of %s already exist for this content", photo_id)
    else:
        try:
            with default_storage.open(photo.original.name, "rb") as fp:
                renditions = render_renditions(fp, max_pixels=settings.MAX_IMAGE_PIXELS)
        except PhotoRejected as exc:
            photo_reject(photo_id=photo_id, step="thumbnails", reason=exc.reason)
            return
        for rendition in renditions:
            _store_rendition(photo, rendition)
    with transaction.atomic():
        if not Photo.objects.filter(pk=photo_id).update(thumbnails_done=True):
            return  # deleted meanwhile
        record_event(photo_id=photo_id, step="thumbnails", outcome="done")
    _complete_if_done(photo_id)


def _store_rendition(photo: Photo, rendition) -> None:
    """Write one rendition under its content-hash key and point the photo's row at it.

    The photo's row lock makes this one writer at a time, so a file under the key that no
    row names is a leftover of a run that died before committing: it is replaced, and the
    key stays exactly the one a re-run will look for.
    """
    ext = _EXTENSIONS.get(rendition.mime_type, "bin")
    key = photo_storage.rendition_key(
        owner_id=photo.owner_id,
        photo_id=photo.id,
        spec=rendition.name,
        sha256=photo.sha256,
        ext=ext,
    )
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
            photo_storage.delete_quietly(storage=default_storage, keys=[key])
            name = default_storage.save(key, ContentFile(rendition.data))
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
            transaction.on_commit(
                lambda: photo_storage.delete_quietly(storage=default_storage, keys=[previous])
            )


# --- labels -------------------------------------------------------------------------------


def photo_detect_labels(*, photo_id) -> None:
    from processing.labeling import detection_for_photo, save_detection

    photo = _load(photo_id, failed_too=True)
    if photo is None:
        return
    if not photo.labels_done:
        try:
            detection = detection_for_photo(photo)
        except PhotoRejected as exc:
            photo_reject(photo_id=photo_id, step="labels", reason=exc.reason)
            return
        save_detection(photo=photo, detection=detection)
    _complete_if_done(photo_id)


# --- re-driving from the database ---------------------------------------------------------


def pipeline_resend_stale(*, older_than_minutes: int | None = None) -> list:
    """Re-send photos left queued or processing (a restarted broker, a lost message).

    Returns the ids of the photos re-sent.
    """
    from processing import tasks

    if older_than_minutes is None:
        older_than_minutes = settings.PIPELINE_STALE_AFTER_MINUTES
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    stale = Photo.objects.filter(status__in=IN_FLIGHT).filter(
        Q(queued_at__lte=cutoff) | Q(queued_at__isnull=True)
    )
    ids = list(stale.values_list("id", flat=True))
    for photo_id in ids:
        Photo.objects.filter(pk=photo_id).update(queued_at=timezone.now())
        tasks.extract_metadata.send(str(photo_id))
    return ids
