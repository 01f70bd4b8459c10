"""Validate an upload and read what the file says about itself (EXIF, size, hash).

This is the pipeline's validation step: it raises PhotoRejected for anything that is not a
decodable image (the pixels are decoded once, at 1/8 scale for JPEG, to catch truncation).
EXIF is best effort: every field is read on its own and a broken block never fails a photo.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, TypeVar

from PIL import ExifTags, Image

from processing.steps.decode import (
    applied_orientation,
    format_name,
    load_pixels,
    open_image,
    stored_orientation,
)
from processing.steps.makernote import canon_iso

T = TypeVar("T")

CHUNK_SIZE = 1024 * 1024
MAX_TEXT = 255  # longest camera/lens text kept

MIME_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "TIFF": "image/tiff",
    "HEIF": "image/heif",
    "AVIF": "image/avif",
}
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"}
_DATE_FORMATS = ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y:%m:%d %H:%M", "%Y-%m-%dT%H:%M:%S")
_OFFSET = re.compile(r"^[+-](0\d|1[0-4]):[0-5]\d$")

Base = ExifTags.Base
GPS = ExifTags.GPS


@dataclass(frozen=True)
class PhotoMetadata:
    format: str
    mime_type: str
    size: int
    sha256: str
    width: int  # as displayed, after the EXIF orientation
    height: int
    orientation: int | None = None
    taken_at: datetime | None = None  # naive, camera local time
    taken_at_offset: str | None = None  # "+02:00"
    camera_make: str | None = None
    camera_model: str | None = None
    lens: str | None = None
    exposure_time: float | None = None  # seconds
    f_number: float | None = None
    iso: int | None = None
    focal_length: float | None = None  # millimetres
    latitude: float | None = None  # decimal degrees, south negative
    longitude: float | None = None  # decimal degrees, west negative
    altitude: float | None = None  # metres, below sea level negative


def extract_metadata(fp: IO[bytes], *, max_pixels: int) -> PhotoMetadata:
    """Hash and validate `fp`, then read its EXIF. Raises PhotoRejected for unusable files."""
    size, sha256 = _hash(fp)
    image = open_image(fp, max_pixels=max_pixels)
    try:
        image_format = format_name(image)
        width, height = image.size
        if image_format == "JPEG":  # 1/8 scale: still reads every byte, so truncation shows
            image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
        # Pixels first: PNG's getexif() would load them itself and hide a failure.
        load_pixels(image)
        if applied_orientation(image) in (5, 6, 7, 8):
            width, height = height, width
        exif_fields = _exif_fields(image)
        orientation = _safe(lambda: stored_orientation(image))
    finally:
        image.close()
    return PhotoMetadata(
        format=image_format,
        mime_type=_mime_type(image_format, fp),
        size=size,
        sha256=sha256,
        width=width,
        height=height,
        orientation=orientation,
        **exif_fields,
    )


def _hash(fp: IO[bytes]) -> tuple[int, str]:
    fp.seek(0)
    digest = hashlib.sha256()
    size = 0
    while chunk := fp.read(CHUNK_SIZE):
        digest.update(chunk)
        size += len(chunk)
    fp.seek(0)
    return size, digest.hexdigest()


def _mime_type(image_format: str, fp: IO[bytes]) -> str:
    if image_format == "HEIF":
        fp.seek(0)
        head = fp.read(12)
        fp.seek(0)
        return "image/heic" if head[8:12] in _HEIC_BRANDS else "image/heif"
    return MIME_TYPES.get(image_format) or Image.MIME.get(image_format, "application/octet-stream")


def _exif_fields(image: Image.Image) -> dict[str, Any]:
    exif = _safe(image.getexif)
    if not exif:
        return {}
    base = _safe(lambda: dict(exif.items())) or {}
    photo = _safe(lambda: dict(exif.get_ifd(ExifTags.IFD.Exif))) or {}
    gps = _safe(lambda: dict(exif.get_ifd(ExifTags.IFD.GPSInfo))) or {}
    make = _safe(lambda: _text(base.get(Base.Make)))
    latitude = _safe(lambda: _coordinate(gps, GPS.GPSLatitude, GPS.GPSLatitudeRef, "S", 90))
    longitude = _safe(lambda: _coordinate(gps, GPS.GPSLongitude, GPS.GPSLongitudeRef, "W", 180))
    if latitude is None or longitude is None:
        latitude = longitude = None  # half a position is no position
    return {
        "taken_at": _safe(lambda: _datetime(photo.get(Base.DateTimeOriginal))),
        "taken_at_offset": _safe(lambda: _offset(photo.get(Base.OffsetTimeOriginal))),
        "camera_make": make,
        "camera_model": _safe(lambda: _text(base.get(Base.Model))),
        "lens": _safe(lambda: _text(photo.get(Base.LensModel))),
        "exposure_time": _safe(lambda: _positive(photo.get(Base.ExposureTime))),
        "f_number": _safe(lambda: _positive(photo.get(Base.FNumber))),
        "iso": _safe(lambda: _iso(photo, make, image)),
        "focal_length": _safe(lambda: _positive(photo.get(Base.FocalLength))),
        "latitude": latitude,
        "longitude": longitude,
        "altitude": _safe(lambda: _altitude(gps)),
    }


def _safe(read: Callable[[], T]) -> T | None:
    """Run one field reader; broken EXIF gives None for that field, never an error."""
    try:
        return read()
    except Exception:
        return None


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return None
    value = value.split("\x00", 1)[0].strip()
    return value[:MAX_TEXT] or None


def _number(value: object) -> float | None:
    if isinstance(value, tuple | list):
        value = value[0] if value else None
    if value is None or isinstance(value, str | bytes):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _positive(value: object) -> float | None:
    number = _number(value)
    return number if number is not None and number > 0 else None


def _iso(photo: dict[int, Any], make: str | None, image: Image.Image) -> int | None:
    speed = _positive(photo.get(Base.ISOSpeedRatings))
    if speed is None and make and make.lower().startswith("canon"):
        raw = image.info.get("exif")
        speed = canon_iso(raw) if isinstance(raw, bytes) else None
    return round(speed) if speed else None


def _datetime(value: object) -> datetime | None:
    text = _text(value)
    if not text:
        return None
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text[:19], pattern)
        except ValueError:
            continue
    return None


def _offset(value: object) -> str | None:
    text = _text(value)
    return text if text and _OFFSET.match(text) else None


def _coordinate(gps: dict[int, Any], tag: int, ref_tag: int, negative: str, limit: int):
    value = gps.get(tag)
    if value is None:
        return None
    parts = [float(part) for part in value] if isinstance(value, tuple | list) else [float(value)]
    degrees = sum(part / 60**index for index, part in enumerate(parts[:3]))
    if not math.isfinite(degrees) or abs(degrees) > limit:
        return None  # garbage such as 4294967295°: no position rather than a wrong one
    ref = _text(gps.get(ref_tag))
    return -degrees if ref and ref.upper().startswith(negative) else degrees


def _altitude(gps: dict[int, Any]) -> float | None:
    altitude = _number(gps.get(GPS.GPSAltitude))
    if altitude is None or not -20_000 <= altitude <= 100_000:
        return None
    ref = gps.get(GPS.GPSAltitudeRef)
    below = ref in (1, b"\x01", "\x01", "1") or (isinstance(ref, bytes) and ref[:1] == b"\x01")
    return -altitude if below and altitude > 0 else altitude
