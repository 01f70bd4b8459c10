"""Uploads on S3: the site signs a POST policy, the browser sends the bytes to the bucket,
the site confirms. Against a moto server over HTTP, through boto3 and django-storages.

moto does not enforce POST policies, so the policy itself is decoded and checked here.
"""

import base64
import json
import re
from datetime import UTC, datetime

import dramatiq
import pytest
import urllib3
from django.urls import reverse

from albums.models import Photo
from albums.names import clean_file_name
from tests.conftest import corpus_file

pytestmark = pytest.mark.django_db

HOSTILE_NAMES = ["../../etc/passwd .jpg", "<script>alert(1)</script>.jpg"]


def sent_to_pipeline(broker) -> int:
    """Messages waiting for the pipeline's first step (its queue exists once declared)."""
    queue = broker.queues.get("metadata")
    return queue.qsize() if queue is not None else 0


def start_upload(client, album, *, name="Canon_40D.jpg", size=7958, type="image/jpeg"):
    url = reverse("albums:upload_start", kwargs={"album_id": album.id})
    return client.post(url, {"name": name, "size": size, "type": type})


def confirm(client, photo_id):
    return client.post(reverse("albums:photo_confirm", kwargs={"photo_id": photo_id}))


def decoded_policy(fields: dict) -> dict:
    return json.loads(base64.b64decode(fields["policy"]))


def exact_conditions(policy: dict) -> dict:
    """The {"name": value} conditions, which demand an exact match."""
    merged = {}
    for condition in policy["conditions"]:
        if isinstance(condition, dict):
            merged.update(condition)
    return merged


def array_conditions(policy: dict) -> list[list]:
    return [c for c in policy["conditions"] if isinstance(c, list)]


def post_to_bucket(url: str, fields: dict, *, file_name: str, data: bytes, content_type: str):
    """What the browser does: a multipart POST with the signed fields, the file last."""
    parts = [*fields.items(), ("file", (file_name, data, content_type))]
    return urllib3.PoolManager().request("POST", url, fields=parts, redirect=False)


# --- The policy ------------------------------------------------------------------------


@pytest.mark.parametrize("hostile_name", HOSTILE_NAMES)
def test_start_signs_a_policy_for_exactly_one_generated_key(
    s3_storage, owner_client, album, user, settings, hostile_name
):
    before = datetime.now(UTC).replace(microsecond=0)
    response = start_upload(owner_client, album, name=hostile_name)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["transport"] == "s3"
    assert body["url"].startswith(f"{s3_storage.endpoint}/{s3_storage.bucket}")
    fields = body["fields"]
    key = fields["key"]
    assert re.fullmatch(rf"originals/{user.pk}/[0-9a-f]{{32}}\.jpg", key), key
    for fragment in ("..", "etc", "passwd", "<", "script", " "):
        assert fragment not in key

    policy = decoded_policy(fields)
    exact = exact_conditions(policy)
    assert exact["key"] == key
    assert exact["bucket"] == s3_storage.bucket
    assert exact["Content-Type"] == "image/jpeg" == fields["Content-Type"]
    assert ["content-length-range", 1, settings.MAX_UPLOAD_BYTES] in array_conditions(policy)
    assert ["starts-with", "$Content-Type", "image/"] in array_conditions(policy)
    assert not any(c[0] == "starts-with" and c[1] == "$key" for c in array_conditions(policy))

    assert fields["x-amz-algorithm"] == exact["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert fields["x-amz-credential"].startswith("testing/")
    assert "x-amz-signature" in fields

    expiration = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    lifetime = (expiration - before).total_seconds()
    assert 0 < lifetime <= settings.PRESIGNED_POST_EXPIRES + 2
    assert settings.PRESIGNED_POST_EXPIRES <= 3600, "a POST policy should live minutes, not hours"

    photo = Photo.objects.get(pk=body["photo"]["id"])
    assert photo.status == Photo.Status.UPLOADING
    assert photo.original.name == key
    assert photo.original_name == clean_file_name(hostile_name)  # kept for display only


def test_start_with_empty_type_and_heic_name_is_signed_as_heic(s3_storage, owner_client, album):
    response = start_upload(owner_client, album, name="IMG_0001.HEIC", type="")

    assert response.status_code == 201, response.content
    fields = response.json()["fields"]
    assert fields["Content-Type"] == "image/heic"
    assert exact_conditions(decoded_policy(fields))["Content-Type"] == "image/heic"
    assert fields["key"].endswith(".heic")


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
    assert s3_storage.read(key) == data
    assert len(callbacks) == 1
    messages = [dramatiq.Message.decode(raw) for raw in broker.queues["metadata"].queue]
    expected = [("extract_metadata", [str(photo.pk)])]
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
    assert "“lost.jpg” never arrived" in response.json()["error"]
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
