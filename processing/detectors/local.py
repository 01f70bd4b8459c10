"""Offline labels computed from the pixels alone.

These are image *properties* — dominant colours, brightness, black-and-white, shape,
transparency — in the spirit of Rekognition's image-properties output. This is not object
recognition: it will never say "dog" or "beach". It exists so the site works with no
network and no cloud account (laptops, tests, self-hosting).
"""

from __future__ import annotations

import colorsys
import io

from PIL import Image, ImageStat

from processing.detectors.base import DetectedLabel, Detection, DetectorImage
from processing.steps.decode import decode
from processing.steps.errors import PhotoRejected

COLOURS = "Colors"
PROPERTIES = "Image Properties"

SAMPLE_SIZE = 64  # pixels on the long side of the copy we analyse
PALETTE_SIZE = 16  # colours the sample is quantized to before naming them
MIN_COLOUR_SHARE = 0.05  # a colour must cover 5% of the opaque pixels to be a label
MAX_COLOURS = 4


class LocalDetector:
    name = "local"

    def __init__(self, *, max_pixels: int = 100_000_000) -> None:
        self.max_pixels = max_pixels

    def detect(self, image: DetectorImage) -> Detection:
        picture = image.image if image.image is not None else self._decode(image.data)
        if picture is None:
            return Detection(skipped="labels skipped: no image data to look at", source=self.name)
        width, height = image.width or picture.width, image.height or picture.height
        sample = picture.copy()
        sample.thumbnail((SAMPLE_SIZE, SAMPLE_SIZE), Image.Resampling.BILINEAR)
        rgb = sample.convert("RGB")
        mask = _opaque_mask(sample)
        labels = []
        if mask is None or mask.getbbox():  # a fully transparent image has no colours
            labels += colour_labels(rgb, mask) + tone_labels(rgb, mask)
        labels += shape_labels(width, height)
        labels += transparency_labels(sample)
        return Detection(labels=labels, source=self.name)

    def _decode(self, data: bytes | None) -> Image.Image | None:
        if not data:
            return None
        try:
            box = (SAMPLE_SIZE * 4, SAMPLE_SIZE * 4)
            return decode(io.BytesIO(data), max_pixels=self.max_pixels, target=box).image
        except PhotoRejected:
            return None


def colour_name(red: int, green: int, blue: int) -> str:
    """Map an sRGB colour to one of eleven everyday names."""
    hue, saturation, value = colorsys.rgb_to_hsv(red / 255, green / 255, blue / 255)
    degrees = hue * 360
    if value < 0.18:
        return "Black"
    if saturation < 0.15 or (saturation < 0.25 and value < 0.35):
        return "White" if value > 0.85 else "Gray"
    if 10 <= degrees < 45 and value < 0.65:
        return "Brown"
    if degrees < 15 or degrees >= 345:
        return "Pink" if saturation < 0.45 and value > 0.7 else "Red"
    if degrees < 45:
        return "Orange"
    if degrees < 70:
        return "Yellow"
    if degrees < 165:
        return "Green"
    if degrees < 255:
        return "Blue"
    if degrees < 315:
        return "Purple"
    return "Pink"


def colour_labels(rgb: Image.Image, mask: Image.Image | None) -> list[DetectedLabel]:
    """Dominant colour names with confidence = share of the (opaque) pixels × 100."""
    quantized = rgb.quantize(colors=PALETTE_SIZE, method=Image.Quantize.MEDIANCUT)
    counts = quantized.histogram(mask=mask)[:256]
    palette = quantized.getpalette() or []
    total = sum(counts)
    if not total:
        return []
    shares: dict[str, float] = {}
    for index, count in enumerate(counts):
        if count and len(palette) >= index * 3 + 3:
            name = colour_name(*palette[index * 3 : index * 3 + 3])
            shares[name] = shares.get(name, 0.0) + count / total
    ranked = sorted(shares.items(), key=lambda item: item[1], reverse=True)
    return [
        DetectedLabel(name, round(share * 100, 1), COLOURS)
        for name, share in ranked[:MAX_COLOURS]
        if share >= MIN_COLOUR_SHARE
    ]


def tone_labels(rgb: Image.Image, mask: Image.Image | None) -> list[DetectedLabel]:
    """ "Bright"/"Dark" from mean luminance, "Black and White" from mean saturation."""
    labels = []
    brightness = ImageStat.Stat(rgb.convert("L"), mask).mean[0]
    if brightness >= 170:
        labels.append(DetectedLabel("Bright", round(brightness / 255 * 100, 1), PROPERTIES))
    elif brightness <= 70:
        labels.append(DetectedLabel("Dark", round((255 - brightness) / 255 * 100, 1), PROPERTIES))
    saturation = ImageStat.Stat(rgb.convert("HSV").getchannel("S"), mask).mean[0] / 255
    if saturation < 0.06:
        confidence = round((1 - saturation / 0.06) * 50 + 50, 1)
        labels.append(DetectedLabel("Black and White", confidence, PROPERTIES))
    return labels


def shape_labels(width: int, height: int) -> list[DetectedLabel]:
    """Landscape/Portrait/Square, plus Panorama for 2:1 or longer. Geometry is certain: 100."""
    if not width or not height:
        return []
    ratio = width / height
    if 0.95 <= ratio <= 1.05:
        return [DetectedLabel("Square", 100.0, PROPERTIES)]
    labels = [DetectedLabel("Landscape" if ratio > 1 else "Portrait", 100.0, PROPERTIES)]
    if ratio >= 2 or ratio <= 0.5:
        labels.append(DetectedLabel("Panorama", 100.0, PROPERTIES))
    return labels


def transparency_labels(sample: Image.Image) -> list[DetectedLabel]:
    """ "Transparent" with confidence = share of pixels that are not fully opaque × 100."""
    if "A" not in sample.getbands():
        return []
    alpha = sample.getchannel("A")
    histogram = alpha.histogram()
    see_through = sum(histogram[:255])
    if not see_through:
        return []
    share = see_through / (sample.width * sample.height)
    return [DetectedLabel("Transparent", round(max(share * 100, 1.0), 1), PROPERTIES)]


def _opaque_mask(sample: Image.Image) -> Image.Image | None:
    """Mask of pixels that count for colour and tone (transparent ones say nothing)."""
    if "A" not in sample.getbands():
        return None
    return sample.getchannel("A").point(lambda value: 255 if value >= 128 else 0)
