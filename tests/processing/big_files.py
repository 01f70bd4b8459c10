"""Small files that decode to very large images (the probe's memory cases), written byte by byte.

Each file is a few hundred kilobytes at most: its pixels are zeros, compressed with zlib, so
the test process never holds the decoded image itself.
"""

import struct
import zlib

SIDE = (9999, 10000)  # 99.99 megapixels: just inside the default pixel limit
_ZERO_ROWS = 64  # rows compressed at a time while writing


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _zero_stream(row_bytes: int, rows: int) -> bytes:
    """zlib data of `rows` rows of `row_bytes` zero bytes, compressed without holding them."""
    compressor = zlib.compressobj(9)
    block = b"\x00" * (row_bytes * _ZERO_ROWS)
    parts = []
    for start in range(0, rows, _ZERO_ROWS):
        count = min(_ZERO_ROWS, rows - start)
        parts.append(
            compressor.compress(block if count == _ZERO_ROWS else block[: row_bytes * count])
        )
    parts.append(compressor.flush())
    return b"".join(parts)


def png(*, colour_type: int, bit_depth: int, channels: int, size=SIDE, extra=b"") -> bytes:
    width, height = size
    row = 1 + width * channels * bit_depth // 8  # a filter byte, then the samples
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + extra
        + _chunk(b"IDAT", _zero_stream(row, height))
        + _chunk(b"IEND", b"")
    )


def grey16_png(size=SIDE) -> bytes:
    return png(colour_type=0, bit_depth=16, channels=1, size=size)


def rgba_png(size=SIDE) -> bytes:
    return png(colour_type=6, bit_depth=8, channels=4, size=size)


def palette_transparent_png(size=SIDE) -> bytes:
    palette = _chunk(b"PLTE", bytes([0, 0, 0, 255, 255, 255]))
    transparency = _chunk(b"tRNS", bytes([0, 255]))  # colour 0 is fully transparent
    return png(colour_type=3, bit_depth=8, channels=1, size=size, extra=palette + transparency)


def tiff(*, bits: int, samples: int, photometric: int, extra_samples=(), size=SIDE, rows=64):
    """A little-endian deflate TIFF of zeros; every strip of `rows` rows shares one blob."""
    width, height = size
    row_bytes = width * samples * bits // 8
    blob = zlib.compress(b"\x00" * (row_bytes * rows), 9)
    strips = -(-height // rows)
    last_rows = height - rows * (strips - 1)
    last = blob if last_rows == rows else zlib.compress(b"\x00" * (row_bytes * last_rows), 9)
    entries = [
        (256, 4, [width]),  # ImageWidth
        (257, 4, [height]),  # ImageLength
        (258, 3, [bits] * samples),  # BitsPerSample
        (259, 3, [8]),  # Compression: deflate
        (262, 3, [photometric]),
        (273, 4, None),  # StripOffsets (filled in below)
        (277, 3, [samples]),
        (278, 4, [rows]),  # RowsPerStrip
        (279, 4, [len(blob)] * (strips - 1) + [len(last)]),  # StripByteCounts
        (284, 3, [1]),  # PlanarConfiguration: chunky
    ]
    if extra_samples:
        entries.append((338, 3, list(extra_samples)))
    entries.sort()

    def layout(offsets):
        entries[[tag for tag, _, _ in entries].index(273)] = (273, 4, offsets)
        arrays_at = 8 + 2 + 12 * len(entries) + 4
        ifd, arrays = b"", b""
        for tag, kind, values in entries:
            packed = struct.pack("<" + ("I" if kind == 4 else "H") * len(values), *values)
            if len(packed) <= 4:
                ifd += struct.pack("<HHI", tag, kind, len(values)) + packed.ljust(4, b"\x00")
            else:
                ifd += struct.pack("<HHII", tag, kind, len(values), arrays_at + len(arrays))
                arrays += packed
        head = b"II*\x00" + struct.pack("<IH", 8, len(entries)) + ifd + struct.pack("<I", 0)
        return head + arrays

    blob_at = len(layout([0] * strips))
    offsets = [blob_at] * (strips - 1) + [blob_at + len(blob)]
    return layout(offsets) + blob + last


def grey16_tiff(size=SIDE, rows=64) -> bytes:
    return tiff(bits=16, samples=1, photometric=1, size=size, rows=rows)


def rgba_tiff(size=SIDE, rows=64) -> bytes:
    return tiff(bits=8, samples=4, photometric=2, extra_samples=(2,), size=size, rows=rows)


def cmyk_tiff(size=SIDE, rows=64) -> bytes:
    return tiff(bits=8, samples=4, photometric=5, size=size, rows=rows)


# name: bytes, written lazily by the tests
BIG_FILES = {
    "grey16.png": grey16_png,
    "rgba.png": rgba_png,
    "palette-transparent.png": palette_transparent_png,
    "grey16.tif": grey16_tiff,
    "rgba.tif": rgba_tiff,
    "cmyk.tif": cmyk_tiff,
}


# --- JPEGs whose scan data stops early --------------------------------------------------------


def _segments(data: bytes):
    """(marker, start, end) of each segment before the scan data, then the SOS segment."""
    at = 2
    while at < len(data):
        marker = data[at + 1]
        length = struct.unpack(">H", data[at + 2 : at + 4])[0]
        yield marker, at, at + 2 + length
        if marker == 0xDA:
            return
        at += 2 + length


def jpeg_cut_short(data: bytes, keep: float = 2 / 3) -> bytes:
    """`data` cut inside its scan data, with an end marker after the cut (as a copy tool
    that lost the tail but closed the file would write)."""
    scan_start = [end for marker, _, end in _segments(data) if marker == 0xDA][0]
    cut = scan_start + int((len(data) - scan_start) * keep)
    return data[:cut] + b"\xff\xd9"


def jpeg_declaring(width: int, height: int, *, size: int = 633) -> bytes:
    """A baseline JPEG of `size` bytes whose header declares `width`×`height`: a few blocks
    of scan data, then the end marker."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (16, 16), 90).save(buffer, "JPEG", quality=50)
    data = buffer.getvalue()
    for marker, start, _ in _segments(data):
        if marker == 0xC0:  # SOF0: precision, then height and width
            data = data[: start + 5] + struct.pack(">HH", height, width) + data[start + 9 :]
    comment_size = size - len(data) - 4
    assert comment_size >= 0, len(data)
    comment = b"\xff\xfe" + struct.pack(">H", comment_size + 2) + b"x" * comment_size
    return data[:2] + comment + data[2:]
