"""Fixtures of the upload tests: a media folder of the test's own, a browser-like client."""

import pytest
from django.test import Client
from django.urls import reverse


@pytest.fixture
def media_root(settings, tmp_path):
    """The default FileSystemStorage, in a folder of this test's own."""
    from django.core.files.storage import FileSystemStorage, default_storage

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": "/media/"},
        },
    }
    assert default_storage.location == str(tmp_path)
    assert isinstance(default_storage._wrapped, FileSystemStorage)
    return tmp_path


@pytest.fixture
def browser(user, album):
    """A logged-in client that enforces CSRF and sends the token as upload.js does."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get(reverse("albums:detail", kwargs={"album_id": album.id})).status_code == 200
    client.defaults["HTTP_X_CSRFTOKEN"] = client.cookies["csrftoken"].value
    return client
