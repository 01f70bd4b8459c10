"""Resumable uploads: a large file sent in numbered parts, so a dropped connection or a
reload costs one part, not the file.

`processing.intake.photo_start_upload` opens one for a file of UPLOAD_RESUMABLE_FROM_BYTES
or more (the photo's `size` holds the declared size meanwhile). The browser asks what the
storage holds (`parts_state`), where each missing part goes (`part_target`: a presigned S3
UploadPart URL, or this site's), sends it (through the site: `part_receive`), and finishes
(`parts_finish`): the parts are joined and the result goes through the same confirm as
every upload (`intake.photo_confirm_upload`: size, then the pipeline decides if it is an
image). The browser's word is taken for nothing storage can be asked about.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from albums import storage as photo_storage
from albums.models import Photo
from albums.storage import get_photo_storage
from processing.intake import UploadRefused, photo_confirm_upload


@dataclass(frozen=True)
class PartsState:
    size: int  # declared
    part_bytes: int
    parts: list[photo_storage.StoredPart]

    @property
    def part_count(self) -> int:
        return -(-self.size // self.part_bytes)

    @property
    def received(self) -> int:
        """Bytes held in parts 1..n without a gap: where a site-bound upload goes on."""
        total = 0
        for expected, part in enumerate(self.parts, 1):
            if part.number != expected:
                break
            total += part.size
        return total

    def part_size(self, number: int) -> int:
        return min(self.part_bytes, self.size - (number - 1) * self.part_bytes)


def _uploading(photo: Photo) -> None:
    if photo.status != Photo.Status.UPLOADING:
        raise UploadRefused("This upload has already been received.")
    if not photo.size:
        raise UploadRefused("This upload is not sent in parts; start it again.")


def _part_bytes() -> int:
    return get_photo_storage().part_bytes(
        wanted=settings.UPLOAD_PART_BYTES, max_bytes=settings.MAX_UPLOAD_BYTES
    )


def parts_state(*, photo: Photo) -> PartsState:
    """What storage holds of the photo's upload (an expired or aborted one is opened again,
    empty)."""
    _uploading(photo)
    storage = get_photo_storage()
    parts = storage.parts_stored(photo_id=photo.id)
    if parts is None:
        storage.parts_begin(photo_id=photo.id, content_type=photo.claimed_type)
        parts = []
    return PartsState(size=photo.size, part_bytes=_part_bytes(), parts=parts)


def _check_number(state: PartsState, number: int) -> None:
    if not 1 <= number <= state.part_count:
        raise UploadRefused(
            f"There is no part {number}: this file has parts 1 to {state.part_count}."
        )


def part_target(*, photo: Photo, number: int, receive_url: str) -> photo_storage.PartTarget:
    _uploading(photo)
    state = PartsState(size=photo.size, part_bytes=_part_bytes(), parts=[])
    _check_number(state, number)
    try:
        return get_photo_storage().part_target(
            photo_id=photo.id,
            number=number,
            offset=(number - 1) * state.part_bytes,
            size=state.part_size(number),
            receive_url=receive_url,
            expires_in=settings.PRESIGNED_POST_EXPIRES,
        )
    except photo_storage.UploadNotReceived:
        raise UploadRefused("This upload has expired; start it again.") from None


def part_receive(*, photo: Photo, offset: int, length: int, data) -> PartsState:
    """A part sent through the site: it must start where the stored parts end, be a whole
    part (the last may be shorter) and stay within the declared size."""
    state = parts_state(photo=photo)
    received = state.received
    if offset != received:
        raise UploadRefused(
            f"This part starts at byte {offset:,}, but the site holds the first "
            f"{received:,} bytes: send from byte {received:,}."
        )
    if offset >= state.size or offset + length > state.size:
        raise UploadRefused(
            f"This part goes past the end of the file ({state.size:,} bytes declared)."
        )
    number = offset // state.part_bytes + 1
    if length != state.part_size(number):
        raise UploadRefused(
            f"Part {number} must be {state.part_size(number):,} bytes; {length:,} were sent."
        )
    try:
        get_photo_storage().part_receive(photo_id=photo.id, number=number, data=data, size=length)
    except photo_storage.PartAlreadyStored:
        raise UploadRefused(f"Part {number} has already been received.") from None
    except photo_storage.UploadNotReceived:
        raise UploadRefused(f"Part {number} was cut short; send it again.") from None
    except photo_storage.Unsupported:
        raise UploadRefused("Parts of this upload go straight to storage: ask where.") from None
    return parts_state(photo=photo)


def parts_finish(*, photo: Photo) -> Photo:
    """Join the parts, then the checks every upload gets (`photo_confirm_upload`)."""
    _uploading(photo)
    if get_photo_storage().parts_stored(photo_id=photo.id) is None:
        # Joined already by a finish that stopped before its confirm (S3 completes the
        # multipart upload into the staged object): confirm what is there.
        return photo_confirm_upload(photo=photo)
    state = parts_state(photo=photo)
    name = photo.original_name
    total = sum(part.size for part in state.parts)
    numbers = [part.number for part in state.parts]
    if total > state.size or total > settings.MAX_UPLOAD_BYTES:
        get_photo_storage().delete([get_photo_storage().staging_key(photo_id=photo.id)])
        raise UploadRefused(
            f"“{name}” arrived as {total:,} bytes, more than the {state.size:,} declared; "
            "start it again."
        )
    if numbers != list(range(1, state.part_count + 1)) or total != state.size:
        raise UploadRefused(
            f"“{name}” is not complete: {total:,} of {state.size:,} bytes have arrived."
        )
    get_photo_storage().parts_finish(
        photo_id=photo.id, key=photo.original.name, content_type=photo.claimed_type,
        parts=state.parts,
    )  # fmt: skip
    return photo_confirm_upload(photo=photo)
