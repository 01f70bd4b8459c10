"""What maker notes add to EXIF: `maker_note_values` for any make, `canon_iso` for Canon.

Canon compacts leave EXIF ISO empty. `canon_iso` follows ExifTool's Composite:ISO for
Canon: CameraSettings[16] when it is a number, else BaseISO * AutoISO / 100 from
ShotInfo[2] and ShotInfo[1]. Every offset is bounds-checked: the input is untrusted and a
bad maker note only means "no value". Other makes: processing/steps/makernote_brands.py.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from datetime import datetime

from processing.steps import makernote_brands as brands
from processing.steps.tiff import maker_note

_EXIF_IFD_POINTER = 0x8769
_MAKER_NOTE = 0x927C
_CAMERA_SETTINGS = 0x0001
_SHOT_INFO = 0x0004
_MAX_ENTRIES = 512
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}
_MAX_ISO = 10_000_000
_CAMERA_ISO = {16: 50, 17: 100, 18: 200, 19: 400, 20: 800}


@dataclass(frozen=True)
class MakerNoteValues:
    iso: int | None = None
    exposure_time: float | None = None  # seconds
    f_number: float | None = None
    lens: str | None = None
    taken_at: datetime | None = None
    preferred: bool = False  # True: ExifTool shows these over the plain EXIF tags (Kodak)


def maker_note_values(exif_block: bytes, make: str | None, model: str | None) -> MakerNoteValues:
    """What the maker note of this make says; empty values when it says nothing we read.

    Never raises: the bytes are untrusted and every reader is bounds-checked.
    """
    try:
        return _values(exif_block, (make or "").strip().lower(), model)
    except Exception:  # a reader bug must cost the values, never the photo
        return MakerNoteValues()


def _values(exif_block: bytes, make: str, model: str | None) -> MakerNoteValues:
    note = maker_note(exif_block)
    if note is None:
        return MakerNoteValues()
    if make.startswith("canon"):
        iso = canon_iso(exif_block)
        return MakerNoteValues(iso=round(iso) if iso else None)
    if make.startswith("nikon"):
        return MakerNoteValues(iso=brands.nikon_iso(note))
    if make.startswith(("casio", "asahi", "pentax")):
        return MakerNoteValues(iso=brands.casio_iso(note))
    if make.startswith("olympus"):
        return MakerNoteValues(lens=brands.olympus_lens(note))
    if make.startswith(("minolta", "konica minolta")):
        exposure, f_number = brands.minolta_exposure(note)
        return MakerNoteValues(exposure_time=exposure, f_number=f_number)
    if make.startswith(("eastman kodak", "kodak")):
        exposure, f_number, iso = brands.kodak_exposure(note, model)
        return MakerNoteValues(iso=iso, exposure_time=exposure, f_number=f_number, preferred=True)
    return MakerNoteValues(taken_at=brands.reconyx_taken_at(note))


def canon_iso(exif_block: bytes) -> float | None:
    """ISO from the Canon maker note inside a raw EXIF block (TIFF, optionally "Exif\\0\\0")."""
    tiff = exif_block[6:] if exif_block.startswith(b"Exif\x00\x00") else exif_block
    if tiff[:4] not in (b"II*\x00", b"MM\x00*"):
        return None
    order = "<" if tiff[:2] == b"II" else ">"
    try:
        ifd0 = _entries(tiff, _u32(tiff, 4, order), order)
        exif_offset = _value_offset(tiff, ifd0.get(_EXIF_IFD_POINTER), order, inline=True)
        if exif_offset is None:
            return None
        exif_ifd = _entries(tiff, exif_offset, order)
        note_offset = _value_offset(tiff, exif_ifd.get(_MAKER_NOTE), order)
        if note_offset is None:
            return None
        order = _note_order(tiff, note_offset, order)
        note = _entries(tiff, note_offset, order)
        for shift in _base_shifts(tiff, note_offset, note, order):
            settings = _shorts(tiff, note.get(_CAMERA_SETTINGS), order, shift)
            shot_info = _shorts(tiff, note.get(_SHOT_INFO), order, shift)
            if settings or shot_info:
                return _iso_from(settings, shot_info)
    except (struct.error, IndexError, ValueError):
        return None
    return None


def _base_shifts(data: bytes, offset: int, note: dict, order: str) -> list[int]:
    """Offsets to try: as written, then ExifTool-style "fixed base" for maker notes moved by
    an editor, where the first value block must start right after the directory."""
    pointers = [
        _u32(data, position, order)
        for kind, number, position in note.values()
        if _TYPE_SIZES.get(kind, 1) * number > 4
    ]
    count = struct.unpack_from(order + "H", data, offset)[0]  # may repeat tags: not len(note)
    directory_end = offset + 2 + 12 * count + 4
    shifts = [0]
    if pointers and min(pointers) != directory_end:
        shifts.append(directory_end - min(pointers))
    return shifts


def _iso_from(settings: list[int], shot_info: list[int]) -> float | None:
    iso = _raw_iso(settings, shot_info)
    return iso if iso is not None and 1 <= iso <= _MAX_ISO else None


def _raw_iso(settings: list[int], shot_info: list[int]) -> float | None:
    if len(settings) > 16 and settings[16] != 0x7FFF:
        value = settings[16] & 0xFFFF
        if value & 0x4000:
            return float(value & 0x3FFF) or None
        if value in _CAMERA_ISO:
            return float(_CAMERA_ISO[value])
    if len(shot_info) > 2 and shot_info[2]:  # ExifTool: a BaseISO of 0 means "not recorded"
        base_iso = math.exp(shot_info[2] / 32 * math.log(2)) * 100 / 32
        auto_iso = math.exp(shot_info[1] / 32 * math.log(2)) * 100
        return base_iso * auto_iso / 100
    return None


def _note_order(data: bytes, offset: int, order: str) -> str:
    """Canon writes its maker note little-endian even inside big-endian EXIF."""
    count = struct.unpack_from(order + "H", data, offset)[0]
    if count <= _MAX_ENTRIES:
        return order
    return ">" if order == "<" else "<"


def _u32(data: bytes, offset: int, order: str) -> int:
    return struct.unpack_from(order + "I", data, offset)[0]


def _entries(data: bytes, offset: int, order: str) -> dict[int, tuple[int, int, int]]:
    """tag -> (type, count, position of the 4-byte value/offset field)."""
    count = struct.unpack_from(order + "H", data, offset)[0]
    if count > _MAX_ENTRIES:
        raise ValueError("implausible IFD")
    entries = {}
    for index in range(count):
        position = offset + 2 + index * 12
        tag, kind, number = struct.unpack_from(order + "HHI", data, position)
        entries[tag] = (kind, number, position + 8)
    return entries


def _value_offset(
    data: bytes, entry: tuple[int, int, int] | None, order: str, *, inline: bool = False
) -> int | None:
    """Where an entry's value lives (for IFD pointers, the pointer value itself)."""
    if entry is None:
        return None
    kind, number, position = entry
    if inline or _TYPE_SIZES.get(kind, 1) * number > 4:
        offset = _u32(data, position, order)
        return offset if offset < len(data) else None
    return position


def _shorts(data: bytes, entry: tuple[int, int, int] | None, order: str, shift: int) -> list[int]:
    """A Canon int16 array; its first element is its own length in bytes, which we check."""
    if entry is None or entry[0] not in (3, 8) or not 2 < entry[1] <= 4096:
        return []
    number = entry[1]
    start = _u32(data, entry[2], order) + shift
    if start < 0 or start + 2 * number > len(data):
        return []
    values = list(struct.unpack_from(f"{order}{number}h", data, start))
    return values if values[0] == 2 * number else []
