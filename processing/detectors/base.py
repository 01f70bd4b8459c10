"""What every label detector takes and returns. Pure data, no AWS, no Django."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from PIL import Image


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


@dataclass
class Detection:
    labels: list[DetectedLabel] = field(default_factory=list)
    moderation: list[DetectedLabel] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    skipped: str | None = None  # why nothing was detected, in plain words; the photo still proceeds
    source: str = ""  # the detector's name


class Detector(Protocol):
    name: str

    def detect(self, image: DetectorImage) -> Detection: ...


class TransientDetectorError(Exception):
    """The service is throttling or failing for now; the pipeline retries with backoff."""
