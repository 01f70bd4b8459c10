"""The Photos page: the signed-in user's timeline (albums/timeline.py)."""

import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from albums import timeline
from albums.selection_views import bar_context


def _uuid(value):
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


@login_required
@require_GET
def timeline_view(request):
    """The whole page; with ?after= from htmx (infinite scroll), only the next days. Without
    JavaScript, "More photos" is a link to the page that starts there."""
    after = _uuid(request.GET.get("after"))
    month = timeline.parse_month(request.GET.get("month"))
    page = timeline.timeline_page(
        user=request.user,
        size=settings.ALBUM_PAGE_SIZE,
        after=after,
        month=month if after is None else None,
        last_day=timeline.parse_day(request.GET.get("day")),
    )
    next_url = None
    if page.next_after is not None:
        day = page.last_day.isoformat() if hasattr(page.last_day, "isoformat") else page.last_day
        query = urlencode({"after": page.next_after.pk, "day": day})
        next_url = f"{reverse('albums:timeline')}?{query}"
    context = {"days": page.days, "next_url": next_url}
    if request.headers.get("HX-Request") and after is not None:
        return render(request, "albums/timeline_page.html", context)
    context.update(
        months=timeline.timeline_months(user=request.user),
        month=month,
        partial=after is not None or month is not None,
        **bar_context(user=request.user),
    )
    return render(request, "albums/timeline.html", context)
