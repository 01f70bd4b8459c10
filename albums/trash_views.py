"""The trash page: the signed-in user's deleted photos, to restore or delete for good.

Everything here is scoped to request.user's photos in the trash (selectors.photo_for_owner
with trashed=True, then the trash only): another user's photo, or one of the user's own
still in the library, is a 404. Deleting for good goes through albums.services, which
removes the rows first and the stored files once that commits.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from albums import selectors, services
from albums.models import Photo
from albums.selection_views import bar_context


def _uuid(value):
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _photos(n: int) -> str:
    return f"{n} photo{pluralize(n)}"


def _in_my_trash(request, photo_id):
    """The user's photo, only while it is in the trash: a queryset of it for the services."""
    photo = selectors.photo_for_owner(user=request.user, photo_id=photo_id, trashed=True)
    if photo.trashed_at is None:
        raise Http404  # in the library: deleted from its own page, not from here
    return photo, Photo.objects.in_trash().filter(pk=photo.pk, owner=request.user)


@login_required
@require_GET
def trash(request):
    """The trash, most recently deleted first, a page at a time by keyset (?after=)."""
    after = _uuid(request.GET.get("after"))
    photos, last = selectors.trash_page(
        user=request.user, size=settings.ALBUM_PAGE_SIZE, after=after
    )
    kept_for = timedelta(days=settings.TRASH_DAYS)
    for photo in photos:
        photo.deletes_on = photo.trashed_at + kept_for
    next_url = None
    if last is not None:
        next_url = f"{reverse('albums:trash')}?{urlencode({'after': last.pk})}"
    context = {
        "photos": photos,
        "next_url": next_url,
        "later_page": after is not None,
        "trash_days": settings.TRASH_DAYS,
        **bar_context(user=request.user, trash=True),
    }
    return render(request, "albums/trash.html", context)


@login_required
@require_POST
def trash_restore(request, photo_id):
    photo, photos = _in_my_trash(request, photo_id)
    services.photos_restore(photos=photos)
    messages.success(request, f"“{photo.original_name}” restored to your library.")
    return redirect("albums:trash")


@login_required
@require_POST
def trash_delete(request, photo_id):
    photo, photos = _in_my_trash(request, photo_id)
    services.photos_delete(photos=photos)
    messages.success(request, f"“{photo.original_name}” deleted for good.")
    return redirect("albums:trash")


@login_required
@require_POST
def trash_restore_all(request):
    count = services.photos_restore(photos=Photo.objects.in_trash().filter(owner=request.user))
    messages.success(request, f"{_photos(count)} restored to your library.")
    return redirect("albums:trash")


@login_required
@require_http_methods(["GET", "POST"])
def trash_empty(request):
    """GET asks (and deletes nothing); POST deletes everything in the user's trash."""
    if request.method == "POST":
        count = services.trash_empty(user=request.user)
        messages.success(request, f"{_photos(count)} deleted for good.")
        return redirect("albums:trash")
    count = selectors.trash_photos(user=request.user).count()
    return render(request, "albums/trash_empty.html", {"count": count})
