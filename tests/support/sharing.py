"""Share-link test rows and URLs (tests/albums/test_sharing.py, test_share_caching.py)."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from albums.models import Photo, Rendition


def ready_photo(album, make_photo, name_path=None, **fields):
    """A ready photo with GPS and a camera, and tiny grid and preview renditions."""
    photo = make_photo(
        album,
        name_path,
        status=Photo.Status.READY,
        latitude=43.46,
        longitude=11.88,
        camera_model="COOLPIX P6000",
        **fields,
    )
    for spec in ("grid", "preview"):
        key = default_storage.save(f"renditions/t/{photo.id.hex}-{spec}.webp", ContentFile(b"RIFF"))
        Rendition.objects.create(
            photo=photo,
            spec=spec,
            file=key,
            source_sha256="0" * 64,
            width=4,
            height=3,
            mime_type="image/webp",
            size=4,
        )
    return photo


def shared_url(name, link, **kw):
    """A share-link URL by name: shared, shared_photo, shared_rendition..."""
    return reverse(f"albums:{name}", kwargs={"token": link.token, **kw})
