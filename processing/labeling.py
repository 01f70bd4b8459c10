"""Choosing the label detector, handing it a photo, and saving what it found."""

import dataclasses
import functools
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from PIL import Image

from albums.models import Label, ModerationDecision, Photo, PhotoFace, PhotoLabel
from processing.detectors.base import DetectedFace, DetectedLabel, Detection, DetectorImage
from processing.services import lock_photo

Found = TypeVar("Found", DetectedLabel, DetectedFace)


@functools.cache
def get_detector():
    """The detector LABEL_DETECTOR names, or None when labels are off.

    It also answers for whatever else of the settings it can do in the same pass: local
    moderation and faces beside local labels, Rekognition moderation, faces and text beside
    Rekognition labels. The rest is left to get_helper_detectors().
    """
    name = settings.LABEL_DETECTOR
    if name == "off":
        return None
    if name == "local":
        # The local models (onnxruntime, numpy) load only when a local detector is chosen.
        from processing.detectors.vision import VisionDetector

        return VisionDetector(
            min_confidence=settings.LABEL_MIN_CONFIDENCE,
            faces_enabled=faces_mode() == "local",
            moderation_enabled=moderation_mode() == "local",
        )
    if name == "rekognition":
        return rekognition_detector(
            labels=True,
            moderation=moderation_mode() == "rekognition",
            faces=faces_mode() == "rekognition",
            text=text_with_labels(),
        )
    raise ImproperlyConfigured(
        f"LABEL_DETECTOR must be 'local', 'rekognition' or 'off', not {name!r}"
    )


def moderation_mode() -> str:
    """MODERATION_DETECTOR, or LABEL_DETECTOR's value when it is left empty."""
    return settings.MODERATION_DETECTOR or settings.LABEL_DETECTOR


def faces_mode() -> str:
    return settings.FACES_DETECTOR


def text_with_labels() -> bool:
    """Rekognition reads the text in the labels step only when it finds the labels too (one
    image sent, one step); with any other label detector the text step asks it itself."""
    return settings.LABEL_DETECTOR == "rekognition" and settings.TEXT_DETECTOR == "rekognition"


def rekognition_detector(*, labels: bool, moderation: bool, text: bool, faces: bool = False):
    # boto3 and the Rekognition client load only when Rekognition is chosen.
    from imagesite.aws import rekognition_client
    from processing.detectors.rekognition import RekognitionDetector

    return RekognitionDetector(
        rekognition_client(),
        max_labels=settings.REKOGNITION_MAX_LABELS,
        min_confidence=settings.REKOGNITION_MIN_CONFIDENCE,
        detect_labels=labels,
        detect_moderation=moderation,
        detect_faces=faces,
        detect_text=text,
    )


@functools.cache
def get_text_detector():
    """Rekognition reading text alone, for the text step (TEXT_DETECTOR=rekognition with
    labels from elsewhere)."""
    return rekognition_detector(labels=False, moderation=False, text=True)


@functools.cache
def get_helper_detectors() -> tuple:
    """What the settings ask for that the label detector does not do, one detector for each
    service: Rekognition moderation and/or faces beside local labels (or none), local
    moderation and/or faces beside Rekognition labels (or none). Empty when the label
    detector covers everything."""
    helpers = []
    label, moderation, faces = settings.LABEL_DETECTOR, moderation_mode(), faces_mode()
    rekognition_moderation = moderation == "rekognition" and label != "rekognition"
    rekognition_faces = faces == "rekognition" and label != "rekognition"
    if rekognition_moderation or rekognition_faces:
        helpers.append(
            rekognition_detector(
                labels=False, moderation=rekognition_moderation, faces=rekognition_faces, text=False
            )
        )
    local_moderation = moderation == "local" and label != "local"
    local_faces = faces == "local" and label != "local"
    if local_moderation or local_faces:
        # The local models (onnxruntime, numpy) load only when a local detector is chosen.
        from processing.detectors.vision import VisionDetector

        helpers.append(
            VisionDetector(
                labels_enabled=False,
                properties=False,
                faces_enabled=local_faces,
                moderation_enabled=local_moderation,
            )
        )
    return tuple(helpers)


def detector_image(photo: Photo, image: Image.Image) -> DetectorImage:
    """What a detector is given: the working copy (the preview rendition, decoded), never
    the original. Rekognition is sent that copy as a JPEG; local detectors read its pixels."""
    return DetectorImage(
        data=None,
        format=photo.format,
        width=photo.width,
        height=photo.height,
        size=photo.size,
        image=image,
    )


def detection_for_photo(photo: Photo, image: Image.Image) -> Detection:
    """What every analysis of the labels step found, as one Detection.

    The label detector and its helpers each answer for their own part (labels, moderation,
    faces); each label keeps the name of the detector that found it.
    """
    detectors = [d for d in (get_detector(), *get_helper_detectors()) if d is not None]
    if not detectors:
        return Detection(skipped="Labels are turned off (LABEL_DETECTOR=off)", source="off")
    subject = detector_image(photo, image)
    return combined([detector.detect(subject) for detector in detectors])


def combined(detections: list[Detection]) -> Detection:
    """One Detection from several detectors'; the first one's name and skip reason lead."""
    first = detections[0]
    out = Detection(source=first.source, skipped=first.skipped)
    for detection in detections:
        mark = functools.partial(_sourced, detection.source)
        out.labels += map(mark, detection.labels)
        out.moderation += map(mark, detection.moderation)
        out.text += detection.text
        out.replaces_text = out.replaces_text or detection.replaces_text
        if detection.replaces_faces:
            out.faces, out.replaces_faces = list(map(mark, detection.faces)), True
    return out


def _sourced(source: str, found: Found) -> Found:
    return found if found.source else dataclasses.replace(found, source=source)


def label_ids(names: set[str]) -> dict[str, int]:
    """Each name's Label id, creating the missing ones.

    Call it before the photo's transaction: labels are shared by every photo, and creating
    them commits at once, in name order, so two steps saving the same new names hold
    InnoDB's unique-key locks for one short insert, in the same order (inside a longer
    transaction, in set order, they deadlocked and cost a retry). A label nothing uses
    yet is harmless.

    The database decides which names are the same label: MySQL's collations count "STOP"
    and "Stop", or "Café" and "Cafe", as one name, and return the spelling stored first.
    A name not found as spelled is looked up on its own, by the database's equality.
    """
    if not names:
        return {}
    with transaction.atomic():
        Label.objects.bulk_create([Label.named(n) for n in sorted(names)], ignore_conflicts=True)
    ids = dict(Label.objects.filter(name__in=names).values_list("name", "id"))
    for name in names - ids.keys():
        ids[name] = Label.objects.get(name=name).pk
    return ids


def save_detection(*, photo: Photo, detection: Detection) -> None:
    """Replace the photo's labels with this detection's, in one transaction (and its faces,
    when the detection looked for them)."""
    rows = [(PhotoLabel.Kind.LABEL, lbl) for lbl in detection.labels]
    rows += [(PhotoLabel.Kind.MODERATION, lbl) for lbl in detection.moderation]
    names = {lbl.name[:100] for _, lbl in rows}
    names |= {text[:100] for text in detection.text}
    ids = label_ids(names)
    with transaction.atomic():
        _replace_labels(photo, detection, rows, ids)


def _replace_labels(photo: Photo, detection: Detection, rows: list, ids: dict[str, int]) -> None:
    if not lock_photo(photo.pk):  # a concurrent run replaces these after this one commits
        return  # deleted meanwhile
    # Only the kinds this detection answers for: text and places are steps of their own
    # (processing/stages/text.py, places.py) unless the detector read the text itself.
    kinds = [PhotoLabel.Kind.LABEL, PhotoLabel.Kind.MODERATION]
    if detection.replaces_text:
        kinds.append(PhotoLabel.Kind.TEXT)
    PhotoLabel.objects.filter(photo=photo, kind__in=kinds).delete()
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
                source=(lbl.source or detection.source)[:32],
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
    if detection.replaces_faces:
        _replace_faces(photo.pk, detection)

    flagged = any(m.confidence >= settings.MODERATION_THRESHOLD for m in detection.moderation)
    # A moderator's decision stands: detecting the same content again does not undo it.
    if flagged and not ModerationDecision.objects.filter(photo_id=photo.pk).exists():
        Photo.objects.filter(pk=photo.pk, moderation=Photo.Moderation.VISIBLE).update(
            moderation=Photo.Moderation.FLAGGED
        )


def _replace_faces(photo_id, detection: Detection) -> None:
    """The photo's faces become the detection's: reprocessing replaces, never duplicates."""
    PhotoFace.objects.filter(photo_id=photo_id).delete()
    PhotoFace.objects.bulk_create(
        PhotoFace(
            photo_id=photo_id,
            left=_fraction(face.left),
            top=_fraction(face.top),
            width=_fraction(face.width),
            height=_fraction(face.height),
            confidence=face.confidence,
            source=(face.source or detection.source)[:32],
        )
        for face in detection.faces
    )


def _fraction(value: float) -> float:
    return min(1.0, max(0.0, float(value)))
