"""The offline models (processing/vision) behind the label-detector interface.

What the `labels` step needs from them, shaped like Rekognition's answer so the rest of the
pipeline treats both alike: content labels with every parent as a label of its own, synonyms
as labels of their own category (so a search for "puppy" finds a dog), "Person"/"People"
from faces (and the faces' boxes, kept), the colour and property labels of the local detector
under their own categories, and the NSFW score as a moderation label once it is worth a
moderator's look. Each analysis can be switched off, so the same class also serves as the
moderation-only or faces-only helper when labels come from Rekognition or are off.
Text is its own, slower step (processing.vision.text) unless `with_text` asks for it here.
"""

from __future__ import annotations

from processing.detectors.base import (
    SYNONYMS,
    DetectedFace,
    DetectedLabel,
    Detection,
    DetectorImage,
)
from processing.detectors.local import LocalDetector
from processing.vision import faces, labels, moderation, text
from processing.vision.labels import Label

MODERATION_FLOOR = 50.0  # scores below this are not recorded (a moderator flag needs more)


class VisionDetector:
    name = "local"  # LABEL_DETECTOR=local

    def __init__(
        self,
        *,
        min_confidence: float = labels.DEFAULT_MIN_CONFIDENCE,
        labels_enabled: bool = True,
        faces_enabled: bool = True,
        moderation_enabled: bool = True,
        with_text: bool = False,
        properties: bool = True,
        max_pixels: int = 100_000_000,
    ) -> None:
        self.min_confidence = min_confidence
        self.labels_enabled = labels_enabled
        self.faces_enabled = faces_enabled and faces.available()
        self.moderation_enabled = moderation_enabled
        self.with_text = with_text
        self.properties = LocalDetector(max_pixels=max_pixels) if properties else None

    def detect(self, image: DetectorImage) -> Detection:
        picture = image.image
        if picture is None and self.properties is not None:
            picture = self.properties._decode(image.data)
        if picture is None:
            return Detection(skipped="labels skipped: no image data to look at", source=self.name)
        rgb = picture.convert("RGB")
        found = []
        if self.labels_enabled:
            found += labels.detect_labels(rgb, min_confidence=self.min_confidence)
        boxes: list[DetectedFace] = []
        if self.faces_enabled:
            seen = faces.detect_faces(rgb)
            found += seen.labels()
            boxes = [
                DetectedFace(f.left, f.top, f.width, f.height, f.confidence) for f in seen.faces
            ]
        detection = Detection(
            labels=as_detected(found),
            faces=boxes,
            replaces_faces=self.faces_enabled,
            source=self.name,
        )
        if self.properties is not None:
            detection.labels += self.properties.detect(image).labels
        if self.moderation_enabled:
            score = moderation.score(rgb)
            detection.moderation = as_detected(score.labels(threshold=MODERATION_FLOOR))
        if self.with_text:
            detection.text = [line.text for line in text.read_text(rgb)]
        return detection


def as_detected(found: list[Label]) -> list[DetectedLabel]:
    """Each label, then each synonym not already a label, at the label's confidence."""
    out = [DetectedLabel(label.name, label.confidence, label.category) for label in found]
    names = {label.name.casefold() for label in found}
    for label in found:
        for alias in label.aliases:
            if alias.casefold() not in names:
                names.add(alias.casefold())
                out.append(DetectedLabel(alias, label.confidence, SYNONYMS))
    return out
