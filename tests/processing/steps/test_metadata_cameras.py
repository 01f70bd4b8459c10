"""What cameras really write, read as ExifTool reads it: each alternative source on its own."""

import io
from datetime import datetime

import pytest
from PIL import ExifTags, Image, ImageOps, IptcImagePlugin
from PIL.TiffImagePlugin import IFDRational

from processing.steps.decode import decode
from processing.steps.heif_boxes import read_meta, transform_orientation
from processing.steps.metadata import extract_metadata

Base = ExifTags.Base


def metadata_of(path):
    with path.open("rb") as fp:
        return extract_metadata(fp, max_pixels=100_000_000)


def jpeg_with(photo_tags: dict, *, make: str | None = None) -> io.BytesIO:
    exif = Image.Exif()
    if make:
        exif[Base.Make] = make
    exif.get_ifd(ExifTags.IFD.Exif).update(photo_tags)
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "JPEG", exif=exif.tobytes())
    buffer.seek(0)
    return buffer


def read(photo_tags: dict, **kwargs):
    return extract_metadata(jpeg_with(photo_tags, **kwargs), max_pixels=1_000_000)


def test_sub_seconds_and_offset_written_in_the_date_field():
    metadata = read({Base.DateTimeOriginal: "2016:06:27 15:29:42.041-04:00"})
    assert metadata.taken_at == datetime(2016, 6, 27, 15, 29, 42, 41000)
    assert metadata.taken_at_offset == "-04:00"


def test_sub_seconds_and_offset_from_their_own_tags():
    metadata = read(
        {
            Base.DateTimeOriginal: "2023:07:14 07:08:09",
            Base.SubsecTimeOriginal: "5",
            Base.OffsetTimeOriginal: "+0200",
        }
    )
    assert metadata.taken_at == datetime(2023, 7, 14, 7, 8, 9, 500000)
    assert metadata.taken_at_offset == "+02:00"


def test_iso_from_the_exif_2_3_sensitivity_tags():
    """65535 means "65535 or more": the real figure is in the tag SensitivityType names."""
    assert read({Base.ISOSpeedRatings: 65535, 0x8830: 2, 0x8832: 102400}).iso == 102400
    assert read({0x8830: 1, 0x8831: 160, 0x8832: 200}).iso == 160  # SOS only
    assert read({0x8832: 3200}).iso == 3200  # no type: REI first
    assert read({Base.ISOSpeedRatings: 65535}).iso is None


def test_exposure_and_aperture_from_apex_values_when_the_plain_tags_are_missing():
    metadata = read({Base.ShutterSpeedValue: IFDRational(7, 1), Base.ApertureValue: 4.5})
    assert metadata.exposure_time == 1 / 128
    assert metadata.f_number == pytest.approx(4.7568, abs=1e-4)
    plain = read({Base.ExposureTime: IFDRational(1, 100), Base.ShutterSpeedValue: 7.0})
    assert plain.exposure_time == 0.01  # the plain tag wins


@pytest.mark.parametrize(
    ("name", "field", "value"),
    [
        ("Nikon D1X.jpg", "iso", 200),  # Nikon type 3 maker note, tag 0x0002
        ("Nikon E5700.jpg", "iso", 100),
        ("Casio EX-Z3.jpg", "iso", 50),  # Casio "QVC" note, tag 0x3014
        ("Pentax Optio 430.jpg", "iso", 100),  # header-less Asahi note, Casio's table
        ("Kodak DX4330.jpg", "iso", 200),  # Kodak "KDK" note
        ("Kodak DX4330.jpg", "f_number", 4.99),  # unrounded, where EXIF says 4.8
        ("Kodak DC240.jpg", "exposure_time", 0.03111),  # Kodak type 3
        ("Issue 339.jpg", "lens", "OLYMPUS 14-42mm Lens"),  # Olympus Equipment IFD
        ("Reconyx HC500 firmware 3.3.0.jpg", "taken_at", datetime(2015, 5, 7, 8, 8, 31)),
        ("Minolta DiMAGE 7.jpg", "exposure_time", 1 / 128),  # Minolta CameraSettings
        (
            "Minolta DiMAGE S304.jpg",
            "f_number",
            pytest.approx(3.668016, rel=1e-5),
        ),  # not APEX's 3.605
        ("Issue 258 (dotnet).jpg", "taken_at", datetime(2019, 10, 16, 19, 1)),  # IPTC only
        ("Issue 258 (dotnet).jpg", "taken_at_offset", "+00:00"),
        ("IMG_2929.HEIC", "taken_at_offset", "-04:00"),
        ("FLIR Vue Pro 640.jpg", "lens", "FOL13"),  # FLIR's own FFF CameraInfo record
        ("FLIR Vue Pro 640.jpg", "taken_at", datetime(2016, 6, 27, 15, 29, 42, 41000)),
        ("FLIR Vue Pro 640.jpg", "taken_at_offset", "-04:00"),
    ],
)
def test_values_only_maker_notes_or_alternatives_hold(corpus, name, field, value):
    assert getattr(metadata_of(corpus / "cameras" / name), field) == value


def test_iptc_date_needs_both_date_and_time():
    buffer = jpeg_with({})
    image = Image.open(buffer)
    assert IptcImagePlugin.getiptcinfo(image) is None  # nothing to fall back on
    assert extract_metadata(buffer, max_pixels=1_000_000).taken_at is None


def heif_with_orientation(orientation: int) -> io.BytesIO:
    """A HEIF as libheif writes one: the EXIF orientation becomes irot/imir boxes."""
    exif = Image.Exif()
    exif[Base.Orientation] = orientation
    buffer = io.BytesIO()
    pattern = Image.new("RGB", (64, 32), "white")
    pattern.paste((255, 0, 0), (0, 0, 32, 16))  # red top-left quarter
    pattern.save(buffer, "HEIF", exif=exif.tobytes(), quality=-1)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize("orientation", range(1, 9))
def test_heif_transform_boxes_give_the_orientation_and_are_applied_once(orientation):
    buffer = heif_with_orientation(orientation)
    meta = read_meta(buffer)
    assert transform_orientation(meta) == (None if orientation == 1 else orientation)
    decoded = decode(buffer, max_pixels=1_000_000)
    metadata = extract_metadata(buffer, max_pixels=1_000_000)
    upright = (32, 64) if orientation in (5, 6, 7, 8) else (64, 32)
    assert decoded.image.size == upright == (metadata.width, metadata.height)
    assert decoded.orientation == metadata.orientation == orientation
    assert _red_corners(decoded.image) == _red_corners(_upright_pattern(orientation))


def _red_corners(image: Image.Image) -> list[bool]:
    rgb, (width, height) = image.convert("RGB"), image.size
    corners = [(2, 2), (width - 3, 2), (2, height - 3), (width - 3, height - 3)]
    return [rgb.getpixel(point)[1] < 128 for point in corners]


def _upright_pattern(orientation: int) -> Image.Image:
    pattern = Image.new("RGB", (64, 32), "white")
    pattern.paste((255, 0, 0), (0, 0, 32, 16))  # red top-left quarter
    pattern.getexif()[Base.Orientation] = orientation
    return ImageOps.exif_transpose(pattern)


def test_heif_with_only_an_exif_orientation_is_turned_by_it(corpus):
    """A Samsung HEIC with no irot box and EXIF orientation 6 is shown portrait."""
    path = corpus / "cameras" / "Issue 437 (dotnet).heic"
    metadata = metadata_of(path)
    assert (metadata.width, metadata.height, metadata.orientation) == (1848, 4000, 6)
    with path.open("rb") as fp:
        width, height = decode(fp, max_pixels=100_000_000, target=(400, 400)).image.size
    assert height > 2 * width  # portrait, as the phone meant it


def test_iphone_heic_is_not_turned_twice(corpus):
    metadata = metadata_of(corpus / "cameras" / "IMG_2929.HEIC")
    assert (metadata.width, metadata.height, metadata.orientation) == (3024, 4032, 1)
