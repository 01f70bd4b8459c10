"""Bring any decoded Pillow image to 8-bit sRGB as L, RGB or RGBA."""

from __future__ import annotations

import io
import logging
import math

from PIL import Image

try:  # Pillow can be built without LittleCMS; then embedded profiles are ignored.
    from PIL import ImageCms
except ImportError:  # pragma: no cover - depends on the Pillow build
    ImageCms = None

logger = logging.getLogger(__name__)


_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")) if ImageCms else None


def to_srgb(image: Image.Image) -> Image.Image:
    """Return `image` as L, RGB or RGBA in sRGB, with no ICC profile left in `info`.

    The result may be `image` itself when nothing needed changing.
    """
    icc = image.info.get("icc_profile") or None
    image = _to_basic_mode(image)
    if icc and _SRGB is not None:
        image = _apply_profile(image, icc)
    if image.mode == "CMYK":
        image = image.convert("RGB")
    elif image.mode not in ("L", "RGB", "RGBA"):
        image = image.convert("RGB")
    image.info.pop("icc_profile", None)
    return image


def reduce_in_bands(image: Image.Image, factor: int, *, band_bytes: int) -> Image.Image:
    """`image` box-reduced by `factor`, converted band by band so no full-size copy is made.

    Each band of rows (a multiple of `factor`) is cropped, brought to a mode `reduce()`
    takes (RGBA's premultiplied copy, P's RGBA, 16-bit grey's 32-bit copy all stay band
    sized), reduced and pasted. The embedded ICC profile stays in `info` for `to_srgb`.
    """
    width, height = image.size
    convert = _band_converter(image)
    rows = max(factor, band_bytes // max(1, width * 4) // factor * factor)
    reduced = None
    for top in range(0, height, rows):
        band = convert(image.crop((0, top, width, min(height, top + rows))))
        part = band.reduce(factor) if factor > 1 else band
        if reduced is None:
            size = (math.ceil(width / factor), math.ceil(height / factor))
            reduced = Image.new(part.mode, size)
        reduced.paste(part, (0, top // factor))
        del band, part
    reduced.info = {key: image.info[key] for key in ("icc_profile",) if key in image.info}
    return reduced


def _band_converter(image: Image.Image):
    """How to bring one band of `image` to a mode reduce() averages correctly."""
    mode = image.mode
    if mode.startswith("I;16"):
        scale = 1 / 256 if image.getextrema()[1] > 255 else 1  # the whole image's range
        return lambda band: band.convert("I").point(lambda value: value * scale)
    if mode in ("P", "PA", "1"):  # palette indices and bits cannot be averaged
        return _to_basic_mode
    return lambda band: band


def has_alpha(image: Image.Image) -> bool:
    """True when some pixel is not fully opaque."""
    if image.mode not in ("RGBA", "LA", "PA", "La", "RGBa"):
        return False
    low, _high = image.getchannel("A").getextrema()
    return low < 255


def _to_basic_mode(image: Image.Image) -> Image.Image:
    """Convert exotic modes to L, RGB, RGBA, CMYK or LAB (profiles are applied afterwards)."""
    mode = image.mode
    if mode in ("L", "RGB", "RGBA", "CMYK", "LAB"):
        return image
    if mode == "1":
        return image.convert("L")
    if mode == "P":
        transparent = "transparency" in image.info or image.palette.mode == "RGBA"
        return image.convert("RGBA" if transparent else "RGB")
    if mode in ("PA", "LA", "La", "RGBa"):
        return image.convert("RGBA")
    if mode.startswith("I") or mode == "F":
        return _sixteen_bit_to_l(image)
    return image.convert("RGB")  # RGBX, YCbCr, HSV …


def _sixteen_bit_to_l(image: Image.Image) -> Image.Image:
    """Scale 16-bit (and 32-bit int) greyscale to 0–255 instead of clipping at 255."""
    if image.mode == "F":
        return image.convert("L")
    as_int = image if image.mode == "I" else image.convert("I")
    low, high = as_int.getextrema()
    scale = 1 / 256 if high > 255 else 1
    return as_int.point(lambda value: value * scale).convert("L")


def _apply_profile(image: Image.Image, icc: bytes) -> Image.Image:
    """Convert through the embedded ICC profile to sRGB; keep the pixels as they are on failure."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        space = source.profile.xcolor_space.strip()
        description = (source.profile.profile_description or "").lower()
    except (OSError, ValueError, TypeError, ImageCms.PyCMSError):
        logger.info("ignoring an unreadable ICC profile")
        return image
    if space == "GRAY" or image.mode == "L":
        return image  # a grey profile: keep L, the tone curve difference is negligible
    if space == "RGB" and image.mode in ("RGB", "RGBA") and description.startswith("srgb"):
        return image  # already sRGB: skip the transform (the common camera case)
    expected = {"RGB": ("RGB", "RGBA"), "CMYK": ("CMYK",), "LAB": ("LAB",)}.get(space, ())
    if image.mode not in expected:
        return image
    alpha = image.getchannel("A") if image.mode == "RGBA" else None
    source_image = image.convert("RGB") if alpha is not None else image
    try:
        converted = ImageCms.profileToProfile(
            source_image,
            source,
            _SRGB,
            outputMode="RGB",
            renderingIntent=ImageCms.Intent.PERCEPTUAL,
        )
    except (OSError, ValueError, ImageCms.PyCMSError):
        logger.info("ICC conversion failed; using the pixels unconverted")
        return image
    if alpha is not None:
        converted.putalpha(alpha)
    converted.info.pop("icc_profile", None)
    return converted
