"""Uploads on the local transport: the file comes through Django, streamed to a temporary
file by albums.uploads.LimitedTemporaryFileUploadHandler, then saved into MEDIA_ROOT."""

import io
import re

import pytest
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.urls import reverse

from albums import services
from albums.models import Photo
from albums.uploads import LimitedTemporaryFileUploadHandler
from tests.conftest import corpus_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_root(settings, tmp_path):
    """The default FileSystemStorage, in a folder of this test's own."""
    from django.core.files.storage import FileSystemStorage, default_storage

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": "/media/"},
        },
    }
    assert default_storage.location == str(tmp_path)
    assert isinstance(default_storage._wrapped, FileSystemStorage)
    return tmp_path


@pytest.fixture
def browser(user, album):
    """A logged-in client that enforces CSRF and sends the token as upload.js does."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get(reverse("albums:detail", kwargs={"album_id": album.id})).status_code == 200
    client.defaults["HTTP_X_CSRFTOKEN"] = client.cookies["csrftoken"].value
    return client


def stored_files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file())


def sent_to_pipeline(broker) -> int:
    """Messages waiting for the pipeline's first step (its queue exists once declared)."""
    queue = broker.queues.get("metadata")
    return queue.qsize() if queue is not None else 0


def start_upload(client, album, *, name="Canon_40D.jpg", size=7958, type="image/jpeg"):
    url = reverse("albums:upload_start", kwargs={"album_id": album.id})
    response = client.post(url, {"name": name, "size": size, "type": type})
    assert response.status_code == 201, response.content
    return response.json()


def send(client, url, *, name="Canon_40D.jpg", data=None):
    data = corpus_file("good", "Canon_40D.jpg").read_bytes() if data is None else data
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(url, {"file": upload})


def test_start_answers_with_a_url_on_this_site(media_root, browser, album):
    body = start_upload(browser, album)

    assert body["transport"] == "local"
    assert body["url"] == reverse("albums:photo_upload", kwargs={"photo_id": body["photo"]["id"]})
    assert body["fields"] == {}
    assert Photo.objects.get(pk=body["photo"]["id"]).status == Photo.Status.UPLOADING


def test_posting_the_file_stores_it_and_queues_the_photo(
    media_root, browser, album, user, broker, django_capture_on_commit_callbacks
):
    data = corpus_file("good", "Canon_40D.jpg").read_bytes()
    body = start_upload(browser, album, name="../../etc/passwd .jpg")

    with django_capture_on_commit_callbacks(execute=True):
        response = send(browser, body["url"], name="../../etc/passwd .jpg", data=data)

    assert response.status_code == 200, response.content
    assert response.json()["photo"]["status"] == "queued"
    photo = Photo.objects.get(pk=body["photo"]["id"])
    assert photo.status == Photo.Status.QUEUED
    assert photo.size == len(data)
    assert re.fullmatch(rf"originals/{user.pk}/[0-9a-f]{{32}}\.jpg", photo.original.name)
    assert stored_files(media_root) == [media_root / photo.original.name]
    assert (media_root / photo.original.name).read_bytes() == data
    assert sent_to_pipeline(broker) == 1, "the first pipeline step was not sent"


def test_a_second_post_to_the_same_url_is_refused(
    media_root, browser, album, django_capture_on_commit_callbacks
):
    body = start_upload(browser, album)
    with django_capture_on_commit_callbacks(execute=True):
        assert send(browser, body["url"]).status_code == 200
    first = stored_files(media_root)

    response = send(browser, body["url"], data=b"\xff\xd8 something else entirely")

    assert response.status_code == 400
    assert "already been received" in response.json()["error"]
    assert stored_files(media_root) == first
    assert first[0].read_bytes() == corpus_file("good", "Canon_40D.jpg").read_bytes()


@pytest.mark.parametrize(
    "corpus_name",
    [
        "Canon_40D.jpg",  # 8 kB: stopped while streaming, chunk by chunk
        "Reconyx_HC500_Hyperfire.jpg",  # 426 kB: refused from Content-Length, unread
    ],
)
def test_an_upload_over_the_limit_is_refused_and_nothing_is_stored(
    media_root, browser, album, settings, broker, corpus_name
):
    settings.MAX_UPLOAD_BYTES = 1000
    body = start_upload(browser, album, name=corpus_name, size=900)  # the browser lied

    response = send(
        browser, body["url"], name=corpus_name, data=corpus_file("good", corpus_name).read_bytes()
    )

    assert response.status_code == 413
    assert "larger than the upload limit" in response.json()["error"]
    assert stored_files(media_root) == []
    assert Photo.objects.get(pk=body["photo"]["id"]).status == Photo.Status.UPLOADING
    assert sent_to_pipeline(broker) == 0


@pytest.mark.parametrize("size", [7958, 3 * 1024 * 1024])
def test_uploads_stream_to_a_temporary_file_never_memory(
    media_root, browser, album, monkeypatch, django_capture_on_commit_callbacks, size
):
    """Django's defaults keep files under 2.5 MB in memory; ours never do, at any size."""
    received = []
    real_receive = services.photo_receive_upload

    def spy(*, photo, uploaded_file):
        received.append((type(uploaded_file), uploaded_file.temporary_file_path()))
        return real_receive(photo=photo, uploaded_file=uploaded_file)

    monkeypatch.setattr(services, "photo_receive_upload", spy)
    data = (corpus_file("good", "Canon_40D.jpg").read_bytes() * (size // 7958 + 1))[:size]
    body = start_upload(browser, album, size=size)

    with django_capture_on_commit_callbacks(execute=True):
        response = send(browser, body["url"], data=data)

    assert response.status_code == 200, response.content
    handlers = response.wsgi_request.upload_handlers
    assert [type(h) for h in handlers] == [LimitedTemporaryFileUploadHandler]
    [(uploaded_type, temp_path)] = received
    assert issubclass(uploaded_type, TemporaryUploadedFile)
    assert temp_path  # a real file on disk, not an in-memory buffer
    photo = Photo.objects.get(pk=body["photo"]["id"])
    assert (media_root / photo.original.name).read_bytes() == data


def test_a_stranger_cannot_post_into_my_upload(media_root, browser, client, album, other_user):
    body = start_upload(browser, album)
    client.force_login(other_user)

    response = send(client, body["url"])

    assert response.status_code == 404
    assert stored_files(media_root) == []
    assert Photo.objects.get(pk=body["photo"]["id"]).status == Photo.Status.UPLOADING
