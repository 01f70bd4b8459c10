"""Lens and time from a FLIR thermal camera's own record ("FFF" in APP1 "FLIR" segments).

FLIR cameras leave EXIF's date and lens empty and write them in the CameraInfo record of
their FFF structure, split over numbered APP1 segments. As ExifTool reads it: LensModel
is a 32-byte string at 0x170; DateTimeOriginal at 0x384 is a Unix time, milliseconds and
the zone in minutes west of UTC. Pure and bounds-checked: any malformed part means None.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

MAX_FFF_BYTES = 16 * 1024 * 1024
MAX_RECORDS = 256
_CAMERA_INFO = 0x0020
_READ_ERRORS = (struct.error, IndexError, ValueError, OverflowError, OSError)


@dataclass(frozen=True)
class FlirInfo:
    lens: str | None = None
    taken_at: datetime | None = None  # the camera's wall clock, naive
    offset: str | None = None  # "-04:00"


def flir_info(applist: list[tuple[str, bytes]]) -> FlirInfo:
    try:
        record = _camera_info(_fff(applist))
        if record is None:
            return FlirInfo()
        order = "<" if struct.unpack_from("<H", record, 0)[0] == 2 else ">"
        taken_at, offset = _date(record, order)
        return FlirInfo(lens=_text(record[0x170:0x190]), taken_at=taken_at, offset=offset)
    except _READ_ERRORS:
        return FlirInfo()


def _fff(applist: list[tuple[str, bytes]]) -> bytes:
    parts, total = [], 0
    for marker, data in applist:
        if marker == "APP1" and data.startswith(b"FLIR\x00") and len(data) > 8:
            parts.append((data[6], data[8:]))
            total += len(data) - 8
            if total > MAX_FFF_BYTES:
                return b""
    return b"".join(part for _, part in sorted(parts, key=lambda item: item[0]))


def _camera_info(fff: bytes) -> bytes | None:
    if not fff.startswith(b"FFF\x00") or len(fff) < 32:
        return None
    order = ">"
    if not 100 <= struct.unpack_from(">I", fff, 20)[0] < 200:
        order = "<"
    _version, directory, count = struct.unpack_from(order + "III", fff, 20)
    for index in range(min(count, MAX_RECORDS)):
        kind, _sub, _ver, _id, offset, length = struct.unpack_from(
            order + "HHIIII", fff, directory + 32 * index
        )
        if kind == _CAMERA_INFO and 0x390 <= length and offset + length <= len(fff):
            return fff[offset : offset + length]
    return None


def _date(record: bytes, order: str) -> tuple[datetime | None, str | None]:
    seconds, milliseconds, west = struct.unpack_from(order + "IIh", record, 0x384)
    if not seconds or not -14 * 60 <= west <= 14 * 60:
        return None, None
    local = datetime(1970, 1, 1) + timedelta(seconds=seconds - west * 60)
    local += timedelta(milliseconds=min(milliseconds & 0xFFFF, 999))
    if not 1990 <= local.year <= datetime.now(UTC).year + 1:
        return None, None
    east = -west
    sign = "+" if east >= 0 else "-"
    return local, f"{sign}{abs(east) // 60:02d}:{abs(east) % 60:02d}"


def _text(raw: bytes) -> str | None:
    text = raw.split(b"\x00", 1)[0].decode("latin-1").strip()
    return text if text and text.isprintable() else None
