"""Reads: the queries pages need, each with a fixed number of database round trips."""

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404

from albums.models import Album, Photo, Rendition

GRID_SPEC = "grid"


def album_list_for_user(*, user):
    """The user's albums, each with its photo count and a cover, in one query."""
    cover = (
        Photo.objects.filter(album=OuterRef("pk"), status=Photo.Status.READY)
        .order_by("created_at", "id")
        .values("id")[:1]
    )
    return (
        Album.objects.owned_by(user)
        .annotate(photo_count=Count("photos", filter=~Q(photos__status=Photo.Status.UPLOADING)))
        .annotate(cover_id=Subquery(cover))
        .order_by("-created_at")
    )


def album_for_owner(*, user, album_id) -> Album:
    return get_object_or_404(Album.objects.owned_by(user), pk=album_id)


# An album lists its photos newest upload first: what was just uploaded is on page one.
ALBUM_ORDER = ("-created_at", "-id")


def album_photos(*, album: Album):
    """An album's photos for its grid, with their grid rendition prefetched."""
    photos = Photo.objects.filter(album=album).exclude(status=Photo.Status.UPLOADING)
    return with_grid_renditions(photos).order_by(*ALBUM_ORDER)


def photo_for_user(*, user, photo_id) -> Photo:
    """A photo its owner (or a moderator) may see; 404 for everyone else."""
    return get_object_or_404(
        Photo.objects.visible_to(user).select_related("album", "owner"), pk=photo_id
    )


def photo_for_owner(*, user, photo_id) -> Photo:
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(Photo.objects.select_related("album"), pk=photo_id, owner=user)


def photo_neighbours(*, photo: Photo, among=None) -> tuple[Photo | None, Photo | None]:
    """The photos before and after this one in the album's order (ALBUM_ORDER: newer
    before, older after), from `among` (the album's uploaded photos by default; a share
    link passes what it may show)."""
    if among is None:
        among = Photo.objects.exclude(status=Photo.Status.UPLOADING)
    siblings = among.filter(album_id=photo.album_id)
    newer = Q(created_at__gt=photo.created_at) | Q(created_at=photo.created_at, id__gt=photo.id)
    older = Q(created_at__lt=photo.created_at) | Q(created_at=photo.created_at, id__lt=photo.id)
    previous = siblings.filter(newer).order_by("created_at", "id").only("id").first()
    following = siblings.filter(older).order_by(*ALBUM_ORDER).only("id").first()
    return previous, following


def photo_labels(*, photo: Photo):
    from albums.models import PhotoLabel

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
