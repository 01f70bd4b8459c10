"""Faces, with libfacedetection's YuNet (the `yuface` wheel, BSD-3, model compiled in).

The photo is scaled to at most MAX_SIDE pixels (YuNet is made for small inputs;
960 px costs four times as long and found no more faces in the corpus) and
boxes come back as fractions of the image's width and height, so they fit any rendition.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import numpy as np
from PIL import Image

from processing.vision.labels import Label
from processing.vision.people import CATEGORY, MIN_FACE_SHARE, person_labels

MAX_SIDE = 640  # detection time grows with the area: ~4x from 640 to 960 px for few more faces
DEFAULT_MIN_CONFIDENCE = 75.0  # percent, YuNet's own score
# The C library keeps scratch buffers per call but its Python wrapper is not documented as
# re-entrant; one lock keeps concurrent worker threads from sharing them.
_lock = threading.Lock()


@dataclass(frozen=True)
class Face:
    left: float  # fractions of the image's width / height, 0–1
    top: float
    width: float
    height: float
    confidence: float  # 0–100


@dataclass(frozen=True)
class FacesFound:
    faces: tuple[Face, ...]

    @property
    def count(self) -> int:
        return len(self.faces)

    def labels(self) -> list[Label]:
        """'Person' for one face or more, 'People' for two or more, at the best faces' scores."""
        return [
            Label(found.name, found.confidence, CATEGORY, found.parents, found.aliases)
            for found in person_labels([face.confidence for face in self.faces])
        ]


class FacesUnavailable(RuntimeError):
    """yuface is not installed (it has wheels for CPython ≤ 3.11 only, and no sdist)."""


def load() -> None:
    # libfacedetection runs on OpenMP; one thread per worker thread, as for onnxruntime. Only
    # read when the OpenMP runtime first loads, so set before yuface is imported.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:
        import yuface  # noqa: F401  (the model is compiled into the library: nothing to read)
    except ImportError as exc:
        raise FacesUnavailable(
            "Face detection needs the yuface package, which has wheels for Python 3.11 and "
            "older only"
        ) from exc


def available() -> bool:
    try:
        load()
    except FacesUnavailable:
        return False
    return True


def detect_faces(
    image: Image.Image, *, min_confidence: float = DEFAULT_MIN_CONFIDENCE
) -> FacesFound:
    load()
    # yuface has wheels only for CPython <= 3.11: faces turn off where it is missing.
    import yuface

    rgb = image if image.mode == "RGB" else image.convert("RGB")
    scale = min(1.0, MAX_SIDE / max(rgb.size))
    if scale < 1.0:
        size = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
        rgb = rgb.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    bgr = np.ascontiguousarray(np.asarray(rgb)[:, :, ::-1])
    with _lock:
        confs, boxes, _landmarks = yuface.detect(bgr, conf=min_confidence / 100)
    width, height = rgb.size
    faces = []
    for conf, (x, y, w, h) in zip(confs, boxes, strict=True):
        if w / width < MIN_FACE_SHARE:
            continue
        left, top = max(0, int(x)), max(0, int(y))
        right, bottom = min(width, int(x) + int(w)), min(height, int(y) + int(h))
        faces.append(
            Face(
                left=round(left / width, 4),
                top=round(top / height, 4),
                width=round((right - left) / width, 4),
                height=round((bottom - top) / height, 4),
                confidence=float(conf),
            )
        )
    faces.sort(key=lambda face: (face.left, face.top))
    return FacesFound(tuple(faces))
