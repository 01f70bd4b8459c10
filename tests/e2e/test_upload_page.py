"""The upload page in a real browser: leaving while files are still being sent asks first;
finished rows fold into a summary ("2 uploaded, 1 rejected, 1 not sent — show details")."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.support.corpus import corpus_file

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

UPLOAD = re.compile(r"/photos/[0-9a-f-]+/upload/$")


def _until(page, condition, timeout_s=10):
    """Let Playwright deliver its events (dialogs, routes) until `condition()` holds."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(50)


def sign_in(page, live_server, client, user):
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_leaving_mid_upload_asks_first_and_not_once_it_is_sent(
    page, live_server, client, user, album
):
    sign_in(page, live_server, client, user)
    page.goto(f"/albums/{album.id}/")
    held = []  # the file's POST, held back: the upload is still going

    def hold(route):
        held.append(route)

    page.route(UPLOAD, hold)
    page.locator("h1").click()  # browsers only ask pages someone has interacted with
    page.set_input_files("#file-input", [str(corpus_file("good", "Canon_40D.jpg"))])
    expect(page.locator("#upload-active .upload-state")).to_have_text("0%")  # being sent

    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()  # "Stay on page"

    page.on("dialog", answer)
    albums_link = page.locator(".site-header").get_by_role("link", name="Albums", exact=True)
    albums_link.click(no_wait_after=True)
    _until(page, lambda: dialogs)
    expect(page.get_by_role("heading", level=1)).to_have_text(album.title)
    assert dialogs == ["beforeunload"]
    assert page.url.endswith(f"/albums/{album.id}/")

    # Once the file is in, leaving is fine: nothing is lost, processing goes on without us.
    _until(page, lambda: held)
    held.pop().continue_()
    expect(page.locator("#upload-active .upload-state")).to_have_text("Queued")  # sent
    page.locator(".site-header").get_by_role("link", name="Albums", exact=True).click()
    expect(page).to_have_url(re.compile(r"/albums/$"))
    assert dialogs == ["beforeunload"]
    assert page.script_errors == []


def test_finished_rows_fold_into_a_summary(page, live_server, client, user, album, worker):
    from processing import tasks  # noqa: F401  (declares the pipeline's queues)

    sign_in(page, live_server, client, user)
    page.goto(f"/albums/{album.id}/")
    files = [
        str(corpus_file("good", "Canon_40D.jpg")),
        str(corpus_file("good", "hopper.png")),
        str(corpus_file("bad", "truncated_jpeg.jpg")),
    ]
    page.set_input_files("#file-input", files)
    page.set_input_files(  # and one the page refuses before sending (empty)
        "#file-input", [{"name": "empty.jpg", "mimeType": "image/jpeg", "buffer": b""}]
    )
    summary = page.locator("#upload-summary")
    counts = summary.locator(".upload-summary-counts")
    expect(counts).to_have_text("2 uploaded, 1 rejected, 1 not sent", timeout=60_000)
    expect(summary.locator("summary")).to_have_text(
        "2 uploaded, 1 rejected, 1 not sent — show details"
    )
    # Folded: nothing is left in the list of rows in flight, the finished rows are hidden.
    expect(page.locator("#upload-active .upload-item")).to_have_count(0)
    expect(page.locator("#upload-done .upload-item")).to_have_count(4)
    expect(page.locator("#upload-done .upload-item").first).to_be_hidden()

    summary.locator("summary").click()
    expect(summary.locator(".upload-summary-toggle")).to_have_text("hide details")
    rejected = page.locator("#upload-done .upload-rejected")
    expect(rejected).to_be_visible()
    expect(rejected.locator(".upload-name")).to_have_text("truncated_jpeg.jpg")
    expect(page.locator("#upload-done .upload-error")).to_contain_text("The file is empty.")
    assert page.script_errors == []
