"""Photo bytes, for the people allowed to see them.

Nothing in storage is public. Owners and share visitors are served by the same two
functions here, `rendition_response` and `original_response`, which hand the checked
request to the storage: it streams the file, or answers with a short-lived presigned URL.
Originals always download as attachments with the detected type and `nosniff`, so user
content is never rendered as a page of this site.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from albums import selectors
from albums.models import Photo, Rendition
from albums.storage import get_photo_storage

RENDITION_MAX_AGE = 3600  # renditions never change under a name (a new file, a new key)


def rendition_response(*, photo: Photo, spec: str, max_age: int) -> HttpResponse:
    """One of the photo's renditions, for someone already allowed to see the photo."""
    item = get_object_or_404(Rendition, photo=photo, spec=spec)
    return get_photo_storage().file_response(
        key=item.file.name, content_type=item.mime_type, max_age=max_age
    )


def original_response(*, photo: Photo, download_name: str) -> HttpResponse:
    """The original as an attachment named `download_name`, never cached."""
    if not photo.original or photo.status == Photo.Status.UPLOADING:
        raise Http404
    return get_photo_storage().file_response(
        key=photo.original.name,
        content_type=photo.mime_type or "application/octet-stream",
        download_name=download_name,
        max_age=0,
    )


@login_required
@require_GET
def rendition(request, photo_id, spec):
    photo = selectors.photo_rendition_for_user(user=request.user, photo_id=photo_id)
    # The owner's own photos may be kept; a moderator's view of the queue lasts only while
    # the photo is in it and they are a moderator.
    own = photo.owner_id == request.user.id
    return rendition_response(photo=photo, spec=spec, max_age=RENDITION_MAX_AGE * own)


@login_required
@require_GET
def original(request, photo_id):
    photo = selectors.photo_original_for_user(user=request.user, photo_id=photo_id)
    return original_response(photo=photo, download_name=photo.original_name)
