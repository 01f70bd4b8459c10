"""The corpus photos as the vision stages see them, and the expectations written for them.

Working copies are decoded once per test session (the models run on each at most once
too: see `analysed`), so the corpus tests cost one pass of each model over the corpus.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from PIL import Image

from processing.steps.decode import decode
from processing.steps.metadata import extract_metadata
from processing.vision.analyses import working_copy
from tests.support.corpus import CORPUS  # noqa: E402

EXPECTATIONS = Path(__file__).resolve().parents[1] / "processing" / "vision" / "expectations.toml"
MAX_PIXELS = 100_000_000
PHOTO_FOLDERS = ("good", "large", "cameras")


def expectations() -> dict[str, dict]:
    return tomllib.loads(EXPECTATIONS.read_text())


def corpus_photos() -> list[str]:
    """Every decodable photo in the corpus (bad/ holds files the site rejects)."""
    names = [
        f"{folder}/{path.name}"
        for folder in PHOTO_FOLDERS
        for path in sorted((CORPUS / folder).iterdir())
        if path.is_file()
    ]
    assert names, f"no corpus photos under {CORPUS}"
    return names


@cache
def photo(name: str) -> Image.Image:
    with (CORPUS / name).open("rb") as fp:
        image = decode(fp, max_pixels=MAX_PIXELS, target=(1600, 1600)).image
    return working_copy(image)


@cache
def position(name: str) -> tuple[float, float] | None:
    with (CORPUS / name).open("rb") as fp:
        meta = extract_metadata(fp, max_pixels=MAX_PIXELS)
    if meta.latitude is None or meta.longitude is None:
        return None
    return meta.latitude, meta.longitude


@cache
def analysed(analysis: str, name: str):
    from processing.vision.analyses import BY_NAME

    return BY_NAME[analysis].run(photo(name), position(name))
