"""Operators' commands: import_photos processes files before returning (embedded broker)
and says which ones it could not take; export_metadata prints what the pipeline found."""

import io
import json
import shutil
from datetime import datetime

import pytest
from django.core.management import CommandError, call_command

from albums.models import Album, Photo
from processing import pipeline
from processing.imports import wait_until_settled
from tests.support.corpus import corpus_file, expected

pytestmark = pytest.mark.django_db(transaction=True)

GOOD = ["gps_DSCN0010.jpg", "Canon_40D.jpg", "orientation_landscape_6.jpg", "hopper.png"]
BAD = "truncated_jpeg.jpg"
EXPORT_FIELDS = {
    "file_name", "status", "reason", "width", "height", "format", "taken_at", "make", "model",
    "lens", "exposure_time", "f_number", "iso", "focal_length", "gps_latitude",
    "gps_longitude", "gps_altitude", "moderation", "labels", "renditions",
}  # fmt: skip
NUMBERS = {"exposure_time": "ExposureTime", "f_number": "FNumber", "focal_length": "FocalLength"}


@pytest.fixture
def folder(tmp_path):
    """A folder of a few good photos (one in a sub-folder), a broken file and an empty one."""
    (tmp_path / "day2").mkdir()
    for name in GOOD[:-1]:
        shutil.copy(corpus_file("good", name), tmp_path / name)
    shutil.copy(corpus_file("good", GOOD[-1]), tmp_path / "day2" / GOOD[-1])
    shutil.copy(corpus_file("bad", BAD), tmp_path / BAD)
    (tmp_path / "empty.jpg").write_bytes(b"")  # refused at the upload: never becomes a photo
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")  # hidden: never imported
    return tmp_path


def import_photos(*args) -> tuple[str, str, CommandError | None]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_photos", *map(str, args), stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


@pytest.fixture
def imported(user, folder, embedded_worker):
    """The folder imported into the user's album "Trip"."""
    out, err, error = import_photos(folder, "--user", user.email, "--album", "Trip")
    return out, err, error


def test_import_processes_every_file_and_reports_the_bad_one(user, imported):
    out, err, error = imported

    assert error is not None and "2 of 6 file(s) were not imported as photos" in str(error)
    album = Album.objects.get(owner=user, title="Trip")
    statuses = dict(album.photos.values_list("original_name", "status"))
    assert statuses == {**dict.fromkeys(GOOD, Photo.Status.READY), BAD: Photo.Status.REJECTED}
    reason = album.photos.get(original_name=BAD).status_reason
    assert f"{BAD}: rejected: {reason}" in err
    assert "empty.jpg: “empty.jpg” is 0 bytes" in err
    assert "Imported into “Trip”: 4 ready, 1 rejected." in out
    assert pipeline._embedded_worker is not None  # the command started it


def test_import_into_an_existing_album_adds_to_it(user, make_album, embedded_worker):
    album = make_album(user, title="Trip")

    out, err, error = import_photos(
        corpus_file("good", "hopper.webp"), "--user", user.email.upper(), "--album", "Trip"
    )

    assert error is None, err
    assert Album.objects.filter(owner=user, title="Trip").count() == 1
    assert album.photos.get().status == Photo.Status.READY
    assert "1 ready" in out


def test_an_import_that_stops_waiting_says_so_and_fails(user, folder, embedded_worker):
    """On a laptop the in-process worker ends with the command: stopping early is no success."""
    out, err, error = import_photos(
        folder, "--user", user.email, "--album", "Trip", "--timeout", "0"
    )
    assert error is not None, out
    assert "Gave up waiting with" in str(error) and "resend_stale" in str(error)
    # Let the worker finish before the fixture stops it: a message cut off mid-step would
    # stay unfinished in the shared in-process broker and stall the next test's join.
    ids = list(Photo.objects.values_list("pk", flat=True))
    assert wait_until_settled(ids, timeout=60)


def test_import_for_an_unknown_user_says_so(user, folder, embedded_worker):
    with pytest.raises(CommandError, match="No user with the email address nobody@example.com"):
        call_command("import_photos", str(folder), "--user", "nobody@example.com", "--album", "X")
    assert not Photo.objects.exists() and not Album.objects.filter(title="X").exists()


def test_import_of_nothing_says_so(user, tmp_path, embedded_worker):
    with pytest.raises(CommandError, match="No files found"):
        call_command("import_photos", str(tmp_path), "--user", user.email, "--album", "Trip")


def export(*args) -> dict[str, dict]:
    out = io.StringIO()
    call_command("export_metadata", *args, stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    return {row["file_name"]: row for row in rows}


def exif_time(value: str) -> str:
    return datetime.strptime(value, "%Y:%m:%d %H:%M:%S").isoformat()


def test_export_prints_one_json_object_per_photo_matching_the_corpus(imported, make_user):
    other = make_user("other@example.com")
    import_photos(corpus_file("good", "hopper.gif"), "--user", other.email, "--album", "Elsewhere")

    rows = export("--album", "Trip")

    assert set(rows) == {*GOOD, BAD}
    for name in GOOD:
        row, ref = rows[name], expected(name)
        assert EXPORT_FIELDS <= set(row), EXPORT_FIELDS - set(row)
        assert row["status"] == "ready" and row["reason"] == ""
        assert row["moderation"] == "visible"
        assert row["labels"] and all(label["source"] == "local" for label in row["labels"])
        assert set(row["renditions"]) == {"grid", "preview"}
        assert {r["mime_type"] for r in row["renditions"].values()} == {"image/webp"}
        assert row["format"] == ref["FileType"]
        assert row["make"] == ref.get("Make")
        assert row["model"] == ref.get("Model")
        assert row["lens"] == ref.get("LensModel")
        assert row["iso"] == ref.get("ISO")
        for field, tag in NUMBERS.items():
            want = ref.get(tag)
            assert row[field] == (None if want is None else pytest.approx(want, rel=1e-3)), field
        if "DateTimeOriginal" in ref:
            assert row["taken_at"].startswith(exif_time(ref["DateTimeOriginal"]))
        else:
            assert row["taken_at"] is None

    gps, ref = rows["gps_DSCN0010.jpg"], expected("gps_DSCN0010.jpg")
    assert gps["gps_latitude"] == pytest.approx(ref["GPSLatitude"], abs=1e-6)
    assert gps["gps_longitude"] == pytest.approx(ref["GPSLongitude"], abs=1e-6)
    assert (gps["width"], gps["height"]) == (640, 480)
    assert rows["Canon_40D.jpg"]["gps_latitude"] is None
    rotated = rows["orientation_landscape_6.jpg"]  # stored 450×600, displayed turned
    assert (rotated["width"], rotated["height"]) == (600, 450)

    bad = rows[BAD]
    assert bad["status"] == "rejected" and "truncated" in bad["reason"]
    assert bad["labels"] == [] and bad["renditions"] == {}


def test_export_by_user(imported, user):
    assert len(export("--user", user.email)) == len(GOOD) + 1
    assert export("--user", "nobody@example.com") == {}
