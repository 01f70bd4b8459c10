"""The domain: albums, photos and what the pipeline derives from them.

Models hold data and queries; writes with side effects live in services.py. They are split
by theme (library, labels, sharing); import them from here.
"""

from albums.models.labels import FRACTION, Label, PhotoFace, PhotoLabel
from albums.models.library import (
    ORIGINAL_PERMISSION,
    REVIEW_PERMISSION,
    Album,
    AlbumPhoto,
    AlbumQuerySet,
    Photo,
    PhotoQuerySet,
    ProcessingEvent,
    Rendition,
    may,
)
from albums.models.sharing import FlaggedPhoto, ModerationDecision, ShareLink, ShareLinkQuerySet

__all__ = [
    "FRACTION",
    "ORIGINAL_PERMISSION",
    "REVIEW_PERMISSION",
    "Album",
    "AlbumPhoto",
    "AlbumQuerySet",
    "FlaggedPhoto",
    "Label",
    "ModerationDecision",
    "Photo",
    "PhotoFace",
    "PhotoLabel",
    "PhotoQuerySet",
    "ProcessingEvent",
    "Rendition",
    "ShareLink",
    "ShareLinkQuerySet",
    "may",
]
