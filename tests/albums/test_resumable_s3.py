"""Resumable uploads on S3: a multipart upload to the photo's staging key, each part PUT by
the browser to a presigned UploadPart URL the site hands out; ListParts says what arrived,
so a reloaded page resumes; CompleteMultipartUpload, then the confirm every upload gets.
Against the moto server over HTTP, with real PUTs to the URLs the site returns."""

import pytest
import urllib3
from django.core.management import call_command
from django.urls import reverse

from albums.models import Photo
from albums.services import photo_delete
from tests.support.corpus import corpus_file
from tests.support.s3 import presigned_put_verifies

pytestmark = pytest.mark.django_db

MIB = 1024 * 1024
PART = 5 * MIB  # S3's smallest part (but the last)


@pytest.fixture
def resumable(s3_storage, settings):
    settings.UPLOAD_RESUMABLE_FROM_BYTES = MIB
    settings.UPLOAD_PART_BYTES = MIB  # below S3's minimum: the storage raises it
    return s3_storage


def padded_jpeg(size: int = 2 * PART + MIB) -> bytes:
    """A valid JPEG, padded after its end marker (decoders stop there): three parts."""
    data = corpus_file("good", "Canon_40D.jpg").read_bytes()
    return data + bytes(size - len(data))


def start(client, album, data: bytes, name="big.jpg"):
    url = reverse("albums:upload_start", kwargs={"album_id": album.id})
    response = client.post(url, {"name": name, "size": len(data), "type": "image/jpeg"})
    assert response.status_code == 201, response.content
    return response.json()


def open_uploads(s3) -> list[str]:
    return [u["Key"] for u in s3.client.list_multipart_uploads(Bucket=s3.bucket).get("Uploads", [])]


def send_part(client, s3, ticket, number: int, data: bytes, *, body: bytes | None = None):
    """What the page does: ask the site where part `number` goes, PUT it there."""
    where = client.post(f"{ticket['parts_url']}{number}/")
    assert where.status_code == 200, where.content
    target = where.json()
    assert target["method"] == "PUT"
    assert target["url"].startswith(f"{s3.endpoint}/{s3.bucket}/uploads/")
    if body is None:
        body = data[(number - 1) * PART : number * PART]
    sent = urllib3.PoolManager().request(target["method"], target["url"], body=body)
    assert sent.status == 200, sent.data
    return sent


def test_a_large_file_goes_to_the_bucket_in_presigned_parts_then_is_confirmed(
    resumable, owner_client, album, broker, django_capture_on_commit_callbacks
):
    data = padded_jpeg()
    ticket = start(owner_client, album, data)
    photo = Photo.objects.get(pk=ticket["photo"]["id"])
    assert ticket["transport"] == "parts"
    assert ticket["part_bytes"] == PART
    assert open_uploads(resumable) == [f"uploads/{photo.id.hex}"]

    for number in (1, 2, 3):
        send_part(owner_client, resumable, ticket, number, data)
    held = owner_client.get(ticket["parts_url"]).json()
    assert [(p["number"], p["size"]) for p in held["parts"]] == [(1, PART), (2, PART), (3, MIB)]
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(ticket["complete_url"])

    assert response.status_code == 200, response.content
    assert response.json()["photo"]["status"] == "queued"
    photo.refresh_from_db()
    assert photo.size == len(data)
    assert resumable.read(photo.original.name) == data
    assert resumable.keys() == [photo.original.name], "the staged object was moved"
    assert open_uploads(resumable) == []
    head = resumable.client.head_object(Bucket=resumable.bucket, Key=photo.original.name)
    assert head["ContentType"] == "image/jpeg"
    assert broker.queues["ingest"].qsize() == 1


@pytest.mark.django_db(transaction=True)
def test_a_reloaded_page_resumes_from_what_list_parts_says_and_the_photo_ends_ready(
    resumable, owner_client, album, run_pipeline
):
    data = padded_jpeg()
    ticket = start(owner_client, album, data)
    send_part(owner_client, resumable, ticket, 1, data)

    # The page is reloaded: it asks the site, which asks S3, what is there.
    held = owner_client.get(ticket["parts_url"]).json()
    assert held["transport"] == "parts"
    assert held["size"] == len(data)
    assert [p["number"] for p in held["parts"]] == [1]
    assert held["received"] == PART
    for number in (2, 3):
        send_part(owner_client, resumable, ticket, number, data)
    completed = owner_client.post(ticket["complete_url"]).json()["photo"]["status"]
    # The worker (run_pipeline's) is already running: it may have taken the photo before
    # the response was written. Either way the upload is over.
    assert completed in {"queued", "processing"}, completed

    run_pipeline()
    photo = Photo.objects.get(pk=ticket["photo"]["id"])
    assert photo.status == Photo.Status.READY, photo.status_reason
    assert resumable.read(photo.original.name) == data


def test_parts_out_of_range_an_incomplete_file_and_site_bound_parts_are_refused(
    resumable, owner_client, album
):
    data = padded_jpeg()
    ticket = start(owner_client, album, data)
    send_part(owner_client, resumable, ticket, 1, data)

    for number in (0, 4):
        response = owner_client.post(f"{ticket['parts_url']}{number}/")
        assert response.status_code == 400
        assert "this file has parts 1 to 3" in response.json()["error"]
    incomplete = owner_client.post(ticket["complete_url"])
    assert incomplete.status_code == 400
    assert "not complete: 5,242,880 of 11,534,336 bytes" in incomplete.json()["error"]
    through_the_site = owner_client.put(
        f"{ticket['parts_url']}?offset={PART}", data[PART : 2 * PART],
        content_type="application/octet-stream",
    )  # fmt: skip
    assert through_the_site.status_code == 400
    assert "go straight to storage" in through_the_site.json()["error"]


def test_more_bytes_than_declared_are_refused_and_the_upload_aborted(
    resumable, owner_client, album, broker
):
    data = padded_jpeg()
    ticket = start(owner_client, album, data)
    send_part(owner_client, resumable, ticket, 1, data)
    send_part(owner_client, resumable, ticket, 2, data)
    # S3 itself would refuse this PUT (the URL signs the part's length, see below); moto
    # does not check signatures, so the bytes arrive and the site's own check must hold.
    send_part(owner_client, resumable, ticket, 3, data, body=bytes(2 * MIB))

    response = owner_client.post(ticket["complete_url"])

    assert response.status_code == 400
    assert "more than the 11,534,336 declared" in response.json()["error"]
    assert open_uploads(resumable) == []
    assert resumable.keys() == []
    assert Photo.objects.get(pk=ticket["photo"]["id"]).status == Photo.Status.UPLOADING
    assert broker.queues.get("ingest") is None or broker.queues["ingest"].qsize() == 0


def test_each_part_url_takes_exactly_that_parts_length(resumable, owner_client, album):
    data = padded_jpeg()
    ticket = start(owner_client, album, data)

    for number, length in ((1, PART), (2, PART), (3, MIB)):
        url = owner_client.post(f"{ticket['parts_url']}{number}/").json()["url"]
        assert presigned_put_verifies(url, length=length), f"part {number} of {length} bytes"
        for other in (length - 1, length + 1, 2 * PART):
            assert not presigned_put_verifies(url, length=other), f"part {number}: {other} bytes"


def test_deleting_or_cleaning_up_an_unfinished_upload_aborts_it(
    resumable, owner_client, album, django_capture_on_commit_callbacks
):
    data = padded_jpeg()
    deleted = start(owner_client, album, data)
    abandoned = start(owner_client, album, data)
    send_part(owner_client, resumable, deleted, 1, data)
    assert len(open_uploads(resumable)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        photo_delete(photo=Photo.objects.get(pk=deleted["photo"]["id"]))
    assert open_uploads(resumable) == [f"uploads/{abandoned['photo']['id'].replace('-', '')}"]
    with django_capture_on_commit_callbacks(execute=True):
        call_command("cleanup_uploads", "--older-than-hours", "0", stdout=None)

    assert not Photo.objects.exists()
    assert open_uploads(resumable) == []
    assert resumable.keys() == []


def test_a_stranger_gets_no_part_urls_and_cannot_complete(
    resumable, owner_client, client, album, other_user
):
    ticket = start(owner_client, album, padded_jpeg())
    client.force_login(other_user)

    assert client.get(ticket["parts_url"]).status_code == 404
    assert client.post(f"{ticket['parts_url']}1/").status_code == 404
    assert client.post(ticket["complete_url"]).status_code == 404
