"""Every analysis by name, for the benchmark, the offline test and a worker's start-up.

Each entry loads its model (once per process) and runs on a working copy. The pipeline's
stages call the modules directly; this table is what lets one loop time or warm them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image

from processing.vision import faces, labels, moderation, places, text


@dataclass(frozen=True)
class Analysis:
    name: str
    load: Callable[[], None]
    run: Callable[[Image.Image, tuple[float, float] | None], Any]


ANALYSES: tuple[Analysis, ...] = (
    Analysis("labels", labels.load, lambda image, gps: labels.detect_labels(image)),
    Analysis("faces", faces.load, lambda image, gps: faces.detect_faces(image)),
    Analysis("moderation", moderation.load, lambda image, gps: moderation.score(image)),
    Analysis("text", text.load, lambda image, gps: text.read_text(image)),
    Analysis("places", places.load, lambda image, gps: places.find_place(*(gps or (None, None)))),
)
BY_NAME = {analysis.name: analysis for analysis in ANALYSES}


def load_all(names: tuple[str, ...] | None = None) -> None:
    """Load the models of the named analyses (all by default) now rather than on first use."""
    for analysis in ANALYSES:
        if names is None or analysis.name in names:
            analysis.load()


def working_copy(image: Image.Image, *, side: int = 1600) -> Image.Image:
    """What a stage is handed: upright RGB, at most `side` pixels on the long side."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    if max(rgb.size) > side:
        rgb = rgb.copy()
        rgb.thumbnail((side, side), Image.Resampling.LANCZOS)
    return rgb
