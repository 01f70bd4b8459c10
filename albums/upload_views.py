"""The upload API the album page's script talks to (JSON in, JSON out).

1. POST /albums/<id>/uploads/ {name, size, type}: creates the photo (`uploading`) and
   answers with a ticket: {method, url, fields, confirm_url}. The storage decides where
   `url` points (a presigned POST to the bucket, or this site's own upload URL).
2. The browser sends `fields` and the file (last, as "file") to `url`.
3. When `confirm_url` is set: POST it; the site checks the object, then queues the photo.
   Otherwise the answer to step 2 already carries the queued photo.
4. GET /albums/<id>/uploads/status/?ids=…: each photo's state, polled until it settles.

A large file (UPLOAD_RESUMABLE_FROM_BYTES or more) gets a ticket with transport "parts"
instead: it travels in parts and resumes after a reload (albums/resume_views.py).
"""

import uuid

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from albums import selectors
from albums.forms import UploadStartForm
from albums.models import Photo
from processing import intake

MAX_STATUS_IDS = 100


def error_response(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def photo_payload(photo) -> dict:
    return {
        "id": str(photo.id),
        "status": photo.status,
        "status_label": photo.get_status_display(),
        "reason": photo.status_reason,
        "settled": photo.is_settled,
        "duplicate": photo.duplicate_of_id is not None,
        "url": reverse("albums:photo", kwargs={"photo_id": photo.id}),
    }


def parts_ticket(photo, state=None) -> dict:
    """The parts transport's ticket (and, given one, the stored state)."""
    body = {
        "photo": photo_payload(photo),
        "transport": "parts",
        "parts_url": reverse("albums:photo_parts", kwargs={"photo_id": photo.id}),
        "complete_url": reverse("albums:photo_parts_complete", kwargs={"photo_id": photo.id}),
        "size": photo.size,
    }
    if state is not None:
        body["part_bytes"] = state.part_bytes
        body["parts"] = [{"number": p.number, "size": p.size} for p in state.parts]
        body["received"] = sum(p.size for p in state.parts)
    return body


@login_required
@require_POST
def upload_start(request, album_id):
    album = selectors.album_for_owner(user=request.user, album_id=album_id)
    form = UploadStartForm(request.POST)
    if not form.is_valid():
        return error_response("The upload request was incomplete: " + form.errors.as_text())
    try:
        started = intake.photo_start_upload(
            album=album,
            file_name=form.cleaned_data["name"],
            size=form.cleaned_data["size"],
            content_type=form.cleaned_data["type"],
        )
    except intake.UploadRefused as exc:
        return error_response(str(exc))
    photo, ticket = started.photo, started.ticket
    if ticket.transport == "parts":
        return JsonResponse({**parts_ticket(photo), "part_bytes": ticket.part_bytes}, status=201)
    confirm_url = reverse("albums:photo_confirm", kwargs={"photo_id": photo.id})
    return JsonResponse(
        {
            "photo": photo_payload(photo),
            "method": ticket.method,
            "url": ticket.url,
            "fields": ticket.fields,
            "confirm_url": confirm_url if ticket.confirm else None,
        },
        status=201,
    )


@login_required
@require_POST
def upload_receive(request, photo_id):
    """The file arrives here (when the storage's ticket says so), streamed to a temporary
    file in chunks."""
    photo = selectors.photo_for_owner(user=request.user, photo_id=photo_id)
    uploaded = request.FILES.get("file")  # reading the body runs the upload handler
    if getattr(request, "upload_too_large", False):
        return error_response("The file is larger than the upload limit.", status=413)
    if uploaded is None:
        return error_response("No file was received; try again.")
    try:
        photo = intake.photo_receive_upload(photo=photo, uploaded_file=uploaded)
    except intake.UploadRefused as exc:
        return error_response(str(exc))
    return JsonResponse({"photo": photo_payload(photo)})


@login_required
@require_POST
def upload_confirm(request, photo_id):
    """The browser says storage has the file; check before accepting."""
    photo = selectors.photo_for_owner(user=request.user, photo_id=photo_id)
    try:
        photo = intake.photo_confirm_upload(photo=photo)
    except intake.UploadRefused as exc:
        return error_response(str(exc))
    return JsonResponse({"photo": photo_payload(photo)})


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
    photos = Photo.objects.filter(memberships__album=album, pk__in=ids).only(
        "id", "status", "status_reason", "duplicate_of_id"
    )
    return JsonResponse({"photos": [photo_payload(photo) for photo in photos]})
