"""The photo page and the album's live grid."""

import pytest
from django.urls import reverse

from albums.models import Label, Photo, PhotoLabel
from processing.models import PhotoStep
from tests.support.corpus import corpus_file

pytestmark = pytest.mark.django_db


def test_photo_page_shows_metadata_and_a_map_link(owner_client, album, make_photo):
    photo = make_photo(
        album,
        status=Photo.Status.READY,
        camera_make="NIKON",
        camera_model="COOLPIX P6000",
        latitude=43.467448,
        longitude=11.885126,
        exposure_time=1 / 200,
        f_number=4.5,
        iso=64,
        width=640,
        height=480,
    )
    html = owner_client.get(reverse("albums:photo", kwargs={"photo_id": photo.id})).content
    html = html.decode()
    assert "NIKON COOLPIX P6000" in html
    assert "640 × 480" in html
    assert "1/200 s · f/4.5 · ISO 64" in html
    assert "openstreetmap.org/?mlat=43.467448&amp;mlon=11.885126" in html


@pytest.mark.parametrize(
    "make,model,shown",
    [
        ("Canon", "Canon EOS 40D", "Canon EOS 40D"),
        ("NIKON CORPORATION", "NIKON D70", "NIKON D70"),
        ("EASTMAN KODAK COMPANY", "KODAK CX7530 ZOOM DIGITAL CAMERA", "KODAK CX7530 ZOOM"),
        ("NIKON", "COOLPIX P6000", "NIKON COOLPIX P6000"),
        ("Apple", "", "Apple"),
    ],
)
def test_the_camera_reads_without_the_make_twice(
    owner_client, album, make_photo, make, model, shown
):
    photo = make_photo(album, status=Photo.Status.READY, camera_make=make, camera_model=model)
    html = owner_client.get(reverse("albums:photo", kwargs={"photo_id": photo.id})).content
    assert f"<dt>Camera</dt><dd>{shown}".encode() in html


@pytest.mark.parametrize(
    "seconds,shown", [(0.00625, "1/160 s"), (1 / 75, "1/75 s"), (0.5, "0.5 s"), (2, "2 s")]
)
def test_exposure_reads_as_photographers_write_it(owner_client, album, make_photo, seconds, shown):
    photo = make_photo(album, status=Photo.Status.READY, exposure_time=seconds)
    html = owner_client.get(reverse("albums:photo", kwargs={"photo_id": photo.id})).content
    assert f"<dt>Exposure</dt><dd>{shown}</dd>".encode() in html


def test_labels_and_detected_text_each_have_their_section_and_search_link(
    owner_client, album, make_photo
):
    photo = make_photo(album, status=Photo.Status.READY)
    for kind, name in ((PhotoLabel.Kind.LABEL, "Beach"), (PhotoLabel.Kind.TEXT, "HOTEL MIRAMAR")):
        PhotoLabel.objects.create(
            photo=photo, label=Label.objects.create(name=name), kind=kind, confidence=90
        )
    html = owner_client.get(reverse("albums:photo", kwargs={"photo_id": photo.id})).content
    html = html.decode()
    labels, text = html.index(">Labels</h2>"), html.index(">Text in the photo</h2>")
    assert labels < html.index('href="/search/?q=Beach"') < text
    assert text < html.index('href="/search/?text=HOTEL%20MIRAMAR"')


def test_colours_and_shape_are_shown_apart_from_what_the_photo_shows(
    owner_client, album, make_photo
):
    photo = make_photo(album, status=Photo.Status.READY)
    rows = [("Yellow", "Colors", 60), ("Dog", "Objects and Scenes", 80)]
    rows += [("Landscape", "Image Properties", 100)]
    for name, category, confidence in rows:
        PhotoLabel.objects.create(
            photo=photo, label=Label.objects.create(name=name), category=category,
            confidence=confidence,
        )  # fmt: skip
    html = owner_client.get(reverse("albums:photo", kwargs={"photo_id": photo.id})).content
    html = html.decode()
    labels, looks = html.index(">Labels</h2>"), html.index(">Colours and shape</h2>")
    assert labels < html.index("?q=Dog") < looks
    assert looks < html.index("?q=Yellow") and looks < html.index("?q=Landscape")


def test_a_photo_with_only_colours_has_no_labels_heading(owner_client, album, make_photo):
    photo = make_photo(album, status=Photo.Status.READY)
    PhotoLabel.objects.create(
        photo=photo, label=Label.objects.create(name="Brown"), category="Colors", confidence=70
    )
    html = owner_client.get(reverse("albums:photo", kwargs={"photo_id": photo.id})).content
    assert b">Colours and shape</h2>" in html and b">Labels</h2>" not in html


def test_previous_and_next_follow_the_album_order(owner_client, album, make_photo):
    """The album lists newest uploads first: previous is the newer photo, next the older."""
    first, middle, last = (make_photo(album) for _ in range(3))
    html = owner_client.get(reverse("albums:photo", kwargs={"photo_id": middle.id})).content
    html = html.decode()
    assert f'href="/photos/{last.id}/" rel="prev"' in html
    assert f'href="/photos/{first.id}/" rel="next"' in html
    newest = owner_client.get(reverse("albums:photo", kwargs={"photo_id": last.id}))
    assert 'rel="prev"' not in newest.content.decode()
    grid = owner_client.get(reverse("albums:detail", kwargs={"album_id": album.id})).content
    grid = grid.decode()
    assert grid.index(f"photo-{last.id}") < grid.index(f"photo-{middle.id}")
    assert grid.index(f"photo-{middle.id}") < grid.index(f"photo-{first.id}")


def test_original_downloads_as_an_attachment_never_as_a_page(owner_client, album, make_photo):
    html_file = corpus_file("good", "hopper.png")
    photo = make_photo(album, html_file, status=Photo.Status.READY, mime_type="image/png")
    Photo.objects.filter(pk=photo.pk).update(original_name="<img src=x onerror=alert(1)>.png")
    response = owner_client.get(reverse("albums:photo_original", kwargs={"photo_id": photo.id}))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == html_file.read_bytes()


def test_grid_polls_while_photos_are_in_progress_and_stops_when_settled(
    owner_client, album, make_photo
):
    photo = make_photo(album, status=Photo.Status.PROCESSING)
    url = reverse("albums:grid", kwargs={"album_id": album.id})
    busy = owner_client.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in busy and "Processing" in busy
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.READY)
    settled = owner_client.get(url).content.decode()
    # A ready tile shows no status at all (nor the file name): only a photo that is not
    # ready says what it is doing.
    assert "hx-trigger" not in settled and 'data-status="ready"' in settled
    assert "Processing" not in settled and "Ready" not in settled
    page = owner_client.get(reverse("albums:detail", kwargs={"album_id": album.id}))
    assert "hx-trigger" not in page.content.decode()


def test_failed_photo_shows_its_reason_and_a_retry_button(owner_client, album, make_photo):
    photo = make_photo(
        album, status=Photo.Status.FAILED, status_reason="ConnectionError: storage unreachable"
    )
    html = owner_client.get(reverse("albums:photo", kwargs={"photo_id": photo.id})).content
    assert b"storage unreachable" in html and b"Try again" in html
    grid = owner_client.get(reverse("albums:detail", kwargs={"album_id": album.id})).content
    assert b"storage unreachable" in grid


def test_try_again_queues_a_failed_photo(owner_client, album, make_photo, broker):
    photo = make_photo(album, status=Photo.Status.FAILED, status_reason="x")
    PhotoStep.objects.create(photo=photo, step="labels", status="failed", reason="x")
    url = reverse("albums:photo_retry", kwargs={"photo_id": photo.id})
    response = owner_client.post(url)
    assert response.status_code == 302
    photo.refresh_from_db()
    assert (photo.status, photo.status_reason) == (Photo.Status.QUEUED, "")
    assert set(photo.steps.values_list("step", "status")) == {
        ("ingest", "pending"),
        ("labels", "pending"),
        ("text", "pending"),
        ("places", "pending"),
    }


def test_the_owner_reads_which_step_failed_and_why(owner_client, album, make_photo):
    photo = make_photo(album, status=Photo.Status.FAILED, status_reason="Processing stopped")
    PhotoStep.objects.create(photo=photo, step="ingest", status="done")
    PhotoStep.objects.create(
        photo=photo, step="labels", status="failed", reason="the label service was unavailable"
    )
    html = owner_client.get(reverse("albums:photo", kwargs={"photo_id": photo.id})).content
    assert b"Labels and moderation" in html and b"the label service was unavailable" in html
    assert b"Checking the file" not in html  # a step that went well is not worth telling
