"""The one table of image formats the site takes: extensions, MIME types, HEIF brands, and
whether Rekognition reads the file itself.

Pure data and lookups (no Django, no Pillow). Decoding, metadata, the upload form, the upload
services and the rendition writer all read it; a new format is one row here.
"""

from __future__ import annotations

from dataclasses import dataclass

OCTET_STREAM = "application/octet-stream"


@dataclass(frozen=True)
class ImageFormat:
    pillow: str  # Pillow's name for the decoder: "JPEG", "HEIF", …
    mime_type: str  # what the site signs, stores and serves
    extensions: tuple[str, ...]  # lower case, the first is the one generated keys carry
    brands: tuple[bytes, ...] = ()  # ISO-BMFF `ftyp` major brands (HEIF family only)
    also_claimed: tuple[str, ...] = ()  # non-standard types some browsers send
    rekognition: bool = False  # Rekognition decodes it from an S3 object itself


_JPEG = ("image/jpg", "image/pjpeg")
_HEIC_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx")

FORMATS: tuple[ImageFormat, ...] = (
    ImageFormat("JPEG", "image/jpeg", ("jpg", "jpeg", "jpe"), also_claimed=_JPEG, rekognition=True),
    ImageFormat("PNG", "image/png", ("png",), also_claimed=("image/x-png",), rekognition=True),
    ImageFormat("WEBP", "image/webp", ("webp",)),
    ImageFormat("GIF", "image/gif", ("gif",)),
    ImageFormat("TIFF", "image/tiff", ("tif", "tiff")),
    ImageFormat("HEIF", "image/heic", ("heic",), brands=_HEIC_BRANDS),
    ImageFormat("HEIF", "image/heif", ("heif", "hif"), brands=(b"mif1", b"msf1")),
    ImageFormat("AVIF", "image/avif", ("avif",), brands=(b"avif", b"avis")),
)  # fmt: skip

# Pillow's decoders the site opens; anything else is refused before decoding.
PILLOW_FORMATS = frozenset(f.pillow for f in FORMATS)
# The content types an upload may be signed and stored with: raster images only (never SVG).
UPLOAD_TYPES = frozenset(f.mime_type for f in FORMATS)
HEIC_BRANDS = frozenset(b for f in FORMATS if f.mime_type == "image/heic" for b in f.brands)
HEIF_BRANDS = frozenset(b for f in FORMATS if f.pillow == "HEIF" for b in f.brands)
AVIF_BRANDS = frozenset(b for f in FORMATS if f.pillow == "AVIF" for b in f.brands)
# What the file picker offers: every type and extension in the table.
ACCEPT = ",".join([*sorted(UPLOAD_TYPES), *(f".{e}" for f in FORMATS for e in f.extensions)])

_BY_EXTENSION = {ext: f for f in FORMATS for ext in f.extensions}
_BY_TYPE = {t: f for f in FORMATS for t in (f.mime_type, *f.also_claimed)}


def extension_of(file_name: str) -> str:
    """The file name's extension when the table knows it (lower case), else ""."""
    ext = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    return ext if ext in _BY_EXTENSION else ""


def by_extension(file_name: str) -> ImageFormat | None:
    return _BY_EXTENSION.get(extension_of(file_name))


def by_mime_type(mime_type: str) -> ImageFormat | None:
    return _BY_TYPE.get((mime_type or "").split(";", 1)[0].strip().lower())


def upload_type(*, claimed: str, file_name: str) -> str | None:
    """The Content-Type an upload is signed and stored with, or None when the site does not
    take the file: the browser's type when the table has it, else the extension's.

    Browsers leave the type empty (or send application/octet-stream) for HEIC and some other
    formats; the extension fills in. image/svg+xml and other active types are never signed.
    """
    found = by_mime_type(claimed) or by_extension(file_name)
    return found.mime_type if found else None


def mime_type_for(pillow_format: str, *, brand: bytes | None = None) -> str:
    """The MIME type of a decoded file: Pillow's format, and for HEIF its `ftyp` brand."""
    if pillow_format == "HEIF":
        return "image/heic" if brand in HEIC_BRANDS else "image/heif"
    for image_format in FORMATS:
        if image_format.pillow == pillow_format:
            return image_format.mime_type
    return OCTET_STREAM


def key_extension(mime_type: str) -> str:
    """The extension a generated key carries for this type ("bin" for what the table lacks)."""
    found = by_mime_type(mime_type)
    return found.extensions[0] if found else "bin"


def rekognition_reads(pillow_format: str) -> bool:
    """True when Rekognition decodes this format from an S3 object by itself."""
    return any(f.rekognition for f in FORMATS if f.pillow == pillow_format)
