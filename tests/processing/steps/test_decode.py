"""Uploads are judged by their content: what opens, what is refused, and the reason given."""

import io
import struct
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image, ImageChops, ImageFile, ImageStat

from processing.steps.decode import ALLOWED_FORMATS, decode, open_image, sniff
from processing.steps.errors import (
    CorruptImage,
    EmptyFile,
    NotAnImage,
    PhotoRejected,
    TooManyPixels,
    TruncatedImage,
    UnsupportedFormat,
)
from processing.steps.metadata import extract_metadata
from processing.steps.thumbnails import render_renditions
from tests.processing.big_files import jpeg_cut_short, jpeg_declaring

# --- builders for hostile inputs ----------------------------------------------------------


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header claims width × height, built by hand (Pillow refuses to write it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def encoded(image: Image.Image, image_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def zip_named_jpg() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("holiday.jpg", b"not really a photo")
    return buffer.getvalue()


def jpeg_with_megabyte_of_comments() -> bytes:
    """A valid JPEG carrying 16 × 64 KB COM segments and 16 junk APP1 "Exif" blocks."""
    base = encoded(Image.new("RGB", (64, 48), "teal"), "JPEG")
    comment = b"\xff\xfe" + struct.pack(">H", 65535) + b"c" * 65533
    junk_exif = b"\xff\xe1" + struct.pack(">H", 65535) + b"Exif\x00\x00" + b"\xaa" * 65527
    return base[:2] + (comment + junk_exif) * 16 + base[2:]


def decode_bytes(data: bytes, *, max_pixels: int = 100_000_000, **options):
    return decode(io.BytesIO(data), max_pixels=max_pixels, **options)


HOSTILE = [
    ("empty", b"", EmptyFile, "The file is empty."),
    ("html", b"<!DOCTYPE html><html><body>hello</body></html>", NotAnImage, "looks like HTML"),
    (
        "svg-with-script",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
        b"<script>alert(document.cookie)</script></svg>",
        NotAnImage,
        "looks like SVG",
    ),
    ("pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\nendobj\n", NotAnImage, "a PDF document"),
    ("zip-named-jpg", zip_named_jpg(), NotAnImage, "a ZIP archive"),
    ("text", b"Dear photo site,\nhere are my holiday pictures.\n", NotAnImage, "plain text"),
    ("noise", bytes(range(256)) * 4, NotAnImage, "unknown data"),
    ("video", b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", NotAnImage, "a video"),
    (
        "png-100000x100000",
        png_declaring(100_000, 100_000),
        TooManyPixels,
        "Image is 10,000 megapixels; the limit is 100",
    ),
    ("png-zero-width", png_declaring(0, 100), CorruptImage, "zero width or height"),
    (
        "bmp",
        encoded(Image.new("RGB", (8, 8)), "BMP"),
        UnsupportedFormat,
        "This file is a BMP image; supported formats are JPEG, PNG, WebP, GIF, TIFF",
    ),
    ("png-signature-only", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, CorruptImage, "like a PNG image"),
]


@pytest.mark.parametrize(
    "data, error, message", [case[1:] for case in HOSTILE], ids=[case[0] for case in HOSTILE]
)
def test_hostile_upload_is_rejected_with_a_plain_reason(data, error, message):
    with pytest.raises(error) as caught:
        decode_bytes(data)
    assert isinstance(caught.value, PhotoRejected)
    assert message in caught.value.reason
    assert str(caught.value) == caught.value.reason


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_pixel_limit_is_checked_from_the_header_before_decoding():
    data = png_declaring(12_000, 10_000)  # 120 MP: over our limit, under Pillow's hard one
    with pytest.raises(TooManyPixels, match="Image is 120 megapixels; the limit is 100"):
        open_image(io.BytesIO(data), max_pixels=100_000_000)


def test_pixel_limit_is_per_call_and_leaves_pillow_globals_alone():
    data = encoded(Image.new("RGB", (2000, 1000)), "PNG")
    before = (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES)

    def outcome(limit: int) -> str:
        try:
            decode_bytes(data, max_pixels=limit)
        except TooManyPixels as exc:
            return exc.reason
        return "ok"

    limits = [1_000_000, 100_000_000] * 20
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(outcome, limits))
    assert results == ["Image is 2 megapixels; the limit is 1", "ok"] * 20
    assert (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES) == before


def test_good_corpus_file_decodes_upright_in_a_display_mode(good_file, max_pixels):
    with good_file.open("rb") as fp:
        decoded = decode(fp, max_pixels=max_pixels)
    assert decoded.format in ALLOWED_FORMATS
    assert decoded.image.mode in ("L", "RGB", "RGBA")
    assert "icc_profile" not in decoded.image.info
    width, height = decoded.stored_size
    if decoded.orientation in (5, 6, 7, 8):
        width, height = height, width
    assert decoded.image.size == (width, height)


@pytest.mark.filterwarnings("ignore:Tag data larger than file")  # Pillow, on the fuzzed TIFFs
def test_bad_corpus_file_gets_its_expected_outcome(bad_case, max_pixels):
    path, expect, why = bad_case
    if expect == "rejected":
        for step in (extract_metadata, render_renditions):
            with path.open("rb") as fp, pytest.raises(PhotoRejected) as caught:
                step(fp, max_pixels=max_pixels)
            assert len(caught.value.reason) > 15, why
    else:
        with path.open("rb") as fp:
            metadata = extract_metadata(fp, max_pixels=max_pixels)
        with path.open("rb") as fp:
            renditions = render_renditions(fp, max_pixels=max_pixels)
        assert metadata.width > 0 and metadata.height > 0, why
        assert [r.name for r in renditions] == ["grid", "preview"]


@pytest.mark.parametrize("name", ["truncated_jpeg.jpg"])
def test_truncated_corpus_file_says_truncated(corpus, name, max_pixels):
    with (corpus / "bad" / name).open("rb") as fp, pytest.raises(TruncatedImage):
        decode(fp, max_pixels=max_pixels)


def test_cut_off_uploads_are_truncated_not_accepted(corpus, max_pixels):
    for path in (corpus / "good" / "hopper.png", corpus / "large" / "iphone_hdr_NO.jpg"):
        data = path.read_bytes()
        cut = data[: len(data) * 2 // 3]
        with pytest.raises(TruncatedImage, match="truncated"):
            decode_bytes(cut, target=(400, 400))
        with pytest.raises(TruncatedImage):
            extract_metadata(io.BytesIO(cut), max_pixels=max_pixels)


def test_large_comment_and_junk_exif_blocks_do_not_stop_a_photo(max_pixels):
    data = jpeg_with_megabyte_of_comments()
    assert len(data) > 2_000_000
    metadata = extract_metadata(io.BytesIO(data), max_pixels=max_pixels)
    renditions = render_renditions(io.BytesIO(data), max_pixels=max_pixels)
    assert (metadata.width, metadata.height, metadata.camera_make) == (64, 48, None)
    assert renditions[0].width == 64


def test_big_jpeg_is_decoded_at_reduced_scale_but_never_below_the_target(corpus):
    with (corpus / "large" / "iphone_hdr_NO.jpg").open("rb") as fp:
        decoded = decode(fp, max_pixels=100_000_000, target=(400, 400))
    assert decoded.stored_size == (3264, 2448)
    assert 400 <= decoded.image.width <= 800 and 300 <= decoded.image.height <= 600


@pytest.mark.parametrize("number", range(1, 9))
def test_every_exif_orientation_comes_out_upright(corpus, number):
    def pixels(name: str) -> Image.Image:
        with (corpus / "good" / name).open("rb") as fp:
            return decode(fp, max_pixels=100_000_000).image

    reference = pixels("orientation_landscape_1.jpg")
    image = pixels(f"orientation_landscape_{number}.jpg")
    assert image.size == reference.size == (600, 450)
    difference = max(ImageStat.Stat(ImageChops.difference(reference, image)).mean)
    mirrored = reference.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    wrong = max(ImageStat.Stat(ImageChops.difference(reference, mirrored)).mean)
    assert difference < 12 < wrong


def test_gif_gives_its_first_frame():
    frames = [Image.new("RGB", (16, 16), colour) for colour in ("red", "blue")]
    data = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert decode_bytes(data).image.convert("RGB").getpixel((8, 8)) == (255, 0, 0)


def test_multi_picture_jpeg_counts_as_jpeg():
    frames = [Image.new("RGB", (32, 24), colour) for colour in ("green", "white")]
    data = encoded(frames[0], "MPO", save_all=True, append_images=frames[1:])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    assert decode_bytes(data).format == "JPEG"
    assert extract_metadata(io.BytesIO(data), max_pixels=1_000_000).mime_type == "image/jpeg"


@pytest.mark.parametrize(
    "image, mode, pixel",
    [
        (Image.new("I;16", (8, 8), 40_000), "L", 156),  # scaled, not clipped to 255
        (Image.new("LA", (8, 8), (200, 100)), "RGBA", (200, 200, 200, 100)),
        (Image.new("1", (8, 8), 1), "L", 255),
        (Image.new("CMYK", (8, 8), (0, 255, 255, 0)), "RGB", (255, 0, 0)),
    ],
    ids=["I;16", "LA", "1", "CMYK"],
)
def test_unusual_modes_become_display_modes(image, mode, pixel):
    image_format = {"CMYK": "JPEG", "1": "TIFF"}.get(image.mode, "PNG")
    options = {"quality": 100} if image_format == "JPEG" else {}
    decoded = decode_bytes(encoded(image, image_format, **options))
    assert decoded.image.mode == mode
    actual = decoded.image.getpixel((4, 4))
    if isinstance(pixel, tuple):
        assert all(abs(a - b) <= 3 for a, b in zip(actual, pixel, strict=True)), actual
    else:
        assert abs(actual - pixel) <= 1


def test_palette_transparency_is_kept_as_alpha():
    image = Image.new("P", (8, 8), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.putpixel((0, 0), 0)
    decoded = decode_bytes(encoded(image, "PNG", transparency=0))
    assert decoded.image.mode == "RGBA"
    assert decoded.image.getpixel((0, 0))[3] == 0
    assert decoded.image.getpixel((4, 4)) == (255, 0, 0, 255)


def test_a_file_name_or_claimed_type_plays_no_part(corpus):
    """decode() only ever sees bytes: a PNG is a PNG whatever the upload was called."""
    data = (corpus / "good" / "hopper.png").read_bytes()
    assert decode_bytes(data).format == "PNG"


@pytest.mark.parametrize(
    "head, looks_like",
    [
        (b"  <html><head><title>x</title></head>", "HTML"),
        (b"\xef\xbb\xbf<svg viewBox='0 0 1 1'/>", "SVG"),
        (b"%PDF-1.4", "a PDF document"),
        (b"PK\x03\x04\x14\x00", "a ZIP archive"),
        (b"just some words", "plain text"),
        (b"\x00\x01\x02\x03\xfe\xff\x10\x11", "unknown data"),
    ],
)
def test_sniff_describes_what_a_non_image_looks_like(head, looks_like):
    assert sniff(head) == looks_like


def test_jpeg_cut_short_is_truncated_even_with_an_end_marker(corpus, max_pixels):
    data = jpeg_cut_short((corpus / "large" / "iphone_hdr_NO.jpg").read_bytes())
    assert data.endswith(b"\xff\xd9")

    with pytest.raises(TruncatedImage, match="truncated"):
        decode_bytes(data, target=(1600, 1600))
    with pytest.raises(TruncatedImage, match="truncated"):
        extract_metadata(io.BytesIO(data), max_pixels=max_pixels)
    with pytest.raises(TruncatedImage, match="truncated"):
        render_renditions(io.BytesIO(data), max_pixels=max_pixels)


def test_tiny_jpeg_declaring_100_megapixels_is_truncated(max_pixels):
    data = jpeg_declaring(10_000, 10_000)
    assert len(data) == 633

    with pytest.raises(TruncatedImage, match="truncated"):
        extract_metadata(io.BytesIO(data), max_pixels=max_pixels)
    with pytest.raises(TruncatedImage, match="truncated"):
        render_renditions(io.BytesIO(data), max_pixels=max_pixels)


def test_a_sliver_of_missing_blocks_is_kept(corpus, max_pixels):
    # exif_corrupted.jpg's scan stops about 24 rows (0.9%) short of its 2736; it stays a photo
    with (corpus / "bad" / "exif_corrupted.jpg").open("rb") as fp:
        assert decode(fp, max_pixels=max_pixels, target=(400, 400)).image.size == (456, 342)
