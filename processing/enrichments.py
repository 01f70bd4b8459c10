"""Saving what an enrichment step found: rows of one kind, replacing that kind only.

The labels step replaces labels and moderation labels (processing.labeling); text and places
are steps of their own that may run before or after it, so each replaces its own kind and
nothing else. Same shape as `save_detection`: the photo locked, labels by name, one
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from albums.models import Photo, PhotoLabel
from processing.labeling import label_ids
from processing.services import lock_photo


@dataclass(frozen=True)
class Found:
    name: str
    confidence: float = 100.0  # 0–100
    category: str = ""


def photo_replace_found(*, photo_id: int, kind: str, found: list[Found], source: str) -> int:
    """Replace the photo's rows of `kind` with `found` (names once each); how many saved."""
    best: dict[str, Found] = {}
    for item in found:
        name = item.name.strip()[:100]
        if name and (name not in best or best[name].confidence < item.confidence):
            best[name] = Found(name, item.confidence, item.category)
    ids = label_ids(set(best))  # before the photo's transaction: see label_ids
    with transaction.atomic():
        return _replace_found(photo_id, kind, best, ids, source)


def _replace_found(photo_id, kind: str, best: dict[str, Found], ids: dict, source: str) -> int:
    if not lock_photo(photo_id):
        return 0  # deleted meanwhile
    PhotoLabel.objects.filter(photo_id=photo_id, kind=kind).delete()
    current = Photo.objects.only("owner_id", "taken_at", "created_at").get(pk=photo_id)
    rows: dict[int, PhotoLabel] = {}
    for name, item in best.items():  # two spellings may be one label to the database
        rows.setdefault(
            ids[name],
            PhotoLabel.for_photo(
                current,
                label_id=ids[name],
                kind=kind,
                confidence=item.confidence,
                source=source,
                category=item.category[:100],
            ),
        )
    PhotoLabel.objects.bulk_create(rows.values())
    return len(rows)
