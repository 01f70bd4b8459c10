"""Photo metadata as plain dicts, one per photo, for export_metadata."""

from django.db.models import Prefetch

from albums.models import Photo, PhotoLabel


def photos_for_export(*, album_title: str | None = None, user_email: str | None = None):
    photos = (
        Photo.objects.select_related("album", "owner")
        .prefetch_related(
            Prefetch(
                "photo_labels",
                queryset=PhotoLabel.objects.select_related("label").order_by("-confidence"),
            ),
            "renditions",
        )
        .order_by("created_at", "id")
    )
    if album_title:
        photos = photos.filter(album__title=album_title)
    if user_email:
        photos = photos.filter(owner__email__iexact=user_email)
    return photos


def photo_export_row(photo: Photo) -> dict:
    return {
        "id": str(photo.id),
        "file_name": photo.original_name,
        "owner": photo.owner.email,
        "album": photo.album.title,
        "status": photo.status,
        "reason": photo.status_reason,
        "width": photo.width,
        "height": photo.height,
        "format": photo.format,
        "taken_at": photo.taken_at.isoformat() if photo.taken_at else None,
        "taken_at_offset": photo.taken_at_offset or None,
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
