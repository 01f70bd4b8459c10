"""Resumable uploads on the local storage: a large file comes to the site in parts, each
PUT at its offset; the site says what it holds, so a dropped part or a reloaded page goes
on from there; the joined file gets the checks of every upload."""

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from albums.models import Photo
from albums.services import photo_delete
from tests.support.corpus import corpus_file
from tests.support.photos import stored_files

pytestmark = pytest.mark.django_db

PART = 2048


@pytest.fixture
def media_root(media_root, settings):
    """The test's own folder (tests/albums/conftest.py), and files of 1 KiB or more sent in
    2 KiB parts."""
    settings.UPLOAD_RESUMABLE_FROM_BYTES = 1024
    settings.UPLOAD_PART_BYTES = PART
    return media_root


def start(client, album, data: bytes, name="Canon_40D.jpg"):
    url = reverse("albums:upload_start", kwargs={"album_id": album.id})
    response = client.post(url, {"name": name, "size": len(data), "type": "image/jpeg"})
    assert response.status_code == 201, response.content
    return response.json()


def state(client, ticket):
    return client.get(ticket["parts_url"])


def send_part(client, ticket, number: int, data: bytes, **extra):
    """What the page does for one part: ask where it goes, PUT its bytes there."""
    where = client.post(f"{ticket['parts_url']}{number}/")
    assert where.status_code == 200, where.content
    target = where.json()
    assert target["method"] == "PUT"
    chunk = data[(number - 1) * PART : number * PART]
    return client.put(target["url"], chunk, content_type="application/octet-stream", **extra)


def put_at(client, ticket, offset: int, chunk: bytes):
    return client.put(
        f"{ticket['parts_url']}?offset={offset}", chunk, content_type="application/octet-stream"
    )


def complete(client, ticket):
    return client.post(ticket["complete_url"])


def parts_of(data: bytes) -> int:
    return -(-len(data) // PART)


@pytest.mark.django_db(transaction=True)
def test_a_large_file_goes_in_parts_in_order_then_is_queued(
    media_root, browser, album, run_pipeline
):
    data = corpus_file("good", "Canon_40D.jpg").read_bytes()
    ticket = start(browser, album, data)
    assert ticket["transport"] == "parts"
    assert ticket["part_bytes"] == PART
    assert state(browser, ticket).json()["parts"] == []

    for number in range(1, parts_of(data) + 1):
        response = send_part(browser, ticket, number, data)
        assert response.status_code == 200, response.content
        assert response.json()["received"] == min(number * PART, len(data))
    response = complete(browser, ticket)

    assert response.status_code == 200, response.content
    # Queued, or already taken by the test's worker (which may be writing renditions).
    assert response.json()["photo"]["status"] in {"queued", "processing"}
    photo = Photo.objects.get(pk=ticket["photo"]["id"])
    assert photo.size == len(data)
    assert (media_root / photo.original.name).read_bytes() == data
    kept = [p for p in stored_files(media_root) if "renditions" not in p.parts]
    assert kept == [media_root / photo.original.name], "parts removed"
    run_pipeline()
    photo.refresh_from_db()
    assert photo.status == Photo.Status.READY, photo.status_reason


def test_a_part_cut_short_is_not_kept_and_the_upload_resumes_from_what_arrived(
    media_root, browser, user, album, django_capture_on_commit_callbacks
):
    data = corpus_file("good", "Canon_40D.jpg").read_bytes()
    ticket = start(browser, album, data)
    assert send_part(browser, ticket, 1, data).status_code == 200
    assert send_part(browser, ticket, 2, data).status_code == 200
    # The connection drops in the middle of part 3: fewer bytes than announced arrive.
    chunk = data[2 * PART : 3 * PART]
    cut = browser.put(
        f"{ticket['parts_url']}?offset={2 * PART}", chunk,
        content_type="application/octet-stream", **{"wsgi.input": io.BytesIO(chunk[:500])},
    )  # fmt: skip
    assert cut.status_code == 400
    assert "cut short" in cut.json()["error"]

    # The page is reloaded: a new page asks the site what it holds and goes on from there.
    reloaded = Client(enforce_csrf_checks=True)
    reloaded.force_login(user)
    reloaded.get(reverse("albums:detail", kwargs={"album_id": album.id}))
    reloaded.defaults["HTTP_X_CSRFTOKEN"] = reloaded.cookies["csrftoken"].value
    held = state(reloaded, ticket).json()
    assert held["received"] == 2 * PART
    assert [p["number"] for p in held["parts"]] == [1, 2]
    for number in range(3, parts_of(data) + 1):
        assert send_part(reloaded, ticket, number, data).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert complete(reloaded, ticket).json()["photo"]["status"] == "queued"

    photo = Photo.objects.get(pk=ticket["photo"]["id"])
    assert (media_root / photo.original.name).read_bytes() == data


def test_a_part_at_the_wrong_offset_is_refused(media_root, browser, album):
    data = corpus_file("good", "Canon_40D.jpg").read_bytes()
    ticket = start(browser, album, data)
    assert put_at(browser, ticket, 0, data[:PART]).status_code == 200

    skipped = put_at(browser, ticket, 2 * PART, data[2 * PART : 3 * PART])
    again = put_at(browser, ticket, 0, data[:PART])
    unaligned = put_at(browser, ticket, 100, data[100 : 100 + PART])

    for response in (skipped, again, unaligned):
        assert response.status_code == 400
        assert "send from byte 2,048" in response.json()["error"]
    assert put_at(browser, ticket, PART, data[PART : PART + 10]).status_code == 400  # short
    assert state(browser, ticket).json()["received"] == PART
    assert browser.put(f"{ticket['parts_url']}?offset=x", b"12").status_code == 400


def test_parts_past_the_declared_size_or_the_limit_are_refused(
    media_root, browser, album, settings
):
    data = corpus_file("good", "Canon_40D.jpg").read_bytes()
    ticket = start(browser, album, data)
    for number in range(1, parts_of(data)):
        assert send_part(browser, ticket, number, data).status_code == 200
    last_offset = (parts_of(data) - 1) * PART

    too_long = put_at(browser, ticket, last_offset, data[last_offset:] + b"\0" * 10)
    past_end = browser.post(f"{ticket['parts_url']}{parts_of(data) + 1}/")
    part_zero = browser.post(f"{ticket['parts_url']}0/")

    assert too_long.status_code == 400
    assert "past the end of the file (7,958 bytes declared)" in too_long.json()["error"]
    assert past_end.status_code == 400
    assert past_end.json()["error"] == "There is no part 5: this file has parts 1 to 4."
    assert part_zero.status_code == 400
    incomplete = complete(browser, ticket)
    assert incomplete.status_code == 400
    assert "not complete: 6,144 of 7,958 bytes" in incomplete.json()["error"]

    settings.MAX_UPLOAD_BYTES = 5000
    url = reverse("albums:upload_start", kwargs={"album_id": album.id})
    huge = browser.post(url, {"name": "huge.jpg", "size": 5001, "type": "image/jpeg"})
    assert huge.status_code == 400
    assert "the limit is" in huge.json()["error"]


def test_another_users_upload_is_not_found(media_root, browser, client, album, other_user):
    data = corpus_file("good", "Canon_40D.jpg").read_bytes()
    ticket = start(browser, album, data)
    client.force_login(other_user)

    assert client.get(ticket["parts_url"]).status_code == 404
    assert put_at(client, ticket, 0, data[:PART]).status_code == 404
    assert client.post(f"{ticket['parts_url']}1/").status_code == 404
    assert complete(client, ticket).status_code == 404
    assert stored_files(media_root) == []


def test_a_finished_upload_takes_no_more_parts(
    media_root, browser, album, django_capture_on_commit_callbacks
):
    data = corpus_file("good", "Canon_40D.jpg").read_bytes()
    ticket = start(browser, album, data)
    for number in range(1, parts_of(data) + 1):
        send_part(browser, ticket, number, data)
    with django_capture_on_commit_callbacks(execute=True):
        assert complete(browser, ticket).status_code == 200

    assert state(browser, ticket).json() == {"photo": ticket["photo"] | {"status": "queued",
                                             "status_label": "Queued"}}  # fmt: skip
    for response in (
        put_at(browser, ticket, 0, data[:PART]),
        browser.post(f"{ticket['parts_url']}1/"),
        complete(browser, ticket),
    ):
        assert response.status_code == 400
        assert response.json()["error"] == "This upload has already been received."


@pytest.mark.django_db(transaction=True)
def test_a_corrupt_file_sent_in_parts_is_rejected_like_one_sent_whole(
    media_root, browser, album, settings, run_pipeline
):
    path = corpus_file("bad", "truncated_jpeg.jpg")
    data = path.read_bytes()
    ticket = start(browser, album, data, name=path.name)
    for number in range(1, parts_of(data) + 1):
        assert send_part(browser, ticket, number, data).status_code == 200
    # Queued, or already taken by the test's worker.
    assert complete(browser, ticket).json()["photo"]["status"] in {"queued", "processing"}
    # The same file sent whole, for comparison.
    settings.UPLOAD_RESUMABLE_FROM_BYTES = len(data) + 1
    whole = start(browser, album, data, name=path.name)
    assert whole.get("transport") is None
    with path.open("rb") as fp:
        assert browser.post(whole["url"], {"file": fp}).status_code == 200

    run_pipeline()

    in_parts = Photo.objects.get(pk=ticket["photo"]["id"])
    sent_whole = Photo.objects.get(pk=whole["photo"]["id"])
    assert in_parts.status == Photo.Status.REJECTED
    assert in_parts.status_reason
    assert (in_parts.status, in_parts.status_reason) == (
        sent_whole.status,
        sent_whole.status_reason,
    )


def test_deleting_or_cleaning_up_an_unfinished_upload_removes_its_parts(
    media_root, browser, album, django_capture_on_commit_callbacks
):
    data = corpus_file("good", "Canon_40D.jpg").read_bytes()
    deleted = start(browser, album, data)
    abandoned = start(browser, album, data)
    for ticket in (deleted, abandoned):
        send_part(browser, ticket, 1, data)
    assert len(stored_files(media_root)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        photo_delete(photo=Photo.objects.get(pk=deleted["photo"]["id"]))
    assert len(stored_files(media_root)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        call_command("cleanup_uploads", "--older-than-hours", "0", stdout=None)

    assert not Photo.objects.exists()
    assert stored_files(media_root) == []
    assert not (media_root / "uploads").exists() or not any((media_root / "uploads").iterdir())
