"""A visitor with a share link, on photos the real pipeline processed: nothing in any
response (every page reachable from the link, every image) carries EXIF, GPS, camera
data or file names."""

import io
import re

import pytest
from django.urls import reverse
from PIL import Image

from albums.models import Photo
from albums.services import share_link_create
from processing import tasks
from tests.support.corpus import corpus_file

pytestmark = pytest.mark.django_db(transaction=True)

# EXIF a visitor must not get: a Nikon with GPS (43.4674, 11.8851), a file with odd GPS
# tags, a Canon EOS 40D.
SOURCES = ("gps_DSCN0010.jpg", "exif_gps.jpg", "Canon_40D.jpg")
PRIVATE_BYTES = (b"Exif", b"EXIF", b"XMP ", b"GPS", b"<x:xmpmeta", b"NIKON", b"Canon")


@pytest.fixture
def processed(album, make_photo, run_pipeline):
    photos = [make_photo(album, corpus_file("good", name)) for name in SOURCES]
    for photo in photos:
        tasks.send("ingest", photo.id)
    run_pipeline()
    for photo in photos:
        photo.refresh_from_db()
        assert photo.status == Photo.Status.READY, (photo.original_name, photo.error)
    assert photos[0].latitude and photos[0].camera_model == "COOLPIX P6000"
    return photos


def _links(html: str) -> set[str]:
    return set(re.findall(r'(?:href|src)="(/s/[^"]+)"', html))


def _crawl(client, start: str) -> tuple[dict[str, str], set[str]]:
    """Every page a visitor can reach from the link (HTML by URL) and every image URL."""
    pages, images, todo = {}, set(), [start]
    while todo:
        url = todo.pop()
        if url in pages:
            continue
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
        for link in _links(pages[url]):
            (images.add(link) if "/r/" in link else todo.append(link))
    return pages, images


def test_nothing_a_visitor_can_fetch_carries_exif_gps_or_names(client, album, processed):
    link = share_link_create(album=album, expires_in_days=None, allow_downloads=False)
    pages, images = _crawl(client, reverse("albums:shared", kwargs={"token": link.token}))
    assert len(pages) == 1 + len(processed)  # the album and a page for each photo
    assert len(images) == 2 * len(processed)  # a grid tile and a preview for each

    for html in pages.values():
        for photo in processed:
            assert photo.original_name not in html
            assert photo.camera_model not in html and photo.camera_make not in html
            if photo.latitude is not None:
                assert f"{photo.latitude:.3f}"[:6] not in html

    for url in images:
        response = client.get(url)
        assert response.status_code == 200, url
        data = b"".join(response.streaming_content)
        for marker in PRIVATE_BYTES:
            assert marker not in data, (url, marker)
        image = Image.open(io.BytesIO(data))
        assert image.format == "WEBP"
        assert not image.getexif() and "exif" not in image.info and "xmp" not in image.info
        disposition = response.get("Content-Disposition", "")
        assert not any(p.original_name.rsplit(".", 1)[0] in disposition for p in processed)


def test_the_owner_still_sees_what_visitors_do_not(owner_client, processed):
    photo = processed[0]
    html = owner_client.get(reverse("albums:photo", kwargs={"photo_id": photo.id})).content
    assert b"COOLPIX P6000" in html and b"43.46745" in html
