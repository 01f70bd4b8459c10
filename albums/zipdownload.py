"""Originals as one zip, streamed: memory stays flat in the number and size of the photos.

`zipfile` writes to an object that can tell but not seek, so it puts each entry's sizes and
CRC in a data descriptor after the bytes and never goes back; everything written is handed
on and dropped. Photos are already compressed, so entries are stored, not deflated.
A photo whose file cannot be read is left out and named, with the reason, in a text file
at the end of the zip: nothing is silently missing.
"""

import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import PurePosixPath

from albums.models import Photo
from albums.storage import get_photo_storage

CHUNK_BYTES = 1024 * 1024
NOT_INCLUDED = "not-included.txt"
_EARLIEST = (1980, 1, 1, 0, 0, 0)  # the first moment a zip entry can say


class _Sink:
    """What zipfile writes to: collects bytes until the generator hands them on."""

    def __init__(self):
        self._chunks: list[bytes] = []
        self._offset = 0

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        self._offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self._offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def entry_names(photos: Iterable[Photo]) -> dict:
    """Each photo's name in the zip: its uploaded name, "name (2).jpg" for the second of a
    name (names compared without case, as Windows and macOS do)."""
    names, taken = {}, set()
    for photo in photos:
        path = PurePosixPath(photo.original_name or f"{photo.id.hex}")
        stem, suffix = path.stem or photo.id.hex, path.suffix
        name, number = f"{stem}{suffix}", 1
        while name.casefold() in taken:
            number += 1
            name = f"{stem} ({number}){suffix}"
        taken.add(name.casefold())
        names[photo.id] = name
    return names


def _date_time(photo: Photo) -> tuple:
    moment: datetime = photo.taken_at or photo.created_at
    return max(moment.timetuple()[:6], _EARLIEST)


def stream_zip(photos: list[Photo]) -> Iterator[bytes]:
    """The zip of `photos`' originals, in chunks of about CHUNK_BYTES."""
    storage = get_photo_storage()
    sink = _Sink()
    names = entry_names(photos)
    left_out = []
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for photo in photos:
            info = zipfile.ZipInfo(names[photo.id], date_time=_date_time(photo))
            info.file_size = photo.size or 0  # only to pick zip64 for very large files
            try:
                source = storage.open(photo.original.name)
            except (FileNotFoundError, OSError) as exc:
                left_out.append(f"{names[photo.id]}: the stored file could not be read ({exc})")
                continue
            with source, archive.open(info, mode="w", force_zip64=True) as entry:
                while chunk := source.read(CHUNK_BYTES):
                    entry.write(chunk)
                    yield sink.take()
            yield sink.take()
        if left_out:
            lines = ["These photos could not be included:", *left_out, ""]
            archive.writestr(NOT_INCLUDED, "\n".join(lines))
    yield sink.take()
