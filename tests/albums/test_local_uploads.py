"""Uploads on the local transport: the file comes through Django, streamed to a temporary
file by albums.uploads.LimitedTemporaryFileUploadHandler, then saved into MEDIA_ROOT."""

import hashlib
import io
import re
import threading

import pytest
from django.core.files import move
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from PIL import Image

from albums.models import Photo
from albums.services import photo_delete
from albums.storage import get_photo_storage
from albums.uploads import LimitedTemporaryFileUploadHandler
from processing import intake
from tests.support.corpus import corpus_file
from tests.support.photos import stored_files

pytestmark = pytest.mark.django_db


def sent_to_pipeline(broker) -> int:
    """Messages waiting for the pipeline's first step (its queue exists once declared)."""
    queue = broker.queues.get("ingest")
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

    assert body["method"] == "POST"
    assert body["url"] == reverse("albums:photo_upload", kwargs={"photo_id": body["photo"]["id"]})
    assert body["fields"] == {}
    assert body["confirm_url"] is None  # the answer to the POST carries the queued photo
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
    assert re.fullmatch(r"originals/[0-9a-f]{32}\.jpg", photo.original.name)
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
    real_receive = intake.photo_receive_upload

    def spy(*, photo, uploaded_file):
        received.append((type(uploaded_file), uploaded_file.temporary_file_path()))
        return real_receive(photo=photo, uploaded_file=uploaded_file)

    monkeypatch.setattr(intake, "photo_receive_upload", spy)
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


# --- One original per photo -------------------------------------------------------------


def solid_png(colour) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 90), colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_an_upload_arriving_as_another_takes_its_name_keeps_both_files(media_root, monkeypatch):
    """The window the ten-request race hit by chance, opened on purpose: the name is free
    when the second file is placed and taken by the first one just after."""
    storage = get_photo_storage()
    first = storage.receive_upload(
        key="originals/a.png", file=temp_upload(b"first"), content_type=""
    )

    # The name looks free once, to the storage and to Django's move (which checks with
    # os.access before renaming): the other request's file lands in between.
    real_exists = FileSystemStorage.exists
    looks_free = iter([True])

    def exists(self, name):
        return not next(looks_free, not real_exists(self, name))

    monkeypatch.setattr(FileSystemStorage, "exists", exists)
    monkeypatch.setattr(move.os, "access", lambda *args, **kwargs: False)
    second = storage.receive_upload(
        key="originals/a.png", file=temp_upload(b"second"), content_type=""
    )

    assert first != second
    assert (media_root / first).read_bytes() == b"first"
    assert (media_root / second).read_bytes() == b"second"


def temp_upload(data: bytes) -> TemporaryUploadedFile:
    upload = TemporaryUploadedFile("a.png", "image/png", len(data), None)
    upload.write(data)
    upload.seek(0)
    return upload


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_posts_of_different_files_leave_one_original(
    media_root, user, album, run_pipeline
):
    starter = Client()
    starter.force_login(user)
    body = start_upload(starter, album, name="race.png", size=1000, type="image/png")
    colours = [(25 * i, 250 - 25 * i, 60) for i in range(10)]
    payloads = [solid_png(colour) for colour in colours]
    clients = []
    for _ in payloads:
        clients.append(Client())
        clients[-1].force_login(user)
    barrier = threading.Barrier(len(payloads))
    answers = []

    def post(client, data):
        try:
            barrier.wait(timeout=10)
            answers.append(send(client, body["url"], name="race.png", data=data).status_code)
        finally:
            connection.close()  # each thread has its own connection

    pairs = zip(clients, payloads, strict=True)
    threads = [threading.Thread(target=post, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(answers) == [200] + [400] * 9
    photo = Photo.objects.get(pk=body["photo"]["id"])
    # Originals only: the worker may already be writing the winner's renditions.
    originals = [p for p in stored_files(media_root) if "renditions" not in p.parts]
    assert originals == [media_root / photo.original.name], "one original"
    original = (media_root / photo.original.name).read_bytes()
    winner = payloads.index(original)

    run_pipeline()

    photo.refresh_from_db()
    assert photo.status == Photo.Status.READY, photo.status_reason
    assert photo.sha256 == hashlib.sha256(original).hexdigest()
    assert photo.size == len(original)
    for rendition in photo.renditions.all():
        with Image.open(media_root / rendition.file.name) as image:
            pixel = image.convert("RGB").getpixel((image.width // 2, image.height // 2))
        expected = colours[winner]
        assert all(abs(a - b) <= 6 for a, b in zip(pixel, expected, strict=True)), rendition.spec

    photo_delete(photo=photo)

    assert stored_files(media_root) == []
