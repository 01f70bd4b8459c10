"""Photo files in a folder (Django's FileSystemStorage): uploads stream through the site and
files stream back out of it, after the views have checked who is asking."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.http import FileResponse, HttpResponse

from albums.storage.base import (
    PartAlreadyStored,
    PartTarget,
    PhotoStorage,
    StoredPart,
    UploadNotReceived,
    UploadTicket,
    UploadWrongSize,
    private,
    rendition_key,
)
from albums.storage.base import staging_key as _staging_key

_PART_NAME = re.compile(r"^[0-9]{5}$")  # a stored part: its number; anything else is scratch
_COPY_BYTES = 1024 * 1024


class LocalPhotoStorage(PhotoStorage):
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
        # The receive view stores and confirms in one request: nothing to confirm after.
        return UploadTicket(method="POST", url=receive_url, fields={}, confirm=False)

    def staging_key(self, *, photo_id: uuid.UUID) -> str | None:
        # A streamed upload is saved as the original; a resumable one's parts wait here.
        return _staging_key(photo_id=photo_id)

    def confirm_upload(
        self, *, photo_id: uuid.UUID, key: str, content_type: str, max_bytes: int
    ) -> int:
        size = self.size(key)
        if size is None:
            raise UploadNotReceived
        if not 0 < size <= max_bytes:
            self.delete([key])
            raise UploadWrongSize(size)
        self._remove_folder(_staging_key(photo_id=photo_id))  # the parts, once joined
        return size

    # Resumable uploads: each part a file named by its number in the photo's staging folder,
    # written under a scratch name and linked into place, so a part is whole or absent.

    def _folder(self, photo_id: uuid.UUID) -> str:
        return self.files.path(_staging_key(photo_id=photo_id))

    def parts_begin(self, *, photo_id: uuid.UUID, content_type: str) -> None:
        os.makedirs(self._folder(photo_id), exist_ok=True)

    def parts_stored(self, *, photo_id: uuid.UUID) -> list[StoredPart] | None:
        folder = self._folder(photo_id)
        try:
            names = sorted(name for name in os.listdir(folder) if _PART_NAME.match(name))
        except FileNotFoundError:
            return None
        return [
            StoredPart(number=int(name), size=os.path.getsize(os.path.join(folder, name)))
            for name in names
        ]

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
        # part_receive checks the length of what arrives.
        return PartTarget(method="PUT", url=f"{receive_url}?offset={offset}")

    def part_receive(self, *, photo_id: uuid.UUID, number: int, data, size: int) -> StoredPart:
        folder = self._folder(photo_id)
        os.makedirs(folder, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".incoming-", delete=False) as out:
            scratch = out.name
            left = size
            try:
                while left > 0:
                    chunk = data.read(min(_COPY_BYTES, left))
                    if not chunk:
                        break
                    out.write(chunk)
                    left -= len(chunk)
            except OSError:  # the connection dropped (Django's UnreadablePostError)
                pass
        try:
            if left:
                raise UploadNotReceived  # the connection dropped mid-part
            try:
                os.link(scratch, os.path.join(folder, f"{number:05d}"))
            except FileExistsError:
                raise PartAlreadyStored from None
        finally:
            os.unlink(scratch)
        return StoredPart(number=number, size=size)

    def parts_finish(
        self, *, photo_id: uuid.UUID, key: str, content_type: str, parts: list[StoredPart]
    ) -> None:
        """Join the parts into the original, linked into place whole: two finishes at once
        join the same parts, and the second finds the first's file there."""
        folder = self._folder(photo_id)
        target = self.files.path(key)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".joined-", delete=False) as out:
            scratch = out.name
            for part in parts:
                with open(os.path.join(folder, f"{part.number:05d}"), "rb") as source:
                    shutil.copyfileobj(source, out, _COPY_BYTES)
        try:
            if settings.FILE_UPLOAD_PERMISSIONS is not None:
                os.chmod(scratch, settings.FILE_UPLOAD_PERMISSIONS)
            try:
                os.link(scratch, target)
            except FileExistsError:
                pass  # joined by a finish that got there first
        finally:
            os.unlink(scratch)

    def _remove_folder(self, key: str) -> None:
        path = self.files.path(key)
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)

    def save_original(self, *, key: str, file, content_type: str) -> str:
        return self.files.save(key, file)

    def receive_upload(self, *, key: str, file, content_type: str) -> str:
        # Django moves a temporary upload into place by checking that the name is free and
        # then renaming, and a rename replaces: two requests at once were both given the same
        # name, and the loser's cleanup deleted the winner's original. Copied as a stream,
        # the file is created with O_EXCL, and a taken name gets another.
        return self.files.save(key, File(file, name=file.name))

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
        self.files.delete(key)  # a leftover of a run that died: the folder never overwrites
        return self.files.save(key, ContentFile(data))

    def delete(self, keys) -> None:
        """Files, and staging folders with the parts in them."""
        for key in keys:
            if not key:
                continue
            if os.path.isdir(self.files.path(key)):
                self._remove_folder(key)
            else:
                self.files.delete(key)

    def file_response(
        self, *, key: str, content_type: str, download_name: str | None = None, max_age: int = 0
    ) -> HttpResponse:
        response = FileResponse(
            self.open(key),
            as_attachment=download_name is not None,
            filename=download_name or "",
            content_type=content_type or "application/octet-stream",
        )
        if download_name is not None:  # user content: never a page of this site
            response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        elif "Content-Disposition" in response:  # inline: the stored name is nobody's business
            del response["Content-Disposition"]
        return private(response, max_age)

    def describe(self) -> str:
        return f"the folder {getattr(self.files, 'location', '?')}"
