"""Validate an upload and read what the file says about itself (EXIF, size, hash).

This is the pipeline's validation step: it raises PhotoRejected for anything that is not a
decodable image (the pixels are decoded once, at 1/8 scale for JPEG, to catch truncation).
EXIF is best effort: every field is read on its own and a broken block never fails a photo.

Each field is read where ExifTool finds it, in its order: the plain EXIF tag, then what
cameras write instead (EXIF 2.3 sensitivity tags, maker notes, APEX values, IPTC dates,
FLIR records). `tests/processing/steps/exiftool_agreement.py` measures the agreement.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, TypeVar

from PIL import ExifTags, Image, IptcImagePlugin

from processing.steps import exif_values as values
from processing.steps.budget import DEFAULT_MAX_BYTES, GATE, check, decoding_bytes
from processing.steps.decode import (
    applied_orientation,
    format_name,
    load_pixels,
    open_image,
    require_whole_scan,
    stored_orientation,
)
from processing.steps.flir import FlirInfo, flir_info
from processing.steps.formats import mime_type_for
from processing.steps.makernote import MakerNoteValues, maker_note_values

T = TypeVar("T")

CHUNK_SIZE = 1024 * 1024

# SensitivityType (EXIF 2.3) → which tags hold the figure: 0x8831 StandardOutputSensitivity,
# 0x8832 RecommendedExposureIndex, 0x8833 ISOSpeed.
_SENSITIVITY_ORDER = {
    0: (0x8832, 0x8831, 0x8833),
    1: (0x8831,),
    2: (0x8832,),
    3: (0x8833,),
    4: (0x8832, 0x8831),
    5: (0x8831, 0x8833),
    6: (0x8832, 0x8833),
    7: (0x8832, 0x8831, 0x8833),
}

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
    taken_at: datetime | None = None  # naive: the camera's wall clock, sub-seconds kept
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


def extract_metadata(
    fp: IO[bytes], *, max_pixels: int, max_bytes: int = DEFAULT_MAX_BYTES
) -> PhotoMetadata:
    """Hash and validate `fp`, then read its EXIF. Raises PhotoRejected for unusable files,
    TooMuchMemory when decoding it would need more than `max_bytes`.

    The pipeline reads metadata inside its one decode (`ingest`); this is the same reading
    on its own, for exports and tests.
    """
    size, sha256 = file_digest(fp)
    image = open_image(fp, max_pixels=max_pixels)
    stored_size = image.size
    if format_name(image) == "JPEG":  # 1/8 scale: still reads every byte, so truncation shows
        image.draft("RGB", (max(1, stored_size[0] // 8), max(1, stored_size[1] // 8)))
    needed = decoding_bytes(image, format_name(image), stored_size=stored_size)
    try:
        check(needed, max_bytes)
        with GATE.reserve(needed, max_bytes):
            try:
                require_whole_scan(fp, format_name(image))
                # Pixels first: PNG's getexif() would load them itself and hide a failure.
                load_pixels(image)
                return metadata_from_image(
                    image, stored_size=stored_size, head=_head(fp), size=size, sha256=sha256
                )
            finally:
                image.close()  # before the reservation ends, so its memory is handed back
    finally:
        image.close()


def metadata_from_image(
    image: Image.Image, *, stored_size: tuple[int, int], head: bytes, size: int, sha256: str
) -> PhotoMetadata:
    """What an opened, pixel-loaded image says about itself; decodes nothing more.

    `stored_size` is the size in the file (before any draft); `head` the file's first bytes.
    """
    image_format = format_name(image)
    width, height = stored_size
    if applied_orientation(image) in (5, 6, 7, 8):
        width, height = height, width
    return PhotoMetadata(
        format=image_format,
        mime_type=_mime_type(image_format, head),
        size=size,
        sha256=sha256,
        width=width,
        height=height,
        orientation=_safe(lambda: stored_orientation(image)),
        **_exif_fields(image),
    )


def _head(fp: IO[bytes]) -> bytes:
    fp.seek(0)
    head = fp.read(64)
    fp.seek(0)
    return head


def file_digest(fp: IO[bytes]) -> tuple[int, str]:
    """The file's size and SHA-256, read in chunks; `fp` is left at its start."""
    fp.seek(0)
    digest = hashlib.sha256()
    size = 0
    while chunk := fp.read(CHUNK_SIZE):
        digest.update(chunk)
        size += len(chunk)
    fp.seek(0)
    return size, digest.hexdigest()


def _mime_type(image_format: str, head: bytes) -> str:
    return mime_type_for(image_format, brand=head[8:12])


def _exif_fields(image: Image.Image) -> dict[str, Any]:
    exif = _safe(image.getexif)
    base = _safe(lambda: dict(exif.items())) if exif else None
    photo = _safe(lambda: dict(exif.get_ifd(ExifTags.IFD.Exif))) if exif else None
    gps = _safe(lambda: dict(exif.get_ifd(ExifTags.IFD.GPSInfo))) if exif else None
    base, photo, gps = base or {}, photo or {}, gps or {}
    make = _safe(lambda: values.text(base.get(Base.Make)))
    model = _safe(lambda: values.text(base.get(Base.Model)))
    raw = image.info.get("exif")
    note = maker_note_values(raw, make, model) if isinstance(raw, bytes) else MakerNoteValues()
    latitude = _safe(lambda: values.coordinate(gps, GPS.GPSLatitude, GPS.GPSLatitudeRef, "S", 90))
    longitude = _safe(
        lambda: values.coordinate(gps, GPS.GPSLongitude, GPS.GPSLongitudeRef, "W", 180)
    )
    if latitude is None or longitude is None:
        latitude = longitude = None  # half a position is no position
    flir = _flir(image, make)
    taken_at, taken_at_offset = _safe(lambda: _taken_at(photo, image, note, flir)) or (None, None)
    return {
        "taken_at": taken_at,
        "taken_at_offset": taken_at_offset,
        "camera_make": make,
        "camera_model": model,
        "lens": _safe(lambda: values.text(photo.get(Base.LensModel))) or note.lens or flir.lens,
        "exposure_time": _first(
            note.exposure_time if note.preferred else None,
            _safe(lambda: values.positive(photo.get(Base.ExposureTime))),
            note.exposure_time,
            _safe(lambda: values.apex_exposure_time(photo.get(Base.ShutterSpeedValue))),
        ),
        "f_number": _first(
            note.f_number if note.preferred else None,
            _safe(lambda: values.positive(photo.get(Base.FNumber))),
            note.f_number,
            _safe(lambda: values.apex_f_number(photo.get(Base.ApertureValue))),
        ),
        "iso": _first(_safe(lambda: _iso(photo)), note.iso),
        "focal_length": _safe(lambda: values.positive(photo.get(Base.FocalLength))),
        "latitude": latitude,
        "longitude": longitude,
        "altitude": _safe(
            lambda: values.altitude(gps.get(GPS.GPSAltitude), gps.get(GPS.GPSAltitudeRef))
        ),
    }


def _flir(image: Image.Image, make: str | None) -> FlirInfo:
    applist = getattr(image, "applist", None)
    if not applist or not (make or "").upper().startswith("FLIR"):
        return FlirInfo()
    return flir_info(applist)


def _first(*candidates: T | None) -> T | None:
    return next((value for value in candidates if value is not None), None)


def _iso(photo: dict[int, Any]) -> int | None:
    """EXIF ISO, then the EXIF 2.3 sensitivity tag that SensitivityType names.

    PhotographicSensitivity (the old ISOSpeedRatings) is what ExifTool prints as ISO; when
    it is missing or 65535 ("65535 or more") the exact figure is in REI, SOS or ISOSpeed.
    """
    speed = values.iso_speed(photo.get(Base.ISOSpeedRatings), sixteen_bit=True)
    if speed is not None:
        return speed
    kind = values.number(photo.get(Base.SensitivityType))
    order = _SENSITIVITY_ORDER.get(int(kind) if kind is not None else 0, _SENSITIVITY_ORDER[0])
    return _first(*(values.iso_speed(photo.get(tag)) for tag in order))


def _taken_at(
    photo: dict[int, Any], image: Image.Image, note: MakerNoteValues, flir: FlirInfo
) -> tuple[datetime | None, str | None]:
    """DateTimeOriginal as the camera's clock showed it, with sub-seconds and its offset.

    Falls back, as ExifTool does, to IPTC DateCreated + TimeCreated, to maker notes and to
    a FLIR camera's own record.
    """
    found = values.date_time(photo.get(Base.DateTimeOriginal))
    if found is not None:
        moment, offset = found
        moment = values.with_sub_seconds(moment, photo.get(Base.SubsecTimeOriginal))
        return moment, offset or values.offset(photo.get(Base.OffsetTimeOriginal))
    found = _safe(lambda: _iptc_taken_at(image))
    if found is not None:
        return found
    if note.taken_at is not None:
        return note.taken_at, None
    return flir.taken_at, flir.offset


def _iptc_taken_at(image: Image.Image) -> tuple[datetime, str | None] | None:
    if format_name(image) not in ("JPEG", "TIFF"):
        return None
    iptc = IptcImagePlugin.getiptcinfo(image) or {}
    return values.iptc_date_time(iptc.get((2, 55)), iptc.get((2, 60)))


def _safe(read: Callable[[], T]) -> T | None:
    """Run one field reader; broken EXIF gives None for that field, never an error."""
    try:
        return read()
    except Exception:
        return None
