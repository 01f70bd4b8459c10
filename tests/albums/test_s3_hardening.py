"""Nothing active comes from the bucket, and nothing in a URL a share visitor sees names the
owner or the content: against a moto server over HTTP, through the site's own views."""

import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from albums.models import Photo
from albums.services import share_link_create
from processing import tasks
from tests.support.corpus import corpus_file
from tests.support.s3_uploads import (
    browser_upload,
    confirm,
    decoded_policy,
    exact_conditions,
    start_upload,
)

pytestmark = pytest.mark.django_db


SHARED_KEY = r"originals/{photo}\.jpg|renditions/{photo}/(grid|preview)-[0-9a-f]{{16}}\.webp"


def head(s3_storage, key: str) -> dict:
    return s3_storage.client.head_object(Bucket=s3_storage.bucket, Key=key)


# --- No active content ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "claimed"),
    [("drawing.svg", "image/svg+xml"), ("page.html", "text/html"), ("x.svgz", "image/svg+xml")],
)
def test_svg_and_other_active_types_are_never_signed(
    s3_storage, owner_client, album, name, claimed
):
    response = start_upload(owner_client, album, name=name, type=claimed)

    assert response.status_code == 400
    assert "not an image file the site takes" in response.json()["error"]
    assert not Photo.objects.exists()


def test_a_raster_name_with_an_svg_type_is_signed_as_the_raster_type(
    s3_storage, owner_client, album
):
    body = start_upload(owner_client, album, name="cat.png", type="image/svg+xml").json()

    policy = exact_conditions(decoded_policy(body["fields"]))
    assert policy["Content-Type"] == body["fields"]["Content-Type"] == "image/png"


def test_confirmed_originals_are_stored_as_attachments_of_the_signed_type(
    s3_storage, owner_client, album, django_capture_on_commit_callbacks
):
    body = browser_upload(s3_storage, owner_client, album, corpus_file("good", "Canon_40D.jpg"))
    with django_capture_on_commit_callbacks(execute=False):
        assert confirm(owner_client, body["photo"]["id"]).status_code == 200

    photo = Photo.objects.get(pk=body["photo"]["id"])
    stored = head(s3_storage, photo.original.name)
    assert stored["ContentType"] == "image/jpeg"
    assert stored["ContentDisposition"] == "attachment"


def test_an_original_dropped_with_an_svg_type_is_stored_as_a_raster_attachment(
    s3_storage, album, broker
):
    from albums.storage import get_photo_storage
    from processing import s3_events
    from processing.intake import photo_new

    s3_storage.put("incoming/x/y/a.jpg", b"<svg onload=alert(1)>", content_type="image/svg+xml")
    photo = photo_new(album=album, file_name="a.jpg")
    # The copy S3-event ingestion makes (its own IAM role: tests/deploy/test_iam_coverage.py).
    announced = s3_events.S3Object(
        bucket="", key="incoming/x/y/a.jpg", size=21, etag="", sequencer="", event_name=""
    )
    assert s3_events._copy_to_original(storage=get_photo_storage(), obj=announced, photo=photo)
    stored = head(s3_storage, photo.original.name)
    assert (stored["ContentType"], stored["ContentDisposition"]) == ("image/jpeg", "attachment")


def test_the_admin_links_the_original_through_the_site(s3_storage, admin_client, album, make_photo):
    photo = make_photo(album, status=Photo.Status.READY, mime_type="image/jpeg")

    page = admin_client.get(reverse("admin:albums_photo_change", args=[photo.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("albums:photo_original", kwargs={"photo_id": photo.id}) in html
    assert s3_storage.endpoint not in html and "X-Amz-Signature" not in html


# --- Share visitors learn nothing -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_no_url_a_visitor_is_sent_to_carries_the_owner_or_a_content_hash(
    s3_storage, client, user, album, make_photo, run_pipeline
):
    photo = make_photo(album, corpus_file("good", "Canon_40D.jpg"))
    tasks.send("ingest", photo.id)
    run_pipeline()
    photo.refresh_from_db()
    assert photo.status == Photo.Status.READY, photo.status_reason
    link = share_link_create(album=album, expires_in_days=None, allow_downloads=True)

    urls = [
        reverse("albums:shared_rendition", args=[link.token, photo.id, spec])
        for spec in ("grid", "preview")
    ] + [reverse("albums:shared_original", args=[link.token, photo.id])]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        location = response["Location"]
        path = urlsplit(location).path
        key = path.removeprefix(f"/{s3_storage.bucket}/")
        assert re.fullmatch(SHARED_KEY.format(photo=photo.id.hex), key), key
        assert f"/{user.pk}/" not in path
        assert photo.sha256[:16] not in location and photo.sha256[:8] not in location


def test_imported_originals_and_renditions_are_stored_with_their_types(
    s3_storage, album, broker, tmp_path
):
    from albums.storage import get_photo_storage
    from processing.intake import photo_import_file

    path = tmp_path / "holiday.jpg"
    path.write_bytes(corpus_file("good", "Canon_40D.jpg").read_bytes())
    photo = photo_import_file(album=album, path=path)
    key = get_photo_storage().save_rendition(
        photo_id=photo.id, spec="grid", ext="webp", data=b"RIFF", content_type="image/webp"
    )

    assert photo.status == Photo.Status.QUEUED
    assert re.fullmatch(rf"originals/{photo.id.hex}\.jpg", photo.original.name)
    original = head(s3_storage, photo.original.name)
    assert (original["ContentType"], original["ContentDisposition"]) == ("image/jpeg", "attachment")
    assert head(s3_storage, key)["ContentType"] == "image/webp"
