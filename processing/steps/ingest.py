"""The one decode of an original: validate it, read its metadata, render its sizes.

Hashing reads the file once; `decode` reads it again to decode the pixels, a single time,
at the reduced scale the largest rendition needs, and hands the loaded image to the
metadata reader before converting it. Nothing else in the pipeline opens the original:
analyses read the `preview` rendition (the working copy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from processing.steps.budget import DEFAULT_MAX_BYTES
from processing.steps.decode import decode
from processing.steps.metadata import PhotoMetadata, file_digest, metadata_from_image
from processing.steps.thumbnails import (
    RENDITION_SPECS,
    Rendition,
    RenditionSpec,
    largest_box,
    render_from_image,
)

# JPEG decodes at 1/8 scale for this box: every byte is still read, so truncation shows.
VALIDATION_BOX = (64, 64)


@dataclass(frozen=True)
class Ingested:
    metadata: PhotoMetadata
    renditions: list[Rendition]


def ingest(
    fp: IO[bytes],
    *,
    max_pixels: int,
    specs: tuple[RenditionSpec, ...] = RENDITION_SPECS,
    render: bool = True,
    digest: tuple[int, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Ingested:
    """Raises PhotoRejected for anything that is not a usable image.

    With `render=False` (the renditions of this content exist already) the pixels are
    still decoded, to validate them, but at the smallest scale the format allows.
    `digest` is the file's (size, sha256) when the caller has hashed it already; decoding
    stays within `max_bytes` of memory or raises TooMuchMemory (a PhotoRejected).
    """
    size, sha256 = digest or file_digest(fp)
    fp.seek(0)
    head = fp.read(64)
    fp.seek(0)
    found: list[PhotoMetadata] = []

    def read_metadata(image, stored_size) -> None:
        found.append(
            metadata_from_image(image, stored_size=stored_size, head=head, size=size, sha256=sha256)
        )

    target = largest_box(specs) if render else VALIDATION_BOX
    decoded = decode(
        fp, max_pixels=max_pixels, target=target, max_bytes=max_bytes, on_loaded=read_metadata
    )
    renditions = render_from_image(decoded.image, specs) if render else []
    decoded.image.close()
    return Ingested(metadata=found[0], renditions=renditions)
