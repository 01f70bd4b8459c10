"""Photo files in a private S3 bucket (django-storages' S3Storage underneath).

Bytes arrive straight from the browser with a presigned POST to a staging key; confirming
copies exactly the version the site checked to the original's key and deletes the staged
object. Files leave through short-lived presigned GETs. Originals are stored as attachments
with a raster content type, so nothing from the bucket renders as active content.
"""

from __future__ import annotations

import io
import logging
import re
import secrets
import uuid
from typing import IO
from urllib.parse import urlsplit

from botocore.exceptions import ClientError
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

from albums.storage.base import (
    PartTarget,
    PhotoStorage,
    S3Reference,
    StoredObject,
    StoredPart,
    UploadChanged,
    UploadNotReceived,
    UploadTicket,
    UploadWrongSize,
    private,
    rendition_key,
)
from albums.storage.base import staging_key as _staging_key

logger = logging.getLogger(__name__)

ATTACHMENT = "attachment"
REDIRECT_MAX_AGE = 60  # a redirect to a presigned URL must not outlive the URL
_MISSING = ("404", "NoSuchKey", "NotFound")
_SIGNABLE = re.compile(r"^(image/[a-z0-9.+-]{1,60}|application/octet-stream)$")
_ACTIVE = re.compile(r"svg|xml|html|script")
MIN_PART_BYTES = 5 * 1024 * 1024  # S3's smallest part, but for the last
MAX_PARTS = 10_000
_STAGED = "uploads/"


def _signable(content_type: str) -> str:
    """Never sign or store a type a browser would run (SVG, HTML, XML)."""
    if not _SIGNABLE.match(content_type or "") or _ACTIVE.search(content_type):
        raise ValueError(f"refusing to store content of type {content_type!r}")
    return content_type


class S3PhotoStorage(PhotoStorage):
    @property
    def _client(self):
        return self.files.connection.meta.client

    @property
    def _bucket(self) -> str:
        return self.files.bucket_name

    # Uploads

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
        """A POST policy that admits one object: the staging key, this type, this size.
        Never the original's key: see `confirm_upload`."""
        content_type = _signable(content_type)
        staged = _staging_key(photo_id=photo_id)
        fields = {"Content-Type": content_type, "Content-Disposition": ATTACHMENT}
        conditions = [
            {"bucket": self._bucket},
            {"key": staged},  # the exact key; nothing else under anyone's prefix
            ["content-length-range", 1, max_bytes],
            {"Content-Type": content_type},
            {"Content-Disposition": ATTACHMENT},
        ]
        post = self._client.generate_presigned_post(
            Bucket=self._bucket,
            Key=staged,
            Fields=fields,
            Conditions=conditions,
            ExpiresIn=expires_in,
        )
        return UploadTicket(
            method="POST", url=post["url"], fields=post["fields"], confirm=True,
            conditions=conditions,
        )  # fmt: skip

    def staging_key(self, *, photo_id: uuid.UUID) -> str | None:
        return _staging_key(photo_id=photo_id)

    def receive_upload(self, *, key: str, file, content_type: str) -> str:
        # A key of its own per request: two requests at once never write one object.
        stem, dot, ext = key.rpartition(".")
        unique = f"{stem}-{secrets.token_hex(4)}.{ext}" if dot else f"{key}-{secrets.token_hex(4)}"
        return self.save_original(key=unique, file=file, content_type=content_type)

    def confirm_upload(
        self, *, photo_id: uuid.UUID, key: str, content_type: str, max_bytes: int
    ) -> int:
        """Copy the POSTed object to `key` (exactly the version read here, CopySourceIfMatch),
        then delete it: a POST policy admits more POSTs until it expires, and those change
        nothing anyone reads. An original already there was put by the site (imports, S3
        events) or by a confirm that stopped before it finished: it is kept."""
        staged_key = _staging_key(photo_id=photo_id)
        staged = self.stored_object(staged_key)
        existing = self.stored_object(key)
        if existing is not None:
            if staged is not None:
                self.delete([staged_key])
            if not 0 < existing.size <= max_bytes:
                self.delete([key])
                raise UploadWrongSize(existing.size)
            return existing.size
        if staged is None:
            raise UploadNotReceived
        if not 0 < staged.size <= max_bytes:
            self.delete([staged_key])
            raise UploadWrongSize(staged.size)
        copied = self.copy_if_unchanged(
            source=staged, source_key=staged_key, key=key, content_type=content_type
        )
        if not copied:
            raise UploadChanged
        self._delete_objects([staged_key])
        return staged.size

    # Resumable uploads: an S3 multipart upload to the staging key; the browser PUTs each
    # part to a presigned UploadPart URL. The UploadId is never kept or taken from the
    # browser: ListMultipartUploads on the photo's own staging key finds it.

    def part_bytes(self, *, wanted: int, max_bytes: int) -> int:
        return max(wanted, MIN_PART_BYTES, -(-max_bytes // MAX_PARTS))

    def parts_begin(self, *, photo_id: uuid.UUID, content_type: str) -> None:
        self._client.create_multipart_upload(
            Bucket=self._bucket,
            Key=_staging_key(photo_id=photo_id),
            ContentType=_signable(content_type or "application/octet-stream"),
            ContentDisposition=ATTACHMENT,
        )

    def _upload_ids(self, *, prefix: str) -> list[tuple[str, str]]:
        """(key, UploadId) of the open multipart uploads under `prefix`, oldest first."""
        found = []
        paginator = self._client.get_paginator("list_multipart_uploads")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
            for upload in page.get("Uploads", []):
                found.append((upload["Initiated"], upload["Key"], upload["UploadId"]))
        return [(key, upload_id) for _, key, upload_id in sorted(found, key=lambda u: u[0])]

    def _upload_id(self, photo_id: uuid.UUID) -> str | None:
        staged = _staging_key(photo_id=photo_id)
        ids = [upload_id for key, upload_id in self._upload_ids(prefix=staged) if key == staged]
        return ids[0] if ids else None  # two starts at once: the first one, every time

    def parts_stored(self, *, photo_id: uuid.UUID) -> list[StoredPart] | None:
        upload_id = self._upload_id(photo_id)
        if upload_id is None:
            return None
        parts = []
        paginator = self._client.get_paginator("list_parts")
        pages = paginator.paginate(
            Bucket=self._bucket, Key=_staging_key(photo_id=photo_id), UploadId=upload_id
        )
        for page in pages:
            for part in page.get("Parts", []):
                parts.append(
                    StoredPart(number=part["PartNumber"], size=part["Size"], etag=part["ETag"])
                )
        return sorted(parts, key=lambda part: part.number)

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
        upload_id = self._upload_id(photo_id)
        if upload_id is None:
            raise UploadNotReceived
        url = self._client.generate_presigned_url(
            "upload_part",
            Params={
                "Bucket": self._bucket,
                "Key": _staging_key(photo_id=photo_id),
                "UploadId": upload_id,
                "PartNumber": number,
                # Signed (X-Amz-SignedHeaders): S3 refuses a PUT of any other length.
                "ContentLength": size,
            },
            ExpiresIn=expires_in,
        )
        return PartTarget(method="PUT", url=url)

    def parts_finish(
        self, *, photo_id: uuid.UUID, key: str, content_type: str, parts: list[StoredPart]
    ) -> None:
        upload_id = self._upload_id(photo_id)
        if upload_id is None:
            raise UploadNotReceived
        self._client.complete_multipart_upload(
            Bucket=self._bucket,
            Key=_staging_key(photo_id=photo_id),
            UploadId=upload_id,
            MultipartUpload={
                "Parts": [{"PartNumber": part.number, "ETag": part.etag} for part in parts]
            },
        )

    def _abort_uploads(self, keys: list[str]) -> None:
        """Abort the open multipart uploads to these staging keys: one listing for the
        photo's own key, one of uploads/ for a batch."""
        wanted = set(keys)
        prefix = keys[0] if len(keys) == 1 else _STAGED
        for key, upload_id in self._upload_ids(prefix=prefix):
            if key not in wanted:
                continue
            try:
                self._client.abort_multipart_upload(
                    Bucket=self._bucket, Key=key, UploadId=upload_id
                )
            except ClientError as exc:  # aborted meanwhile (NoSuchUpload), or not allowed
                logger.warning("Could not abort the upload to %s: %s", key, exc)

    # Files

    def _put(self, *, key: str, file: IO[bytes], extra: dict) -> str:
        if hasattr(file, "seek"):
            file.seek(0)
        self._client.upload_fileobj(
            file, self._bucket, key, ExtraArgs=extra, Config=self.files.transfer_config
        )
        return key

    def save_original(self, *, key: str, file, content_type: str) -> str:
        content_type = _signable(content_type or "application/octet-stream")
        extra = {"ContentType": content_type, "ContentDisposition": ATTACHMENT}
        return self._put(key=key, file=file, extra=extra)

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
        key = rendition_key(photo_id=photo_id, spec=spec, ext=ext, source_sha256=source_sha256)
        extra = {"ContentType": _signable(content_type)}
        return self._put(key=key, file=io.BytesIO(data), extra=extra)

    def delete(self, keys) -> None:
        """Objects, and the multipart uploads still open to staging keys among them."""
        keys = [key for key in keys if key]
        self._delete_objects(keys)
        staged = [key for key in keys if key.startswith(_STAGED)]
        if staged:
            self._abort_uploads(staged)

    def _delete_objects(self, keys: list[str]) -> None:
        """Up to a thousand keys per DeleteObjects request: a large album is a few requests."""
        for start in range(0, len(keys), 1000):
            batch = keys[start : start + 1000]
            answer = self._client.delete_objects(
                Bucket=self._bucket,
                Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
            )
            for error in answer.get("Errors", []):
                logger.warning("Could not delete %s: %s", error.get("Key"), error.get("Message"))

    # Serving

    def file_response(
        self, *, key: str, content_type: str, download_name: str | None = None, max_age: int = 0
    ) -> HttpResponse:
        params = {
            "Bucket": self._bucket,
            "Key": key,
            "ResponseContentType": content_type or "application/octet-stream",
        }
        if download_name is not None:
            params["ResponseContentDisposition"] = content_disposition_header(True, download_name)
        url = self._client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=self.files.querystring_expire
        )
        return private(HttpResponseRedirect(url), min(max_age, REDIRECT_MAX_AGE))

    # Bucket-level operations

    def require_bucket_events(self) -> None:
        return None

    def owns_bucket(self, bucket: str) -> bool:
        return bucket == self._bucket

    def stored_object(self, key: str) -> StoredObject | None:
        try:
            head = self._client.head_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in _MISSING:
                return None
            raise
        return StoredObject(
            size=head["ContentLength"], etag=head["ETag"], version_id=head.get("VersionId")
        )

    def copy_if_unchanged(
        self, *, source: StoredObject, source_key: str, key: str, content_type: str
    ) -> bool:
        """With no ETag known (an event that carried none) whatever is there is copied.
        The copy gets its own metadata: this type, as an attachment, whatever the source
        object was sent with."""
        copy_source = {"Bucket": self._bucket, "Key": source_key}
        if source.version_id and source.version_id != "null":
            copy_source["VersionId"] = source.version_id
        extra = {"CopySourceIfMatch": source.etag} if source.etag else {}
        try:
            self._client.copy_object(
                Bucket=self._bucket,
                Key=key,
                CopySource=copy_source,
                MetadataDirective="REPLACE",
                ContentType=_signable(content_type or "application/octet-stream"),
                ContentDisposition=ATTACHMENT,
                **extra,
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("PreconditionFailed", "412", *_MISSING):
                return False
            raise
        return True

    def delete_if_unchanged(self, *, key: str, etag: str) -> None:
        found = self.stored_object(key)
        if found is None:
            return
        if etag and found.etag.strip('"') != etag.strip('"'):
            return  # a newer object: its own event deals with it
        self._client.delete_object(Bucket=self._bucket, Key=key)

    def s3_reference(self, key: str) -> S3Reference | None:
        return S3Reference(bucket=self._bucket, key=key)

    def browser_origins(self) -> str:
        bucket = self.files.bucket_name
        endpoint = self.files.endpoint_url
        if endpoint:
            parts = urlsplit(endpoint)
            return f"{parts.scheme}://{parts.netloc} {parts.scheme}://{bucket}.{parts.netloc}"
        # boto3 signs for the global or the regional name depending on region and settings.
        region = self.files.region_name
        return (
            f"https://{bucket}.s3.amazonaws.com https://{bucket}.s3.{region}.amazonaws.com "
            f"https://s3.{region}.amazonaws.com"
        )

    def describe(self) -> str:
        return f"the bucket {self._bucket}"
