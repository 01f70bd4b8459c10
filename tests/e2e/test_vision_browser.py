"""Offline analyses as a person meets them: upload a dog and a poster, see labels and text,
then find each by searching (the real models run in the test's worker)."""

import time

import pytest
from playwright.sync_api import expect

from albums.models import Photo
from processing.models import PhotoStep
from tests.support.corpus import corpus_file

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

DOG, POSTER = "FujiFilm MX-1200.jpg", "no_exif.jpg"
TEXT_TIMEOUT_S = 180  # OCR of a poster on one busy core


def sign_in(page, live_server, client, user):
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def _wait_for_text_step() -> None:
    deadline = time.monotonic() + TEXT_TIMEOUT_S
    while time.monotonic() < deadline:
        states = set(PhotoStep.objects.filter(step="text").values_list("status", flat=True))
        if states == {"done"} and PhotoStep.objects.filter(step="text").count() == 2:
            return
        time.sleep(1)
    raise AssertionError(f"text step not done: {list(PhotoStep.objects.values('step', 'status'))}")


def test_upload_a_dog_and_a_poster_then_find_them(
    page, live_server, client, user, album, worker, settings
):
    from processing import tasks  # noqa: F401  (declares the pipeline's queues)

    settings.TEXT_DETECTOR = "local"
    sign_in(page, live_server, client, user)
    page.goto(f"/albums/{album.id}/")
    page.wait_for_load_state()
    files = [corpus_file("cameras", DOG), corpus_file("good", POSTER)]
    page.set_input_files("#file-input", [str(f) for f in files])
    ready = page.locator("#photo-grid .photo-tile[data-status=ready]")  # no badge when ready
    expect(ready).to_have_count(2, timeout=120_000)
    _wait_for_text_step()

    dog = Photo.objects.get(original_name=DOG)
    page.goto(f"/photos/{dog.id}/")
    expect(page.locator("#photo-labels")).to_contain_text("Dog")
    expect(page.locator("#photo-labels")).to_contain_text("Pet")
    expect(page.locator("#photo-labels")).not_to_contain_text("Landscape")  # apart, below
    poster = Photo.objects.get(original_name=POSTER)
    page.goto(f"/photos/{poster.id}/")
    expect(page.locator("main")).to_contain_text("GOALIE")

    page.goto("/search/")
    page.locator("input[name=q]").fill("dog")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#search-results .photo-tile")).to_have_count(1)
    expect(page.locator(f'#search-results img[alt="{DOG}"]')).to_have_count(1)

    page.goto("/search/")
    page.locator("input[name=text]").fill("goalie")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#search-results .photo-tile")).to_have_count(1)
    expect(page.locator(f'#search-results img[alt="{POSTER}"]')).to_have_count(1)
    assert page.script_errors == []
