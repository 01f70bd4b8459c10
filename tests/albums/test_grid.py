"""The album grid: each photo's shape, status only when not ready, the viewer's links."""

import pytest
from django.urls import reverse

from albums.models import Photo
from tests.support.photos import stored_rendition

pytestmark = pytest.mark.django_db


def _album_page(client, album) -> str:
    return client.get(reverse("albums:detail", kwargs={"album_id": album.id})).content.decode()


def _tile(html: str, photo) -> str:
    start = html.index(f'id="photo-{photo.id}"')
    return html[start : html.index("</li>", start)]


def test_a_ready_tile_keeps_its_shape_and_shows_no_status_or_name(owner_client, album, make_photo):
    photo = make_photo(album, status=Photo.Status.READY)
    rendition = stored_rendition(photo)
    rendition.width, rendition.height = 300, 400  # a portrait
    rendition.save()
    html = _album_page(owner_client, album)
    tile = _tile(html, photo)
    assert 'width="300" height="400"' in tile
    assert "badge" not in tile and "Ready" not in tile
    assert f">{photo.original_name}<" not in tile  # the name is the image's alt text only
    assert f'alt="{photo.original_name}"' in tile
    preview = reverse("albums:photo_rendition", kwargs={"photo_id": photo.id, "spec": "preview"})
    assert f'data-viewer-src="{preview}"' in tile
    assert 'id="viewer"' in html and "js/viewer.js" in html and "js/grid.js" in html


def test_a_tile_not_ready_says_so_and_does_not_open_the_viewer(owner_client, album, make_photo):
    busy = make_photo(album, status=Photo.Status.PROCESSING)
    rejected = make_photo(album, status=Photo.Status.REJECTED, status_reason="Not an image")
    html = _album_page(owner_client, album)
    assert "Processing" in _tile(html, busy) and "data-viewer-src" not in _tile(html, busy)
    assert "Rejected" in _tile(html, rejected) and "Not an image" in _tile(html, rejected)


def test_a_share_page_opens_photos_in_the_viewer_without_file_names(client, album, make_photo):
    from albums.services import share_link_create

    photo = make_photo(album, status=Photo.Status.READY)
    stored_rendition(photo)
    link = share_link_create(album=album, expires_in_days=None, allow_downloads=False)
    html = client.get(reverse("albums:shared", kwargs={"token": link.token})).content.decode()
    preview = reverse(
        "albums:shared_rendition",
        kwargs={"token": link.token, "photo_id": photo.id, "spec": "preview"},
    )
    assert f'data-viewer-src="{preview}"' in html and 'data-viewer-title="Photo 1"' in html
    assert photo.original_name not in html and "data-viewer-download" not in html


def test_search_results_open_in_the_viewer_too(owner_client, album, make_photo):
    photo = make_photo(album, status=Photo.Status.READY, camera_make="Canon")
    stored_rendition(photo)
    html = owner_client.get(reverse("albums:search"), {"camera": "Canon"}).content.decode()
    preview = reverse("albums:photo_rendition", kwargs={"photo_id": photo.id, "spec": "preview"})
    assert f'data-viewer-src="{preview}"' in html
    assert 'id="viewer"' in html and "js/viewer.js" in html and "js/grid.js" in html
