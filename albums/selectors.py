"""Reads: the queries pages need, each with a fixed number of database round trips."""

from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery, UUIDField
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from albums.models import Album, AlbumPhoto, Photo, PhotoFace, PhotoLabel, Rendition
from albums.ordering import after_filter, reversed_order
from albums.ordering import fields as ordering_fields

GRID_SPEC = "grid"


def album_list_for_user(*, user):
    """The user's albums, each with its photo count and a cover (the chosen one while it is
    in the album and out of the trash, else the album's first in its order), in one query."""
    members = AlbumPhoto.objects.filter(
        album=OuterRef("pk"), photo__trashed_at__isnull=True, photo__status=Photo.Status.READY
    )
    first = members.order_by("-added_at", "-photo_id").values("photo_id")[:1]
    chosen = members.filter(photo=OuterRef("cover")).values("photo_id")[:1]
    counted = Q(memberships__photo__trashed_at__isnull=True) & ~Q(
        memberships__photo__status=Photo.Status.UPLOADING
    )
    return (
        Album.objects.owned_by(user)
        .annotate(photo_count=Count("memberships", filter=counted))
        .annotate(
            cover_photo_id=Coalesce(Subquery(chosen), Subquery(first), output_field=UUIDField())
        )
        .order_by("-created_at")
    )


def album_for_owner(*, user, album_id) -> Album:
    return get_object_or_404(Album.objects.owned_by(user), pk=album_id)


# Each album sort as an order of its photos (newest first where it applies: what was just
# uploaded is on page one of a "recently added" album). Photos with no date taken go last.
ALBUM_ORDERS = {
    Album.Sort.ADDED: ("-added_to_album", "-id"),
    Album.Sort.TAKEN_DESC: (F("taken_at").desc(nulls_last=True), "-created_at", "-id"),
    Album.Sort.TAKEN_ASC: (F("taken_at").asc(nulls_last=True), "created_at", "id"),
    Album.Sort.CUSTOM: ("position_in_album", "added_to_album", "id"),
}


def album_photos(*, album: Album, among=None):
    """An album's photos for its grid in the album's order, with their grid rendition
    prefetched: uploaded ones out of the trash, or those of `among` (a share link's)."""
    if among is None:
        among = Photo.objects.alive().exclude(status=Photo.Status.UPLOADING)
    # One join to the membership row: the filter and the annotations use the same one
    # (a later filter() on memberships__ would join again: albums/ordering.py).
    photos = among.filter(memberships__album=album).annotate(
        added_to_album=F("memberships__added_at"), position_in_album=F("memberships__position")
    )
    return with_grid_renditions(photos).order_by(*ALBUM_ORDERS[album.sort])


# The timeline: newest taken first, photos with no date taken last (by upload, newest first).
TIMELINE_ORDER = (F("taken_at").desc(nulls_last=True), "-created_at", "-id")


def library_photos(*, user):
    """The user's photos that finished uploading, out of the trash (no order: the timeline
    and search order them)."""
    photos = Photo.objects.alive().filter(owner=user).exclude(status=Photo.Status.UPLOADING)
    return with_grid_renditions(photos)


def photo_for_user(*, user, photo_id) -> Photo:
    """A photo its owner (or a moderator, for the review queue) may see; 404 for everyone else.
    Annotated with `face_count`, the faces found in it, counted in the same query."""
    faces = (
        PhotoFace.objects.filter(photo=OuterRef("pk"))
        .order_by()
        .values("photo")
        .annotate(n=Count("pk"))
        .values("n")
    )
    photos = Photo.objects.visible_to(user).select_related("owner")
    photos = photos.annotate(face_count=Coalesce(Subquery(faces), 0))
    return get_object_or_404(photos, pk=photo_id)


def photo_rendition_for_user(*, user, photo_id) -> Photo:
    """A photo whose renditions `user` may see: what photo_for_user finds, and the user's own
    photos in the trash (the trash page's thumbnails). Nobody else sees a trashed photo."""
    photos = Photo.objects.visible_to(user) | Photo.objects.filter(owner=user)
    return get_object_or_404(photos, pk=photo_id)


def photo_original_for_user(*, user, photo_id) -> Photo:
    """A photo whose original `user` may download: their own, or with `albums.view_original`
    one they may see; 404 for everyone else."""
    return get_object_or_404(Photo.objects.originals_visible_to(user), pk=photo_id)


def photo_for_owner(*, user, photo_id, trashed: bool = False) -> Photo:
    """The user's own photo; with `trashed`, one in the trash too."""
    if not user.is_authenticated:
        raise Http404
    photos = Photo.objects.all() if trashed else Photo.objects.alive()
    return get_object_or_404(photos, pk=photo_id, owner=user)


# The trash: most recently deleted first.
TRASH_ORDER = ("-trashed_at", "-id")


def trash_photos(*, user):
    """The user's photos in the trash, with their grid rendition, in TRASH_ORDER."""
    photos = Photo.objects.in_trash().filter(owner=user).order_by(*TRASH_ORDER)
    return with_grid_renditions(photos)


def trash_expired(*, older_than):
    """Everyone's photos in the trash for longer than `older_than` (what trash_purge
    deletes), for counting them without deleting."""
    return Photo.objects.filter(trashed_at__lt=timezone.now() - older_than)


def trash_page(*, user, size: int, after=None) -> tuple[list[Photo], Photo | None]:
    """`size` photos of the user's trash after the photo `after` (an id of theirs in it), by
    keyset: a fixed number of queries on any page of any trash. Also the last photo shown,
    when more follow."""
    photos = trash_photos(user=user)
    if after is not None:
        keys = (
            Photo.objects.in_trash()
            .filter(owner=user, pk=after)
            .values(*ordering_fields(TRASH_ORDER))
            .first()
        )
        if keys is not None:
            photos = photos.filter(after_filter(TRASH_ORDER, keys))
    found = list(photos[: size + 1])
    shown = found[:size]
    return shown, (shown[-1] if len(found) > size else None)


def photo_neighbours(*, photo: Photo, photos) -> tuple[Photo | None, Photo | None]:
    """The photos before and after this one in `photos` (an ordered queryset: an album's,
    the timeline's, a share link's): two small queries whatever its size, and one more to
    read the photo's place when it depends on more than its own fields (an album's order);
    (None, None) when the photo is not among them."""
    ordering = photos.query.order_by
    photos = photos.prefetch_related(None)
    names = ordering_fields(ordering)
    if any(name in photos.query.annotations for name in names):
        keys = photos.filter(pk=photo.pk).values(*names).first()
        if keys is None:
            return None, None
    else:
        keys = {name: getattr(photo, name) for name in names}
    found = []
    for reverse in (True, False):
        past = photos.filter(after_filter(ordering, keys, reverse=reverse))
        order = reversed_order(ordering) if reverse else ordering
        found.append(past.order_by(*order).only("id").first())
    return found[0], found[1]


def photo_labels(*, photo: Photo):
    return (
        PhotoLabel.objects.filter(photo=photo)
        .select_related("label")
        .order_by("kind", "-confidence")
    )


def with_grid_renditions(photos):
    return photos.prefetch_related(
        Prefetch(
            "renditions",
            queryset=Rendition.objects.filter(spec=GRID_SPEC),
            to_attr="grid_renditions",
        )
    )
