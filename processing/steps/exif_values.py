"""Turning raw EXIF/IPTC values into plain numbers, texts and dates; garbage becomes None.

Pure functions over the values Pillow hands out (str, bytes, int, IFDRational, tuples).
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

MAX_TEXT = 255  # longest camera/lens text kept
MAX_ISO = 10_000_000

# "2016:06:27 15:29:42", with optional sub-seconds and an offset in the same field
# ("2016:06:27 15:29:42.041-04:00", "2019-10-16T19:01:00Z"), as cameras and editors write.
_DATE = re.compile(
    r"^(\d{4})[:-](\d\d)[:-](\d\d)[ T](\d\d):(\d\d)(?::(\d\d))?"
    r"(?:\.(\d{1,9}))?\s*(Z|[+-]\d\d:?\d\d)?$"
)
_OFFSET = re.compile(r"^([+-])(0\d|1[0-4]):?([0-5]\d)$")
_SUB_SECONDS = re.compile(r"^\d{1,9}$")


def text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return None
    value = value.split("\x00", 1)[0].strip()
    return value[:MAX_TEXT] or None


def number(value: object) -> float | None:
    if isinstance(value, tuple | list):
        value = value[0] if value else None
    if value is None or isinstance(value, str | bytes):
        return None
    result = float(value)
    return result if math.isfinite(result) else None


def positive(value: object) -> float | None:
    result = number(value)
    return result if result is not None and result > 0 else None


def iso_speed(value: object, *, sixteen_bit: bool = False) -> int | None:
    """An ISO speed; 0 is none, and a 16-bit tag's 65535 means "65535 or more" (EXIF 2.3)."""
    speed = positive(value)
    if speed is None or speed > MAX_ISO or (sixteen_bit and speed >= 65535):
        return None
    return round(speed)


def offset(value: object) -> str | None:
    """ "+02:00" from "+02:00", "+0200" or "Z"; None for anything else."""
    raw = text(value)
    if raw == "Z":
        return "+00:00"
    match = _OFFSET.match(raw or "")
    return f"{match[1]}{match[2]}:{match[3]}" if match else None


def date_time(value: object) -> tuple[datetime, str | None] | None:
    """A date-time field and the offset written in it, if any; None for blank or 0000 dates."""
    raw = text(value) or ""
    match = _DATE.match(raw) or _DATE.match(raw[:19])  # tolerate trailing junk after seconds
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            microsecond=_microseconds(fraction),
        )
    except ValueError:
        return None
    return moment, offset(zone) if zone else None


def with_sub_seconds(moment: datetime, value: object) -> datetime:
    """SubSecTimeOriginal ("041") added to a date that has no fraction of its own."""
    raw = text(value)
    if moment.microsecond or not raw or not _SUB_SECONDS.match(raw):
        return moment
    return moment.replace(microsecond=_microseconds(raw))


def _microseconds(fraction: str | None) -> int:
    return int((fraction or "0")[:6].ljust(6, "0"))


def iptc_date_time(date: object, time: object) -> tuple[datetime, str | None] | None:
    """IPTC DateCreated ("20191016") and TimeCreated ("190100+0000"), as ExifTool combines
    them into DateTimeOriginal when EXIF has none."""
    day, clock = text(date), text(time)
    if not day or not clock or not re.match(r"^\d{8}$", day):
        return None
    match = re.match(r"^(\d\d)(\d\d)(\d\d)([+-]\d{4})?$", clock)
    if not match:
        return None
    try:
        moment = datetime(
            int(day[:4]), int(day[4:6]), int(day[6:]), int(match[1]), int(match[2]), int(match[3])
        )
    except ValueError:
        return None
    return moment, offset(match[4]) if match[4] else None


def apex_exposure_time(value: object) -> float | None:
    """ShutterSpeedValue (APEX Tv) → seconds: 2^-Tv."""
    tv = number(value)
    if tv is None or not -20 <= tv <= 30:
        return None
    return 2.0**-tv


def apex_f_number(value: object) -> float | None:
    """ApertureValue (APEX Av) → f-number: 2^(Av/2)."""
    av = number(value)
    if av is None or not 0 <= av <= 32:
        return None
    return 2.0 ** (av / 2)


def coordinate(gps: dict[int, Any], tag: int, ref_tag: int, negative: str, limit: int):
    value = gps.get(tag)
    if value is None:
        return None
    parts = [float(part) for part in value] if isinstance(value, tuple | list) else [float(value)]
    degrees = sum(part / 60**index for index, part in enumerate(parts[:3]))
    if not math.isfinite(degrees) or abs(degrees) > limit:
        return None  # garbage such as 4294967295°: no position rather than a wrong one
    ref = text(gps.get(ref_tag))
    return -degrees if ref and ref.upper().startswith(negative) else degrees


def altitude(value: object, ref: object) -> float | None:
    metres = number(value)
    if metres is None or not -20_000 <= metres <= 100_000:
        return None
    below = ref in (1, b"\x01", "\x01", "1") or (isinstance(ref, bytes) and ref[:1] == b"\x01")
    return -metres if below and metres > 0 else metres
