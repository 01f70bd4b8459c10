"""What every label detector takes and returns. Pure data, no AWS, no Django."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from PIL import Image

SYNONYMS = "Synonyms"  # category of a label's other names; pages may hide it, search reads it


@dataclass
class DetectorImage:
    """One photo as a detector may see it. Detectors pick what they can use."""

    data: bytes | None  # the original file, when the caller has it in memory
    format: str  # "JPEG", "PNG", … as found by the metadata step
    width: int  # as displayed
    height: int
    size: int  # bytes of the original
    s3_bucket: str | None = None  # where the original lives, when in S3
    s3_key: str | None = None
    image: Image.Image | None = None  # a decoded, upright, small copy for pixel-based detectors


@dataclass(frozen=True)
class DetectedLabel:
    name: str
    confidence: float  # 0–100
    category: str = ""
    source: str = ""  # the detector that found it, when detections of several are merged


@dataclass(frozen=True)
class DetectedFace:
    """A face's box as fractions of the image's width and height (0–1), so it fits any
    rendition; kept for later use (a face count today, people and crops one day)."""

    left: float
    top: float
    width: float
    height: float
    confidence: float  # 0–100
    source: str = ""


@dataclass
class Detection:
    labels: list[DetectedLabel] = field(default_factory=list)
    moderation: list[DetectedLabel] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    skipped: str | None = None  # why nothing was detected, in plain words; the photo still proceeds
    # True when `text` is this detector's full answer for the photo's text (Rekognition with
    # detect_text): saving it then replaces the text rows, else they are left to the text step.
    replaces_text: bool = False
    faces: list[DetectedFace] = field(default_factory=list)
    # True when this detector looked for faces: saving replaces the photo's faces with `faces`
    # (none found clears them). A detector that did not look leaves stored faces alone.
    replaces_faces: bool = False
    source: str = ""  # the detector's name


class Detector(Protocol):
    name: str

    def detect(self, image: DetectorImage) -> Detection: ...


class TransientDetectorError(Exception):
    """The service is throttling or failing for now; the pipeline retries with backoff."""
