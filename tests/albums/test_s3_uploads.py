"""Uploads on S3: the site signs a POST policy, the browser sends the bytes to the bucket,
the site confirms. Against a moto server over HTTP, through boto3 and django-storages.

moto does not enforce POST policies, so the policy itself is decoded and checked here.
"""

import hashlib
import re
from datetime import UTC, datetime, timedelta

import dramatiq
import pytest
import urllib3
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from albums.models import Photo
from albums.names import clean_file_name
from tests.support.corpus import corpus_file
from tests.support.s3_uploads import (
    array_conditions,
    browser_upload,
    confirm,
    decoded_policy,
    exact_conditions,
    post_to_bucket,
    start_upload,
)

pytestmark = pytest.mark.django_db

HOSTILE_NAMES = ["../../etc/passwd .jpg", "<script>alert(1)</script>.jpg"]


def sent_to_pipeline(broker) -> int:
    """Messages waiting for the pipeline's first step (its queue exists once declared)."""
    queue = broker.queues.get("ingest")
    return queue.qsize() if queue is not None else 0


# --- The policy ------------------------------------------------------------------------


@pytest.mark.parametrize("hostile_name", HOSTILE_NAMES)
def test_start_signs_a_policy_for_exactly_one_generated_key(
    s3_storage, owner_client, album, user, settings, hostile_name
):
    before = datetime.now(UTC).replace(microsecond=0)
    response = start_upload(owner_client, album, name=hostile_name)
    after = datetime.now(UTC)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["method"] == "POST"
    assert body["url"].startswith(f"{s3_storage.endpoint}/{s3_storage.bucket}")
    assert body["confirm_url"] == reverse("albums:photo_confirm", args=[body["photo"]["id"]])
    fields = body["fields"]
    key = fields["key"]
    assert re.fullmatch(r"uploads/[0-9a-f]{32}", key), key
    for fragment in ("..", "etc", "passwd", "<", "script", " "):
        assert fragment not in key

    policy = decoded_policy(fields)
    exact = exact_conditions(policy)
    assert exact["key"] == key
    assert exact["bucket"] == s3_storage.bucket
    assert exact["Content-Type"] == "image/jpeg" == fields["Content-Type"]
    assert exact["Content-Disposition"] == "attachment" == fields["Content-Disposition"]
    assert ["content-length-range", 1, settings.MAX_UPLOAD_BYTES] in array_conditions(policy)
    assert not any(c[0] == "starts-with" for c in array_conditions(policy)), "exact values only"

    assert fields["x-amz-algorithm"] == exact["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert fields["x-amz-credential"].startswith("testing/")
    assert "x-amz-signature" in fields

    expiration = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    # Signed while the request ran: PRESIGNED_POST_EXPIRES from then (to the second), however
    # long the request took.
    lifetime = timedelta(seconds=settings.PRESIGNED_POST_EXPIRES)
    assert before + lifetime <= expiration <= after + lifetime, (before, expiration, after)
    assert settings.PRESIGNED_POST_EXPIRES <= 3600, "a POST policy should live minutes, not hours"

    photo = Photo.objects.get(pk=body["photo"]["id"])
    assert photo.status == Photo.Status.UPLOADING
    assert photo.original.name == f"originals/{photo.id.hex}.jpg"  # never signed
    assert key == f"uploads/{photo.id.hex}"  # no owner id, no name
    assert photo.original_name == clean_file_name(hostile_name)  # kept for display only


def test_start_with_empty_type_and_heic_name_is_signed_as_heic(s3_storage, owner_client, album):
    response = start_upload(owner_client, album, name="IMG_0001.HEIC", type="")

    assert response.status_code == 201, response.content
    fields = response.json()["fields"]
    assert fields["Content-Type"] == "image/heic"
    assert exact_conditions(decoded_policy(fields))["Content-Type"] == "image/heic"
    assert Photo.objects.get().original.name.endswith(".heic")


def test_start_refuses_a_file_over_the_limit(s3_storage, owner_client, album, settings):
    settings.MAX_UPLOAD_BYTES = 5_000_000
    response = start_upload(owner_client, album, name="huge.jpg", size=5_000_001)

    assert response.status_code == 400
    assert "limit is 5 MB" in response.json()["error"]
    assert not Photo.objects.exists()


def test_start_refuses_what_is_not_an_image(s3_storage, owner_client, album):
    response = start_upload(owner_client, album, name="x.pdf", type="application/pdf")

    assert response.status_code == 400
    assert "not an image" in response.json()["error"]
    assert not Photo.objects.exists()


# --- The round trip --------------------------------------------------------------------


def test_browser_posts_to_the_bucket_then_confirm_queues_the_photo(
    s3_storage, owner_client, album, broker, django_capture_on_commit_callbacks
):
    path = corpus_file("good", "Canon_40D.jpg")
    data = path.read_bytes()
    body = start_upload(owner_client, album, name=path.name, size=len(data)).json()

    sent = post_to_bucket(
        body["url"],
        body["fields"],
        file_name=path.name,
        data=data,
        content_type=body["fields"]["Content-Type"],
    )
    assert sent.status in (200, 201, 204), sent.data
    key = body["fields"]["key"]
    assert s3_storage.keys() == [key], "the object is stored under the signed key only"

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = confirm(owner_client, body["photo"]["id"])

    assert response.status_code == 200, response.content
    assert response.json()["photo"]["status"] == "queued"
    photo = Photo.objects.get(pk=body["photo"]["id"])
    assert photo.status == Photo.Status.QUEUED
    assert photo.size == len(data)
    assert photo.queued_at is not None
    assert s3_storage.read(photo.original.name) == data
    assert s3_storage.keys() == [photo.original.name], "the uploaded object was moved"
    assert len(callbacks) == 1
    messages = [dramatiq.Message.decode(raw) for raw in broker.queues["ingest"].queue]
    expected = [("ingest", [str(photo.pk)])]
    assert [(m.actor_name, list(m.args)) for m in messages] == expected


def test_confirming_twice_sends_the_pipeline_once(
    s3_storage, owner_client, album, broker, django_capture_on_commit_callbacks
):
    body = start_upload(owner_client, album).json()
    s3_storage.put(body["fields"]["key"], corpus_file("good", "Canon_40D.jpg").read_bytes())

    with django_capture_on_commit_callbacks(execute=True):
        assert confirm(owner_client, body["photo"]["id"]).status_code == 200
        assert confirm(owner_client, body["photo"]["id"]).status_code == 200

    assert sent_to_pipeline(broker) == 1


def test_confirm_without_the_object_is_refused(
    s3_storage, owner_client, album, broker, django_capture_on_commit_callbacks
):
    body = start_upload(owner_client, album, name="lost.jpg").json()

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(owner_client, body["photo"]["id"])

    assert response.status_code == 400
    assert response.json()["error"] == "“lost.jpg” never arrived in storage; try again."
    assert Photo.objects.get(pk=body["photo"]["id"]).status == Photo.Status.UPLOADING
    assert sent_to_pipeline(broker) == 0


def test_confirm_of_an_oversized_object_deletes_it(
    s3_storage, owner_client, album, settings, broker, django_capture_on_commit_callbacks
):
    settings.MAX_UPLOAD_BYTES = 1000
    body = start_upload(owner_client, album, name="big.jpg", size=900).json()
    key = body["fields"]["key"]
    s3_storage.put(key, b"\xff" * 1001)  # the browser lied about the size; S3 would not stop it

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(owner_client, body["photo"]["id"])

    assert response.status_code == 400
    assert "1,000 bytes" in response.json()["error"]
    assert s3_storage.keys() == []
    photo = Photo.objects.get(pk=body["photo"]["id"])
    assert photo.status == Photo.Status.UPLOADING
    assert photo.size is None
    assert sent_to_pipeline(broker) == 0


# --- The policy outlives the confirm -----------------------------------------------------


def test_posting_again_after_confirm_does_not_change_the_original(
    s3_storage, owner_client, album, django_capture_on_commit_callbacks
):
    confirmed = corpus_file("good", "Canon_40D.jpg").read_bytes()
    body = browser_upload(s3_storage, owner_client, album, corpus_file("good", "Canon_40D.jpg"))
    with django_capture_on_commit_callbacks(execute=False):  # the pipeline's checks aside
        assert confirm(owner_client, body["photo"]["id"]).status_code == 200
    photo = Photo.objects.get(pk=body["photo"]["id"])

    # The policy is still valid: the same fields take other bytes.
    swapped = b"\xff\xd8\xff\xe0 not what was checked"
    sent = post_to_bucket(
        body["url"], body["fields"], file_name="x.jpg", data=swapped, content_type="image/jpeg"
    )
    assert sent.status in (200, 201, 204), sent.data

    stored = s3_storage.read(photo.original.name)
    assert hashlib.sha256(stored).hexdigest() == hashlib.sha256(confirmed).hexdigest()
    response = owner_client.get(reverse("albums:photo_original", kwargs={"photo_id": photo.id}))
    assert response.status_code == 302
    downloaded = urllib3.PoolManager().request("GET", response["Location"], redirect=False)
    assert downloaded.status == 200
    assert downloaded.data == confirmed
    # What came later sits under the upload key, which nothing reads and cleanup removes.
    assert s3_storage.read(body["fields"]["key"]) == swapped
    assert confirm(owner_client, photo.id).json()["photo"]["status"] == "queued"
    assert s3_storage.read(photo.original.name) == confirmed


def test_confirm_moves_the_upload_and_leaves_nothing_under_uploads(
    s3_storage, owner_client, album, django_capture_on_commit_callbacks
):
    body = browser_upload(s3_storage, owner_client, album, corpus_file("good", "Canon_40D.jpg"))
    assert s3_storage.keys() == [body["fields"]["key"]]

    with django_capture_on_commit_callbacks(execute=False):
        assert confirm(owner_client, body["photo"]["id"]).status_code == 200

    photo = Photo.objects.get(pk=body["photo"]["id"])
    assert s3_storage.keys() == [photo.original.name]
    assert not any(key.startswith("uploads/") for key in s3_storage.keys())
    head = s3_storage.client.head_object(Bucket=s3_storage.bucket, Key=photo.original.name)
    assert head["ContentType"] == "image/jpeg"


def test_a_confirm_that_stopped_after_the_copy_is_finished_by_the_next(
    s3_storage, owner_client, album, broker, django_capture_on_commit_callbacks
):
    confirmed = corpus_file("good", "Canon_40D.jpg").read_bytes()
    body = browser_upload(s3_storage, owner_client, album, corpus_file("good", "Canon_40D.jpg"))
    photo = Photo.objects.get(pk=body["photo"]["id"])
    upload_key = body["fields"]["key"]
    # The first confirm copied, then died before deleting the upload or queueing the photo;
    # meanwhile the browser POSTed other bytes.
    s3_storage.client.copy_object(
        Bucket=s3_storage.bucket,
        Key=photo.original.name,
        CopySource={"Bucket": s3_storage.bucket, "Key": upload_key},
    )
    s3_storage.put(upload_key, b"\xff\xd8 something else")

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(owner_client, photo.id)

    assert response.status_code == 200, response.content
    assert response.json()["photo"]["status"] == "queued"
    assert s3_storage.keys() == [photo.original.name]
    assert s3_storage.read(photo.original.name) == confirmed
    assert Photo.objects.get(pk=photo.pk).size == len(confirmed)
    assert sent_to_pipeline(broker) == 1


def test_an_upload_replaced_while_being_confirmed_is_not_copied(
    s3_storage,
    s3_copy_preconditions,
    owner_client,
    album,
    broker,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    from albums.storage.s3 import S3PhotoStorage

    body = browser_upload(s3_storage, owner_client, album, corpus_file("good", "Canon_40D.jpg"))
    upload_key = body["fields"]["key"]
    replacement = corpus_file("good", "Canon_40D.jpg").read_bytes() + b"trailing bytes"
    read_object = S3PhotoStorage.stored_object

    def read_then_replaced(self, key):
        found = read_object(self, key)
        if key == upload_key and found is not None:  # a POST lands between HEAD and copy
            s3_storage.put(upload_key, replacement)
        return found

    monkeypatch.setattr(S3PhotoStorage, "stored_object", read_then_replaced)
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(owner_client, body["photo"]["id"])

    assert response.status_code == 400
    assert "“Canon_40D.jpg” changed while it was being confirmed" in response.json()["error"]
    photo = Photo.objects.get(pk=body["photo"]["id"])
    assert photo.status == Photo.Status.UPLOADING
    assert s3_storage.keys() == [upload_key], "nothing was copied"
    assert sent_to_pipeline(broker) == 0

    monkeypatch.setattr(S3PhotoStorage, "stored_object", read_object)
    with django_capture_on_commit_callbacks(execute=True):
        assert confirm(owner_client, photo.id).status_code == 200
    assert s3_storage.read(photo.original.name) == replacement  # the bytes the pipeline checks
    assert sent_to_pipeline(broker) == 1


def test_cleanup_removes_what_stale_uploads_left_under_uploads(
    s3_storage, owner_client, album, django_capture_on_commit_callbacks
):
    def started(name):
        body = start_upload(owner_client, album, name=name, size=10).json()
        return Photo.objects.get(pk=body["photo"]["id"]), body["fields"]["key"]

    posted_old, posted_old_key = started("posted-never-confirmed.jpg")
    s3_storage.put(posted_old_key, b"\xff\xd8 half a jpeg")
    copied_old, copied_old_key = started("copied-then-the-confirm-died.jpg")
    s3_storage.put(copied_old_key, b"\xff\xd8 a jpeg")
    s3_storage.put(copied_old.original.name, b"\xff\xd8 a jpeg")
    recent, recent_key = started("still-uploading.jpg")
    s3_storage.put(recent_key, b"\xff\xd8 in flight")
    Photo.objects.filter(pk__in=[posted_old.pk, copied_old.pk]).update(
        created_at=timezone.now() - timedelta(hours=2)
    )

    with django_capture_on_commit_callbacks(execute=True):
        call_command("cleanup_uploads", "--older-than-hours", "1", "--dry-run", stdout=None)
    assert len(s3_storage.keys()) == 4

    with django_capture_on_commit_callbacks(execute=True):
        call_command("cleanup_uploads", "--older-than-hours", "1", stdout=None)

    assert list(Photo.objects.values_list("pk", flat=True)) == [recent.pk]
    assert s3_storage.keys() == [recent_key]


# --- Other people ----------------------------------------------------------------------


def test_a_stranger_cannot_start_an_upload_in_my_album(s3_storage, client, album, other_user):
    client.force_login(other_user)

    assert start_upload(client, album).status_code == 404
    assert not Photo.objects.exists()


def test_a_stranger_cannot_confirm_my_photo(
    s3_storage, owner_client, client, album, other_user, broker
):
    body = start_upload(owner_client, album).json()
    s3_storage.put(body["fields"]["key"], corpus_file("good", "Canon_40D.jpg").read_bytes())
    owner_client.logout()
    client.force_login(other_user)

    assert confirm(client, body["photo"]["id"]).status_code == 404
    assert Photo.objects.get(pk=body["photo"]["id"]).status == Photo.Status.UPLOADING
