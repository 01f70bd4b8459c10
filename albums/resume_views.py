"""Resumable uploads, for files of UPLOAD_RESUMABLE_FROM_BYTES or more (JSON in, JSON out).

The start (albums/upload_views.py) answers such a file with transport "parts", a
`parts_url`, a `complete_url` and `part_bytes`. Then, as often as it takes:

1. GET parts_url: what storage holds ({size, part_bytes, parts: [{number, size}], received}),
   asked of storage every time, so a reloaded page resumes from what really arrived (for a
   photo no longer uploading, only {photo}).
2. POST parts_url<n>/: where part n goes ({method, url}): a presigned S3 UploadPart URL, or
   parts_url?offset=… on this site; the browser sends the part's bytes there as the body.
   (Through the site, a part must start where the stored parts end.)
3. POST complete_url: the parts are joined and checked like any upload; the queued photo.

Every view takes only the signed-in user's own photo, still `uploading`.
"""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from albums import selectors
from albums.upload_views import error_response, parts_ticket, photo_payload
from processing import intake, resumable


def _offset(request) -> int | None:
    try:
        offset = int(request.GET.get("offset", ""))
    except ValueError:
        return None
    return offset if offset >= 0 else None


@login_required
@require_http_methods(["GET", "PUT"])
def parts(request, photo_id):
    """GET: what storage holds. PUT ?offset=N: one part's bytes, through the site."""
    photo = selectors.photo_for_owner(user=request.user, photo_id=photo_id)
    try:
        if request.method == "GET":
            if photo.status != photo.Status.UPLOADING:  # received: a reloaded page starts anew
                return JsonResponse({"photo": photo_payload(photo)})
            return JsonResponse(parts_ticket(photo, resumable.parts_state(photo=photo)))
        offset = _offset(request)
        if offset is None:
            return error_response("Say where this part starts: ?offset=<byte>.")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length <= 0:
            return error_response("The part was empty; send it again.")
        state = resumable.part_receive(photo=photo, offset=offset, length=length, data=request)
    except intake.UploadRefused as exc:
        return error_response(str(exc))
    return JsonResponse(parts_ticket(photo, state))


@login_required
@require_POST
def part_target(request, photo_id, number):
    photo = selectors.photo_for_owner(user=request.user, photo_id=photo_id)
    receive_url = reverse("albums:photo_parts", kwargs={"photo_id": photo.id})
    try:
        target = resumable.part_target(photo=photo, number=number, receive_url=receive_url)
    except intake.UploadRefused as exc:
        return error_response(str(exc))
    return JsonResponse({"number": number, "method": target.method, "url": target.url})


@login_required
@require_POST
def parts_complete(request, photo_id):
    photo = selectors.photo_for_owner(user=request.user, photo_id=photo_id)
    try:
        photo = resumable.parts_finish(photo=photo)
    except intake.UploadRefused as exc:
        return error_response(str(exc))
    return JsonResponse({"photo": photo_payload(photo)})
