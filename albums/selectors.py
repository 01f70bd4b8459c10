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


def album_photos(*, album: Album):
    """An album's photos for its grid, with their grid rendition prefetched."""
    return (
        Photo.objects.filter(album=album)
        .exclude(status=Photo.Status.UPLOADING)
        .prefetch_related(
            Prefetch(
                "renditions",
                queryset=Rendition.objects.filter(spec=GRID_SPEC),
                to_attr="grid_renditions",
            )
        )
        .order_by("created_at", "id")
    )


def photo_for_user(*, user, photo_id) -> Photo:
    """A photo its owner (or a moderator) may see; 404 for everyone else."""
    return get_object_or_404(
        Photo.objects.visible_to(user).select_related("album", "owner"), pk=photo_id
    )


def photo_for_owner(*, user, photo_id) -> Photo:
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(Photo.objects.select_related("album"), pk=photo_id, owner=user)
