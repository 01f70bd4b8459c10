"""How often our metadata agrees with ExifTool's, field by field, over a corpus folder.

Used by the agreement tests and runnable on its own to see what disagrees and why:

    .venv/bin/python -m tests.processing.steps.exiftool_agreement cameras [good large ...]
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from processing.steps.metadata import PhotoMetadata, extract_metadata

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus"
MAX_PIXELS = 100_000_000
_DATE = re.compile(r"^(\d{4}:\d\d:\d\d \d\d:\d\d:\d\d)(\.\d+)?([+-]\d\d:\d\d|Z)?")


@dataclass
class Agreement:
    compared: int = 0
    misses: list[str] = field(default_factory=list)
    missed_fields: Counter = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return 1 - len(self.misses) / self.compared if self.compared else 0.0

    def summary(self) -> str:
        agreed = self.compared - len(self.misses)
        return f"{agreed}/{self.compared} fields = {self.rate:.2%}"

    def report(self) -> str:
        by_field = ", ".join(f"{name} {count}" for name, count in self.missed_fields.most_common())
        lines = [f"exiftool agreement: {self.summary()}", f"  misses by field: {by_field}"]
        return "\n".join(lines + [f"  differs: {miss}" for miss in self.misses])


def metadata_of(path: Path) -> PhotoMetadata:
    with path.open("rb") as fp:
        return extract_metadata(fp, max_pixels=MAX_PIXELS)


def as_exiftool_reports(metadata: PhotoMetadata) -> dict:
    """Our values in ExifTool's terms (it reports stored, un-rotated width and height)."""
    width, height = metadata.width, metadata.height
    if metadata.orientation in (5, 6, 7, 8):
        width, height = height, width
    return {
        "FileType": metadata.mime_type.split("/")[1].upper(),
        "MIMEType": metadata.mime_type,
        "ImageWidth": width,
        "ImageHeight": height,
        "Orientation": metadata.orientation,
        "Make": metadata.camera_make,
        "Model": metadata.camera_model,
        "LensModel": metadata.lens,
        "DateTimeOriginal": (metadata.taken_at, metadata.taken_at_offset),
        "OffsetTimeOriginal": metadata.taken_at_offset,
        "ExposureTime": metadata.exposure_time,
        "FNumber": metadata.f_number,
        "ISO": metadata.iso,
        "FocalLength": metadata.focal_length,
        "GPSLatitude": metadata.latitude,
        "GPSLongitude": metadata.longitude,
        "GPSAltitude": metadata.altitude,
    }


def agrees(name: str, reference, ours) -> bool:
    if name == "DateTimeOriginal":
        return _same_date(reference, *ours)
    if isinstance(reference, int | float) and isinstance(ours, int | float):
        if name == "ISO":  # we keep whole numbers; ExifTool may compute 64.84 for Canon
            return round(reference) == ours
        return math.isclose(reference, ours, rel_tol=1e-6, abs_tol=1e-6)
    return reference == ours


def _same_date(reference: str, taken_at, offset: str | None) -> bool:
    """ExifTool prints the field as written: "2016:06:27 15:29:42.041-04:00" keeps its
    sub-seconds and offset, which we must then have read too."""
    match = _DATE.match(str(reference))
    if not match or taken_at is None:
        return False
    seconds, fraction, zone = match.groups()
    if taken_at.strftime("%Y:%m:%d %H:%M:%S") != seconds:
        return False
    if fraction and round(float(fraction), 3) != round(taken_at.microsecond / 1e6, 3):
        return False
    if zone:
        return offset == ("+00:00" if zone == "Z" else zone)
    return True


def records(folder: str) -> list[dict]:
    return json.loads((CORPUS / f"expected-{folder}.json").read_text())


def agreement(*folders: str) -> Agreement:
    result = Agreement()
    for folder in folders:
        for record in records(folder):
            ours = as_exiftool_reports(metadata_of(CORPUS / folder / record["SourceFile"]))
            for name, reference in record.items():
                if name == "SourceFile":
                    continue
                result.compared += 1
                if not agrees(name, reference, ours[name]):
                    result.missed_fields[name] += 1
                    result.misses.append(
                        f"{folder}/{record['SourceFile']} {name}: "
                        f"exiftool {reference!r}, us {_shown(ours[name])}"
                    )
    return result


def _shown(value) -> str:
    if isinstance(value, tuple):  # (taken_at, offset)
        taken_at, offset = value
        return repr(f"{taken_at:%Y:%m:%d %H:%M:%S.%f}{offset or ''}" if taken_at else None)
    return repr(value)


if __name__ == "__main__":
    for folder in sys.argv[1:] or ["cameras", "good", "large"]:
        print(f"[{folder}]", agreement(folder).report())
