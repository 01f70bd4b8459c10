"""An upload taken at 07:08 at +02:00 is stored as 05:08 UTC and shown as 07:08 (+02:00)."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse
from PIL import ExifTags, Image

from albums.models import Photo
from processing import tasks

pytestmark = pytest.mark.django_db(transaction=True)


def jpeg_taken_at(tmp_path, date: str, extra: dict | None = None):
    exif = Image.Exif()
    photo = exif.get_ifd(ExifTags.IFD.Exif)
    photo[ExifTags.Base.DateTimeOriginal] = date
    photo.update(extra or {})
    path = tmp_path / "taken.jpg"
    Image.new("RGB", (64, 48), "teal").save(path, "JPEG", exif=exif.tobytes())
    return path


def process(album, make_photo, drain, path) -> Photo:
    photo = make_photo(album, path)
    tasks.send("ingest", photo.id)
    drain()
    photo.refresh_from_db()
    return photo


def test_offset_in_its_own_tag(tmp_path, album, make_photo, drain, owner_client):
    path = jpeg_taken_at(
        tmp_path, "2023:07:14 07:08:09", {ExifTags.Base.OffsetTimeOriginal: "+02:00"}
    )
    photo = process(album, make_photo, drain, path)
    assert photo.status == Photo.Status.READY, photo.status_reason
    assert photo.taken_at == datetime(2023, 7, 14, 5, 8, 9, tzinfo=UTC)  # the instant
    html = owner_client.get(reverse("albums:photo", kwargs={"photo_id": photo.id})).content
    assert "14 Jul 2023, 07:08 (+02:00)" in html.decode()


def test_sub_seconds_and_offset_in_the_date_field(tmp_path, album, make_photo, drain):
    path = jpeg_taken_at(tmp_path, "2016:06:27 15:29:42.041-04:00")
    photo = process(album, make_photo, drain, path)
    assert photo.taken_at == datetime(2016, 6, 27, 19, 29, 42, 41000, tzinfo=UTC)
    assert photo.taken_at_offset == "-04:00"
