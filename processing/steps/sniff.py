"""Say what a file looks like from its first bytes, for messages about files we cannot read.

Only used to explain a rejection; whether a file is accepted is decided by Pillow.
"""

from __future__ import annotations

import struct

from processing.steps.formats import AVIF_BRANDS, HEIF_BRANDS

# Signatures of image formats, used to tell "a damaged PNG" from "not an image at all".
_IMAGE_SIGNATURES = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
)
_VIDEO_BRANDS = {b"isom", b"iso2", b"mp41", b"mp42", b"qt  ", b"M4V ", b"3gp4", b"3gp5", b"avc1"}
_SPELLED_WITH_VOWEL_SOUND = {"SGI", "MSP", "XBM", "XPM", "HDR", "MIC", "FLI"}
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<meta", b"<div")


def image_signature(head: bytes) -> str | None:
    """The image format the bytes start like, or None."""
    for magic, name in _IMAGE_SIGNATURES:
        if head.startswith(magic):
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    brand = _ftyp_brand(head)
    if brand in HEIF_BRANDS:
        return "HEIF"
    if brand in AVIF_BRANDS:
        return "AVIF"
    return None


def zero_dimensions(head: bytes) -> bool:
    """True when a GIF or PNG header declares a width or height of zero."""
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        width, height = struct.unpack("<HH", head[6:10])
        return width == 0 or height == 0
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR" and len(head) >= 24:
        width, height = struct.unpack(">II", head[16:24])
        return width == 0 or height == 0
    return False


def sniff(head: bytes) -> str:
    """A short description of what non-image content looks like, e.g. "HTML" or "a PDF document"."""
    if not head:
        return "an empty file"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return "a ZIP archive"
    if head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"7z\xbc\xaf\x27\x1c", b"Rar!")):
        return "a compressed archive"
    if _ftyp_brand(head) in _VIDEO_BRANDS:
        return "a video"
    if head.startswith((b"\x7fELF", b"MZ")):
        return "a program"
    kind = image_signature(head)
    if kind:
        return f"{with_article(kind)} image"
    text = _as_text(head)
    if text is None:
        return "unknown data"
    lowered = text.lstrip().lower().encode()
    if b"<svg" in lowered:
        return "SVG"
    if any(marker in lowered for marker in _HTML_MARKERS):
        return "HTML"
    if lowered.startswith(b"<?xml"):
        return "an XML document"
    return "plain text"


def with_article(name: str) -> str:
    """ "a BMP", "an AVIF", "a HEIF", "an SGI": the article follows how the name is said."""
    vowel = name[:1].upper() in "AEIO" or name.upper() in _SPELLED_WITH_VOWEL_SOUND
    return f"{'an' if vowel else 'a'} {name}"


def _ftyp_brand(head: bytes) -> bytes | None:
    if head[4:8] == b"ftyp":
        return head[8:12]
    return None


def _as_text(head: bytes) -> str | None:
    """The bytes as text when they look like text (UTF-8/Latin-1, few control characters)."""
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if head.startswith(bom):
            head = head[len(bom) :]
            break
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a multi-byte character cut at the end
            return None
        text = head[: exc.start].decode("utf-8")
    if not text:
        return None
    control = sum(1 for char in text if ord(char) < 32 and char not in "\t\r\n\f")
    return text if control / len(text) < 0.02 else None
