"""Render the sized copies the site shows (grid and preview) from one decode of the original.

The recipe for speed: decode once at reduced scale (JPEG DCT scaling / integer box reduce,
see `decode`), resize the largest rendition with Lanczos, derive each smaller one from the
previous result. Outputs are upright sRGB and carry no EXIF, GPS, XMP or ICC data.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO

from PIL import Image

from processing.steps.budget import DEFAULT_MAX_BYTES
from processing.steps.colour import has_alpha
from processing.steps.decode import decode, fit_within

# libwebp's method is its speed/size dial (0 fastest … 6 smallest). At method 2 files are
# ~3–4% larger than at the default 4 but encode in less than half the time, and encoding the
# preview is the biggest single cost of the step.
WEBP_METHOD = 2
# Resize in two stages when shrinking by more than this factor: a cheap box reduce() to
# within 2× of the target, then Lanczos. Visually identical to a single Lanczos pass.
REDUCING_GAP = 2.0


@dataclass(frozen=True)
class RenditionSpec:
    name: str
    max_width: int
    max_height: int
    format: str = "WEBP"  # a Pillow format name: "WEBP", "JPEG", "PNG", "AVIF"
    quality: int = 80


@dataclass(frozen=True)
class Rendition:
    name: str  # the spec's name
    data: bytes
    width: int
    height: int
    format: str
    mime_type: str


# WebP for both: ~30% smaller than JPEG at the same look, keeps transparency, and every
# browser the site supports shows it. JPEG would encode faster, but the preview is what people
# download most on phones, so bytes matter more than the few milliseconds.
RENDITION_SPECS = (
    RenditionSpec("grid", 400, 400, "WEBP", 80),
    RenditionSpec("preview", 1600, 1600, "WEBP", 85),
)


def render_renditions(
    fp: IO[bytes],
    *,
    specs: tuple[RenditionSpec, ...] = RENDITION_SPECS,
    max_pixels: int,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[Rendition]:
    """Decode `fp` once and return one Rendition per spec, in the order of `specs`.

    Never upscales: an image smaller than a spec's box keeps its own size.
    Raises PhotoRejected (from decode) for files that are not usable images, TooMuchMemory
    when decoding would need more than `max_bytes`.
    """
    if not specs:
        return []
    decoded = decode(fp, max_pixels=max_pixels, target=largest_box(specs), max_bytes=max_bytes)
    return render_from_image(decoded.image, specs)


def largest_box(specs: tuple[RenditionSpec, ...]) -> tuple[int, int]:
    """The box to pass as `decode(target=...)` so every spec can be rendered from the result."""
    return max(spec.max_width for spec in specs), max(spec.max_height for spec in specs)


def render_from_image(
    image: Image.Image, specs: tuple[RenditionSpec, ...] = RENDITION_SPECS
) -> list[Rendition]:
    """One Rendition per spec, in the order of `specs`, from an already decoded, upright
    sRGB image (`decode`'s). `image` is left as it is; decode with
    `target=largest_box(specs)` to keep it small."""
    if not specs:
        return []
    by_size = sorted(specs, key=lambda spec: spec.max_width * spec.max_height, reverse=True)
    base = image.copy() if image.info else image
    base.info = {}  # nothing from the original's metadata travels on
    rendered: dict[str, Rendition] = {}
    previous = base
    for spec in by_size:
        size = fit_within(base.size, (spec.max_width, spec.max_height))
        # Derive from the previous (larger) result when it still has enough pixels.
        source = previous if previous.width >= size[0] and previous.height >= size[1] else base
        previous = shrink(source, size)
        rendered[spec.name] = encode(previous, spec)
    return [rendered[spec.name] for spec in specs]


def shrink(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    if image.size == size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)


def encode(image: Image.Image, spec: RenditionSpec) -> Rendition:
    """Encode one rendition. Only pixels are written: no EXIF, XMP or ICC profile."""
    image_format = spec.format.upper()
    image = _mode_for(image, image_format)
    options: dict[str, object] = {"quality": spec.quality}
    if image_format == "WEBP":
        options["method"] = WEBP_METHOD
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return Rendition(
        name=spec.name,
        data=buffer.getvalue(),
        width=image.width,
        height=image.height,
        format=image_format,
        mime_type=Image.MIME.get(image_format, "application/octet-stream"),
    )


def _mode_for(image: Image.Image, image_format: str) -> Image.Image:
    """Keep alpha only when some pixel uses it; JPEG gets transparency flattened onto white."""
    if image.mode != "RGBA":
        return image
    if not has_alpha(image):
        return image.convert("RGB")
    if image_format == "JPEG":
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image
