"""Rows a test needs that the fixtures do not make."""


def stored_rendition(photo, spec: str = "grid", *, file: str | None = None, mime="image/webp"):
    """A rendition row for a photo, pointing at `file` (the photo's original by default)."""
    from albums.models import Rendition

    return Rendition.objects.create(
        photo=photo,
        spec=spec,
        file=file or photo.original.name,
        source_sha256="0" * 64,
        width=1,
        height=1,
        mime_type=mime,
        size=1,
    )


def bulk_renditions(photos, specs=("grid",)) -> None:
    """400 x 300 rendition rows (no files) for many photos at once: the query-count tests."""
    from albums.models import Rendition

    Rendition.objects.bulk_create(
        Rendition(
            photo=p,
            spec=spec,
            file=f"renditions/{p.pk}-{spec}.webp",
            source_sha256="0" * 64,
            width=400,
            height=300,
            mime_type="image/webp",
            size=10,
        )
        for p in photos
        for spec in specs
    )


def add_to_album(album, photos, *, using: str = "default") -> None:
    """Put photos made directly (Photo.objects.create, bulk_create) into `album`, added in
    the order given."""
    from albums.models import AlbumPhoto

    AlbumPhoto.objects.using(using).bulk_create(
        AlbumPhoto(album=album, photo=photo, added_at=photo.created_at, position=number)
        for number, photo in enumerate(photos, 1)
    )


def labelled_jpeg(size, colour, text) -> bytes:
    """A JPEG of one colour with `text` written on it (a photo a person can tell apart)."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, colour)
    ImageDraw.Draw(image).text((20, 20), text, fill="white")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


def drawn_rendition(photo, spec, size, colour):
    """A real rendition file of `size` for a photo, named on it, stored and recorded."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from albums.models import Rendition

    data = labelled_jpeg(size, colour, f"{photo.original_name} {spec}")
    key = default_storage.save(f"renditions/{photo.id}/{spec}.jpg", ContentFile(data))
    Rendition.objects.create(
        photo=photo,
        spec=spec,
        file=key,
        source_sha256="0" * 64,
        width=size[0],
        height=size[1],
        mime_type="image/jpeg",
        size=len(data),
    )


def stored_files(root) -> list:
    """Every file under a media folder, sorted."""
    return sorted(p for p in root.rglob("*") if p.is_file())
