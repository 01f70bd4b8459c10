"""Photo metadata as plain dicts, one per photo, for export_metadata."""

from django.db.models import Prefetch

from albums.models import Photo, PhotoLabel
from albums.taken_time import local_taken_at, taken_at_instant


def photos_for_export(*, album_title: str | None = None, user_email: str | None = None):
    photos = (
        Photo.objects.select_related("owner")
        .prefetch_related(
            "albums",
            Prefetch(
                "photo_labels",
                queryset=PhotoLabel.objects.select_related("label").order_by("-confidence"),
            ),
            "renditions",
            "faces",
        )
        .order_by("created_at", "id")
    )
    if album_title:
        photos = photos.filter(pk__in=Photo.objects.filter(albums__title=album_title).values("pk"))
    if user_email:
        photos = photos.filter(owner__email__iexact=user_email)
    return photos


def photo_export_row(photo: Photo) -> dict:
    return {
        "id": str(photo.id),
        "file_name": photo.original_name,
        "owner": photo.owner.email,
        "albums": sorted(album.title for album in photo.albums.all()),
        "status": photo.status,
        "reason": photo.status_reason,
        "width": photo.width,
        "height": photo.height,
        "format": photo.format,
        **_taken(photo),
        "make": photo.camera_make or None,
        "model": photo.camera_model or None,
        "lens": photo.lens or None,
        "exposure_time": photo.exposure_time,
        "f_number": photo.f_number,
        "iso": photo.iso,
        "focal_length": photo.focal_length,
        "gps_latitude": photo.latitude,
        "gps_longitude": photo.longitude,
        "gps_altitude": photo.altitude,
        "sha256": photo.sha256 or None,
        "moderation": photo.moderation,
        "labels": [
            {
                "name": pl.label.name,
                "kind": pl.kind,
                "confidence": round(pl.confidence, 2),
                "source": pl.source,
            }
            for pl in photo.photo_labels.all()
        ],
        # Boxes as fractions of the image's width and height, from its top-left corner.
        "faces": [
            {
                "left": face.left,
                "top": face.top,
                "width": face.width,
                "height": face.height,
                "confidence": round(face.confidence, 2),
            }
            for face in photo.faces.all()
        ],
        "renditions": {
            r.spec: {
                "width": r.width,
                "height": r.height,
                "mime_type": r.mime_type,
                "key": r.file.name,
            }
            for r in photo.renditions.all()
        },
    }


def _taken(photo: Photo) -> dict:
    """The camera's wall-clock time with its offset ("2023-07-14T07:08:00+02:00"; no offset
    when the camera recorded none), the offset alone, and the instant in UTC when known."""
    local = local_taken_at(photo.taken_at, photo.taken_at_offset)
    instant = taken_at_instant(photo.taken_at, photo.taken_at_offset)
    return {
        "taken_at": local.isoformat() if local else None,
        "taken_at_offset": photo.taken_at_offset or None,
        "taken_at_utc": instant.isoformat().replace("+00:00", "Z") if instant else None,
    }
