"""Test settings: the real settings module, given a test environment first."""

import os
import tempfile

os.environ["IMAGESITE_READ_DOTENV"] = "0"
os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-0123456789-abcdefghijklmnop")
os.environ.setdefault("DJANGO_SECURE", "0")
os.environ.setdefault("EMBEDDED_WORKER_AUTOSTART", "0")
os.environ.setdefault("DRAMATIQ_PROMETHEUS", "0")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="imagesite-media-"))
os.environ.setdefault("PIPELINE_MIN_BACKOFF_MS", "10")
os.environ.setdefault("PIPELINE_MAX_BACKOFF_MS", "50")

from imagesite.settings import *  # noqa: E402,F403

STATIC_ROOT = tempfile.mkdtemp(prefix="imagesite-static-")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}

# The SQLite test database is a file, not shared-cache memory: pipeline worker threads
# write concurrently (shared-cache memory answers "database table is locked" at once, with
# no busy timeout), and `manage.py rundramatiq` subprocesses must see the test data.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"imagesite-test-{os.getpid()}.sqlite3")
    }
