"""How much memory a decode needs, from the header alone, and a gate that keeps a process's
decodes within one budget together.

Pillow keeps every pixel at full size while it decodes: bytes per pixel of the mode it decodes
to (1 for L and P, 2 for 16-bit grey, 4 for RGB, RGBA and CMYK, which Pillow pads to 32 bits),
plus what the decoder holds beside it: libtiff one whole strip or tile, libjpeg the DCT
coefficients of every component of a progressive JPEG, libwebp and libheif a frame of their own.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
import threading
from contextlib import contextmanager

from PIL import Image

from processing.steps.errors import TooMuchMemory

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 512 * MB
# Reduced in bands of rows of about this many bytes (see colour.reduce_in_bands).
BAND_BYTES = 16 * MB

_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}
_OWN_FRAME_FORMATS = {"WEBP", "HEIF", "AVIF"}  # the library decodes into a buffer of its own


def bytes_per_pixel(mode: str) -> int:
    return _BYTES_PER_PIXEL.get(mode, 4)


def decoding_bytes(
    image: Image.Image, image_format: str, *, stored_size: tuple[int, int] | None = None
) -> int:
    """Memory held while `image` (opened, after any draft) decodes its pixels.

    `stored_size` is the size in the file when a JPEG draft has made `image.size` smaller.
    """
    width, height = image.size
    needed = width * height * bytes_per_pixel(image.mode)
    if image_format == "TIFF":
        needed += _tiff_chunk_bytes(image)
    elif image_format == "JPEG" and image.info.get("progressive"):
        needed += _jpeg_coefficient_bytes(image, stored_size or image.size)
    elif image_format in _OWN_FRAME_FORMATS:
        needed += width * height * 4
    return needed


def _tiff_chunk_bytes(image: Image.Image) -> int:
    """libtiff reads one strip (or tile) at a time, however many rows the file says it has."""
    tags = getattr(image, "tag_v2", {})
    width, height = image.size
    bits = sum(_ints(tags.get(258), default=(8,)))
    tile = (_ints(tags.get(322), default=(0,))[0], _ints(tags.get(323), default=(0,))[0])
    if tile[0] > 0 and tile[1] > 0:
        return math.ceil(tile[0] * bits / 8) * tile[1]
    rows = _ints(tags.get(278), default=(height,))[0] or height
    return math.ceil(width * bits / 8) * min(rows, height)


def _jpeg_coefficient_bytes(image: Image.Image, stored_size: tuple[int, int]) -> int:
    """A progressive JPEG keeps 16-bit coefficients for every component at full size."""
    width, height = stored_size
    layers = getattr(image, "layer", None) or [("", 1, 1, 0)]
    h_max = max(layer[1] for layer in layers) or 1
    v_max = max(layer[2] for layer in layers) or 1
    blocks = sum(
        math.ceil(width * layer[1] / h_max / 8) * math.ceil(height * layer[2] / v_max / 8)
        for layer in layers
    )
    return blocks * 64 * 2


def _ints(value, *, default: tuple[int, ...]) -> tuple[int, ...]:
    if value is None:
        return default
    values = value if isinstance(value, tuple | list) else (value,)
    try:
        return tuple(max(0, int(v)) for v in values) or default
    except (TypeError, ValueError):
        return default


def amount(nbytes: int) -> str:
    """1.6 GB, 512 MB, 3 MB: how people say memory sizes."""
    if nbytes >= 1024 * MB:
        return f"{nbytes / (1024 * MB):,.1f} GB"
    return f"{max(1, round(nbytes / MB)):,} MB"


def check(needed: int, max_bytes: int) -> None:
    if needed > max_bytes:
        raise TooMuchMemory(
            f"This image needs about {amount(needed)} of memory to open; "
            f"the limit is {amount(max_bytes)}"
        )


class MemoryGate:
    """Decodes of this process take turns so that together they stay within the budget.

    A decode reserves what it needs before it starts and waits while others hold so much
    that both would not fit; one decode alone always goes ahead (`check` bounds it).
    Worker threads then cost one budget together, not one budget each.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._reserved = 0
        self._holding = threading.local()  # a thread inside a reservation never waits on itself

    @contextmanager
    def reserve(self, nbytes: int, max_bytes: int):
        nested = getattr(self._holding, "depth", 0)
        with self._changed:
            if not nested:
                self._changed.wait_for(
                    lambda: self._reserved == 0 or self._reserved + nbytes <= max_bytes
                )
            self._reserved += nbytes
        self._holding.depth = nested + 1
        try:
            yield
        finally:
            self._holding.depth = nested
            with self._changed:
                self._reserved -= nbytes
                if self._reserved == 0:
                    release_freed_memory()
                self._changed.notify_all()


def _malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to call
        return None


_MALLOC_TRIM = _malloc_trim()


def release_freed_memory() -> None:
    """Hand freed pixel memory back to the system (glibc keeps it per thread otherwise).

    Pillow allocates pixels in 16 MB blocks; once glibc has raised its mmap threshold they
    come from per-thread arenas, and a decode on another thread would not reuse them.
    """
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


GATE = MemoryGate()
