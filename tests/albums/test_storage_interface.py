"""Outside albums/storage/ no code asks which storage is in use."""

import re
from pathlib import Path

from django.http import HttpResponse

from albums.storage import get_photo_storage
from albums.storage.local import LocalPhotoStorage
from albums.storage.s3 import S3PhotoStorage
from imagesite.middleware import ContentSecurityPolicyMiddleware

ROOT = Path(__file__).resolve().parents[2]
STORAGE_KIND = re.compile(
    r"uses_presigned_uploads|hasattr\(.*bucket|S3Storage|bucket_name|AWS_STORAGE_BUCKET_NAME"
    r"|AWS_S3_ENDPOINT_URL"
)
ALLOWED = {"imagesite/settings.py"}  # where the backend is chosen


def test_no_code_outside_the_storage_package_asks_which_storage_it_is():
    found = []
    for package in ("albums", "processing", "imagesite"):
        for path in sorted((ROOT / package).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if name.startswith("albums/storage/") or name in ALLOWED:
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if STORAGE_KIND.search(line):
                    found.append(f"{name}:{number}: {line.strip()}")
    assert found == []


def test_the_storage_follows_the_configured_default(s3_storage, settings, tmp_path):
    assert isinstance(get_photo_storage(), S3PhotoStorage)
    assert get_photo_storage() is get_photo_storage()  # built once per configuration

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    assert isinstance(get_photo_storage(), LocalPhotoStorage)
    assert get_photo_storage().files.location == str(tmp_path)


def test_a_shared_rendition_from_the_folder_carries_no_file_name(client, album, make_photo):
    from django.urls import reverse

    from albums.models import Photo, Rendition
    from albums.services import share_link_create

    photo = make_photo(album, status=Photo.Status.READY)
    key = get_photo_storage().save_rendition(
        photo_id=photo.id, spec="grid", ext="webp", data=b"RIFF....WEBP",
        content_type="image/webp", source_sha256="ab" * 32,
    )  # fmt: skip
    assert key.startswith(f"renditions/{photo.id.hex}/grid-") and "abab" not in key
    Rendition.objects.create(
        photo=photo, spec="grid", file=key, source_sha256="ab" * 32, width=1, height=1,
        mime_type="image/webp", size=12,
    )  # fmt: skip
    link = share_link_create(album=album, expires_in_days=None, allow_downloads=False)

    response = client.get(reverse("albums:shared_rendition", args=[link.token, photo.id, "grid"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert "Content-Disposition" not in response
    assert b"".join(response.streaming_content) == b"RIFF....WEBP"


def test_the_policy_lets_browsers_reach_the_bucket_only_on_s3(s3_storage, settings):
    on_s3 = ContentSecurityPolicyMiddleware(lambda request: None).policy
    assert f"connect-src 'self' {s3_storage.endpoint} " in on_s3
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    local = ContentSecurityPolicyMiddleware(lambda request: None).policy
    assert "connect-src 'self';" in local and s3_storage.endpoint not in local


def test_a_middleware_built_before_the_storage_changes_sends_the_new_policy(
    s3_storage, settings, rf
):
    """The test server's middleware is built once, before a test switches to S3."""
    on_s3 = settings.STORAGES["default"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse())
    assert s3_storage.endpoint not in middleware(rf.get("/"))["Content-Security-Policy"]

    settings.STORAGES = {**settings.STORAGES, "default": on_s3}

    policy = middleware(rf.get("/"))["Content-Security-Policy"]
    assert f"connect-src 'self' {s3_storage.endpoint} " in policy
