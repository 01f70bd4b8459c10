"""What the metadata step reads, checked against ExifTool and against files we build."""

import hashlib
import io
from datetime import datetime

import pytest
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

from processing.steps.metadata import PhotoMetadata, extract_metadata


def metadata_of(path, max_pixels=100_000_000) -> PhotoMetadata:
    with path.open("rb") as fp:
        return extract_metadata(fp, max_pixels=max_pixels)


def test_gps_signs_and_altitude(corpus):
    iphone = metadata_of(corpus / "large" / "iphone_hdr_NO.jpg")
    assert (round(iphone.latitude, 6), round(iphone.longitude, 6)) == (40.446972, -3.724753)
    assert iphone.altitude == pytest.approx(639.5879, abs=1e-3)
    kodak = metadata_of(corpus / "good" / "Kodak_CX7530.jpg")
    assert kodak.latitude == pytest.approx(-0.3713)  # south of the equator


def test_size_and_hash_are_of_the_exact_bytes(corpus):
    path = corpus / "large" / "HMD_Nokia_8.3_5G_hdr.heif"
    data = path.read_bytes()
    metadata = metadata_of(path)
    assert metadata.size == len(data)
    assert metadata.sha256 == hashlib.sha256(data).hexdigest()
    assert (metadata.format, metadata.mime_type) == ("HEIF", "image/heic")


@pytest.mark.parametrize("number", range(1, 9))
def test_width_and_height_are_as_displayed(corpus, number):
    metadata = metadata_of(corpus / "good" / f"orientation_landscape_{number}.jpg")
    assert (metadata.width, metadata.height, metadata.orientation) == (600, 450, number)


def test_rotated_camera_photo_is_portrait(corpus):
    metadata = metadata_of(corpus / "large" / "canon_hdr_NO.jpg")
    assert (metadata.width, metadata.height, metadata.orientation) == (1536, 2048, 6)


def test_canon_iso_from_maker_notes(corpus):
    """Canon compacts leave EXIF ISO empty; ExifTool (and we) read the maker note."""
    assert metadata_of(corpus / "good" / "Canon_DIGITAL_IXUS_400.jpg").iso == 50
    assert metadata_of(corpus / "good" / "canon-ixus.jpg").iso == 65  # ExifTool: 64.84
    assert metadata_of(corpus / "large" / "28-hex_value.jpg").iso == 50  # moved maker note


def jpeg_with_exif(exif: Image.Exif) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "JPEG", exif=exif.tobytes())
    buffer.seek(0)
    return buffer


def test_every_field_from_a_file_we_wrote():
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Fujifilm\x00\x00"
    exif[ExifTags.Base.Model] = "  X100V  "
    exif[ExifTags.Base.Orientation] = 8
    exif[ExifTags.Base.DateTime] = "2024:01:01 00:00:00"
    photo = exif.get_ifd(ExifTags.IFD.Exif)
    photo[ExifTags.Base.DateTimeOriginal] = "2023:07:14 18:30:05"
    photo[ExifTags.Base.OffsetTimeOriginal] = "+02:00"
    photo[ExifTags.Base.LensModel] = "XF23mmF2 R WR\x00"
    photo[ExifTags.Base.ExposureTime] = IFDRational(1, 250)
    photo[ExifTags.Base.FNumber] = IFDRational(28, 10)
    photo[ExifTags.Base.ISOSpeedRatings] = 400
    photo[ExifTags.Base.FocalLength] = IFDRational(23, 1)
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (IFDRational(33), IFDRational(51), IFDRational(36))
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (IFDRational(70), IFDRational(30), IFDRational(0))
    gps[ExifTags.GPS.GPSAltitudeRef] = b"\x01"
    gps[ExifTags.GPS.GPSAltitude] = IFDRational(4215, 10)

    metadata = extract_metadata(jpeg_with_exif(exif), max_pixels=1_000_000)

    assert metadata == PhotoMetadata(
        format="JPEG",
        mime_type="image/jpeg",
        size=metadata.size,
        sha256=metadata.sha256,
        width=30,  # orientation 8: a 40×30 sensor image is shown 30×40
        height=40,
        orientation=8,
        taken_at=datetime(2023, 7, 14, 18, 30, 5),
        taken_at_offset="+02:00",
        camera_make="Fujifilm",
        camera_model="X100V",
        lens="XF23mmF2 R WR",
        exposure_time=0.004,
        f_number=2.8,
        iso=400,
        focal_length=23.0,
        latitude=-33.86,
        longitude=-70.5,
        altitude=-421.5,
    )


def test_taken_at_comes_only_from_date_time_original():
    exif = Image.Exif()
    exif[ExifTags.Base.DateTime] = "2024:01:01 10:00:00"  # when the file was edited
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeDigitized] = "2024:01:01 10:00:00"
    assert extract_metadata(jpeg_with_exif(exif), max_pixels=1_000_000).taken_at is None


def test_garbage_exif_values_become_none_not_errors():
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "   "
    photo = exif.get_ifd(ExifTags.IFD.Exif)
    photo[ExifTags.Base.DateTimeOriginal] = "0000:00:00 00:00:00"
    photo[ExifTags.Base.OffsetTimeOriginal] = "soon"
    photo[ExifTags.Base.FNumber] = IFDRational(5, 0)
    photo[ExifTags.Base.ExposureTime] = IFDRational(0, 1)
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitude] = (IFDRational(4294967295), IFDRational(0), IFDRational(0))
    gps[ExifTags.GPS.GPSLongitude] = (IFDRational(10), IFDRational(0), IFDRational(0))

    metadata = extract_metadata(jpeg_with_exif(exif), max_pixels=1_000_000)

    assert metadata.camera_make is None
    assert metadata.taken_at is None and metadata.taken_at_offset is None
    assert metadata.f_number is None and metadata.exposure_time is None
    assert metadata.latitude is None and metadata.longitude is None  # no half positions


def test_heif_and_png_exif_are_read(corpus):
    nokia = metadata_of(corpus / "large" / "HMD_Nokia_8.3_5G_hdr.heif")
    assert (nokia.f_number, nokia.iso, nokia.longitude) == (1.89, 100, pytest.approx(-3.76374051))
    assert metadata_of(corpus / "good" / "exif.png").orientation == 1
