"""Photo storage: one interface (`base.PhotoStorage`), chosen once from the default storage.

    storage = get_photo_storage()
    storage.upload_ticket(...), storage.confirm_upload(...), storage.file_response(...)

Nothing outside this package asks which implementation it got.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from albums.storage.base import (
    PartAlreadyStored,
    PartTarget,
    PhotoStorage,
    S3Reference,
    StoredObject,
    StoredPart,
    Unsupported,
    UploadChanged,
    UploadNotReceived,
    UploadTicket,
    UploadWrongSize,
    original_key,
    rendition_key,
    staging_key,
)

__all__ = [
    "PartAlreadyStored",
    "PartTarget",
    "PhotoStorage",
    "S3Reference",
    "StoredObject",
    "StoredPart",
    "Unsupported",
    "UploadChanged",
    "UploadNotReceived",
    "UploadTicket",
    "UploadWrongSize",
    "get_photo_storage",
    "original_key",
    "rendition_key",
    "staging_key",
]


@functools.cache
def get_photo_storage() -> PhotoStorage:
    """The photo storage over Django's default storage: S3 when that is django-storages'
    S3Storage (or a subclass), a folder otherwise."""
    # At call time: default_storage is a lazy object that settings changes (tests) rebuild,
    # and the implementations import boto3 only when S3 is configured.
    from django.core.files.storage import default_storage

    backend = import_string(settings.STORAGES["default"]["BACKEND"])
    try:  # django-storages and boto3 are the `s3` extra
        from storages.backends.s3 import S3Storage
    except ImportError:  # boto3 missing: it cannot be S3
        S3Storage = None
    if S3Storage is not None and issubclass(backend, S3Storage):
        from albums.storage.s3 import S3PhotoStorage  # imports boto3: only on S3

        return S3PhotoStorage(default_storage)
    from albums.storage.local import LocalPhotoStorage  # beside the S3 one, chosen here

    return LocalPhotoStorage(default_storage)


@receiver(setting_changed)
def _storages_changed(*, setting, **kwargs):
    if setting == "STORAGES":  # tests switch storages per test; so may a shell
        get_photo_storage.cache_clear()
