"""Content labels from EfficientNet-Lite0 (ImageNet-1k), with parents and synonyms.

The model file is exported once by scripts/export_efficientnet_lite0.py and committed with
its licence (models/README.md). Inputs are the photo squashed to 224×224 RGB and scaled as
(x − 127) / 128, the scaling the Lite models were trained with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from processing.vision import runtime, taxonomy

MODEL = runtime.MODELS_DIR / "efficientnet_lite0.onnx"
SIZE = 224
DEFAULT_MIN_CONFIDENCE = 30.0  # percent; a label (or parent) needs this much probability
CATEGORY = "Objects and Scenes"
# A class adds to its parents only from this probability up: hundreds of classes at 0.5%
# each would otherwise add up to a confident "Animal" in a landscape.
MIN_CLASS_SHARE = 0.02


@dataclass(frozen=True)
class Label:
    name: str
    confidence: float  # 0–100
    category: str = ""
    parents: tuple[str, ...] = ()  # nearest first, as Rekognition lists them
    aliases: tuple[str, ...] = ()  # other words for the same thing (synonyms)


def _session():
    return runtime.cached("labels", lambda: runtime.new_session(MODEL))


def load() -> None:
    """Load the model now (a worker calls this at start so the first photo is not slower)."""
    _session()


def model_input(image: Image.Image) -> np.ndarray:
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    factor = min(rgb.width, rgb.height) // (SIZE * 2)
    if factor >= 2:  # a box-reduce first is 4× cheaper than one bilinear pass from 1600 px
        rgb = rgb.reduce(factor)
    rgb = rgb.resize((SIZE, SIZE), Image.Resampling.BILINEAR)
    pixels = (np.asarray(rgb, dtype=np.float32) - 127.0) / 128.0
    return np.ascontiguousarray(pixels.transpose(2, 0, 1)[np.newaxis])


def probabilities(image: Image.Image) -> np.ndarray:
    """The model's 1000 class probabilities for `image` (softmax of the logits)."""
    session = _session()
    (logits,) = session.run(None, {"image": model_input(image)})
    logits = logits[0].astype(np.float64)
    exp = np.exp(logits - logits.max())
    return exp / exp.sum()


def labels_from(probs: np.ndarray, *, min_confidence: float) -> list[Label]:
    """Class labels and parent labels at or above min_confidence, most confident first.

    A parent's confidence is the sum of its classes' probabilities (capped at 100).
    """
    totals: dict[str, float] = {}
    parents_of: dict[str, tuple[str, ...]] = {}
    for cls in taxonomy.classes():
        p = float(probs[cls.index])
        if p < MIN_CLASS_SHARE:
            continue
        totals[cls.name] = totals.get(cls.name, 0.0) + p
        parents_of.setdefault(cls.name, cls.parents)
        for depth, parent in enumerate(cls.parents):
            totals[parent] = totals.get(parent, 0.0) + p
            parents_of.setdefault(parent, cls.parents[depth + 1 :])
    labels = []
    for name, total in totals.items():
        confidence = round(min(total, 1.0) * 100, 1)
        if confidence >= min_confidence:
            parents = parents_of[name]
            labels.append(
                Label(
                    name=name,
                    confidence=confidence,
                    category=CATEGORY,
                    parents=parents,
                    aliases=taxonomy.SYNONYMS.get(name, ()),
                )
            )
    labels.sort(key=lambda label: (-label.confidence, label.name))
    return labels


def detect_labels(
    image: Image.Image, *, min_confidence: float = DEFAULT_MIN_CONFIDENCE
) -> list[Label]:
    """What the photo shows, as labels a person would search for ("Beagle", "Dog", "Pet")."""
    return labels_from(probabilities(image), min_confidence=min_confidence)
