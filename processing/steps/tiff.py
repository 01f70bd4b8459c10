"""Bounds-checked reading of TIFF structures (IFDs) inside untrusted bytes.

The maker-note readers build on this. Every read is checked against the buffer; a bad
offset raises `TiffError` (or struct.error/IndexError), which the callers turn into
"no value". Nothing here loops more than `MAX_ENTRIES` times per directory.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

MAX_ENTRIES = 512
TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
EXIF_IFD_POINTER = 0x8769
MAKER_NOTE = 0x927C
READ_ERRORS = (struct.error, IndexError, ValueError, OverflowError)


class TiffError(ValueError):
    pass


@dataclass(frozen=True)
class Entry:
    tag: int
    kind: int  # TIFF type: 3 short, 4 long, 2 ascii, 7 undefined, …
    count: int
    position: int  # where the 4-byte value/offset field sits


@dataclass(frozen=True)
class Directory:
    """One IFD: `base` is what its value offsets count from."""

    data: bytes
    order: str  # "<" or ">"
    offset: int
    entries: dict[int, Entry]
    base: int = 0

    def get(self, tag: int) -> Entry | None:
        return self.entries.get(tag)

    def value_start(self, entry: Entry) -> int:
        """Where an entry's value bytes begin (inline in the entry when they fit in 4)."""
        if TYPE_SIZES.get(entry.kind, 1) * entry.count <= 4:
            return entry.position
        return self.base + u32(self.data, entry.position, self.order)

    def raw(self, tag: int, *, limit: int = 65536) -> bytes | None:
        entry = self.entries.get(tag)
        if entry is None:
            return None
        length = TYPE_SIZES.get(entry.kind, 1) * entry.count
        start = self.value_start(entry)
        if length > limit or start < 0 or start + length > len(self.data):
            return None
        return self.data[start : start + length]

    def ints(self, tag: int) -> list[int]:
        """A short/long (signed or not) entry's values; [] for any other type."""
        entry = self.entries.get(tag)
        codes = {3: "H", 4: "I", 8: "h", 9: "i", 1: "B", 6: "b"}
        if entry is None or entry.kind not in codes:
            return []
        raw = self.raw(tag, limit=8192)
        if raw is None:
            return []
        return list(struct.unpack(f"{self.order}{entry.count}{codes[entry.kind]}", raw))

    def text(self, tag: int) -> str | None:
        raw = self.raw(tag, limit=1024)
        if not raw:
            return None
        text = raw.split(b"\x00", 1)[0].decode("latin-1").strip()
        return text if text and text.isprintable() else None

    def pointer(self, tag: int) -> int | None:
        """A sub-IFD pointer's target (type LONG or IFD, or an undefined block's start)."""
        entry = self.entries.get(tag)
        if entry is None:
            return None
        if entry.kind in (4, 13) and entry.count == 1:
            return self.base + u32(self.data, entry.position, self.order)
        if entry.kind == 7:
            return self.value_start(entry)
        return None


def u16(data: bytes, offset: int, order: str) -> int:
    if offset < 0:
        raise TiffError("negative offset")
    return struct.unpack_from(order + "H", data, offset)[0]


def u32(data: bytes, offset: int, order: str) -> int:
    if offset < 0:
        raise TiffError("negative offset")
    return struct.unpack_from(order + "I", data, offset)[0]


def directory(data: bytes, offset: int, order: str, *, base: int = 0) -> Directory:
    count = u16(data, offset, order)
    if count > MAX_ENTRIES or offset + 2 + 12 * count > len(data):
        raise TiffError("implausible IFD")
    entries = {}
    for index in range(count):
        position = offset + 2 + index * 12
        tag, kind, number = struct.unpack_from(order + "HHI", data, position)
        entries.setdefault(tag, Entry(tag, kind, number, position + 8))
    return Directory(data, order, offset, entries, base)


@dataclass(frozen=True)
class MakerNote:
    tiff: bytes  # the whole EXIF TIFF structure
    order: str  # the EXIF block's byte order
    offset: int  # where the maker note starts inside `tiff`
    length: int

    @property
    def data(self) -> bytes:
        return self.tiff[self.offset : self.offset + self.length]


def maker_note(exif_block: bytes) -> MakerNote | None:
    """Find the maker note inside a raw EXIF block (TIFF, optionally after "Exif\\0\\0")."""
    tiff = exif_block[6:] if exif_block.startswith(b"Exif\x00\x00") else exif_block
    if tiff[:4] not in (b"II*\x00", b"MM\x00*"):
        return None
    order = "<" if tiff[:2] == b"II" else ">"
    try:
        ifd0 = directory(tiff, u32(tiff, 4, order), order)
        exif_offset = ifd0.pointer(EXIF_IFD_POINTER)
        if exif_offset is None:
            return None
        entry = directory(tiff, exif_offset, order).get(MAKER_NOTE)
        if entry is None or entry.count < 8:
            return None
        start = u32(tiff, entry.position, order)
        if start >= len(tiff):
            return None
        return MakerNote(tiff, order, start, min(entry.count, len(tiff) - start))
    except READ_ERRORS:
        return None
