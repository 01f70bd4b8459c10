"""Choosing the label detector, handing it a photo, and saving what it found."""

import functools

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.db import transaction

from albums import storage as photo_storage
from albums.models import Label, ModerationDecision, Photo, PhotoLabel
from processing.detectors.base import Detection, DetectorImage
from processing.detectors.rekognition import MAX_SIDE
from processing.steps.decode import decode

# Rekognition reads JPEG and PNG objects up to 15 MB straight from S3.
S3_REFERENCE_FORMATS = {"JPEG", "PNG"}
S3_REFERENCE_MAX_BYTES = 15 * 1024 * 1024
LOCAL_ANALYSIS_SIZE = (512, 512)


@functools.cache
def get_detector():
    name = settings.LABEL_DETECTOR
    if name == "local":
        from processing.detectors.local import LocalDetector

        return LocalDetector()
    if name == "rekognition":
        from imagesite.aws import rekognition_client
        from processing.detectors.rekognition import RekognitionDetector

        return RekognitionDetector(
            rekognition_client(),
            max_labels=settings.REKOGNITION_MAX_LABELS,
            min_confidence=settings.REKOGNITION_MIN_CONFIDENCE,
            detect_text=settings.REKOGNITION_DETECT_TEXT,
        )
    raise ImproperlyConfigured(f"LABEL_DETECTOR must be 'local' or 'rekognition', not {name!r}")


def detector_image(photo: Photo, *, detector) -> DetectorImage:
    """What the detector is given: an S3 reference when it can read the object itself,
    otherwise a decoded, downscaled image (one decode, with draft() for JPEG)."""
    in_s3 = photo_storage.uses_presigned_uploads(default_storage)
    if (
        getattr(detector, "name", "") == "rekognition"
        and in_s3
        and photo.format in S3_REFERENCE_FORMATS
        and (photo.size or 0) < S3_REFERENCE_MAX_BYTES
    ):
        return DetectorImage(
            data=None,
            format=photo.format,
            width=photo.width,
            height=photo.height,
            size=photo.size,
            s3_bucket=default_storage.bucket_name,
            s3_key=photo.original.name,
            image=None,
        )
    # Rekognition gets at most MAX_SIDE pixels a side: draft() decodes big JPEGs near that.
    rekognition = getattr(detector, "name", "") == "rekognition"
    target = (MAX_SIDE, MAX_SIDE) if rekognition else LOCAL_ANALYSIS_SIZE
    with default_storage.open(photo.original.name, "rb") as fp:
        decoded = decode(fp, max_pixels=settings.MAX_IMAGE_PIXELS, target=target)
    image = decoded.image
    if target is not None and (image.width > target[0] or image.height > target[1]):
        image = image.copy()
        image.thumbnail(target)
    return DetectorImage(
        data=None,
        format=photo.format,
        width=photo.width,
        height=photo.height,
        size=photo.size,
        s3_bucket=None,
        s3_key=None,
        image=image,
    )


def detection_for_photo(photo: Photo) -> Detection:
    detector = get_detector()
    return detector.detect(detector_image(photo, detector=detector))


def _label_ids(names: set[str]) -> dict[str, int]:
    """Each name's Label id, creating the missing ones.

    The database decides which names are the same label: MySQL's collations count "STOP"
    and "Stop", or "Café" and "Cafe", as one name, and return the spelling stored first.
    A name not found as spelled is looked up on its own, by the database's equality.
    """
    Label.objects.bulk_create([Label.named(n) for n in names], ignore_conflicts=True)
    ids = dict(Label.objects.filter(name__in=names).values_list("name", "id"))
    for name in names - ids.keys():
        ids[name] = Label.objects.get(name=name).pk
    return ids


@transaction.atomic
def save_detection(*, photo: Photo, detection: Detection) -> None:
    """Replace the photo's labels with this detection's, in one transaction."""
    from processing.services import lock_photo, record_event

    if not lock_photo(photo.pk):  # a concurrent run replaces these after this one commits
        return  # deleted meanwhile
    rows = [(PhotoLabel.Kind.LABEL, lbl) for lbl in detection.labels]
    rows += [(PhotoLabel.Kind.MODERATION, lbl) for lbl in detection.moderation]
    names = {lbl.name[:100] for _, lbl in rows}
    names |= {text[:100] for text in detection.text}
    ids = _label_ids(names) if names else {}
    PhotoLabel.objects.filter(photo=photo).delete()
    # The photo's current owner and sort position (the metadata step may have just run).
    current = Photo.objects.only("owner_id", "taken_at", "created_at").get(pk=photo.pk)
    merged: dict[tuple, PhotoLabel] = {}
    for kind, lbl in rows:
        key = (ids[lbl.name[:100]], kind)
        if key not in merged or merged[key].confidence < lbl.confidence:
            merged[key] = PhotoLabel.for_photo(
                current,
                label_id=key[0],
                kind=kind,
                confidence=lbl.confidence,
                source=detection.source,
                category=(lbl.category or "")[:100],
            )
    for text in detection.text:
        key = (ids[text[:100]], PhotoLabel.Kind.TEXT)
        merged.setdefault(
            key,
            PhotoLabel.for_photo(
                current, label_id=key[0], kind=key[1], confidence=100.0, source=detection.source
            ),
        )
    PhotoLabel.objects.bulk_create(merged.values())

    flagged = any(m.confidence >= settings.MODERATION_THRESHOLD for m in detection.moderation)
    updates = {"labels_done": True, "labels_skipped": (detection.skipped or "")[:255]}
    Photo.objects.filter(pk=photo.pk).update(**updates)
    # A moderator's decision stands: detecting the same content again does not undo it.
    if flagged and not ModerationDecision.objects.filter(photo_id=photo.pk).exists():
        Photo.objects.filter(pk=photo.pk, moderation=Photo.Moderation.VISIBLE).update(
            moderation=Photo.Moderation.FLAGGED
        )
    record_event(photo_id=photo.pk, step="labels", outcome="done", message=detection.skipped or "")
