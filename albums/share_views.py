"""Share links: the owner makes and revokes them; anyone with one sees renditions only.

A visitor sees the album's title and its ready, visible photos as renditions: no EXIF, no
GPS, no file names, never a flagged or hidden photo, and originals only when the owner
allowed downloads. A revoked or expired link is a plain 404.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from albums import selectors, services
from albums.forms import ShareLinkForm
from albums.media_views import original_response, rendition_response
from albums.models import Photo, Rendition, ShareLink


@login_required
@require_POST
def share_create(request, album_id):
    album = selectors.album_for_owner(user=request.user, album_id=album_id)
    form = ShareLinkForm(request.POST)
    if form.is_valid():
        services.share_link_create(
            album=album,
            expires_in_days=form.cleaned_data["expires_in_days"],
            allow_downloads=form.cleaned_data["allow_downloads"],
        )
        messages.success(request, "Share link created. Anyone with it can see this album.")
    else:
        messages.error(request, "The share link was not created: " + form.errors.as_text())
    return _back_to_sharing(album)


@login_required
@require_POST
def share_revoke(request, album_id, link_id):
    album = selectors.album_for_owner(user=request.user, album_id=album_id)
    link = get_object_or_404(ShareLink, pk=link_id, album=album)
    services.share_link_revoke(link=link)
    messages.success(request, "Share link revoked; it no longer works.")
    return _back_to_sharing(album)


def _back_to_sharing(album):
    """The album page, scrolled to its share links (where the message is about)."""
    return HttpResponseRedirect(reverse("albums:detail", kwargs={"album_id": album.id}) + "#share")


def _active_link(token: str) -> ShareLink:
    link = ShareLink.objects.active().select_related("album").filter(token=token).first()
    if link is None:
        raise Http404
    return link


def _shared_photo(link: ShareLink, photo_id) -> Photo:
    return get_object_or_404(
        Photo.objects.shown_publicly(), pk=photo_id, memberships__album_id=link.album_id
    )


def _no_index(response, *, page: bool = True):
    """Headers of everything a link serves. Nothing is reused without asking this site
    again, so a revoked link or a moderator's decision shows at once: pages are not stored
    at all, files are revalidated (`no-cache`) on every view."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"  # the token must not leak to other sites
    response["Cache-Control"] = "no-store" if page else "private, no-cache"
    return response


@require_GET
def shared_album(request, token):
    link = _active_link(token)
    photos = selectors.album_photos(album=link.album, among=Photo.objects.shown_publicly())
    page = Paginator(photos, settings.ALBUM_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"link": link, "album": link.album, "page": page, "photos": page.object_list}
    return _no_index(render(request, "albums/shared_album.html", context))


@require_GET
def shared_photo(request, token, photo_id):
    """One photo of a shared album: its preview, previous/next among what the link shows."""
    link = _active_link(token)
    photo = _shared_photo(link, photo_id)
    previous, following = selectors.photo_neighbours(
        photo=photo,
        photos=selectors.album_photos(album=link.album, among=Photo.objects.shown_publicly()),
    )
    context = {
        "link": link,
        "album": link.album,
        "photo": photo,
        "preview": Rendition.objects.filter(photo=photo, spec="preview").first(),
        "previous": previous,
        "next": following,
    }
    return _no_index(render(request, "albums/shared_photo.html", context))


@require_GET
def shared_rendition(request, token, photo_id, spec):
    link = _active_link(token)
    photo = _shared_photo(link, photo_id)
    return _no_index(rendition_response(photo=photo, spec=spec, max_age=0), page=False)


@require_GET
def shared_original(request, token, photo_id):
    link = _active_link(token)
    if not link.allow_downloads:
        raise Http404
    photo = _shared_photo(link, photo_id)
    name = f"photo-{photo.id.hex[:8]}.{(photo.format or 'bin').lower()}"
    return _no_index(original_response(photo=photo, download_name=name), page=False)
