"""The timeline: a user's library by date taken, grouped by day under month headings.

Photos are read a page at a time after a keyset position (albums/ordering.py), never with
OFFSET, so the thousandth page costs what the first does. A day is the day on the camera's
clock where the photo was taken (albums/taken_time.py), not the day in the site's zone;
photos the camera gave no date come last, under "No date taken", newest upload first.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from albums import selectors
from albums.models import Photo
from albums.ordering import after_filter
from albums.ordering import fields as ordering_fields
from albums.taken_time import local_taken_at

ORDER = selectors.TIMELINE_ORDER


@dataclass
class Day:
    day: date | None  # None: no date taken
    photos: list = field(default_factory=list)
    new_month: bool = True  # a month heading goes above it
    new_day: bool = True  # its own heading (False: it continues the previous page's day)

    @property
    def month(self) -> date | None:
        return _month(self.day)


@dataclass
class Page:
    days: list[Day]
    next_after: Photo | None  # the last photo shown, when more follow
    last_day: date | str | None  # the day it ended on (UNDATED: the no-date group)


def camera_day(photo: Photo) -> date | None:
    local = local_taken_at(photo.taken_at, photo.taken_at_offset)
    return local.date() if local else None


def timeline_page(*, user, size: int, after=None, month: date | None = None, last_day=None):
    """A page of the user's timeline: after the photo `after` (an id of theirs), or from
    the start of `month`, or from the newest. `last_day` is the day the page before ended
    on, so a day split across pages gets one heading."""
    photos = selectors.library_photos(user=user).order_by(*ORDER)
    if after is not None:
        keys = Photo.objects.filter(owner=user, pk=after).values(*ordering_fields(ORDER)).first()
        if keys is not None:
            photos = photos.filter(after_filter(ORDER, keys))
    elif month is not None:
        following = _month_after(month)
        photos = photos.filter(Q(taken_at__lt=following) | Q(taken_at__isnull=True))
    found = list(photos[: size + 1])
    shown = found[:size]
    days = group_by_day(shown, last_day=last_day if after is not None else None)
    more = len(found) > size
    ended = (days[-1].day or UNDATED) if days else None
    return Page(days, shown[-1] if more and shown else None, ended)


# The previous page ended among the photos with no date taken (`last_day`'s value then).
UNDATED = "undated"


def group_by_day(photos, *, last_day=None) -> list[Day]:
    """Consecutive photos of one camera day in one Day; headings only where the day or the
    month changes. `last_day` is the day the page before ended on (UNDATED for the no-date
    group), None on a first page."""
    days: list[Day] = []
    for photo in photos:
        day = camera_day(photo)
        if days and days[-1].day == day:
            days[-1].photos.append(photo)
            continue
        if not days and last_day is not None:
            before = None if last_day == UNDATED else last_day
            if day == before:  # the previous page's day goes on
                days.append(Day(day, [photo], new_month=False, new_day=False))
                continue
        else:
            before = days[-1].day if days else None
        first = not days and last_day is None
        days.append(Day(day, [photo], new_month=first or _month(day) != _month(before)))
    return days


def _month(day: date | None) -> date | None:
    return day.replace(day=1) if day else None


def timeline_months(*, user) -> list[dict]:
    """Each month the user's photos were taken in, newest first, with its photo count (one
    grouped query). Months are the stored dates' (UTC for photos whose camera recorded an
    offset): a photo taken just after midnight on the 1st at +02:00 counts for the month
    before, though the timeline shows it under its own."""
    rows = (
        Photo.objects.alive()
        .filter(owner=user, taken_at__isnull=False)
        .exclude(status=Photo.Status.UPLOADING)
        .annotate(month=TruncMonth("taken_at", tzinfo=UTC))
        .values("month")
        .annotate(count=Count("id"))
        .order_by("-month")
    )
    return [{"month": row["month"].date(), "count": row["count"]} for row in rows]


def _month_after(month: date) -> datetime:
    year, number = (month.year + 1, 1) if month.month == 12 else (month.year, month.month + 1)
    return datetime(year, number, 1, tzinfo=UTC)


def parse_month(value: str | None) -> date | None:
    """ "2024-07" → 1 July 2024; None for anything else."""
    try:
        year, number = (int(part) for part in (value or "").split("-"))
        return date(year, number, 1)
    except ValueError:
        return None


def parse_day(value: str | None) -> date | str | None:
    if value == UNDATED:
        return UNDATED
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
