"""What the selection bar does to several photos at once (static/js/selection.js).

POST /photos/selection/ with `action`, `photos` (ids, comma-separated: a thousand ids
would pass Django's field-count limit as separate fields) and, where the action needs
one, `album`. Everything is scoped to the signed-in owner: ids that are not theirs are
ignored, an album that is not theirs is a 404. The answer is JSON: what was done, in
words, the ids the page should take away, and how to undo it where that makes sense.

POST /photos/selection/zip/ with `photos`: the originals as one zip, streamed.
"""

import uuid

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse, StreamingHttpResponse
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.views.decorators.http import require_POST

from albums import selectors, services
from albums.models import Album, Photo
from albums.zipdownload import stream_zip

MAX_SELECTION = 10_000


class Refused(Exception):
    """A request the bar should not have sent: said to the user as it is."""


def _photo_ids(request) -> list[uuid.UUID]:
    values = [v for v in request.POST.get("photos", "").split(",") if v.strip()]
    if len(values) > MAX_SELECTION:
        raise Refused(f"Select at most {MAX_SELECTION:,} photos at a time.")
    ids = []
    for value in values:
        try:
            ids.append(uuid.UUID(value.strip()))
        except ValueError:
            continue  # a mangled id cannot be one of the user's photos
    return list(dict.fromkeys(ids))


def _album(request, *, required: bool) -> Album | None:
    album_id = request.POST.get("album", "")
    if not album_id:
        if required:
            raise Refused("Choose an album first.")
        return None
    try:
        album_id = uuid.UUID(album_id)
    except ValueError:
        raise Refused("That album does not exist.") from None
    return selectors.album_for_owner(user=request.user, album_id=album_id)


def _photos(n: int) -> str:
    return f"{n} photo{pluralize(n)}"


def _add(request, photos, ids):
    title = request.POST.get("new_album", "").strip()[:200]
    album = (
        services.album_create(owner=request.user, title=title)
        if title
        else _album(request, required=True)
    )
    added = services.album_add_photos(album=album, photos=photos.alive())
    already = photos.alive().count() - added
    note = f" ({already} already there)" if already else ""
    return {"message": f"Added {_photos(added)} to “{album.title}”{note}.", "album": album}


def _remove(request, photos, ids):
    album = _album(request, required=True)
    removed = services.album_remove_photos(album=album, photos=photos)
    return {
        "message": f"Took {_photos(removed)} out of “{album.title}”; they stay in your library.",
        "removed": ids,
    }


def _trash(request, photos, ids):
    trashed = list(photos.alive().values_list("pk", flat=True))
    count = services.photos_trash(photos=Photo.objects.filter(pk__in=trashed))
    return {
        "message": f"Moved {_photos(count)} to the trash.",
        "removed": trashed,
        "undo": {"action": "restore", "photos": trashed},
    }


def _restore(request, photos, ids):
    count = services.photos_restore(photos=photos)
    return {"message": f"Restored {_photos(count)}.", "removed": ids}


def _delete_forever(request, photos, ids):
    """Only from the trash: what is still in the library is never deleted from here."""
    gone = list(photos.in_trash().values_list("pk", flat=True))
    count = services.photos_delete(photos=Photo.objects.filter(pk__in=gone))
    return {"message": f"Deleted {_photos(count)} for good.", "removed": gone}


def _cover(request, photos, ids):
    album = _album(request, required=True)
    if len(ids) != 1:
        raise Refused("Select one photo to make it the cover.")
    photo = photos.alive().first()
    if photo is None:
        raise Refused("That photo is not in your library.")
    try:
        services.album_set_cover(album=album, photo=photo)
    except ValueError as exc:
        raise Refused(str(exc)) from None
    return {"message": f"“{photo.original_name}” is now the cover of “{album.title}”."}


def _to_start(request, photos, ids):
    album = _album(request, required=True)
    services.album_reorder(album=album, photo_ids=ids)
    return {
        "message": f"Moved {_photos(len(ids))} to the start of “{album.title}”.",
        "reload": True,
    }


def _remove_rejected(request, photos, ids):
    """Every rejected photo of the user (of the album, given one) to the trash: the files
    the pipeline refused are one action away from gone, and still restorable."""
    album = _album(request, required=False)
    rejected = Photo.objects.alive().filter(owner=request.user, status=Photo.Status.REJECTED)
    if album is not None:
        rejected = rejected.filter(memberships__album=album)
    found = list(rejected.values_list("pk", flat=True))
    count = services.photos_trash(photos=Photo.objects.filter(pk__in=found))
    return {
        "message": f"Moved {_photos(count)} that could not be used to the trash.",
        "removed": found,
        "undo": {"action": "restore", "photos": found},
    }


ACTIONS = {
    "add_to_album": _add,
    "remove_from_album": _remove,
    "trash": _trash,
    "restore": _restore,
    "delete_forever": _delete_forever,
    "set_cover": _cover,
    "move_to_start": _to_start,
    "remove_rejected": _remove_rejected,
}
NEEDS_PHOTOS = set(ACTIONS) - {"remove_rejected"}


def bar_context(*, user, album: Album | None = None, trash: bool = False) -> dict:
    """What templates/albums/selection_bar.html needs: the albums to add to (one query,
    when the page renders it); on the trash page only restore and delete."""
    albums = Album.objects.owned_by(user).order_by("title").only("id", "title")
    return {"selection_albums": albums, "selection_album": album, "selection_trash": trash}


@login_required
@require_POST
def selection_apply(request):
    action = ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        return JsonResponse({"error": "That is not something the selection can do."}, status=400)
    try:
        ids = _photo_ids(request)
        if not ids and request.POST["action"] in NEEDS_PHOTOS:
            raise Refused("Select some photos first.")
        photos = Photo.objects.filter(owner=request.user, pk__in=ids)
        done = action(request, photos, ids)
    except Refused as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    album = done.pop("album", None)
    if album is not None:
        done["album"] = {"id": str(album.id), "title": album.title}
    done["removed"] = [str(pk) for pk in done.get("removed", [])]
    if "undo" in done:
        done["undo"]["photos"] = [str(pk) for pk in done["undo"]["photos"]]
    return JsonResponse(done)


@login_required
@require_POST
def selection_zip(request):
    """The selected originals as one zip (the user's own, out of the trash, uploaded)."""
    try:
        ids = _photo_ids(request)
    except Refused as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    photos = list(
        Photo.objects.alive()
        .filter(owner=request.user, pk__in=ids)
        .exclude(status=Photo.Status.UPLOADING)
        .exclude(original="")
        .order_by(*selectors.TIMELINE_ORDER)
        .only("id", "original", "original_name", "size", "taken_at", "created_at")
    )
    if not photos:
        return JsonResponse({"error": "None of those photos can be downloaded."}, status=400)
    name = f"photos-{timezone.localdate():%Y-%m-%d}-{len(photos)}.zip"
    response = StreamingHttpResponse(stream_zip(photos), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
