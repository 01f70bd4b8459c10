"""Photo bytes, for the people allowed to see them.

Nothing in storage is public. Locally the site streams files after checking the owner;
on S3 it answers with a short-lived presigned URL. Originals always download as
attachments with the detected type and `nosniff`, so user content is never rendered as
a page of this site.
"""

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from albums import selectors
from albums import storage as photo_storage
from albums.models import Rendition


def _private(response, max_age: int = 300):
    response["Cache-Control"] = f"private, max-age={max_age}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def rendition(request, photo_id, spec):
    photo = selectors.photo_for_user(user=request.user, photo_id=photo_id)
    item = get_object_or_404(Rendition, photo=photo, spec=spec)
    if photo_storage.uses_presigned_uploads(default_storage):
        return _private(HttpResponseRedirect(default_storage.url(item.file.name)), 60)
    response = FileResponse(default_storage.open(item.file.name, "rb"), content_type=item.mime_type)
    return _private(response, 3600)


@login_required
@require_GET
def original(request, photo_id):
    photo = selectors.photo_for_user(user=request.user, photo_id=photo_id)
    if not photo.original or photo.status == photo.Status.UPLOADING:
        raise Http404
    content_type = photo.mime_type or "application/octet-stream"
    url = photo_storage.download_url(
        storage=default_storage,
        key=photo.original.name,
        file_name=photo.original_name,
        content_type=content_type,
    )
    if url:
        return _private(HttpResponseRedirect(url), 0)
    response = FileResponse(
        default_storage.open(photo.original.name, "rb"),
        as_attachment=True,
        filename=photo.original_name,
        content_type=content_type,
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return _private(response, 0)
