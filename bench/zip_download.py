"""Memory of the selection's zip download: flat in the number and the size of the photos.

    .venv/bin/python bench/zip_download.py [--mib-per-photo 4] [--counts 5,50,200]

Streams albums.zipdownload.stream_zip (what POST /photos/selection/zip/ returns) over
photos of random bytes in a scratch media folder, consuming the chunks as a client would,
and prints for each count the bytes streamed, the peak Python allocation (tracemalloc)
and the ratio to the smallest run's peak. A zip built in memory would grow with the
bytes; this one's peak is its copy buffers. Exits 1 when the largest run's peak is more
than 1.5 times the smallest's.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime

from common import ROOT

sys.path.insert(0, str(ROOT))
MIB = 1024 * 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib-per-photo", type=int, default=4)
    parser.add_argument("--counts", default="5,50,200")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="imagesite-zip-bench-") as media:
        return measure(media, [int(c) for c in args.counts.split(",")], args.mib_per_photo)


def measure(media: str, counts: list[int], mib_per_photo: int) -> int:
    os.environ.update(DJANGO_SETTINGS_MODULE="imagesite.settings", MEDIA_ROOT=media)
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from albums.models import Photo
    from albums.zipdownload import stream_zip

    photos = []
    for number in range(max(counts)):
        photo = Photo(id=uuid.uuid4(), original_name=f"IMG_{number:04d}.jpg")
        photo.size = mib_per_photo * MIB
        photo.created_at = datetime(2026, 1, 1, tzinfo=UTC)
        data = os.urandom(photo.size) if number < 8 else None
        # Eight distinct files, then hard links to them: 200 photos need not be 800 MB.
        key = f"originals/{photo.id.hex}.jpg"
        if data is not None:
            photo.original.name = default_storage.save(key, ContentFile(data))
        else:
            source = default_storage.path(photos[number % 8].original.name)
            os.link(source, default_storage.path(key))
            photo.original.name = key
        photos.append(photo)

    sum(len(chunk) for chunk in stream_zip(photos[:1]))  # first-use imports, outside the count
    print(f"{'photos':>7} {'streamed MiB':>13} {'peak MiB':>9} {'× smallest':>11} {'s':>6}")
    peaks = []
    for count in counts:
        tracemalloc.start()
        started = time.perf_counter()
        streamed = sum(len(chunk) for chunk in stream_zip(photos[:count]))
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        peaks.append(peak)
        print(
            f"{count:>7} {streamed / MIB:>13.0f} {peak / MIB:>9.2f} "
            f"{peak / peaks[0]:>11.2f} {seconds:>6.1f}"
        )
    flat = peaks[-1] <= 1.5 * peaks[0]
    print("memory is flat" if flat else "memory grows with the download")
    return 0 if flat else 1


if __name__ == "__main__":
    sys.exit(main())
