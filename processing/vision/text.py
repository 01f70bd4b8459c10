"""Text in photos, with RapidOCR 3.x and only the PP-OCR models its wheel bundles.

RapidOCR downloads a model when its configuration names none that is on disk; here each of
its three stages (detection, orientation, recognition) is given the bundled file's path, so
no download path is ever taken, and one onnxruntime thread (processing.vision.runtime has
set ORT_DISABLE_TELEMETRY before onnxruntime is first imported). Lines come back in reading
order (top to bottom, then left to right), each with its confidence.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib.resources import files

import numpy as np
from PIL import Image

from processing.vision import runtime

MAX_SIDE = 1600  # the working copy's size; RapidOCR scales detection input itself
DETECT_SIDE = 1024
DEFAULT_MIN_CONFIDENCE = 70.0  # percent, per line
MIN_LINE_CHARS = 2  # single characters are mostly noise (texture read as "I" or "1")
BUNDLED = {
    "Det": "PP-OCRv6_det_small.onnx",
    "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
    "Rec": "PP-OCRv6_rec_small.onnx",
}
# RapidOCR keeps per-call state on the engine object (its parameters are updated in place
# by each call), so calls are serialised; sessions themselves are shared.
_lock = threading.Lock()


@dataclass(frozen=True)
class TextLine:
    text: str
    confidence: float  # 0–100
    box: tuple[float, float, float, float]  # left, top, width, height as fractions, 0–1


def bundled_model(name: str) -> str:
    path = files("rapidocr").joinpath("models", name)
    if not path.is_file():
        raise FileNotFoundError(f"rapidocr is installed without its bundled model {name}")
    return str(path)


def _build():
    # RapidOCR loads its models on import (about a second): only when text is read locally.
    from rapidocr import RapidOCR

    params: dict = {
        "Global.log_level": "error",
        # One intra-op thread means no pool of spinning threads: the caller's thread runs it.
        "EngineConfig.onnxruntime.intra_op_num_threads": 1,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        # Detection on at most DETECT_SIDE px on the long side (RapidOCR's default scales the
        # *short* side up to 736, i.e. a 1600 px photo runs whole: ~2x the time and ~400 MB
        # more); lines found are still read from the full working copy.
        "Det.limit_type": "max",
        "Det.limit_side_len": DETECT_SIDE,
    }
    for stage, name in BUNDLED.items():
        params[f"{stage}.model_path"] = bundled_model(name)
    return RapidOCR(params=params)


def _engine():
    return runtime.cached("text", _build)


def load() -> None:
    _engine()


def read_text(
    image: Image.Image, *, min_confidence: float = DEFAULT_MIN_CONFIDENCE
) -> list[TextLine]:
    """The lines of text in the photo, in reading order."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    if max(rgb.size) > MAX_SIDE:
        rgb = rgb.copy()
        rgb.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.BILINEAR)
    bgr = np.ascontiguousarray(np.asarray(rgb)[:, :, ::-1])
    engine = _engine()
    with _lock:
        result = engine(bgr)
    if not result.txts:
        return []
    width, height = rgb.size
    lines = []
    for box, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
        text = " ".join(text.split())
        confidence = round(float(score) * 100, 1)
        if len(text.replace(" ", "")) < MIN_LINE_CHARS or confidence < min_confidence:
            continue
        xs, ys = box[:, 0], box[:, 1]
        left, top = max(0.0, float(xs.min())), max(0.0, float(ys.min()))
        right, bottom = min(width, float(xs.max())), min(height, float(ys.max()))
        frac = (left / width, top / height, (right - left) / width, (bottom - top) / height)
        lines.append(TextLine(text, confidence, tuple(round(v, 4) for v in frac)))
    lines.sort(key=lambda line: (round(line.box[1], 2), line.box[0]))
    return lines
