"""When a photo was taken, as the camera's clock showed it where it was taken.

`Photo.taken_at` is stored as the instant when the camera recorded its UTC offset
(`taken_at_offset`, "+02:00"), and otherwise as the camera's wall-clock time labelled UTC,
so that sorting and date filters work on one column. Showing it in the site's time zone
would turn a 07:08 photo taken at +02:00 into "05:08"; these helpers turn it back into
the wall-clock time of the place, for pages, tiles and exports.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone


def offset_timezone(offset: str | None) -> timezone | None:
    """ "+02:00" → a fixed-offset time zone; None for blank or malformed offsets."""
    if not offset or len(offset) != 6 or offset[0] not in "+-" or offset[3] != ":":
        return None
    try:
        hours, minutes = int(offset[1:3]), int(offset[4:6])
    except ValueError:
        return None
    if hours > 14 or minutes > 59:
        return None
    sign = 1 if offset[0] == "+" else -1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def local_taken_at(taken_at: datetime | None, offset: str | None) -> datetime | None:
    """The wall-clock time where the photo was taken: aware (in its offset) when the offset
    is known, naive when it is not."""
    if taken_at is None:
        return None
    if taken_at.tzinfo is None:  # already the camera's clock
        return taken_at
    zone = offset_timezone(offset)
    if zone is None:  # stored as the wall-clock time labelled UTC
        return taken_at.astimezone(UTC).replace(tzinfo=None)
    return taken_at.astimezone(zone)


def taken_at_instant(taken_at: datetime | None, offset: str | None) -> datetime | None:
    """The moment in UTC, or None when the camera did not say where its clock was."""
    if taken_at is None or taken_at.tzinfo is None or offset_timezone(offset) is None:
        return None
    return taken_at.astimezone(UTC)
