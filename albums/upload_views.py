"""The upload API the album page's script talks to (JSON in, JSON out).

1. POST /albums/<id>/uploads/ {name, size, type}: creates the photo (`uploading`) and
   answers with a transport: "s3" (a presigned POST straight to the bucket) or "local"
   (a URL on this site that streams the file into storage).
2. The browser sends the file.
3. S3 only: POST /photos/<id>/confirm/; the site checks the object, then queues it.
4. GET /albums/<id>/uploads/status/?ids=…: each photo's state, polled until it settles.
"""

import uuid

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from albums import selectors, services
from albums.forms import UploadStartForm
from albums.models import Photo

MAX_STATUS_IDS = 100


def _error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _photo_payload(photo) -> dict:
    return {
        "id": str(photo.id),
        "status": photo.status,
        "status_label": photo.get_status_display(),
        "reason": photo.status_reason,
        "settled": photo.is_settled,
        "duplicate": photo.duplicate_of_id is not None,
        "url": reverse("albums:photo", kwargs={"photo_id": photo.id}),
    }


@login_required
@require_POST
def upload_start(request, album_id):
    album = selectors.album_for_owner(user=request.user, album_id=album_id)
    form = UploadStartForm(request.POST)
    if not form.is_valid():
        return _error("The upload request was incomplete: " + form.errors.as_text())
    try:
        ticket = services.photo_start_upload(
            album=album,
            user=request.user,
            file_name=form.cleaned_data["name"],
            size=form.cleaned_data["size"],
            content_type=form.cleaned_data["type"],
        )
    except services.UploadRefused as exc:
        return _error(str(exc))
    return JsonResponse(
        {
            "photo": _photo_payload(ticket.photo),
            "transport": ticket.transport,
            "url": ticket.url,
            "fields": ticket.fields,
            "confirm_url": reverse("albums:photo_confirm", kwargs={"photo_id": ticket.photo.id}),
        },
        status=201,
    )


@login_required
@require_POST
def upload_receive(request, photo_id):
    """Local transport: the file arrives here, streamed to a temporary file in chunks."""
    photo = selectors.photo_for_owner(user=request.user, photo_id=photo_id)
    uploaded = request.FILES.get("file")  # reading the body runs the upload handler
    if getattr(request, "upload_too_large", False):
        return _error("The file is larger than the upload limit.", status=413)
    if uploaded is None:
        return _error("No file was received; try again.")
    try:
        photo = services.photo_receive_upload(photo=photo, uploaded_file=uploaded)
    except services.UploadRefused as exc:
        return _error(str(exc))
    return JsonResponse({"photo": _photo_payload(photo)})


@login_required
@require_POST
def upload_confirm(request, photo_id):
    """S3 transport: the browser says the bucket has the file; check before accepting."""
    photo = selectors.photo_for_owner(user=request.user, photo_id=photo_id)
    try:
        photo = services.photo_confirm_upload(photo=photo)
    except services.UploadRefused as exc:
        return _error(str(exc))
    return JsonResponse({"photo": _photo_payload(photo)})


@login_required
@require_GET
def upload_status(request, album_id):
    """The state of the photos an upload list is watching, wherever the grid pages them."""
    album = selectors.album_for_owner(user=request.user, album_id=album_id)
    ids = []
    for value in request.GET.get("ids", "").split(",")[:MAX_STATUS_IDS]:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            continue  # a stale or mangled id: not this album's, so nothing to say
    photos = Photo.objects.filter(album=album, pk__in=ids).only(
        "id", "status", "status_reason", "album_id", "duplicate_of_id"
    )
    return JsonResponse({"photos": [_photo_payload(photo) for photo in photos]})
