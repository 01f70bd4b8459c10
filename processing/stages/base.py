"""What a stage is given and what it answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from django.conf import settings
from PIL import Image

from albums.models import Photo, Rendition
from albums.storage import get_photo_storage
from processing import services
from processing.steps.decode import decode

WORKING_COPY = "preview"
WORKING_BOX = (1600, 1600)


@dataclass
class StageJob:
    photo: Photo  # read fresh from the database for this run
    image: Image.Image | None = None  # the working copy (reads="working"): upright RGB/RGBA
    original: IO[bytes] | None = None  # the original, open for reading (reads="original")


@dataclass(frozen=True)
class Done:
    note: str = ""  # a line for the photo's history, if any


@dataclass(frozen=True)
class Skipped:
    reason: str  # in plain words: "Text detection is turned off"


Outcome = Done | Skipped


def working_copy(photo: Photo) -> Image.Image:
    """The preview rendition, decoded: what analyses look at instead of the original.

    A photo rendered before previews existed is decoded from its original once, at the
    preview's size.
    """
    name = (
        Rendition.objects.filter(photo=photo, spec=WORKING_COPY)
        .values_list("file", flat=True)
        .first()
    )
    if name:
        with get_photo_storage().open(name) as fp:
            image = Image.open(fp)
            image.load()
    else:
        with get_photo_storage().open(photo.original.name) as fp:
            image = decode(
                fp,
                max_pixels=settings.MAX_IMAGE_PIXELS,
                target=WORKING_BOX,
                max_bytes=services.decode_budget(),
            ).image
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    return image
