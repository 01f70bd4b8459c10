"""Test settings: the real settings module, given a test environment first."""

import atexit
import os
import shutil
import tempfile


def _temporary_dir(variable: str, prefix: str) -> str:
    """A temp folder for this run, shared with subprocesses, removed by its creator."""
    if variable not in os.environ:
        os.environ[variable] = tempfile.mkdtemp(prefix=prefix)
        atexit.register(shutil.rmtree, os.environ[variable], ignore_errors=True)
    return os.environ[variable]


os.environ["IMAGESITE_READ_DOTENV"] = "0"
os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-0123456789-abcdefghijklmnop")
os.environ.setdefault("DJANGO_SECURE", "0")
os.environ.setdefault("EMBEDDED_WORKER_AUTOSTART", "0")
os.environ.setdefault("DRAMATIQ_PROMETHEUS", "0")
_temporary_dir("MEDIA_ROOT", "imagesite-media-")
os.environ.setdefault("PIPELINE_MIN_BACKOFF_MS", "10")
os.environ.setdefault("PIPELINE_MAX_BACKOFF_MS", "50")

from imagesite.settings import *  # noqa: E402,F403

STATIC_ROOT = _temporary_dir("IMAGESITE_TEST_STATIC_ROOT", "imagesite-static-")
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
