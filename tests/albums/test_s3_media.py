"""Photo bytes on S3: presigned downloads, and nothing left in the bucket after deletes.

Against a moto server over HTTP, through boto3 and django-storages (`s3_storage`).
"""

import hashlib
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import urllib3
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from albums import storage as photo_storage
from albums.models import Photo, Rendition
from albums.services import photos_delete, trash_empty
from tests.support.corpus import corpus_file

pytestmark = pytest.mark.django_db


def fetch(url: str) -> urllib3.BaseHTTPResponse:
    return urllib3.PoolManager().request("GET", url, redirect=False)


def add_rendition(s3_storage, photo, spec="grid", data=b"RIFF-not-really-webp"):
    sha = hashlib.sha256(data).hexdigest()
    key = photo_storage.rendition_key(photo_id=photo.id, spec=spec, source_sha256=sha, ext="webp")
    s3_storage.put(key, data, content_type="image/webp")
    return Rendition.objects.create(
        photo=photo,
        spec=spec,
        file=key,
        source_sha256=sha,
        width=10,
        height=10,
        mime_type="image/webp",
        size=len(data),
    )


def assert_presigned_get(s3_storage, url: str, key: str) -> dict:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == s3_storage.endpoint
    assert parts.path == f"/{s3_storage.bucket}/{key}"
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert int(query["X-Amz-Expires"]) <= 300
    return query


# --- Downloads -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("original_name", "disposition"),
    [
        ("Canon_40D.jpg", 'attachment; filename="Canon_40D.jpg"'),
        ('my "best" shot.jpg', r'attachment; filename="my \"best\" shot.jpg"'),
        (
            "été\r\nSet-Cookie: x=1.jpg",
            "attachment; filename*=utf-8''%C3%A9t%C3%A9%0D%0ASet-Cookie%3A%20x%3D1.jpg",
        ),
    ],
)
@pytest.mark.parametrize("status", [Photo.Status.QUEUED, Photo.Status.READY])
def test_original_redirects_to_a_presigned_attachment(
    s3_storage, owner_client, album, make_photo, status, original_name, disposition
):
    photo = make_photo(album, status=status, mime_type="image/jpeg")
    Photo.objects.filter(pk=photo.pk).update(original_name=original_name)

    response = owner_client.get(reverse("albums:photo_original", kwargs={"photo_id": photo.id}))

    assert response.status_code == 302
    assert response["Cache-Control"] == "private, max-age=0"
    query = assert_presigned_get(s3_storage, response["Location"], photo.original.name)
    assert query["response-content-disposition"] == disposition
    assert query["response-content-type"] == "image/jpeg"

    fetched = fetch(response["Location"])
    assert fetched.status == 200
    assert fetched.data == corpus_file("good", "Canon_40D.jpg").read_bytes()
    assert fetched.headers["Content-Disposition"] == disposition
    assert fetched.headers["Content-Type"] == "image/jpeg"


def test_original_is_not_served_while_still_uploading(s3_storage, owner_client, album, make_photo):
    photo = make_photo(album, status=Photo.Status.UPLOADING)

    response = owner_client.get(reverse("albums:photo_original", kwargs={"photo_id": photo.id}))

    assert response.status_code == 404


def test_a_stranger_gets_no_download_url(s3_storage, client, album, make_photo, other_user):
    photo = make_photo(album)
    client.force_login(other_user)

    response = client.get(reverse("albums:photo_original", kwargs={"photo_id": photo.id}))

    assert response.status_code == 404


def test_rendition_redirects_to_a_presigned_url(s3_storage, owner_client, album, make_photo):
    photo = make_photo(album, status=Photo.Status.READY)
    rendition = add_rendition(s3_storage, photo)

    url = reverse("albums:photo_rendition", kwargs={"photo_id": photo.id, "spec": "grid"})
    response = owner_client.get(url)

    assert response.status_code == 302
    assert_presigned_get(s3_storage, response["Location"], rendition.file.name)
    fetched = fetch(response["Location"])
    assert fetched.status == 200
    assert fetched.data == b"RIFF-not-really-webp"


# --- Deletes ---------------------------------------------------------------------------


def test_deleting_an_album_empties_its_files_from_the_bucket(
    s3_storage, owner_client, album, make_photo, make_album, django_capture_on_commit_callbacks
):
    for status in (Photo.Status.READY, Photo.Status.READY, Photo.Status.FAILED):
        photo = make_photo(album, status=status)
        add_rendition(s3_storage, photo, "grid")
        add_rendition(s3_storage, photo, "preview", data=b"a bigger preview")
    assert len(s3_storage.keys()) == 9

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            reverse("albums:delete", kwargs={"album_id": album.id}), {"trash_photos": "1"}
        )
        assert response.status_code == 302 and Photo.objects.in_trash().count() == 3
        assert len(s3_storage.keys()) == 9, "photos in the trash keep their files"
        trash_empty(user=album.owner)

    assert not Photo.objects.exists()
    listing = s3_storage.client.list_objects_v2(Bucket=s3_storage.bucket)
    assert listing["KeyCount"] == 0, [item["Key"] for item in listing.get("Contents", [])]


def test_files_stay_when_the_delete_does_not_commit(
    s3_storage, owner_client, album, make_photo, django_capture_on_commit_callbacks
):
    make_photo(album)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        photos_delete(photos=Photo.objects.all())

    assert len(callbacks) == 1  # the bucket is only touched on commit
    assert len(s3_storage.keys()) == 1


# --- Uploads that were never confirmed -------------------------------------------------


def test_cleanup_removes_old_unconfirmed_uploads_and_their_objects(
    s3_storage, owner_client, album, django_capture_on_commit_callbacks
):
    def start(name):
        url = reverse("albums:upload_start", kwargs={"album_id": album.id})
        body = owner_client.post(url, {"name": name, "size": 10, "type": "image/jpeg"}).json()
        return Photo.objects.get(pk=body["photo"]["id"])

    arrived_old = start("arrived-but-never-confirmed.jpg")
    s3_storage.put(arrived_old.original.name, b"\xff\xd8 half a jpeg")
    never_sent_old = start("never-sent.jpg")
    recent = start("still-uploading.jpg")
    s3_storage.put(recent.original.name, b"\xff\xd8 in flight")
    two_hours_ago = timezone.now() - timedelta(hours=2)
    Photo.objects.filter(pk__in=[arrived_old.pk, never_sent_old.pk]).update(
        created_at=two_hours_ago
    )

    with django_capture_on_commit_callbacks(execute=True):
        call_command("cleanup_uploads", "--older-than-hours", "1", "--dry-run", stdout=None)
    assert Photo.objects.count() == 3
    assert len(s3_storage.keys()) == 2

    with django_capture_on_commit_callbacks(execute=True):
        call_command("cleanup_uploads", "--older-than-hours", "1")

    assert list(Photo.objects.values_list("pk", flat=True)) == [recent.pk]
    assert s3_storage.keys() == [recent.original.name]


def test_cleanup_leaves_confirmed_photos_alone(
    s3_storage, album, make_photo, django_capture_on_commit_callbacks, capsys
):
    photo = make_photo(album, status=Photo.Status.QUEUED)
    Photo.objects.filter(pk=photo.pk).update(created_at=timezone.now() - timedelta(days=30))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("cleanup_uploads", "--older-than-hours", "1")

    assert re.search(r"Deleted 0 unconfirmed", capsys.readouterr().out)
    assert Photo.objects.filter(pk=photo.pk).exists()
    assert s3_storage.keys() == [photo.original.name]
