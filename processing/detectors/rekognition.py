"""Labels, moderation labels, faces and text from Amazon Rekognition.

The boto3 client is passed in (built once elsewhere), so tests use botocore's Stubber.
Throttling and server errors raise TransientDetectorError (the pipeline retries); images
Rekognition refuses give a Detection with `skipped` set, and the photo still becomes ready.
"""

from __future__ import annotations

import io
from typing import Any

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from PIL import Image

from processing.detectors.base import (
    SYNONYMS,
    DetectedFace,
    DetectedLabel,
    Detection,
    DetectorImage,
    TransientDetectorError,
)
from processing.steps.decode import decode
from processing.steps.errors import PhotoRejected
from processing.vision import people

MAX_S3_OBJECT_BYTES = 15 * 1024 * 1024  # Rekognition's limit for images read from S3
MAX_IMAGE_BYTES = 5 * 1024 * 1024  # … and for image bytes sent in the request
S3_FORMATS = {"JPEG", "PNG"}  # the only formats Rekognition decodes itself
MAX_SIDE = 4096  # no point sending more pixels than this for labels
DECODE_LIMIT = 100_000_000  # pixel limit when we must decode `data` ourselves

TRANSIENT_CODES = {
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "InternalServerError",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "LimitExceededException",
}
SKIP_REASONS = {
    "InvalidImageFormatException": "Rekognition cannot read this image format",
    "ImageTooLargeException": "the image is too large for Rekognition",
    "InvalidParameterException": "Rekognition rejected the image (too small or malformed)",
    "InvalidS3ObjectException": "Rekognition could not read the original from S3",
}


class RekognitionDetector:
    """Any of labels, moderation labels, faces and text, one Rekognition call each, all
    on the one image prepared.

    The switches let a mix of settings ask for only what it needs from Rekognition: a
    moderation and/or faces detector beside local labels, a text-only one for the text step.
    """

    name = "rekognition"

    def __init__(
        self,
        client: Any,
        *,
        max_labels: int,
        min_confidence: float,
        detect_text: bool,
        detect_labels: bool = True,
        detect_moderation: bool = True,
        detect_faces: bool = False,
    ) -> None:
        self.client = client
        self.max_labels = max_labels
        self.min_confidence = min_confidence
        self.detect_text = detect_text
        self.detect_labels = detect_labels
        self.detect_moderation = detect_moderation
        self.detect_faces = detect_faces

    def detect(self, image: DetectorImage) -> Detection:
        wanted = (self.detect_labels, self.detect_moderation, self.detect_faces, self.detect_text)
        if not any(wanted):
            return Detection(source=self.name)
        request_image = self.request_image(image)
        if request_image is None:
            reason = f"{self._what()} skipped: no image data to send"
            return Detection(skipped=reason, source=self.name)
        labels: dict = {}
        moderation: dict = {}
        text: dict = {}
        faces: dict = {}
        try:
            if self.detect_labels:
                labels = self.client.detect_labels(
                    Image=request_image,
                    MaxLabels=self.max_labels,
                    MinConfidence=self.min_confidence,
                )
            if self.detect_moderation:
                moderation = self.client.detect_moderation_labels(
                    Image=request_image, MinConfidence=self.min_confidence
                )
            if self.detect_faces:
                faces = self.client.detect_faces(Image=request_image)
            if self.detect_text:
                text = self.client.detect_text(Image=request_image)
        except ClientError as exc:
            return self._skip_or_raise(exc)
        except (EndpointConnectionError, ConnectionClosedError, ReadTimeoutError) as exc:
            raise TransientDetectorError(f"Rekognition unreachable: {exc}") from exc
        found_faces = _faces(faces.get("FaceDetails", []), min_confidence=self.min_confidence)
        return Detection(
            labels=[_label(item) for item in labels.get("Labels", [])] + _person(found_faces),
            moderation=[_moderation_label(item) for item in moderation.get("ModerationLabels", [])],
            text=[
                item["DetectedText"]
                for item in text.get("TextDetections", [])
                if item.get("Type") == "LINE" and item.get("DetectedText")
            ],
            faces=found_faces,
            replaces_faces=self.detect_faces,
            source=self.name,
            replaces_text=self.detect_text,
        )

    def _what(self) -> str:
        """What this detector was asked for, for a skip's reason: "labels", "text"…"""
        if self.detect_labels:
            return "labels"
        if self.detect_moderation:
            return "moderation"
        return "faces" if self.detect_faces else "text"

    def request_image(self, image: DetectorImage) -> dict[str, Any] | None:
        """S3Object for JPEG/PNG originals in S3 under 15 MB, else a JPEG under 5 MB as Bytes."""
        in_s3 = image.s3_bucket and image.s3_key
        if in_s3 and image.format.upper() in S3_FORMATS and image.size < MAX_S3_OBJECT_BYTES:
            return {"S3Object": {"Bucket": image.s3_bucket, "Name": image.s3_key}}
        picture = image.image
        if picture is None and image.data:
            try:
                decoded = decode(
                    io.BytesIO(image.data), max_pixels=DECODE_LIMIT, target=(MAX_SIDE, MAX_SIDE)
                )
                picture = decoded.image
            except PhotoRejected:
                return None
        if picture is None:
            return None
        return {"Bytes": jpeg_for_rekognition(picture)}

    def _skip_or_raise(self, exc: ClientError) -> Detection:
        error = exc.response.get("Error", {})
        code = error.get("Code", "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        if code in TRANSIENT_CODES or status >= 500:
            raise TransientDetectorError(f"Rekognition {code or status}: {error.get('Message')}")
        if code in SKIP_REASONS:
            reason = f"{self._what()} skipped: {SKIP_REASONS[code]}"
            return Detection(skipped=reason, source=self.name)
        raise exc  # access denied, bad credentials, …: not ours to hide; the pipeline retries


def jpeg_for_rekognition(image: Image.Image, *, max_bytes: int = MAX_IMAGE_BYTES) -> bytes:
    """A JPEG of `image` under `max_bytes`, shrinking it until it fits."""
    picture = _rgb(image)
    if max(picture.size) > MAX_SIDE:
        picture = picture.copy()
        picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS, reducing_gap=2.0)
    while True:
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=90)
        if buffer.tell() < max_bytes or max(picture.size) <= 64:
            return buffer.getvalue()
        width, height = picture.size
        size = (max(1, int(width * 0.75)), max(1, int(height * 0.75)))
        picture = picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def _rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _label(item: dict[str, Any]) -> DetectedLabel:
    categories = item.get("Categories") or []
    parents = item.get("Parents") or []
    category = (categories[0] if categories else parents[0] if parents else {}).get("Name", "")
    return DetectedLabel(item["Name"], float(item.get("Confidence", 0.0)), category)


def _moderation_label(item: dict[str, Any]) -> DetectedLabel:
    return DetectedLabel(
        item["Name"], float(item.get("Confidence", 0.0)), item.get("ParentName") or ""
    )


def _faces(details: list[dict[str, Any]], *, min_confidence: float) -> list[DetectedFace]:
    """The faces as the local detector keeps them: boxes cut to the image, in fractions of
    it (as Rekognition gives them), none narrower than people.MIN_FACE_SHARE or below
    `min_confidence` (DetectFaces has no threshold of its own), left to right."""
    found = []
    for item in details:
        box = item.get("BoundingBox") or {}
        confidence = float(item.get("Confidence", 0.0))
        if confidence < min_confidence or box.get("Width", 0.0) < people.MIN_FACE_SHARE:
            continue
        # A face at the edge can have a box reaching past it (Left or Top below 0).
        left, top = max(0.0, box.get("Left", 0.0)), max(0.0, box.get("Top", 0.0))
        right = min(1.0, box.get("Left", 0.0) + box["Width"])
        bottom = min(1.0, box.get("Top", 0.0) + box.get("Height", 0.0))
        if right <= left or bottom <= top:
            continue
        found.append(
            DetectedFace(
                left=round(left, 4),
                top=round(top, 4),
                width=round(right - left, 4),
                height=round(bottom - top, 4),
                confidence=confidence,
            )
        )
    found.sort(key=lambda face: (face.left, face.top))
    return found


def _person(faces: list[DetectedFace]) -> list[DetectedLabel]:
    """ "Person"/"People" and their synonyms, as the local detector labels the same faces."""
    out = []
    for label in people.person_labels([face.confidence for face in faces]):
        out.append(DetectedLabel(label.name, label.confidence, people.CATEGORY))
        out += [DetectedLabel(alias, label.confidence, SYNONYMS) for alias in label.aliases]
    return out
