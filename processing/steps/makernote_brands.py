"""Maker-note readers for the makes whose cameras leave standard EXIF fields empty.

Each follows where ExifTool (12.57) finds the value, for the layouts seen in real files:

- Nikon (type 3, "Nikon\\0\\x02" + its own TIFF header; and header-less): ISO, tag 0x0002.
- Casio type 2 ("QVC\\0"): ISO, tag 0x3014 (0x0014 on older models); Casio type 1 and the
  header-less Asahi/Pentax notes that share its table: ISO, tag 0x0014.
- Olympus ("OLYMPUS\\0II" or "OLYMP\\0"): LensModel, Equipment IFD 0x2010 → tag 0x0203.
- Kodak "KDK" and type 3 (DC240…DC5000): exposure, f-number and ISO from fixed offsets.
- Minolta CameraSettings (tag 0x0001 or 0x0003, big-endian int32 values): exposure and
  f-number in Minolta's own scale, for cameras that wrote only APEX values to EXIF.
- Reconyx HyperFire: the date, as six int16 values.

Every function takes a located `MakerNote` and returns None for anything it cannot read.
"""

from __future__ import annotations

import re
import struct
from datetime import datetime

from processing.steps.tiff import READ_ERRORS, MakerNote, TiffError, directory, u16, u32

_CASIO_ISO = {3: 50, 4: 64, 6: 100, 9: 200}  # Casio type 1 stores an index for these
_MAX_ISO = 10_000_000
_KODAK_TYPE3 = re.compile(r"\b(DC240|DC280|DC3400|DC5000)\b")


def _plausible_iso(value: int | float | None) -> int | None:
    if value is None or not 1 <= value <= _MAX_ISO or value == 65535:
        return None
    return round(value)


def nikon_iso(note: MakerNote) -> int | None:
    data = note.data
    try:
        if data.startswith(b"Nikon\x00\x02"):
            tiff = data[10:]
            order = "<" if tiff[:2] == b"II" else ">"
            ifd = directory(tiff, u32(tiff, 4, order), order)
        elif data.startswith(b"Nikon\x00"):
            return None  # type 1 (E700–E990) records ISO as a setting, not a speed
        else:
            ifd = directory(note.tiff, note.offset, note.order)
        values = ifd.ints(0x0002)
    except READ_ERRORS:
        return None
    return _plausible_iso(values[1]) if len(values) == 2 else None


def casio_iso(note: MakerNote) -> int | None:
    data = note.data
    try:
        if data.startswith(b"QVC\x00"):
            ifd = directory(note.tiff, note.offset + 6, note.order)
            for tag in (0x3014, 0x0014):
                values = ifd.ints(tag)
                if values and _plausible_iso(values[0]):
                    return _plausible_iso(values[0])
            return None
        if data.startswith((b"AOC\x00", b"PENTAX")):
            return None  # Pentax's own layout; those cameras fill EXIF ISO
        ifd = directory(note.tiff, note.offset, note.order)
        values = ifd.ints(0x0014)
    except READ_ERRORS:
        return None
    if not values:
        return None
    value = _CASIO_ISO.get(values[0], values[0])
    return _plausible_iso(value) if value >= 10 else None


def olympus_lens(note: MakerNote) -> str | None:
    data = note.data
    try:
        if data.startswith(b"OLYMPUS\x00"):  # offsets count from the note's start
            order = "<" if data[8:10] == b"II" else ">"
            ifd = directory(note.tiff, note.offset + 12, order, base=note.offset)
        elif data.startswith(b"OLYMP\x00"):  # offsets count from the TIFF header
            ifd = directory(note.tiff, note.offset + 8, note.order)
        else:
            return None
        equipment = ifd.pointer(0x2010)
        if equipment is None:
            return None
        return directory(note.tiff, equipment, ifd.order, base=ifd.base).text(0x0203)
    except READ_ERRORS:
        return None


def kodak_exposure(
    note: MakerNote, model: str | None
) -> tuple[float | None, float | None, int | None]:
    """(exposure time in seconds, f-number, ISO) as Kodak's note records them, unrounded."""
    data = note.data
    try:
        if data.startswith(b"KDK"):
            body = data[8:]
            order = _kodak_order(body, year_at=0x10)
            if order is None:
                return None, None, None
            exposure, f_number, iso = (
                u32(body, 0x20, order),
                u16(body, 0x1E, order),
                u16(body, 0x60, order),
            )
        elif model and _KODAK_TYPE3.search(model):
            if _kodak_order(data, year_at=0x0C) != ">":
                return None, None, None
            exposure, f_number = u32(data, 0x38, ">"), u16(data, 0x3C, ">")
            iso = u16(data, 0x4E, ">")
        else:
            return None, None, None
    except READ_ERRORS:
        return None, None, None
    return (
        exposure / 1e5 if 0 < exposure < 0xFFFFFFFF else None,
        f_number / 100 if 0 < f_number < 0xFFFF else None,
        _plausible_iso(iso),
    )


def minolta_exposure(note: MakerNote) -> tuple[float | None, float | None]:
    """(exposure time in seconds, f-number) from Minolta's CameraSettings."""
    try:
        ifd = directory(note.tiff, note.offset, note.order)
        raw = ifd.raw(0x0001) or ifd.raw(0x0003)
        if not raw or len(raw) < 44:
            return None, None
        exposure, aperture = struct.unpack_from(">2I", raw, 36)  # entries 9 and 10
    except READ_ERRORS:
        return None, None
    seconds = 2 ** ((48 - exposure) / 8) if 8 <= exposure <= 400 else None
    f_number = 2 ** ((aperture / 8 - 1) / 2) if 8 <= aperture <= 200 else None
    return seconds, f_number


def _kodak_order(body: bytes, *, year_at: int) -> str | None:
    """Kodak writes either byte order; the year field tells which."""
    for order in ("<", ">"):
        if 1990 <= u16(body, year_at, order) <= 2100:
            return order
    return None


def reconyx_taken_at(note: MakerNote) -> datetime | None:
    data = note.data
    if not data.startswith(b"\x01\xf1") or len(data) < 34:
        return None
    try:
        second, minute, hour, month, day, year = struct.unpack_from("<6H", data, 22)
        return datetime(year, month, day, hour, minute, second)
    except (struct.error, ValueError, OverflowError, TiffError):
        return None
