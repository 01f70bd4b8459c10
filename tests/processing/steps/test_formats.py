"""The one table of formats: what uploads are signed as, what decoded files are called."""

import pytest

from processing.steps import formats
from processing.steps.decode import ALLOWED_FORMATS


@pytest.mark.parametrize(
    ("claimed", "file_name", "signed"),
    [
        ("image/jpeg", "a.jpg", "image/jpeg"),
        ("image/pjpeg", "a", "image/jpeg"),  # an old browser's name for JPEG
        ("", "IMG_0001.HEIC", "image/heic"),  # browsers send no type for HEIC
        ("application/octet-stream", "x.avif", "image/avif"),
        ("image/svg+xml", "cat.png", "image/png"),  # the type is not signable; the name is
        ("image/svg+xml", "drawing.svg", None),
        ("text/html", "page.html", None),
        ("image/bmp", "old.bmp", None),
        ("", "no-extension", None),
    ],
)
def test_uploads_are_signed_only_as_raster_types_from_the_table(claimed, file_name, signed):
    assert formats.upload_type(claimed=claimed, file_name=file_name) == signed


def test_nothing_active_is_ever_an_upload_type_or_offered_by_the_picker():
    assert all(t.startswith("image/") and "svg" not in t for t in formats.UPLOAD_TYPES)
    assert "svg" not in formats.ACCEPT and "image/*" not in formats.ACCEPT
    assert ".heic" in formats.ACCEPT and "image/avif" in formats.ACCEPT


@pytest.mark.parametrize(
    ("pillow", "brand", "mime"),
    [
        ("HEIF", b"heic", "image/heic"),
        ("HEIF", b"mif1", "image/heif"),
        ("AVIF", b"avif", "image/avif"),
        ("JPEG", None, "image/jpeg"),
        ("BMP", None, "application/octet-stream"),
    ],
)
def test_decoded_files_are_named_from_the_table(pillow, brand, mime):
    assert formats.mime_type_for(pillow, brand=brand) == mime


def test_decode_opens_exactly_the_table_and_keys_carry_its_extensions():
    assert ALLOWED_FORMATS == {"JPEG", "PNG", "WEBP", "GIF", "TIFF", "HEIF", "AVIF"}
    assert formats.key_extension("image/webp") == "webp"
    assert formats.key_extension("image/jpeg") == "jpg"
    assert formats.key_extension("image/x-unknown") == "bin"
    assert [f.pillow for f in formats.FORMATS if f.rekognition] == ["JPEG", "PNG"]
