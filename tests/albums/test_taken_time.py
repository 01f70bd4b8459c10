"""A photo's time reads as the camera saw it: the wall clock where it was taken.

taken_at is stored as the instant when the camera recorded its offset, else as the
wall-clock time labelled UTC; pages, tiles and exports turn it back into local time.
"""

import io
import json
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.urls import reverse

from albums.models import Photo
from albums.taken_time import local_taken_at, offset_timezone, taken_at_instant

pytestmark = pytest.mark.django_db

AT_SEVEN_IN_PARIS = {  # 07:08 at +02:00 is 05:08 UTC
    "taken_at": datetime(2023, 7, 14, 5, 8, 9, tzinfo=UTC),
    "taken_at_offset": "+02:00",
}
NO_OFFSET = {"taken_at": datetime(2023, 7, 14, 7, 8, 9, tzinfo=UTC), "taken_at_offset": ""}


def page(client, photo) -> str:
    return client.get(reverse("albums:photo", kwargs={"photo_id": photo.id})).content.decode()


def test_photo_page_shows_the_local_time_and_its_offset(owner_client, album, make_photo):
    photo = make_photo(album, status=Photo.Status.READY, **AT_SEVEN_IN_PARIS)
    html = page(owner_client, photo)
    assert '<time datetime="2023-07-14T07:08:09+02:00">14 Jul 2023, 07:08 (+02:00)</time>' in html
    assert "05:08" not in html


def test_photo_page_without_an_offset_shows_the_camera_clock_alone(owner_client, album, make_photo):
    photo = make_photo(album, status=Photo.Status.READY, **NO_OFFSET)
    html = page(owner_client, photo)
    assert '<time datetime="2023-07-14T07:08:09">14 Jul 2023, 07:08</time>' in html


@pytest.mark.parametrize("time_zone", ["UTC", "America/New_York", "Asia/Tokyo"])
def test_the_site_time_zone_does_not_move_the_camera_clock(
    owner_client, album, make_photo, settings, time_zone
):
    settings.TIME_ZONE = time_zone
    photo = make_photo(album, status=Photo.Status.READY, **AT_SEVEN_IN_PARIS)
    assert "14 Jul 2023, 07:08 (+02:00)" in page(owner_client, photo)


def test_album_and_search_tiles_show_the_local_time(owner_client, album, make_photo):
    make_photo(album, status=Photo.Status.READY, camera_make="Fujifilm", **AT_SEVEN_IN_PARIS)
    grid = owner_client.get(reverse("albums:detail", kwargs={"album_id": album.id}))
    search = owner_client.get(reverse("albums:search"), {"camera": "Fujifilm"})
    for response in (grid, search):
        assert "14 Jul 2023, 07:08 (+02:00)" in response.content.decode()


def test_search_sorts_by_the_instant_when_offsets_are_known(owner_client, album, make_photo):
    """07:08 in Paris (05:08 UTC) was before 06:00 in London (06:00 UTC)."""
    make_photo(album, status=Photo.Status.READY, camera_make="Fuji", **AT_SEVEN_IN_PARIS)
    make_photo(
        album,
        status=Photo.Status.READY,
        camera_make="Fuji",
        taken_at=datetime(2023, 7, 14, 6, 0, tzinfo=UTC),
        taken_at_offset="+00:00",
    )
    html = owner_client.get(reverse("albums:search"), {"camera": "Fuji"}).content.decode()
    assert html.index("06:00 (+00:00)") < html.index("07:08 (+02:00)")  # newest first


def test_export_has_local_time_offset_and_instant(album, make_photo):
    make_photo(album, status=Photo.Status.READY, **AT_SEVEN_IN_PARIS)
    out = io.StringIO()
    call_command("export_metadata", stdout=out)
    row = json.loads(out.getvalue().splitlines()[0])
    assert row["taken_at"] == "2023-07-14T07:08:09+02:00"
    assert row["taken_at_offset"] == "+02:00"
    assert row["taken_at_utc"] == "2023-07-14T05:08:09Z"


def test_export_without_an_offset_claims_no_instant(album, make_photo):
    make_photo(album, status=Photo.Status.READY, **NO_OFFSET)
    out = io.StringIO()
    call_command("export_metadata", stdout=out)
    row = json.loads(out.getvalue().splitlines()[0])
    assert (row["taken_at"], row["taken_at_offset"], row["taken_at_utc"]) == (
        "2023-07-14T07:08:09",
        None,
        None,
    )


def test_sub_seconds_survive_to_the_export(album, make_photo):
    make_photo(
        album,
        status=Photo.Status.READY,
        taken_at=datetime(2016, 6, 27, 19, 29, 42, 41000, tzinfo=UTC),
        taken_at_offset="-04:00",
    )
    out = io.StringIO()
    call_command("export_metadata", stdout=out)
    assert json.loads(out.getvalue())["taken_at"] == "2016-06-27T15:29:42.041000-04:00"


@pytest.mark.parametrize("offset", ["", "+2:00", "+15:00", "+02:60", "02:00", "+02-00"])
def test_malformed_offsets_are_no_offset(offset):
    assert offset_timezone(offset) is None
    taken_at = datetime(2023, 7, 14, 7, 8, tzinfo=UTC)
    assert local_taken_at(taken_at, offset) == datetime(2023, 7, 14, 7, 8)
    assert taken_at_instant(taken_at, offset) is None
