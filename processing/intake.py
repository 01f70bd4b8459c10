"""Where photos come from: the one service that creates photo rows and starts the pipeline.

Three ways in, one path: browser uploads (`photo_start_upload`, then `photo_receive_upload`
through the site or `photo_confirm_upload` after a presigned POST), files imported from disk
(`photo_import_file`) and objects dropped in the bucket (processing.s3_events, which calls
`photo_new` and `photo_confirm_upload`). Every photo is made by `photo_new` and queued by
one conditional update, `uploading` → `queued`, that exactly one caller wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from albums import storage as photo_storage
from albums.models import Album, Photo
from albums.names import clean_file_name
from albums.services import album_add_photos, photo_delete
from albums.storage import get_photo_storage
from processing.pipeline import pipeline_start
from processing.steps import formats


class UploadRefused(Exception):
    """An upload the site will not take, with a message for the person uploading."""


@dataclass(frozen=True)
class StartedUpload:
    photo: Photo
    ticket: photo_storage.UploadTicket


@transaction.atomic
def photo_new(
    *, file_name: str, claimed_type: str = "", album: Album | None = None, owner=None
) -> Photo:
    """A photo row (`uploading`) in the owner's library, and in `album` when given, saved;
    its original's key generated from its id and the table's extension for the type (or the
    name): the user's name never reaches a key."""
    file_name = clean_file_name(file_name)
    found = formats.by_mime_type(claimed_type) or formats.by_extension(file_name)
    owner_id = album.owner_id if album is not None else owner.pk
    photo = Photo(
        owner_id=owner_id, original_name=file_name[:255],
        claimed_type=found.mime_type if found else "",
    )  # fmt: skip
    ext = formats.key_extension(found.mime_type) if found else ""
    photo.original.name = photo_storage.original_key(photo_id=photo.id, ext=ext)
    photo.save()
    if album is not None:
        album_add_photos(album=album, photos=Photo.objects.filter(pk=photo.pk))
    return photo


def _size_refused(photo: Photo, size: int) -> UploadRefused | None:
    if 0 < size <= settings.MAX_UPLOAD_BYTES:
        return None
    return UploadRefused(
        f"“{photo.original_name}” is {size:,} bytes; uploads must be between 1 byte and "
        f"{settings.MAX_UPLOAD_BYTES:,} bytes."
    )


def _queue(photo_id, *, size: int, original: str | None = None) -> bool:
    """`uploading` → `queued` and the pipeline started, once: False for every caller but
    the first (a second confirm, a second request with the file)."""
    fields = {"status": Photo.Status.QUEUED, "size": size, "queued_at": timezone.now()}
    if original is not None:
        fields["original"] = original
    updated = Photo.objects.filter(pk=photo_id, status=Photo.Status.UPLOADING).update(**fields)
    if updated:
        pipeline_start(photo_id=photo_id)
    return bool(updated)


# --- Browser uploads ---------------------------------------------------------------------------


def photo_start_upload(
    *, album: Album, file_name: str, size: int | None, content_type: str
) -> StartedUpload:
    """Create the photo (`uploading`) and say how its bytes should travel."""
    file_name = clean_file_name(file_name)
    if size is not None and size <= 0:
        raise UploadRefused(f"“{file_name}” is empty.")
    if size is not None and size > settings.MAX_UPLOAD_BYTES:
        raise UploadRefused(
            f"“{file_name}” is {size / 1e6:,.1f} MB; the limit is "
            f"{settings.MAX_UPLOAD_BYTES / 1e6:,.0f} MB."
        )
    signed_type = formats.upload_type(claimed=content_type, file_name=file_name)
    if signed_type is None:
        raise UploadRefused(
            f"“{file_name}” is not an image file the site takes "
            f"({', '.join(sorted({f.extensions[0].upper() for f in formats.FORMATS}))})."
        )
    photo = photo_new(album=album, file_name=file_name, claimed_type=signed_type)
    storage = get_photo_storage()
    if size is not None and size >= settings.UPLOAD_RESUMABLE_FROM_BYTES:
        # In parts; while uploading, `size` is what the browser declared (parts are
        # checked against it), and the confirm sets what arrived.
        Photo.objects.filter(pk=photo.pk).update(size=size)
        photo.size = size
        storage.parts_begin(photo_id=photo.id, content_type=signed_type)
        part_bytes = storage.part_bytes(
            wanted=settings.UPLOAD_PART_BYTES, max_bytes=settings.MAX_UPLOAD_BYTES
        )
        ticket = photo_storage.UploadTicket(
            method="PUT", url="", confirm=True, transport="parts", part_bytes=part_bytes
        )
        return StartedUpload(photo=photo, ticket=ticket)
    ticket = storage.upload_ticket(
        photo_id=photo.id,
        key=photo.original.name,
        content_type=signed_type,
        max_bytes=settings.MAX_UPLOAD_BYTES,
        expires_in=settings.PRESIGNED_POST_EXPIRES,
        receive_url=reverse("albums:photo_upload", kwargs={"photo_id": photo.id}),
    )
    return StartedUpload(photo=photo, ticket=ticket)


def photo_receive_upload(*, photo: Photo, uploaded_file) -> Photo:
    """A file streamed through the site: saved under a name of its own, then claimed.

    Requests racing with different bytes each save their file; one conditional update
    makes one of them the original and queues the photo, the others delete their file and
    are refused. No row lock is held while bytes are written.
    """
    if photo.status != Photo.Status.UPLOADING:
        raise UploadRefused("This upload has already been received.")
    if refused := _size_refused(photo, uploaded_file.size or 0):
        raise refused
    storage = get_photo_storage()
    stored = storage.receive_upload(
        key=photo.original.name, file=uploaded_file, content_type=photo.claimed_type
    )
    try:
        with transaction.atomic():
            won = _queue(photo.pk, size=uploaded_file.size, original=stored)
    except BaseException:
        storage.delete([stored])
        raise
    if not won:
        storage.delete([stored])
        raise UploadRefused("This upload has already been received.")
    photo.refresh_from_db()
    return photo


def photo_confirm_upload(*, photo: Photo) -> Photo:
    """The bytes are in storage: check them, queue the photo, start the pipeline.

    The photo's row is locked meanwhile, so two confirms at once copy the upload once;
    confirming a photo that is no longer uploading changes nothing.
    """
    if photo.status != Photo.Status.UPLOADING:
        return photo
    with transaction.atomic():
        locked = (
            Photo.objects.select_for_update()
            .filter(pk=photo.pk, status=Photo.Status.UPLOADING)
            .first()
        )
        if locked is None:  # another confirm got there first
            photo.refresh_from_db()
            return photo
        name = locked.original_name
        try:
            size = get_photo_storage().confirm_upload(
                photo_id=locked.pk,
                key=locked.original.name,
                content_type=locked.claimed_type or formats.OCTET_STREAM,
                max_bytes=settings.MAX_UPLOAD_BYTES,
            )
        except photo_storage.UploadNotReceived:
            raise UploadRefused(f"“{name}” never arrived in storage; try again.") from None
        except photo_storage.UploadChanged:
            raise UploadRefused(
                f"“{name}” changed while it was being confirmed; try again."
            ) from None
        except photo_storage.UploadWrongSize as exc:
            raise _size_refused(locked, exc.size) from None
        _queue(locked.pk, size=size)
    photo.refresh_from_db()
    return photo


# --- Files from disk ---------------------------------------------------------------------------


def photo_import_file(*, album: Album, path: Path) -> Photo:
    """Store one file as a new photo and queue it; the pipeline decides if it is an image.

    The bytes are written outside any transaction; a photo whose file could not be stored
    or was refused (empty, too large) is deleted again with its file (one left `uploading`
    by a crash is what cleanup_uploads removes).
    """
    claimed = formats.upload_type(claimed="", file_name=path.name) or ""
    photo = photo_new(album=album, file_name=path.name, claimed_type=claimed)
    try:
        with path.open("rb") as fp:
            stored = get_photo_storage().save_original(
                key=photo.original.name,
                file=File(fp, name=path.name),
                content_type=claimed or formats.OCTET_STREAM,
            )
        if stored != photo.original.name:
            Photo.objects.filter(pk=photo.pk).update(original=stored)
            photo.original.name = stored
        return photo_confirm_upload(photo=photo)
    except BaseException:
        photo_delete(photo=photo)
        raise
