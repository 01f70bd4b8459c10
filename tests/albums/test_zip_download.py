"""Downloading a selection as one zip: the originals, named as uploaded, streamed with
memory flat in the number and size of the photos."""

import io
import os
import tracemalloc
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from albums import storage as photo_storage
from albums.models import Photo
from albums.services import photos_trash
from albums.zipdownload import NOT_INCLUDED

pytestmark = pytest.mark.django_db
URL = reverse("albums:selection_zip")


def _photo(owner, name: str, data: bytes) -> Photo:
    photo = Photo(owner=owner, original_name=name, status=Photo.Status.READY, size=len(data))
    key = photo_storage.original_key(photo_id=photo.id, ext="jpg")
    photo.original.name = default_storage.save(key, ContentFile(data))
    photo.save()
    return photo


def _download(client, photos) -> zipfile.ZipFile:
    response = client.post(URL, {"photos": ",".join(str(p.pk) for p in photos)})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="photos-')
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_zip_holds_each_original_under_its_uploaded_name(owner_client, user, other_user):
    first = _photo(user, "IMG_0001.JPG", b"first")
    second = _photo(user, "img_0001.jpg", b"second")  # the same name to Windows and macOS
    third = _photo(user, "beach.jpg", b"third")
    theirs = _photo(other_user, "secret.jpg", b"not yours")

    archive = _download(owner_client, [first, second, third, theirs])

    assert archive.testzip() is None
    contents = {name: archive.read(name) for name in archive.namelist()}
    assert sorted(contents.values()) == [b"first", b"second", b"third"]
    names = {contents[n]: n for n in contents}
    pair = sorted(n.casefold() for n in (names[b"first"], names[b"second"]))
    assert pair == ["img_0001 (2).jpg", "img_0001.jpg"]
    assert names[b"third"] == "beach.jpg"


def test_trashed_photos_are_not_downloaded(owner_client, user):
    kept, trashed = _photo(user, "kept.jpg", b"k"), _photo(user, "gone.jpg", b"g")
    photos_trash(photos=Photo.objects.filter(pk=trashed.pk))

    assert _download(owner_client, [kept, trashed]).namelist() == ["kept.jpg"]
    refused = owner_client.post(URL, {"photos": str(trashed.pk)})
    assert refused.json()["error"] == "None of those photos can be downloaded."


def test_a_missing_file_is_named_in_the_zip_not_silently_left_out(owner_client, user):
    kept, lost = _photo(user, "kept.jpg", b"k"), _photo(user, "lost.jpg", b"l")
    default_storage.delete(lost.original.name)

    archive = _download(owner_client, [kept, lost])

    assert sorted(archive.namelist()) == ["kept.jpg", NOT_INCLUDED]
    note = archive.read(NOT_INCLUDED).decode()
    assert "lost.jpg: the stored file could not be read" in note


def _peak_while_streaming(client, photos) -> tuple[int, int]:
    """Peak bytes allocated while the response streams, and the bytes streamed."""
    response = client.post(URL, {"photos": ",".join(str(p.pk) for p in photos)})
    tracemalloc.start()
    try:
        total = sum(len(chunk) for chunk in response.streaming_content)
        return tracemalloc.get_traced_memory()[1], total
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_in_the_number_and_size_of_photos(owner_client, user):
    mib = 1024 * 1024
    few = [_photo(user, f"few{i}.jpg", os.urandom(mib)) for i in range(3)]
    many = [_photo(user, f"many{i}.jpg", os.urandom(2 * mib)) for i in range(24)]

    few_peak, few_bytes = _peak_while_streaming(owner_client, few)
    many_peak, many_bytes = _peak_while_streaming(owner_client, many)

    assert many_bytes > 48 * mib and few_bytes > 3 * mib
    # 16 times the bytes; the peak is about the copy buffers (a few MiB) either way.
    assert many_peak < 6 * mib, f"{many_peak / mib:.1f} MiB for {many_bytes / mib:.0f} MiB"
    assert many_peak < few_peak * 1.5 + mib


def test_the_zip_streams_from_the_bucket_on_s3(s3_storage, owner_client, user):
    photos = [_photo(user, f"s3-{i}.jpg", os.urandom(300_000)) for i in range(3)]
    assert all(p.original.name.startswith("originals/") for p in photos)

    archive = _download(owner_client, photos)

    expected = {p.original_name: default_storage.open(p.original.name).read() for p in photos}
    assert {n: archive.read(n) for n in archive.namelist()} == expected
