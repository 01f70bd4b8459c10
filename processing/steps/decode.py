"""Open uploads by their content and decode them once, with the pixel limit checked first.

Nothing here trusts a file name or a claimed content type: Pillow is asked to identify the
bytes with an allowlist of formats. Pillow's global settings are left alone (no
`LOAD_TRUNCATED_IMAGES`, no changes to `MAX_IMAGE_PIXELS`): the limit is checked per call
from the header, before any pixel is decoded.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

import pillow_heif
from PIL import Image, UnidentifiedImageError, features

from processing.steps.budget import BAND_BYTES, DEFAULT_MAX_BYTES, GATE, check, decoding_bytes
from processing.steps.colour import reduce_in_bands, to_srgb
from processing.steps.errors import (
    CorruptImage,
    EmptyFile,
    NotAnImage,
    TooManyPixels,
    TruncatedImage,
    UnsupportedFormat,
)
from processing.steps.formats import PILLOW_FORMATS
from processing.steps.heif_boxes import read_meta, transform_orientation
from processing.steps.jpeg_scan import MAX_MISSING, missing_fraction
from processing.steps.sniff import image_signature, sniff, with_article, zero_dimensions

__all__ = [
    "ALLOWED_FORMATS",
    "DecodedImage",
    "decode",
    "fit_within",
    "memory_needed",
    "open_image",
    "sniff",
]

ALLOWED_FORMATS = PILLOW_FORMATS  # processing.steps.formats: the one table
SUPPORTED_TEXT = "JPEG, PNG, WebP, GIF, TIFF, HEIC/HEIF and AVIF"

pillow_heif.register_heif_opener()
if not features.check("avif"):  # Pillow ≥ 11.2 reads AVIF itself; older builds need pillow-heif
    _register_avif = getattr(pillow_heif, "register_avif_opener", None)
    if _register_avif is not None:
        _register_avif()

# Pillow names multi-picture JPEGs (most phone and many camera JPEGs) "MPO"; they are JPEGs.
_FORMAT_ALIASES = {"MPO": "JPEG"}

# What broken pixel data raises inside Pillow and its plugins while decoding.
_TRUNCATION_ERRORS = (SyntaxError, EOFError, struct.error)
_DECODE_ERRORS = (
    OSError,
    ValueError,
    IndexError,
    TypeError,
    KeyError,
    ZeroDivisionError,
    RuntimeError,
)

_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

TRUNCATED_REASON = (
    "The image data is truncated or corrupt, so the picture cannot be shown. "
    "Uploading the original file again usually helps."
)
CORRUPT_REASON = "The image data is damaged and cannot be decoded."


@dataclass
class DecodedImage:
    image: Image.Image  # loaded, orientation applied, mode L/RGB/RGBA in sRGB
    format: str  # "JPEG", "PNG", … (one of ALLOWED_FORMATS)
    exif: bytes | None  # the raw EXIF block as found in the file
    orientation: int | None  # EXIF orientation as stored (1–8), None when absent
    stored_size: tuple[int, int]  # width, height in the file, before any rotation or draft


def open_image(fp: IO[bytes], *, max_pixels: int) -> Image.Image:
    """Identify `fp` by content and check its size from the header, without decoding pixels."""
    fp.seek(0)
    head = fp.read(512)
    if not head:
        raise EmptyFile("The file is empty.")
    fp.seek(0)
    try:
        image = Image.open(fp, formats=sorted(ALLOWED_FORMATS))
    except Image.DecompressionBombError as exc:
        raise TooManyPixels(too_many_pixels_reason(_pixels_in(exc), max_pixels)) from None
    except UnidentifiedImageError:
        raise _unreadable(fp, head) from None
    except _TRUNCATION_ERRORS + _DECODE_ERRORS:
        raise CorruptImage(_damaged_header_reason(head)) from None
    width, height = image.size
    if width <= 0 or height <= 0:
        raise CorruptImage("The image has zero width or height.")
    if width * height > max_pixels:
        raise TooManyPixels(too_many_pixels_reason(width * height, max_pixels))
    note_transform_boxes(image, fp)
    return image


def decode(
    fp: IO[bytes],
    *,
    max_pixels: int,
    target: tuple[int, int] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_loaded: Callable[[Image.Image, tuple[int, int]], None] | None = None,
) -> DecodedImage:
    """Decode the first frame once, upright, as L/RGB/RGBA sRGB, within `max_bytes`.

    With `target` (a bounding box for the largest size needed later) JPEGs are decoded at a
    reduced DCT scale and other formats are box-reduced by an integer factor, so the result
    is never smaller than the box-fitted target but can be up to twice as large. The reduce
    runs in bands before any conversion, so only the decoded pixels are ever full size.
    Raises TooMuchMemory, before decoding anything, when that would need more than
    `max_bytes`; decodes running at once in this process share `max_bytes` (budget.GATE).

    `on_loaded(image, stored_size)` is called once the pixels are loaded, before any
    conversion: the moment to read what the file says about itself (EXIF) from the same
    decode.
    """
    image = open_image(fp, max_pixels=max_pixels)
    image_format = format_name(image)
    stored_size = image.size
    if target is not None and image_format == "JPEG":
        # JPEG EXIF sits in the header, so reading it here decodes nothing.
        image.draft("RGB", _stored_box(stored_size, target, applied_orientation(image)))
    needed = memory_needed(image, image_format, stored_size=stored_size, target=target)
    check(needed, max_bytes)
    with GATE.reserve(needed, max_bytes):
        require_whole_scan(fp, image_format)
        # Decode before any other EXIF access: PNG's getexif() loads pixels itself and a
        # failure there would be swallowed by the best-effort EXIF readers.
        load_pixels(image)
        if on_loaded is not None:
            on_loaded(image, stored_size)
        exif = image.info.get("exif") if isinstance(image.info.get("exif"), bytes) else None
        orientation = stored_orientation(image)
        applied = applied_orientation(image)
        if target is not None:
            fitted = _stored_box(stored_size, target, applied)
            factor = min(image.width // fitted[0], image.height // fitted[1])
            if factor >= 2:
                decoded, image = image, reduce_in_bands(image, factor, band_bytes=BAND_BYTES)
                decoded.close()  # the full-size pixels go now, not when the caller is done
        image = to_srgb(image)
        if applied in _TRANSPOSE:
            image = image.transpose(_TRANSPOSE[applied])
    return DecodedImage(image, image_format, exif, orientation, stored_size)


def memory_needed(
    image: Image.Image,
    image_format: str,
    *,
    stored_size: tuple[int, int],
    target: tuple[int, int] | None,
) -> int:
    """Bytes `decode` holds at its peak for this opened (not yet loaded) image.

    The decode itself, then either the bands and the reduced copy with its conversions, or,
    with no reduce, full-size conversions (to 32-bit pixels, through a profile, upright).
    The orientation is not known before PNG pixels load, so the smaller reduce is assumed.
    """
    width, height = image.size
    needed = decoding_bytes(image, image_format, stored_size=stored_size)
    factor = 1
    if target is not None:
        boxes = (fit_within(stored_size, target), fit_within(stored_size, target[::-1]))
        factor = min(min(width // box[0], height // box[1]) for box in boxes)
    if factor >= 2:
        reduced = math.ceil(width / factor) * math.ceil(height / factor) * 4
        return needed + 3 * BAND_BYTES + 3 * reduced
    converts = image.mode not in ("L", "RGB", "RGBA") or bool(image.info.get("icc_profile"))
    return needed + width * height * 4 * (3 if converts else 1)


def _stored_box(
    stored_size: tuple[int, int], target: tuple[int, int], orientation: int
) -> tuple[int, int]:
    """`target` fitted to the stored pixels (the box turns with a 90° orientation)."""
    box = (target[1], target[0]) if orientation in (5, 6, 7, 8) else target
    return fit_within(stored_size, box)


def require_whole_scan(fp: IO[bytes], image_format: str) -> None:
    """Reject a JPEG whose scan data stops early, even when an end marker follows it."""
    if image_format != "JPEG":
        return
    position = fp.tell()
    fp.seek(0)
    data = fp.read()
    fp.seek(position)
    if missing_fraction(data) > MAX_MISSING:
        raise TruncatedImage(TRUNCATED_REASON)


def load_pixels(image: Image.Image) -> None:
    """Decode the pixel data, turning Pillow's many failure modes into PhotoRejected."""
    try:
        image.load()
    except Image.DecompressionBombError as exc:
        raise TooManyPixels(too_many_pixels_reason(_pixels_in(exc), 0)) from None
    except OSError as exc:
        if "truncated" in str(exc).lower():
            raise TruncatedImage(TRUNCATED_REASON) from None
        raise CorruptImage(CORRUPT_REASON) from None
    except _TRUNCATION_ERRORS:
        raise TruncatedImage(TRUNCATED_REASON) from None
    except _DECODE_ERRORS:
        raise CorruptImage(CORRUPT_REASON) from None


def format_name(image: Image.Image) -> str:
    name = (image.format or "").upper()
    return _FORMAT_ALIASES.get(name, name)


def note_transform_boxes(image: Image.Image, fp: IO[bytes]) -> None:
    """Record a HEIF's irot/imir before decoding: libheif applies them and forgets them.

    Sets `image.info["transform_orientation"]` (1–8, or None when the file has no transform
    boxes); the orientation helpers below read it.
    """
    if format_name(image) == "HEIF":
        meta = read_meta(fp)
        image.info["transform_orientation"] = transform_orientation(meta) if meta else None


def stored_orientation(image: Image.Image) -> int | None:
    """The orientation the file declares, as an EXIF value; None when it declares none.

    HEIF: the transform boxes when there are any (they are what viewers apply), else the
    EXIF orientation, which pillow-heif moves to info["original_orientation"].
    """
    boxes = image.info.get("transform_orientation")
    if isinstance(boxes, int) and 1 <= boxes <= 8:
        return boxes
    original = image.info.get("original_orientation")
    if isinstance(original, int) and 1 <= original <= 8:
        return original
    return applied_orientation(image) if _exif_orientation(image) is not None else None


def applied_orientation(image: Image.Image) -> int:
    """The rotation still to apply to Pillow's pixels.

    libheif has applied a HEIF's transform boxes itself; a HEIF without any (some phones
    write only EXIF) still needs its EXIF orientation, which pillow-heif reset to 1.
    """
    if "transform_orientation" in image.info and image.info["transform_orientation"] is None:
        original = image.info.get("original_orientation")
        if isinstance(original, int) and 1 <= original <= 8:
            return original
    return _exif_orientation(image) or 1


def _exif_orientation(image: Image.Image) -> int | None:
    try:
        value = image.getexif().get(0x0112)
    except Exception:  # a broken EXIF block must never fail a photo
        return None
    if isinstance(value, int) and 1 <= value <= 8:
        return value
    return None


def fit_within(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """Largest size with the same aspect ratio inside `box`; never larger than `size`."""
    width, height = size
    scale = min(box[0] / width, box[1] / height, 1.0)
    return max(1, min(box[0], round(width * scale))), max(1, min(box[1], round(height * scale)))


def too_many_pixels_reason(pixels: int | None, max_pixels: int) -> str:
    limit = f"; the limit is {_megapixels(max_pixels)}" if max_pixels else ""
    if pixels is None:
        return f"The image has too many pixels to process safely{limit}."
    shown = f"{math.floor(pixels / 1_000_000):,}"
    if max_pixels and math.floor(pixels / 1_000_000) <= max_pixels / 1_000_000:
        shown = f"{pixels / 1_000_000:,.1f}"
    return f"Image is {shown} megapixels{limit}"


def _megapixels(pixels: int) -> str:
    value = pixels / 1_000_000
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def _pixels_in(exc: Exception) -> int | None:
    match = re.search(r"\((\d+) pixels\)", str(exc))
    return int(match.group(1)) if match else None


def _unreadable(fp: IO[bytes], head: bytes) -> Exception:
    """Explain why the allowlisted formats could not open the file."""
    other = _identify_any_format(fp)
    if other:
        return UnsupportedFormat(
            f"This file is {with_article(other)} image; supported formats are {SUPPORTED_TEXT}."
        )
    if zero_dimensions(head):
        return CorruptImage("The image has zero width or height.")
    if image_signature(head):
        return CorruptImage(_damaged_header_reason(head))
    return NotAnImage(f"This file is not an image we can read (it looks like {sniff(head)}).")


def _identify_any_format(fp: IO[bytes]) -> str | None:
    """The format name if Pillow knows the file with all its plugins enabled."""
    fp.seek(0)
    try:
        with Image.open(fp) as other:
            name = format_name(other)
    except Image.DecompressionBombError:
        return None
    except (UnidentifiedImageError,) + _TRUNCATION_ERRORS + _DECODE_ERRORS:
        return None
    return None if name in ALLOWED_FORMATS else name


def _damaged_header_reason(head: bytes) -> str:
    kind = image_signature(head)
    if kind:
        kind = with_article(kind)
        return f"The file starts like {kind} image, but its data is damaged and cannot be read."
    return CORRUPT_REASON
