"""Album and photo pages. Every lookup is scoped to the signed-in owner: 404 otherwise."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from albums import selectors, services
from albums.forms import AlbumForm, ShareLinkForm
from albums.models import Photo, PhotoLabel
from albums.search import CappedPaginator, SearchForm, photo_search
from albums.storage import uses_presigned_uploads

SEARCH_COUNT_CAP = 1000


def home(request):
    if request.user.is_authenticated:
        return redirect("albums:list")
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
        upload_transport="s3" if uses_presigned_uploads() else "local",
        max_upload_bytes=settings.MAX_UPLOAD_BYTES,
        share_links=album.share_links.all(),
        share_form=ShareLinkForm(),
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
    form = AlbumForm(request.POST or None, instance=album)
    if request.method == "POST" and form.is_valid():
        services.album_update(
            album=album,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
        )
        messages.success(request, "Album saved.")
        return redirect("albums:detail", album_id=album.id)
    return render(request, "albums/album_edit.html", {"album": album, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def album_delete(request, album_id):
    album = selectors.album_for_owner(user=request.user, album_id=album_id)
    if request.method == "POST":
        title = album.title
        count = services.album_delete(album=album)
        messages.success(request, f"Deleted “{title}” and its {count} photo(s).")
        return redirect("albums:list")
    photo_count = album.photos.count()
    return render(request, "albums/album_delete.html", {"album": album, "photo_count": photo_count})


@login_required
def photo_detail(request, photo_id):
    photo = selectors.photo_for_user(user=request.user, photo_id=photo_id)
    previous, following = selectors.photo_neighbours(photo=photo)
    found = list(selectors.photo_labels(photo=photo))
    context = {
        "photo": photo,
        "album": photo.album,
        "renditions": {r.spec: r for r in photo.renditions.all()},
        "labels": [pl for pl in found if pl.kind == PhotoLabel.Kind.LABEL],
        "texts": [pl for pl in found if pl.kind == PhotoLabel.Kind.TEXT],
        "previous": previous,
        "next": following,
    }
    return render(request, "albums/photo_detail.html", context)


@login_required
def search(request):
    form = SearchForm(request.GET or None, user=request.user)
    page = None
    if form.has_criteria:
        results = photo_search(
            user=request.user,
            criteria=form.cleaned_data,
            photos=selectors.with_grid_renditions(Photo.objects.all()),
        )
        paginator = CappedPaginator(results, settings.ALBUM_PAGE_SIZE, cap=SEARCH_COUNT_CAP)
        page = paginator.get_page(request.GET.get("page"))
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
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def photo_delete(request, photo_id):
    photo = selectors.photo_for_owner(user=request.user, photo_id=photo_id)
    album = photo.album
    if request.method == "POST":
        services.photo_delete(photo=photo)
        messages.success(request, f"Deleted “{photo.original_name}”.")
        return redirect("albums:detail", album_id=album.id)
    return render(request, "albums/photo_delete.html", {"photo": photo, "album": album})


@login_required
@require_POST
def photo_retry(request, photo_id):
    photo = selectors.photo_for_owner(user=request.user, photo_id=photo_id)
    if photo.status == Photo.Status.FAILED:
        from processing.reprocess import photo_reprocess

        photo_reprocess(photo=photo)
        messages.success(request, f"“{photo.original_name}” is queued again.")
    return redirect("albums:photo", photo_id=photo.id)
