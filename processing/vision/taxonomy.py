"""From ImageNet's 1000 classes to names a person searches for, with Rekognition-like parents.

Every class gets a display name ("Beagle") and one or more parent labels ("Dog"); parents
have parents of their own (Dog → Pet, Mammal → Animal). A photo's confidence for a parent is
the sum of its classes' probabilities, as a person would say "a dog" without naming a breed.
SYNONYMS are other words for a label, kept with it so a search for "puppy" or "automobile"
finds it too. The tables themselves are in taxonomy_data.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from processing.vision.runtime import MODELS_DIR
from processing.vision.taxonomy_data import (
    OBJECT_PARENTS,
    PARENTS,
    RANGES,
    RENAMES,
    SYNONYMS,  # noqa: F401  (labels.py reads it as taxonomy.SYNONYMS)
    WATER,
)


@dataclass(frozen=True)
class ImageNetClass:
    index: int
    name: str  # display name, e.g. "Beagle"
    parents: tuple[str, ...]  # every ancestor, nearest first: ("Dog", "Pet", "Mammal", "Animal")


def display_name(raw: str) -> str:
    """'Granny Smith apple' -> 'Granny Smith Apple'; renames and '(…)' / ' / …' dropped."""
    if raw in RENAMES:
        return RENAMES[raw]
    name = re.sub(r"\s*\(.*\)$", "", raw).split(" / ")[0].strip()
    return " ".join(
        word if word[:1].isupper() else word[:1].upper() + word[1:] for word in name.split()
    )


def ancestors(labels: tuple[str, ...]) -> tuple[str, ...]:
    """labels and every parent above them, nearest first, each once."""
    seen: list[str] = []
    queue = list(labels)
    while queue:
        label = queue.pop(0)
        if label not in seen:
            seen.append(label)
            queue.extend(PARENTS.get(label, ()))
    return tuple(seen)


def _direct_parents(index: int, raw: str) -> tuple[str, ...]:
    for first, last, parents in RANGES:
        if first <= index <= last:
            return parents
    key = re.sub(r"\s*\(.*\)$", "", raw).split(" / ")[0].strip()
    return OBJECT_PARENTS.get(raw) or OBJECT_PARENTS.get(key, ())


@cache
def classes() -> tuple[ImageNetClass, ...]:
    """The 1000 classes in model output order, with display names and all their parents."""
    raw_names = (MODELS_DIR / "imagenet_classes.txt").read_text().splitlines()
    if len(raw_names) != 1000:
        raise ValueError(f"imagenet_classes.txt has {len(raw_names)} names, not 1000")
    out = []
    for index, raw in enumerate(raw_names):
        name = display_name(raw)
        direct = _direct_parents(index, raw)
        if name in WATER:
            direct = (*direct, "Water")
        parents = tuple(p for p in ancestors(direct) if p != name)
        out.append(ImageNetClass(index, name, parents))
    return tuple(out)


def category_of(name: str, parents: tuple[str, ...]) -> str:
    """The top-most ancestor, Rekognition's "category" in spirit: 'Animal', 'Vehicle', …"""
    return parents[-1] if parents else name
