"""Test settings: the real settings module, given a test environment first."""

import atexit
import os
import shutil
import tempfile

# Which pytest process made the folders below: each pytest-xdist worker makes its own (it
# inherits the controller's environment), a `manage.py` subprocess of a test reuses them.
_OWNER = os.environ.get("PYTEST_XDIST_WORKER", "main")
_MINE = os.environ.get("IMAGESITE_TEST_DIRS_OWNER") == _OWNER
os.environ["IMAGESITE_TEST_DIRS_OWNER"] = _OWNER


def _temporary_dir(variable: str, prefix: str) -> str:
    """A temp folder for this run (this xdist worker's own), shared with subprocesses,
    removed by its creator."""
    if variable not in os.environ or not _MINE:
        os.environ[variable] = tempfile.mkdtemp(prefix=f"{prefix}{_OWNER}-")
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
# OCR costs about a second a photo: the pipeline tests run without it; the text step's own
# tests (tests/processing/test_vision_stages.py) turn it on.
os.environ.setdefault("TEXT_DETECTOR", "off")

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
