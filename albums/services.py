"""Writes: every change to albums and photos that has a side effect goes through here."""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from albums import storage as photo_storage
from albums.models import Album, Photo
from albums.names import clean_file_name
from processing.pipeline import pipeline_start

logger = logging.getLogger(__name__)


class UploadRefused(Exception):
    """An upload the site will not take, with a message for the person uploading."""


# --- Albums ------------------------------------------------------------------------------


def album_create(*, owner, title: str, description: str = "") -> Album:
    return Album.objects.create(owner=owner, title=title.strip(), description=description)


def album_update(*, album: Album, title: str, description: str) -> Album:
    album.title = title.strip()
    album.description = description
    album.save(update_fields=["title", "description", "updated_at"])
    return album


def _delete_with_files(*, rows, photos) -> int:
    """Delete `rows` (photos, albums or users: a queryset) and, once that commits, the
    stored files (originals and renditions) of `photos`, the photos going with them.

    Every delete of something that holds photos comes through here (the site, the admin,
    commands), so no file outlives its row. On S3 that includes what a browser may have
    POSTed for a photo still uploading (its upload key).
    """
    from albums.models import Rendition

    # Lock the photos first: a pipeline step writing a rendition holds the same row lock,
    # so its file is either listed below or never written (processing.services).
    rows_of_photos = photos.select_for_update().values_list(
        "id", "owner_id", "original", "original_name", "status"
    )
    staged = photo_storage.uses_presigned_uploads(default_storage)
    keys = []
    for photo_id, owner_id, original, name, status in rows_of_photos:
        if original:
            keys.append(original)
        if staged and status == Photo.Status.UPLOADING:
            keys.append(
                photo_storage.upload_key(owner_id=owner_id, photo_id=photo_id, file_name=name)
            )
    count = len(rows_of_photos)
    keys += Rendition.objects.filter(photo__in=photos.values("pk")).values_list("file", flat=True)
    rows.delete()
    storage = default_storage
    transaction.on_commit(lambda: photo_storage.delete_quietly(storage=storage, keys=keys))
    return count


@transaction.atomic
def album_delete(*, album: Album) -> int:
    """Delete an album and its photos; their stored files go once the delete commits."""
    return albums_delete(albums=Album.objects.filter(pk=album.pk))


@transaction.atomic
def albums_delete(*, albums) -> int:
    return _delete_with_files(rows=albums, photos=Photo.objects.filter(album__in=albums))


@transaction.atomic
def photo_delete(*, photo: Photo) -> None:
    photos_delete(photos=Photo.objects.filter(pk=photo.pk))


@transaction.atomic
def photos_delete(*, photos) -> int:
    return _delete_with_files(rows=photos, photos=photos)


@transaction.atomic
def users_delete(*, users) -> int:
    """Delete accounts with everything they own (albums, photos, share links, files)."""
    return _delete_with_files(rows=users, photos=Photo.objects.filter(owner__in=users))


# --- Uploads -----------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadTicket:
    """What the browser needs to send one file: where, how, and what to call after."""

    photo: Photo
    transport: str  # "s3" or "local"
    url: str
    fields: dict[str, str] = field(default_factory=dict)
    conditions: list = field(default_factory=list)


def photo_start_upload(
    *, album: Album, user, file_name: str, size: int | None, content_type: str
) -> UploadTicket:
    """Create the photo row (`uploading`) and say how its bytes should travel."""
    from django.urls import reverse

    file_name = clean_file_name(file_name)
    if size is not None and size <= 0:
        raise UploadRefused(f"“{file_name}” is empty.")
    if size is not None and size > settings.MAX_UPLOAD_BYTES:
        raise UploadRefused(
            f"“{file_name}” is {size / 1e6:,.1f} MB; the limit is "
            f"{settings.MAX_UPLOAD_BYTES / 1e6:,.0f} MB."
        )
    signed_type = photo_storage.upload_content_type(claimed=content_type, file_name=file_name)
    if signed_type is None:
        raise UploadRefused(f"“{file_name}” is not an image file.")

    photo = Photo(album=album, owner=user, original_name=file_name, claimed_type=signed_type)
    photo.original.name = photo_storage.original_key(
        owner_id=user.pk, photo_id=photo.id, file_name=file_name
    )
    photo.save()

    if photo_storage.uses_presigned_uploads(default_storage):
        post = photo_storage.presigned_post(
            storage=default_storage,
            key=_upload_key(photo),  # never the original: see photo_confirm_upload
            content_type=signed_type,
            max_bytes=settings.MAX_UPLOAD_BYTES,
            expires_in=settings.PRESIGNED_POST_EXPIRES,
        )
        return UploadTicket(
            photo=photo,
            transport="s3",
            url=post.url,
            fields=post.fields,
            conditions=post.conditions,
        )
    url = reverse("albums:photo_upload", kwargs={"photo_id": photo.id})
    return UploadTicket(photo=photo, transport="local", url=url)


def photo_receive_upload(*, photo: Photo, uploaded_file) -> Photo:
    """Local transport: stream the received file into storage under its generated key."""
    if photo.status != Photo.Status.UPLOADING:
        raise UploadRefused("This upload has already been received.")
    if uploaded_file.size == 0:
        raise UploadRefused(f"“{photo.original_name}” is empty.")
    stored_name = default_storage.save(photo.original.name, uploaded_file)
    if stored_name != photo.original.name:  # the storage never overwrites; keep what it chose
        photo.original.name = stored_name
        photo.save(update_fields=["original"])
    return photo_confirm_upload(photo=photo)


def _upload_key(photo: Photo) -> str:
    """S3 transport: where the browser POSTs this photo's bytes (not its original)."""
    return photo_storage.upload_key(
        owner_id=photo.owner_id, photo_id=photo.id, file_name=photo.original_name
    )


def _size_refused(photo: Photo, size: int) -> UploadRefused | None:
    if 0 < size <= settings.MAX_UPLOAD_BYTES:
        return None
    return UploadRefused(
        f"“{photo.original_name}” is {size:,} bytes; uploads must be between 1 byte and "
        f"{settings.MAX_UPLOAD_BYTES:,} bytes."
    )


def _upload_move_to_original(*, photo: Photo) -> int:
    """S3 transport: copy the POSTed object to the photo's original key, then delete it;
    the original's size.

    The POST policy stays valid for more POSTs until it expires, so the browser writes only
    the upload key; the original is a server-side copy of exactly the version read here
    (CopySourceIfMatch), and later POSTs change nothing anyone reads. An original that is
    already there was put by the site (imports, S3 events) or copied by a confirm that
    stopped before it finished: it is kept, and the upload object removed.
    """
    storage = default_storage
    key = _upload_key(photo)
    staged = photo_storage.stored_object(storage=storage, key=key)
    if (size := photo_storage.stored_size(storage=storage, key=photo.original.name)) is not None:
        if staged is not None:
            photo_storage.delete_quietly(storage=storage, keys=[key])
        return size
    if staged is None:
        raise UploadRefused(f"“{photo.original_name}” never arrived in storage; try again.")
    if refused := _size_refused(photo, staged.size):
        photo_storage.delete_quietly(storage=storage, keys=[key])
        raise refused
    copied = photo_storage.copy_if_unchanged(
        storage=storage, source=staged, source_key=key, key=photo.original.name
    )
    if not copied:
        raise UploadRefused(
            f"“{photo.original_name}” changed while it was being confirmed; try again."
        )
    photo_storage.delete_quietly(storage=storage, keys=[key])
    return staged.size


def photo_confirm_upload(*, photo: Photo) -> Photo:
    """The bytes are in storage: check them, queue the photo, start the pipeline.

    The photo's row is locked meanwhile, so two confirms at once copy the upload once.
    """
    if photo.status != Photo.Status.UPLOADING:
        return photo  # confirming twice is harmless
    with transaction.atomic():
        locked = (
            Photo.objects.select_for_update()
            .filter(pk=photo.pk, status=Photo.Status.UPLOADING)
            .first()
        )
        if locked is None:  # another confirm got there first
            photo.refresh_from_db()
            return photo
        if photo_storage.uses_presigned_uploads(default_storage):
            size = _upload_move_to_original(photo=locked)
        else:
            size = photo_storage.stored_size(storage=default_storage, key=locked.original.name)
        if size is None:
            raise UploadRefused(f"“{photo.original_name}” never arrived in storage; try again.")
        if refused := _size_refused(photo, size):
            photo_storage.delete_quietly(storage=default_storage, keys=[locked.original.name])
            raise refused
        updated = Photo.objects.filter(pk=photo.pk, status=Photo.Status.UPLOADING).update(
            status=Photo.Status.QUEUED, size=size, queued_at=timezone.now()
        )
        if updated:
            pipeline_start(photo_id=photo.pk)
    photo.refresh_from_db()
    return photo


def uploads_cleanup_unconfirmed(*, older_than: timedelta, dry_run: bool = False) -> int:
    """Remove photos whose upload never completed, and any bytes that did arrive."""
    cutoff = timezone.now() - older_than
    stale = Photo.objects.filter(status=Photo.Status.UPLOADING, created_at__lt=cutoff)
    count = 0
    for photo in stale.only("id").iterator(chunk_size=500):
        count += 1
        if not dry_run:
            photo_delete(photo=photo)  # with its upload key, where the browser POSTed
    return count


# --- Sharing -----------------------------------------------------------------------------


def share_link_create(*, album: Album, expires_in_days: int | None, allow_downloads: bool):
    import secrets

    from albums.models import ShareLink

    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    return ShareLink.objects.create(
        album=album,
        token=secrets.token_urlsafe(32),
        expires_at=expires_at,
        allow_downloads=allow_downloads,
    )


def share_link_revoke(*, link) -> None:
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
