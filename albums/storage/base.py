"""What the site needs from the place photo files live, as one interface.

Two implementations: `local.LocalPhotoStorage` (a folder: uploads stream through the site,
files stream back out) and `s3.S3PhotoStorage` (a private bucket: the browser POSTs to a
staging key, the site copies what it checked, files leave by presigned redirect). Code
outside this package asks the storage to do things; it never asks which one it is.

Keys are generated, never the user's file name, and carry no owner id or content hash:
a share visitor who sees an S3 URL learns nothing beyond the photo's id.
"""

from __future__ import annotations

import re
import secrets
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import IO

from django.core.files.storage import Storage
from django.http import HttpResponse
from django.utils.crypto import salted_hmac

_SAFE_EXTENSION = re.compile(r"^[a-z0-9]{1,5}$")
_SAFE_SPEC = re.compile(r"^[a-z0-9_]{1,30}$")


# --- Keys ----------------------------------------------------------------------------------


def _suffix(ext: str) -> str:
    ext = (ext or "").lower()
    return f".{ext}" if _SAFE_EXTENSION.match(ext) else ""


def original_key(*, photo_id: uuid.UUID, ext: str = "") -> str:
    """originals/<photo uuid>.<ext>; the extension only helps people browsing a bucket."""
    return f"originals/{photo_id.hex}{_suffix(ext)}"


def staging_key(*, photo_id: uuid.UUID) -> str:
    """uploads/<photo uuid>: where a browser's presigned POST or multipart upload puts the
    bytes (S3), or the folder of a resumable upload's parts (local)."""
    return f"uploads/{photo_id.hex}"


def rendition_key(
    *, photo_id: uuid.UUID, spec: str, ext: str, source_sha256: str | None = None
) -> str:
    """renditions/<photo uuid>/<spec>-<16 hex>.<ext>.

    With the source's content hash the 16 hex digits are a keyed digest (HMAC with the
    site's secret) of photo, spec and hash: a re-run finds, and replaces, its own output,
    a new original gets new names, and nobody without the secret can tell the content from
    the name or match two photos' files. Without a hash they are random.
    """
    if not _SAFE_SPEC.match(spec):
        raise ValueError(f"rendition spec {spec!r} is not a plain name")
    if source_sha256:
        value = f"{photo_id.hex}:{spec}:{source_sha256}"
        token = salted_hmac("albums.storage.rendition_key", value, algorithm="sha256")
        token = token.hexdigest()[:16]
    else:
        token = secrets.token_hex(8)
    return f"renditions/{photo_id.hex}/{spec}-{token}{_suffix(ext)}"


# --- What the interface hands back ------------------------------------------------------------


@dataclass(frozen=True)
class UploadTicket:
    """How the browser sends one file. Transport "form": a multipart request with these
    fields, the file last (in a field named "file"); `confirm` says whether the site must
    be told after. Transport "parts": the file in parts of `part_bytes`, each sent where
    the site's parts URL says (see albums/resume_views.py)."""

    method: str
    url: str
    fields: dict[str, str] = field(default_factory=dict)
    confirm: bool = False
    conditions: list = field(default_factory=list)  # the POST policy's, for tests and logs
    transport: str = "form"
    part_bytes: int | None = None


@dataclass(frozen=True)
class StoredObject:
    size: int
    etag: str  # S3's, quoted; "" where there is none
    version_id: str | None = None  # only on versioned buckets


@dataclass(frozen=True)
class S3Reference:
    bucket: str
    key: str


@dataclass(frozen=True)
class StoredPart:
    """One part of a resumable upload that storage holds: its number (from 1), its size,
    and S3's ETag for it ("" in a folder)."""

    number: int
    size: int
    etag: str = ""


@dataclass(frozen=True)
class PartTarget:
    """Where the browser sends the bytes of one part: `method` to `url`, body = the part."""

    method: str
    url: str


class PartAlreadyStored(Exception):
    """Another request stored this part first (a retry whose first answer was lost)."""


class UploadNotReceived(Exception):
    """Nothing has arrived for the upload."""


class UploadChanged(Exception):
    """The staged upload was replaced or removed while it was being confirmed."""


class UploadWrongSize(Exception):
    """What arrived is empty or over the limit; it has been deleted."""

    def __init__(self, size: int):
        super().__init__(size)
        self.size = size


class Unsupported(Exception):
    """This storage cannot do that (the message says what would)."""


# --- The interface ------------------------------------------------------------------------------


class PhotoStorage(ABC):
    """Originals, staged uploads and renditions, over a Django storage (`files`)."""

    def __init__(self, files: Storage):
        self.files = files

    # Uploads

    @abstractmethod
    def upload_ticket(
        self,
        *,
        photo_id: uuid.UUID,
        key: str,
        content_type: str,
        max_bytes: int,
        expires_in: int,
        receive_url: str,
    ) -> UploadTicket:
        """How the browser should send the original for `key`. `receive_url` is the site's
        own upload URL, for a storage that takes files through the site."""

    @abstractmethod
    def staging_key(self, *, photo_id: uuid.UUID) -> str | None:
        """Where a browser may have put an unconfirmed upload (deleted with the photo)."""

    def receive_upload(self, *, key: str, file, content_type: str) -> str:
        """Store a file streamed through the site; the name it got (never overwrites: two
        requests at once get two names, and the caller keeps one)."""
        return self.save_original(key=key, file=file, content_type=content_type)

    @abstractmethod
    def confirm_upload(
        self, *, photo_id: uuid.UUID, key: str, content_type: str, max_bytes: int
    ) -> int:
        """The browser says the bytes are there: make them the original at `key`, return
        the size. Raises UploadNotReceived, UploadChanged or UploadWrongSize."""

    # Resumable uploads: a large file in numbered parts of `part_bytes` (the last shorter),
    # under the staging key, so a dropped connection or a reload loses one part at most.

    def part_bytes(self, *, wanted: int, max_bytes: int) -> int:
        """The part size this storage takes, from the size the settings ask for."""
        return wanted

    @abstractmethod
    def parts_begin(self, *, photo_id: uuid.UUID, content_type: str) -> None:
        """Open a resumable upload for the photo (S3: CreateMultipartUpload)."""

    @abstractmethod
    def parts_stored(self, *, photo_id: uuid.UUID) -> list[StoredPart] | None:
        """The parts storage holds, by number; None when no resumable upload is open."""

    @abstractmethod
    def part_target(
        self,
        *,
        photo_id: uuid.UUID,
        number: int,
        offset: int,
        size: int,
        receive_url: str,
        expires_in: int,
    ) -> PartTarget:
        """Where part `number` (`size` bytes from byte `offset`) goes: the bucket, or
        `receive_url` (this site's) for a storage that takes parts through the site. A
        bucket's URL takes exactly `size` bytes."""

    def part_receive(self, *, photo_id: uuid.UUID, number: int, data: IO[bytes], size: int):
        """Store part `number`, `size` bytes read from `data` (a storage whose parts come
        through the site). Raises PartAlreadyStored, or UploadNotReceived when fewer bytes
        arrived; returns the StoredPart."""
        raise Unsupported("this storage takes parts straight from the browser")

    @abstractmethod
    def parts_finish(
        self, *, photo_id: uuid.UUID, key: str, content_type: str, parts: list[StoredPart]
    ) -> None:
        """Join the parts into the one object `confirm_upload` then checks (S3: the staged
        upload, CompleteMultipartUpload; a folder: the original at `key`)."""

    # Files

    @abstractmethod
    def save_original(self, *, key: str, file: IO[bytes], content_type: str) -> str:
        """Write an original (imports, streamed uploads); the name it was stored under."""

    @abstractmethod
    def save_rendition(
        self,
        *,
        photo_id: uuid.UUID,
        spec: str,
        ext: str,
        data: bytes,
        content_type: str,
        source_sha256: str | None = None,
    ) -> str:
        """Write a rendition under its `rendition_key` (replacing a file a dead run left
        there); the key. Call it holding the photo's row lock, as the pipeline does."""

    def open(self, key: str) -> IO[bytes]:
        """An original or rendition, opened for binary reading (FileNotFoundError if gone)."""
        return self.files.open(key, "rb")

    def size(self, key: str) -> int | None:
        """The stored file's size; None when there is none."""
        if not key or not self.files.exists(key):
            return None
        return self.files.size(key)

    @abstractmethod
    def delete(self, keys) -> None:
        """Remove files; one already gone is not an error, empty keys are skipped."""

    # Serving

    @abstractmethod
    def file_response(
        self, *, key: str, content_type: str, download_name: str | None = None, max_age: int = 0
    ) -> HttpResponse:
        """The response that serves a file to someone already allowed to see it: inline, or
        as an attachment named `download_name`. Private, nosniff, cached at most `max_age`
        seconds (less where the answer is a short-lived link)."""

    # Bucket-level operations: S3 event ingestion and Rekognition

    def require_bucket_events(self) -> None:
        """Raise Unsupported unless this storage is a bucket that sends object events."""
        raise Unsupported("S3 events need S3 storage: set AWS_STORAGE_BUCKET_NAME.")

    def owns_bucket(self, bucket: str) -> bool:
        return False

    def stored_object(self, key: str) -> StoredObject | None:
        """One HEAD: size, ETag, version; None when there is no such object."""
        raise Unsupported("only a bucket has object versions")

    def copy_if_unchanged(
        self, *, source: StoredObject, source_key: str, key: str, content_type: str
    ) -> bool:
        """Server-side copy of exactly the version read (its ETag), stored with this type as
        an attachment; False when it was replaced or removed meanwhile."""
        raise Unsupported("only a bucket copies objects server-side")

    def delete_if_unchanged(self, *, key: str, etag: str) -> None:
        """Delete the object unless a newer one (another ETag) has replaced it."""
        raise Unsupported("only a bucket has object versions")

    def s3_reference(self, key: str) -> S3Reference | None:
        """Where a service in the same AWS account can read the object itself, if it can."""
        return None

    def describe(self) -> str:
        """Where files live, for operators' messages."""
        return type(self).__name__

    def browser_origins(self) -> str:
        """The origins, besides this site's, that browsers send files to and read them from
        (for the Content-Security-Policy); '' when the site serves every byte itself."""
        return ""


def private(response: HttpResponse, max_age: int) -> HttpResponse:
    response["Cache-Control"] = f"private, max-age={max(0, max_age)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response
