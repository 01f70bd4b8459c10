"""A reload in the middle of a large upload resumes it: picking the same file again sends
only the parts the site does not have, and the photo ends ready."""

import io
import re
import time

import pytest
from PIL import Image
from playwright.sync_api import expect

from albums.models import Photo
from albums.storage import get_photo_storage
from albums.storage.local import LocalPhotoStorage

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PART_BYTES = 2 * 1024 * 1024
PART_PUT = re.compile(r"/photos/[0-9a-f-]+/parts/\?offset=\d+$")


def big_jpeg(path, size=20 * 1024 * 1024):
    """A valid JPEG padded after its end marker to `size` bytes (decoders stop at EOI)."""
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 120, 200)).save(buffer, "JPEG", quality=90)
    data = buffer.getvalue()
    path.write_bytes(data + bytes(size - len(data)))
    return path


def _until(page, condition, what, timeout_s=60):
    """Let Playwright deliver its events (routes, dialogs) until `condition()` holds."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        page.wait_for_timeout(50)


def _sign_in(page, live_server, client, user):
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_a_reload_in_the_middle_of_a_large_upload_resumes_it(
    page, live_server, client, user, album, settings, worker, monkeypatch, tmp_path
):
    from processing import tasks  # noqa: F401  (declares the pipeline's queues)

    settings.UPLOAD_PART_BYTES = PART_BYTES  # 20 MB: ten parts
    received = []  # the bytes of every part the site was sent
    receive = LocalPhotoStorage.part_receive

    def counting(self, *, photo_id, number, data, size):
        received.append(size)
        return receive(self, photo_id=photo_id, number=number, data=data, size=size)

    monkeypatch.setattr(LocalPhotoStorage, "part_receive", counting)
    path = big_jpeg(tmp_path / "big-holiday.jpg")
    size = path.stat().st_size

    def stored_parts() -> int:
        photo = Photo.objects.first()
        parts = photo and get_photo_storage().parts_stored(photo_id=photo.id)
        return len(parts or [])

    _sign_in(page, live_server, client, user)
    page.on("dialog", lambda dialog: dialog.accept())  # "Leave page?" on the reload
    page.goto(f"/albums/{album.id}/")
    seen = {"before": [], "after": []}
    reloaded = False

    def parts(route):
        """Before the reload two parts go and the third is held (the connection drops with
        the page); after it, the first part is held until the row has said where it is,
        then dropped: the page sends it again."""
        mine = seen["after" if reloaded else "before"]
        mine.append(route)
        if (not reloaded and len(mine) <= 2) or (reloaded and len(mine) > 1):
            route.continue_()

    page.route(PART_PUT, parts)
    page.set_input_files("#file-input", [str(path)])
    _until(page, lambda: stored_parts() == 2 and len(seen["before"]) == 3, "two parts stored")

    reloaded = True
    page.reload()
    expect(page.locator("#upload-active .upload-item")).to_have_count(0)
    page.set_input_files("#file-input", [str(path)])
    expect(page.locator("#upload-active .upload-state")).to_have_text("Resuming at 20%")
    _until(page, lambda: seen["after"], "the first part after the reload")
    assert stored_parts() == 2
    seen["after"][0].abort("connectionreset")  # and that part's connection drops: retried

    row = page.locator(".upload-item", has_text="big-holiday.jpg")
    expect(row.locator(".upload-state")).to_have_text("Ready", timeout=120_000)
    photo = Photo.objects.get()
    assert photo.status == Photo.Status.READY, photo.status_reason
    assert photo.size == size
    assert get_photo_storage().open(photo.original.name).read() == path.read_bytes()
    assert sum(received) == size, "every part reached the site once"
    assert len(seen["after"]) == 9, "parts 3 to 10, part 3 twice"
    assert sum(received) < 2 * size
    dropped = "console: Failed to load resource: net::ERR_CONNECTION_RESET"
    assert [e for e in page.script_errors if e != dropped] == []
