"""Writes: every change to albums and photos that has a side effect goes through here."""

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from albums.models import Album, AlbumPhoto, Photo, PhotoLabel, Rendition, ShareLink
from albums.storage import get_photo_storage

logger = logging.getLogger(__name__)

# --- Albums ------------------------------------------------------------------------------


def album_create(*, owner, title: str, description: str = "") -> Album:
    return Album.objects.create(owner=owner, title=title.strip(), description=description)


def album_update(*, album: Album, title: str, description: str, sort: str | None = None) -> Album:
    album.title = title.strip()
    album.description = description
    album.sort = sort or album.sort
    album.save(update_fields=["title", "description", "sort", "updated_at"])
    return album


def _delete_with_files(*, rows, photos) -> int:
    """Delete `rows` (photos, albums or users: a queryset) and, once that commits, the
    stored files (originals and renditions) of `photos`, the photos going with them.

    Every delete of something that holds photos comes through here (the site, the admin,
    commands), so no file outlives its row. That includes what a browser may have staged
    for a photo still uploading (a presigned POST's key, where the storage has one).
    """
    # Lock the photos first: a pipeline step writing a rendition holds the same row lock,
    # so its file is either listed below or never written (processing.services).
    rows_of_photos = photos.select_for_update().values_list("id", "original", "status")
    storage = get_photo_storage()
    keys = []
    for photo_id, original, status in rows_of_photos:
        keys.append(original)
        if status == Photo.Status.UPLOADING:
            keys.append(storage.staging_key(photo_id=photo_id))
    count = len(rows_of_photos)
    keys += Rendition.objects.filter(photo__in=photos.values("pk")).values_list("file", flat=True)
    rows.delete()
    transaction.on_commit(lambda: storage.delete(keys))
    return count


def album_delete(*, album: Album) -> None:
    """Delete an album: its photos stay in the library (and in their other albums)."""
    Album.objects.filter(pk=album.pk).delete()


@transaction.atomic
def photo_delete(*, photo: Photo) -> None:
    """Delete a photo for good, with its files (the site's own delete is photos_trash)."""
    photos_delete(photos=Photo.objects.filter(pk=photo.pk))


@transaction.atomic
def photos_delete(*, photos) -> int:
    return _delete_with_files(rows=photos, photos=photos)


@transaction.atomic
def users_delete(*, users) -> int:
    """Delete accounts with everything they own (albums, photos, share links, files)."""
    return _delete_with_files(rows=users, photos=Photo.objects.filter(owner__in=users))


# --- Albums as collections ---------------------------------------------------------------
# `photos` is a queryset of the album owner's photos: views scope it to the signed-in user.


@transaction.atomic
def album_add_photos(*, album: Album, photos) -> int:
    """Add photos to an album, after those already in it; the count of photos added."""
    Album.objects.select_for_update().filter(pk=album.pk).first()  # one adder at a time
    present = AlbumPhoto.objects.filter(album=album)
    new = photos.filter(owner_id=album.owner_id).exclude(pk__in=present.values("photo_id"))
    last = present.aggregate(last=Max("position"))["last"] or 0
    now = timezone.now()
    rows = [
        AlbumPhoto(album=album, photo_id=photo_id, added_at=now, position=last + number)
        for number, photo_id in enumerate(
            new.order_by("created_at", "id").values_list("pk", flat=True), 1
        )
    ]
    AlbumPhoto.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def album_remove_photos(*, album: Album, photos) -> int:
    """Take photos out of an album (not deleting them); the count taken out."""
    ids = list(photos.values_list("pk", flat=True))
    removed, _ = AlbumPhoto.objects.filter(album=album, photo_id__in=ids).delete()
    if album.cover_id in ids:
        Album.objects.filter(pk=album.pk).update(cover=None)
        album.cover = None
    return removed


def album_set_cover(*, album: Album, photo: Photo) -> None:
    if not AlbumPhoto.objects.filter(album=album, photo=photo).exists():
        raise ValueError("Only a photo in the album can be its cover.")
    album.cover = photo
    album.save(update_fields=["cover", "updated_at"])


@transaction.atomic
def album_reorder(*, album: Album, photo_ids: list) -> None:
    """Put the album in a custom order: `photo_ids` first, in that order, then the rest as
    they were."""
    members = {
        m.photo_id: m
        for m in AlbumPhoto.objects.filter(album=album).order_by("position", "added_at", "photo_id")
    }
    chosen = [members[pid] for pid in dict.fromkeys(photo_ids) if pid in members]
    rest = [m for pid, m in members.items() if m not in chosen]
    for position, member in enumerate(chosen + rest, 1):
        member.position = position
    AlbumPhoto.objects.bulk_update(chosen + rest, ["position"], batch_size=500)
    album.sort = Album.Sort.CUSTOM
    album.save(update_fields=["sort", "updated_at"])


# --- Trash -------------------------------------------------------------------------------


def photos_trash(*, photos) -> int:
    """Move photos to the trash: hidden everywhere, restorable for settings.TRASH_DAYS."""
    return _trash_set(photos.filter(trashed_at__isnull=True), timezone.now())


def photos_restore(*, photos) -> int:
    return _trash_set(photos.filter(trashed_at__isnull=False), None)


@transaction.atomic
def _trash_set(photos, trashed_at) -> int:
    """Set trashed_at, and the search copies of it (PhotoLabel.in_trash), together."""
    ids = list(photos.select_for_update().values_list("pk", flat=True))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        Photo.objects.filter(pk__in=chunk).update(trashed_at=trashed_at)
        PhotoLabel.objects.filter(photo_id__in=chunk).update(in_trash=trashed_at is not None)
    return len(ids)


def trash_empty(*, user) -> int:
    """Delete for good every photo in the user's trash, files once that commits."""
    return photos_delete(photos=Photo.objects.in_trash().filter(owner=user))


def trash_purge(*, older_than: timedelta | None = None, batch: int = 500) -> int:
    """Delete for good what has been in the trash longer than `older_than` (TRASH_DAYS by
    default), everyone's, in batches of `batch` photos (one transaction each)."""
    older_than = older_than if older_than is not None else timedelta(days=settings.TRASH_DAYS)
    cutoff = timezone.now() - older_than
    expired = Photo.objects.filter(trashed_at__lt=cutoff)
    count = 0
    while ids := list(expired.values_list("pk", flat=True)[:batch]):
        count += photos_delete(photos=Photo.objects.filter(pk__in=ids, trashed_at__lt=cutoff))
    return count


# --- Uploads never confirmed (creating photos is processing.intake's) -------------------


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
