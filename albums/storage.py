"""What the site needs from its storage, asked of the storage itself.

The local folder and S3 differ in how bytes arrive (through Django, or straight from the
browser with a presigned POST) and how they leave (a streamed response, or a presigned
GET). Everything else goes through Django's storage API.
"""

import logging
import re
import uuid
from dataclasses import dataclass

from botocore.exceptions import ClientError
from django.core.files.storage import Storage, default_storage
from django.utils.http import content_disposition_header

# Extensions kept on generated keys, purely for people browsing a bucket; the pipeline
# decides what a file is from its content.
_KNOWN_EXTENSIONS = {
    "jpg", "jpeg", "png", "webp", "gif", "tif", "tiff", "heic", "heif", "avif",
}  # fmt: skip
_EXTENSION_TYPES = {
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp",
    "gif": "image/gif", "tif": "image/tiff", "tiff": "image/tiff", "heic": "image/heic",
    "heif": "image/heif", "avif": "image/avif",
}  # fmt: skip
logger = logging.getLogger(__name__)
_SAFE_TYPE = re.compile(r"^image/[a-z0-9.+-]{1,60}$")


def _extension(file_name: str) -> str:
    ext = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    return ext if ext in _KNOWN_EXTENSIONS else ""


def original_key(*, owner_id: int, photo_id: uuid.UUID, file_name: str) -> str:
    """originals/<user>/<uuid>.<ext>: the user's file name never reaches the key."""
    ext = _extension(file_name)
    return f"originals/{owner_id}/{photo_id.hex}" + (f".{ext}" if ext else "")


def upload_key(*, owner_id: int, photo_id: uuid.UUID, file_name: str) -> str:
    """uploads/<user>/<uuid>.<ext>: where the browser's presigned POST puts the bytes.

    A POST policy admits any number of POSTs until it expires, so the browser never writes
    the original itself: confirming copies the object from here to `original_key`, and
    whatever is POSTed afterwards lands here, where nothing reads it.
    """
    ext = _extension(file_name)
    return f"uploads/{owner_id}/{photo_id.hex}" + (f".{ext}" if ext else "")


def rendition_key(*, owner_id: int, photo_id: uuid.UUID, spec: str, sha256: str, ext: str) -> str:
    return f"renditions/{owner_id}/{photo_id.hex}/{spec}-{sha256[:16]}.{ext}"


def upload_content_type(*, claimed: str, file_name: str) -> str | None:
    """The Content-Type an upload is signed for: image/* or nothing.

    Browsers leave the type empty for HEIC and some other formats; the extension fills in.
    """
    claimed = (claimed or "").strip().lower()
    if _SAFE_TYPE.match(claimed):
        return claimed
    return _EXTENSION_TYPES.get(_extension(file_name))


def uses_presigned_uploads(storage: Storage = default_storage) -> bool:
    """True when the browser should send files straight to the bucket."""
    return hasattr(storage, "bucket") and hasattr(storage, "connection")


def _s3_client(storage: Storage):
    return storage.connection.meta.client


@dataclass(frozen=True)
class PresignedPost:
    url: str
    fields: dict[str, str]
    conditions: list
    expires_in: int


def presigned_post(
    *, storage: Storage, key: str, content_type: str, max_bytes: int, expires_in: int
) -> PresignedPost:
    """A POST policy that admits exactly one object: this key, an image, within the size."""
    conditions = [
        {"bucket": storage.bucket_name},
        {"key": key},  # pins the exact key; nothing outside the user's prefix
        ["content-length-range", 1, max_bytes],
        ["starts-with", "$Content-Type", "image/"],
        {"Content-Type": content_type},
    ]
    post = _s3_client(storage).generate_presigned_post(
        Bucket=storage.bucket_name,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=conditions,
        ExpiresIn=expires_in,
    )
    return PresignedPost(
        url=post["url"], fields=post["fields"], conditions=conditions, expires_in=expires_in
    )


def stored_size(*, storage: Storage, key: str) -> int | None:
    """The stored object's size, or None when there is no such object."""
    if not key or not storage.exists(key):
        return None
    return storage.size(key)


@dataclass(frozen=True)
class StoredObject:
    size: int
    etag: str
    version_id: str | None  # only on versioned buckets


_MISSING = ("404", "NoSuchKey", "NotFound")


def stored_object(*, storage: Storage, key: str) -> StoredObject | None:
    """S3: one HEAD for the object's size and version; None when there is no such object."""
    try:
        head = _s3_client(storage).head_object(Bucket=storage.bucket_name, Key=key)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in _MISSING:
            return None
        raise
    return StoredObject(
        size=head["ContentLength"], etag=head["ETag"], version_id=head.get("VersionId")
    )


def copy_if_unchanged(*, storage: Storage, source: StoredObject, source_key: str, key: str) -> bool:
    """S3: server-side copy of exactly the version that was read (its ETag, and its version
    id on a versioned bucket); False when it was replaced or removed meanwhile. With no
    ETag known (an event that carried none) whatever is there is copied."""
    copy_source = {"Bucket": storage.bucket_name, "Key": source_key}
    if source.version_id and source.version_id != "null":
        copy_source["VersionId"] = source.version_id
    extra = {"CopySourceIfMatch": source.etag} if source.etag else {}
    try:
        _s3_client(storage).copy_object(
            Bucket=storage.bucket_name, Key=key, CopySource=copy_source, **extra
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("PreconditionFailed", "412", *_MISSING):
            return False
        raise
    return True


def download_url(*, storage: Storage, key: str, file_name: str, content_type: str) -> str | None:
    """A short-lived presigned GET on S3 that downloads as an attachment; None locally."""
    if not uses_presigned_uploads(storage):
        return None
    return _s3_client(storage).generate_presigned_url(
        "get_object",
        Params={
            "Bucket": storage.bucket_name,
            "Key": key,
            "ResponseContentDisposition": content_disposition_header(True, file_name),
            "ResponseContentType": content_type or "application/octet-stream",
        },
        ExpiresIn=storage.querystring_expire,
    )


def delete_quietly(*, storage: Storage, keys: list[str]) -> None:
    """Remove stored files; one that is already gone is not an error.

    On S3, up to a thousand keys go in one DeleteObjects request, so deleting a large
    album is a few requests, not one per file.
    """
    keys = [key for key in keys if key]
    if not uses_presigned_uploads(storage):
        for key in keys:
            storage.delete(key)
        return
    for start in range(0, len(keys), 1000):
        batch = keys[start : start + 1000]
        answer = _s3_client(storage).delete_objects(
            Bucket=storage.bucket_name,
            Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
        )
        for error in answer.get("Errors", []):
            logger.warning("Could not delete %s: %s", error.get("Key"), error.get("Message"))
