"""Uploads in S3 mode in a real browser: the page sends the bytes straight to the bucket
(a moto server over HTTP on loopback), a presigned POST for a small file, presigned
UploadPart PUTs for a large one, which a reload in the middle resumes from what ListParts
says. The bucket gets the CORS rule deploy/aws/imagesite.yaml gives production.

What moto's server (5.2) does with CORS: a bucket's rules answer preflights (OPTIONS:
403 for an origin they leave out) and go on UploadPart answers; any answer without CORS
headers of its own gets flask-cors's, which admit every origin (moto's server wraps each
service in it unless MOTO_DISABLE_GLOBAL_CORS is set). moto puts none on a POST Object
answer (`_bucket_response_post`), so the presigned POST is admitted by that blanket, not
by the bucket's rule as on S3; the parts, which need a preflight, pass the rule itself
(the third test leaves the site out of it).

No `page.route` while parts go: with any route set, Playwright answers every CORS
preflight itself (a permissive 204) and the bucket's rule would go untested. The part a
reload interrupts is held in moto instead, and never stored.
"""

import re
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from albums.models import Photo
from albums.storage import get_photo_storage
from tests.support.browser import sign_in
from tests.support.corpus import corpus_file

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MIB = 1024 * 1024
PART = 5 * MIB  # S3's smallest part (but the last)
PARTS_STATE = re.compile(r"/photos/[0-9a-f-]+/parts/$")


def _until(page, condition, what, timeout_s=60):
    """Let Playwright deliver its events until `condition()` holds."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        page.wait_for_timeout(50)


def allow_site(s3, origin):
    """The bucket's CORS as deploy/aws/imagesite.yaml sets it, for `origin`."""
    rule = {
        "AllowedOrigins": [origin],
        "AllowedMethods": ["POST", "PUT"],
        "AllowedHeaders": ["*"],
        "ExposeHeaders": ["ETag", "Location"],
        "MaxAgeSeconds": 3000,
    }
    s3.client.put_bucket_cors(Bucket=s3.bucket, CORSConfiguration={"CORSRules": [rule]})


@pytest.fixture
def resumable(s3_storage, settings):
    settings.UPLOAD_RESUMABLE_FROM_BYTES = MIB
    settings.UPLOAD_PART_BYTES = MIB  # below S3's minimum: the storage raises it to 5 MiB
    return s3_storage


class MotoParts:
    """The part numbers moto's S3 is given, in order; `hold(n)` makes the first part n wait
    until `release()` and then fail unstored, as if its connection had dropped."""

    def __init__(self):
        self.arrived = []
        self.held = set()
        self.released = threading.Event()

    def hold(self, number):
        self.held.add(number)

    def release(self):
        self.released.set()


@pytest.fixture
def moto_parts(monkeypatch):
    from moto.s3.models import S3Backend  # only for the tests that watch the parts

    parts = MotoParts()
    upload_part = S3Backend.upload_part

    def watched(self, bucket_name, multipart_id, part_id, value):
        parts.arrived.append(part_id)
        if part_id in parts.held:
            parts.held.discard(part_id)
            parts.released.wait(timeout=120)
            raise ConnectionAbortedError(f"part {part_id}: the page went away")
        return upload_part(self, bucket_name, multipart_id, part_id, value)

    monkeypatch.setattr(S3Backend, "upload_part", watched)
    yield parts
    parts.release()


def padded_jpeg(path, size):
    """A valid corpus JPEG padded after its end marker (decoders stop there)."""
    data = corpus_file("good", "Canon_40D.jpg").read_bytes()
    path.write_bytes(data + bytes(size - len(data)))
    return path


def part_number(url: str) -> int:
    return int(parse_qs(urlsplit(url).query)["partNumber"][0])


def test_small_files_are_posted_to_the_bucket_and_end_ready_or_rejected(
    page, live_server, client, user, album, s3_storage, worker
):
    from processing import tasks  # noqa: F401  (declares the pipeline's queues)

    allow_site(s3_storage, live_server.url)
    posts = []
    page.on("request", lambda r: r.method == "POST" and posts.append(r.url))
    sign_in(page.context, live_server, client, user)
    page.goto(f"/albums/{album.id}/")
    good, broken = corpus_file("good", "Canon_40D.jpg"), corpus_file("bad", "truncated_jpeg.jpg")
    page.set_input_files("#file-input", [str(good), str(broken)])

    counts = page.locator("#upload-summary .upload-summary-counts")
    expect(counts).to_have_text("1 uploaded, 1 rejected", timeout=60_000)
    ready = Photo.objects.get(original_name=good.name)
    rejected = Photo.objects.get(original_name=broken.name)
    assert ready.status == Photo.Status.READY, ready.status_reason
    assert rejected.status == Photo.Status.REJECTED
    rows = page.locator("#upload-done .upload-item")
    expect(rows.filter(has_text=good.name).locator(".upload-state")).to_have_text("Ready")
    expect(rows.filter(has_text=broken.name).locator(".upload-state")).to_have_text(
        f"Rejected: {rejected.status_reason}"
    )
    # The bytes went to the bucket, one presigned POST a file, none through the site.
    assert [url for url in posts if url.startswith(s3_storage.endpoint)] == [
        f"{s3_storage.endpoint}/{s3_storage.bucket}"
    ] * 2
    assert not [url for url in posts if url.endswith("/upload/")]
    assert s3_storage.read(ready.original.name) == good.read_bytes()
    assert page.script_errors == []


def test_a_large_file_goes_in_parts_to_the_bucket_and_a_reload_resumes_from_list_parts(
    page, live_server, client, user, album, resumable, moto_parts, worker, tmp_path
):
    from processing import tasks  # noqa: F401  (declares the pipeline's queues)

    allow_site(resumable, live_server.url)
    path = padded_jpeg(tmp_path / "big-holiday.jpg", 3 * PART + MIB)  # four parts
    size = path.stat().st_size
    puts = {"before": [], "after": []}
    answers = []
    reloaded = False

    def sent(request):
        if request.method == "PUT":
            puts["after" if reloaded else "before"].append(request.url)

    def answered(response):
        if response.request.method == "PUT":
            answers.append(response.headers)

    page.on("request", sent)
    page.on("response", answered)
    page.on("dialog", lambda dialog: dialog.accept())  # "Leave page?" on the reload

    def stored_parts() -> list[int]:
        photo = Photo.objects.first()
        parts = photo and get_photo_storage().parts_stored(photo_id=photo.id)
        return [part.number for part in parts or []]

    sign_in(page.context, live_server, client, user)
    page.goto(f"/albums/{album.id}/")
    moto_parts.hold(3)  # part 3 reaches moto and waits there: the reload drops it
    page.set_input_files("#file-input", [str(path)])
    _until(
        page, lambda: stored_parts() == [1, 2] and moto_parts.arrived == [1, 2, 3], "part 3 held"
    )

    reloaded = True
    page.reload()
    moto_parts.release()  # the held part fails, unstored
    expect(page.locator("#upload-active .upload-item")).to_have_count(0)
    assert stored_parts() == [1, 2]
    page.evaluate(
        """() => {
          window.rowStates = [];
          new MutationObserver(() => document.querySelectorAll("#uploader .upload-state")
            .forEach((state) => window.rowStates.push(state.textContent)))
            .observe(document.getElementById("uploader"),
                     { subtree: true, childList: true, characterData: true });
        }"""
    )

    def asks_what_is_stored(response):
        return response.request.method == "GET" and PARTS_STATE.search(response.url)

    with page.expect_response(asks_what_is_stored) as state:
        page.set_input_files("#file-input", [str(path)])  # the same file, picked again
    assert [part["number"] for part in state.value.json()["parts"]] == [1, 2]

    row = page.locator(".upload-item", has_text="big-holiday.jpg")
    expect(row.locator(".upload-state")).to_have_text("Ready", timeout=120_000)
    assert "Resuming at 62%" in page.evaluate("window.rowStates")
    photo = Photo.objects.get()
    assert photo.status == Photo.Status.READY, photo.status_reason
    assert photo.size == size
    assert resumable.read(photo.original.name) == path.read_bytes()
    # Straight to the bucket, and after the reload only the parts ListParts did not have.
    bucket_url = f"{resumable.endpoint}/{resumable.bucket}/uploads/{photo.id.hex}?"
    assert all(url.startswith(bucket_url) for url in puts["before"] + puts["after"])
    assert [part_number(url) for url in puts["before"]] == [1, 2, 3]
    assert [part_number(url) for url in puts["after"]] == [3, 4]
    assert moto_parts.arrived == [1, 2, 3, 3, 4]
    # The bucket's rule answered each part (its origin, the headers it exposes).
    assert len(answers) == 4, "parts 1, 2, then 3 and 4 after the reload"
    for headers in answers:
        assert headers["access-control-allow-origin"] == live_server.url
        assert headers["access-control-expose-headers"] == "ETag, Location"
    assert page.script_errors == []


def test_a_bucket_whose_cors_leaves_the_site_out_gets_no_parts(
    page, live_server, client, user, album, resumable, moto_parts, tmp_path
):
    allow_site(resumable, "https://elsewhere.example")
    path = padded_jpeg(tmp_path / "big-holiday.jpg", PART + MIB)
    sign_in(page.context, live_server, client, user)
    page.goto(f"/albums/{album.id}/")
    page.set_input_files("#file-input", [str(path)])

    row = page.locator(".upload-item", has_text="big-holiday.jpg")
    expect(row.locator(".upload-state")).to_have_text(
        "The connection failed; try again.", timeout=60_000
    )  # after the page's retries
    assert moto_parts.arrived == [], "the preflight was refused: no PUT reached the bucket"
    preflight = "Response to preflight request doesn't pass access control check"
    blocked = [error for error in page.script_errors if preflight in error]
    assert len(blocked) == 5, "the first try and the page's four retries, each refused"
    assert set(page.script_errors) - set(blocked) == {
        "console: Failed to load resource: net::ERR_FAILED"
    }
