"""The HEIF/AVIF transform boxes (irot, imir) of the primary image, as an EXIF orientation.

A HEIF file says how to show its image with transformative item properties: `irot`
(anticlockwise quarter turns) and `imir` (a mirror), applied in the order the item lists
them. libheif applies them when decoding; what it cannot tell us is whether a file had any,
which decides whether the EXIF orientation still has to be applied (some phones write only
EXIF). `transform_orientation` reads the `meta` box and answers with the EXIF orientation
(1–8) the boxes amount to, or None when the primary image has none.

Pure and bounds-checked: the input is untrusted, and any malformed box means None.
"""

from __future__ import annotations

import struct
from typing import IO

from PIL import Image

MAX_META_BYTES = 4 * 1024 * 1024  # a meta box larger than this is not a photo's
MAX_TOP_LEVEL_BOXES = 64
MAX_CHILDREN = 4096
_CONTAINERS = {b"iprp"}
_READ_ERRORS = (struct.error, IndexError, ValueError, OverflowError)

# EXIF orientation of each sequence of Pillow transposes, found by applying them to a
# 3×2 test pattern and matching it against the eight EXIF orientations.
_EXIF_TRANSPOSE = {
    1: (),
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}
_IROT = {1: Image.Transpose.ROTATE_90, 2: Image.Transpose.ROTATE_180, 3: Image.Transpose.ROTATE_270}
# imir's axis as libheif (our decoder) reads and writes it: 0 flips top to bottom, 1 left
# to right (EXIF orientation 2 is written as imir 1). The spec's wording has varied.
_IMIR = {0: Image.Transpose.FLIP_TOP_BOTTOM, 1: Image.Transpose.FLIP_LEFT_RIGHT}


def read_meta(fp: IO[bytes]) -> bytes | None:
    """The body of the file's top-level `meta` box (seeking past others); fp is rewound."""
    try:
        fp.seek(0)
        position = 0
        for _ in range(MAX_TOP_LEVEL_BOXES):
            header = fp.read(8)
            if len(header) < 8:
                return None
            size, kind = struct.unpack(">I4s", header)
            header_size = 8
            if size == 1:
                size = struct.unpack(">Q", fp.read(8))[0]
                header_size = 16
            if kind == b"meta":
                body_size = (size or MAX_META_BYTES) - header_size
                if not 0 < body_size <= MAX_META_BYTES:
                    return None
                return fp.read(body_size)
            if size < header_size:  # size 0 ("to the end") or nonsense: no meta follows
                return None
            position += size
            fp.seek(position)
        return None
    except (OSError, *_READ_ERRORS):
        return None
    finally:
        fp.seek(0)


def transform_orientation(meta: bytes) -> int | None:
    """EXIF orientation of the primary item's irot/imir; None if it has neither (or on
    any malformed box)."""
    try:
        return _orientation(meta)
    except _READ_ERRORS:
        return None


def _orientation(meta: bytes) -> int | None:
    children = _boxes(meta, 4)  # meta is a full box: version and flags first
    primary = _primary_item(children.get(b"pitm"))
    iprp = children.get(b"iprp")
    if primary is None or iprp is None:
        return None
    properties = _boxes(iprp, 0)
    ipco, ipma = properties.get(b"ipco"), properties.get(b"ipma")
    if ipco is None or ipma is None:
        return None
    listed = _box_list(ipco)
    steps = []
    for index in _associations(ipma, primary):
        if not 1 <= index <= len(listed):
            continue
        kind, body = listed[index - 1]
        if kind == b"irot" and body:
            steps.append(_IROT.get(body[0] & 0x03))  # None: a quarter-turn count of 0
        elif kind == b"imir" and body:
            steps.append(_IMIR[body[0] & 0x01])
    if not steps:
        return None
    return _exif_orientation([step for step in steps if step is not None])


def _boxes(data: bytes, start: int) -> dict[bytes, bytes]:
    found: dict[bytes, bytes] = {}
    for kind, body in _box_list(data, start):
        found.setdefault(kind, body)
    return found


def _box_list(data: bytes, start: int = 0) -> list[tuple[bytes, bytes]]:
    boxes, position = [], start
    while position + 8 <= len(data) and len(boxes) < MAX_CHILDREN:
        size, kind = struct.unpack_from(">I4s", data, position)
        header = 8
        if size == 1:
            size = struct.unpack_from(">Q", data, position + 8)[0]
            header = 16
        elif size == 0:
            size = len(data) - position
        if size < header or position + size > len(data):
            break
        boxes.append((kind, data[position + header : position + size]))
        position += size
    return boxes


def _primary_item(pitm: bytes | None) -> int | None:
    if pitm is None or len(pitm) < 6:
        return None
    if pitm[0] == 0:
        return struct.unpack_from(">H", pitm, 4)[0]
    return struct.unpack_from(">I", pitm, 4)[0]


def _associations(ipma: bytes, item: int) -> list[int]:
    """Property indices (1-based) associated with `item`, in order."""
    version, flags = ipma[0], int.from_bytes(ipma[1:4], "big")
    count = struct.unpack_from(">I", ipma, 4)[0]
    position = 8
    for _ in range(min(count, MAX_CHILDREN)):
        if version < 1:
            item_id = struct.unpack_from(">H", ipma, position)[0]
            position += 2
        else:
            item_id = struct.unpack_from(">I", ipma, position)[0]
            position += 4
        number = ipma[position]
        position += 1
        indices = []
        for _ in range(number):
            if flags & 1:
                indices.append(struct.unpack_from(">H", ipma, position)[0] & 0x7FFF)
                position += 2
            else:
                indices.append(ipma[position] & 0x7F)
                position += 1
        if item_id == item:
            return indices
    return []


def _exif_orientation(steps: list[Image.Transpose]) -> int:
    probe = _pattern()
    for step in steps:
        probe = probe.transpose(step)
    for orientation, transposes in _EXIF_TRANSPOSE.items():
        candidate = _pattern()
        for step in transposes:
            candidate = candidate.transpose(step)
        if candidate.tobytes() == probe.tobytes() and candidate.size == probe.size:
            return orientation
    return 1  # unreachable: the eight orientations are every combination


def _pattern() -> Image.Image:
    return Image.frombytes("L", (3, 2), bytes(range(6)))
