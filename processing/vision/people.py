"""What faces say about a photo, for every face detector: which faces count, and the
"Person"/"People" labels they give.

Shared by YuNet (faces.py) and Rekognition's DetectFaces (processing.detectors.rekognition),
so both give the same labels for the same faces. Plain Python, none of the local models: a
worker that finds faces with Rekognition loads no face model (yuface) for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MIN_FACE_SHARE = 0.02  # a face narrower than 2% of the image is noise more often than not
CATEGORY = "Person Description"


@dataclass(frozen=True)
class PersonLabel:
    name: str
    confidence: float  # 0–100
    parents: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # other words for it, kept as labels of their own


def person_labels(confidences: Sequence[float]) -> list[PersonLabel]:
    """'Person' for one face or more, at the best face's confidence; 'People' for two or
    more, at the second best's."""
    ranked = sorted(confidences, reverse=True)
    found = []
    if ranked:
        found.append(PersonLabel("Person", ranked[0], aliases=("Human", "Face")))
    if len(ranked) >= 2:
        found.append(PersonLabel("People", ranked[1], parents=("Person",), aliases=("Group",)))
    return found
