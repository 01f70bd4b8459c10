"""Album and photo pages. Every lookup is scoped to the signed-in owner: 404 otherwise."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_http_methods, require_POST

from albums import selectors, services
from albums.forms import AlbumEditForm, AlbumForm, ShareLinkForm, UploadStartForm
from albums.models import Album, Photo, PhotoLabel
from albums.search import CappedPaginator, SearchForm, photo_search
from albums.selection_views import bar_context
from processing import registry
from processing.models import PhotoStep
from processing.reprocess import photo_reprocess

SEARCH_COUNT_CAP = 1000


def home(request):
    if request.user.is_authenticated:
        return redirect("albums:timeline")
    return render(request, "home.html")


@login_required
@require_http_methods(["GET", "POST"])
def album_list(request):
    form = AlbumForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        album = services.album_create(
            owner=request.user,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
        )
        messages.success(request, f"Album “{album.title}” created.")
        return redirect("albums:detail", album_id=album.id)
    albums = selectors.album_list_for_user(user=request.user)
    return render(request, "albums/album_list.html", {"albums": albums, "form": form})


def _grid_context(request, album) -> dict:
    paginator = Paginator(selectors.album_photos(album=album), settings.ALBUM_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return {
        "album": album,
        "page": page,
        "photos": page.object_list,
        "in_progress": any(not p.is_settled for p in page.object_list),
    }


@login_required
def album_detail(request, album_id):
    album = selectors.album_for_owner(user=request.user, album_id=album_id)
    context = _grid_context(request, album)
    context.update(
        upload_accept=UploadStartForm.ACCEPT,
        max_upload_bytes=settings.MAX_UPLOAD_BYTES,
        share_links=album.share_links.all(),
        share_form=ShareLinkForm(),
        rejected_count=selectors.album_photos(album=album)
        .filter(status=Photo.Status.REJECTED)
        .order_by()
        .count(),
        **bar_context(user=request.user, album=album),
    )
    return render(request, "albums/album_detail.html", context)


@login_required
def album_grid(request, album_id):
    """The album's photo grid alone: polled by htmx while photos are in progress."""
    album = selectors.album_for_owner(user=request.user, album_id=album_id)
    return render(request, "albums/photo_grid.html", _grid_context(request, album))


@login_required
@require_http_methods(["GET", "POST"])
def album_edit(request, album_id):
    album = selectors.album_for_owner(user=request.user, album_id=album_id)
    form = AlbumEditForm(request.POST or None, instance=album)
    if request.method == "POST" and form.is_valid():
        services.album_update(
            album=album,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
            sort=form.cleaned_data["sort"],
        )
        messages.success(request, "Album saved.")
        return redirect("albums:detail", album_id=album.id)
    return render(request, "albums/album_edit.html", {"album": album, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def album_delete(request, album_id):
    album = selectors.album_for_owner(user=request.user, album_id=album_id)
    photos = selectors.album_photos(album=album)
    if request.method == "POST":
        trashed = 0
        if request.POST.get("trash_photos"):
            trashed = services.photos_trash(photos=Photo.objects.filter(pk__in=photos.values("pk")))
        services.album_delete(album=album)
        note = f" {trashed} photo{pluralize(trashed)} moved to the trash." if trashed else ""
        messages.success(request, f"Deleted the album “{album.title}”.{note}")
        return redirect("albums:list")
    context = {"album": album, "photo_count": photos.count(), "trash_days": settings.TRASH_DAYS}
    return render(request, "albums/album_delete.html", context)


# The category the detectors give synonyms (processing/detectors/base.py), and the
# place rows' categories in the order a place is written (processing/stages/places.py).
SYNONYMS = "Synonyms"
# What the pixels look like rather than what they show (processing/detectors/local.py):
# shown apart from the content labels, under their own heading.
APPEARANCE = ("Colors", "Image Properties")
PLACE_ORDER = ("City", "District", "Region", "Country")
# GeoNames data is CC BY 4.0: shown wherever place names appear.
PLACE_ATTRIBUTION = "Place names from GeoNames (geonames.org), CC BY 4.0"


@login_required
def photo_detail(request, photo_id):
    photo = selectors.photo_for_user(user=request.user, photo_id=photo_id)
    album, photos = _photo_context(request, photo)
    previous, following = selectors.photo_neighbours(photo=photo, photos=photos)
    found = list(selectors.photo_labels(photo=photo))
    context = {
        "photo": photo,
        "album": album,
        "albums": photo.albums.order_by("title") if photo.owner_id == request.user.id else [],
        "renditions": {r.spec: r for r in photo.renditions.all()},
        # Synonyms are stored for search ("puppy" finds a dog), not shown as labels.
        "labels": [
            pl
            for pl in found
            if pl.kind == PhotoLabel.Kind.LABEL and pl.category not in (SYNONYMS, *APPEARANCE)
        ],
        "appearance": [
            pl for pl in found if pl.kind == PhotoLabel.Kind.LABEL and pl.category in APPEARANCE
        ],
        "texts": [pl for pl in found if pl.kind == PhotoLabel.Kind.TEXT],
        "places": sorted(
            (pl for pl in found if pl.kind == PhotoLabel.Kind.PLACE and pl.category in PLACE_ORDER),
            key=lambda pl: PLACE_ORDER.index(pl.category),
        ),
        "place_attribution": PLACE_ATTRIBUTION,
        "previous": previous,
        "next": following,
        "steps": _steps_worth_telling(photo),
        "show_metadata": photo.metadata_visible_to(request.user),
    }
    return render(request, "albums/photo_detail.html", context)


def _photo_context(request, photo):
    """Where the viewer came from, for previous and next: an album of the owner's
    (`?album=<id>`), else the photo's owner's timeline."""
    album_id = request.GET.get("album")
    if album_id and photo.owner_id == request.user.id:
        album = Album.objects.owned_by(request.user).filter(pk=_uuid_or_none(album_id)).first()
        if album is not None:
            return album, selectors.album_photos(album=album)
    if photo.owner_id != request.user.id:
        return None, Photo.objects.none()  # a moderator's view: no stepping through a library
    return None, selectors.library_photos(user=request.user).order_by(*selectors.TIMELINE_ORDER)


def _uuid_or_none(value):
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _steps_worth_telling(photo) -> list[dict]:
    """The pipeline steps an owner should hear about: skipped or failed ones with their
    reasons, and, while the photo is in flight, the ones still to come."""
    shown = []
    for state in PhotoStep.objects.filter(photo=photo).order_by("id"):
        step = registry.STEPS.get(state.step)
        if step is None or state.status == PhotoStep.Status.DONE:
            continue
        if state.status in (PhotoStep.Status.PENDING, PhotoStep.Status.RUNNING):
            if photo.is_settled:
                continue
        shown.append(
            {
                "title": step.title,
                "status": state.status,
                "label": state.get_status_display(),
                "reason": state.reason,
            }
        )
    return shown


@login_required
def search(request):
    form = SearchForm(request.GET or None, user=request.user)
    page = None
    notes = []
    if form.has_criteria:
        results = photo_search(
            user=request.user,
            criteria=form.cleaned_data,
            photos=selectors.with_grid_renditions(Photo.objects.all()),
        )
        paginator = CappedPaginator(results, settings.ALBUM_PAGE_SIZE, cap=SEARCH_COUNT_CAP)
        page = paginator.get_page(request.GET.get("page"))
        notes = form.notes + results.notes
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "albums/search.html",
        {
            "form": form,
            "page": page,
            "photos": page.object_list if page else [],
            "query": query.urlencode(),
            "notes": notes,
            "hint": _search_hint(),
            **bar_context(user=request.user),
        },
    )


def _search_hint() -> str:
    """What the active analyses let a search find, for the search page's first words."""
    found = []
    if settings.LABEL_DETECTOR != "off":
        found.append("what is in your photos (labels like “dog” or “beach”)")
    if settings.TEXT_DETECTOR != "off":
        found.append("the text in them")
    found += ["camera", "date"]
    found.append("place name or position" if settings.PLACES_DETECTOR != "off" else "place")
    return "Search by " + ", by ".join(found[:-1]) + " or by " + found[-1] + "."


@login_required
@require_http_methods(["GET", "POST"])
def photo_delete(request, photo_id):
    photo = selectors.photo_for_owner(user=request.user, photo_id=photo_id)
    if request.method == "POST":
        services.photos_trash(photos=Photo.objects.filter(pk=photo.pk))
        messages.success(request, f"“{photo.original_name}” moved to the trash.")
        album = (
            Album.objects.owned_by(request.user)
            .filter(pk=_uuid_or_none(request.POST.get("album", "")))
            .first()
        )
        return redirect("albums:detail", album_id=album.id) if album else redirect("home")
    context = {
        "photo": photo,
        "album_id": request.GET.get("album", ""),
        "trash_days": settings.TRASH_DAYS,
    }
    return render(request, "albums/photo_delete.html", context)


@login_required
@require_POST
def photo_retry(request, photo_id):
    photo = selectors.photo_for_owner(user=request.user, photo_id=photo_id)
    if photo.status == Photo.Status.FAILED:
        photo_reprocess(photo=photo)
        messages.success(request, f"“{photo.original_name}” is queued again.")
    return redirect("albums:photo", photo_id=photo.id)
