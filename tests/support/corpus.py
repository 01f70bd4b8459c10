"""The image corpus (../shared/corpus beside the repo), exiftool's reference values for it,
and hostile files made in the test."""

import io
import json
import re
import struct
import zipfile
import zlib
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def corpus_file(*parts: str) -> Path:
    path = CORPUS.joinpath(*parts)
    assert path.is_file(), (
        f"corpus file missing: {path} (../shared/corpus must sit beside the repo)"
    )
    return path


GOOD_FILES = sorted(p.name for p in (CORPUS / "good").iterdir() if p.is_file())
LARGE_FILES = sorted(p.name for p in (CORPUS / "large").iterdir() if p.is_file())
BAD_FILES = sorted(p.name for p in (CORPUS / "bad").iterdir() if p.is_file())


def expected(name: str) -> dict:
    """exiftool's reference values for one file in good/ or large/, by file name."""
    for listing in ("expected-good.json", "expected-large.json"):
        for entry in json.loads((CORPUS / listing).read_text()):
            if entry["SourceFile"] == name:
                return entry
    raise KeyError(name)


EXPECTED_BAD = json.loads((CORPUS / "expected-bad.json").read_text())

# What a Python error looks like when it leaks into a message meant for people.
_EXCEPTION_REPR = re.compile(r"Traceback|\[Errno|\b[A-Z]\w*(Error|Exception)\b|<\w+ object at")


def is_human_reason(reason: str) -> bool:
    return bool(reason.strip()) and not _EXCEPTION_REPR.search(reason)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR declares `width`×`height` (valid CRC) and a tiny IDAT."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


def zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("holiday/notes.txt", "Not a photo.\n")
    return buffer.getvalue()


HOSTILE_FILES = {
    # name: (bytes, what the rejection reason must say)
    "empty.jpg": (b"", "empty"),
    "page.jpg": (
        b"<!DOCTYPE html>\n<html><head><title>Not a photo</title></head>"
        b"<body><p>Hello</p></body></html>\n",
        "looks like HTML",
    ),
    "archive.jpg": (zip_archive(), "ZIP"),
    "huge.png": (png_header_only(100_000, 100_000), "megapixels"),
}
