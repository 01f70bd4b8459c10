"""Fixtures for the pipeline tests: corpus listings, hostile files, a module-wide worker,
the real brokers and `manage.py rundramatiq` subprocesses."""

import io
import json
import os
import re
import signal
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from urllib.parse import quote

import dramatiq
import pytest

from tests.conftest import CORPUS, require_service

GOOD_FILES = sorted(p.name for p in (CORPUS / "good").iterdir() if p.is_file())
LARGE_FILES = sorted(p.name for p in (CORPUS / "large").iterdir() if p.is_file())
BAD_FILES = sorted(p.name for p in (CORPUS / "bad").iterdir() if p.is_file())


def expected(name: str) -> dict:
    """exiftool's reference values for one file in good/ or large/, by file name."""
    for listing in ("expected-good.json", "expected-large.json"):
        for entry in json.loads((CORPUS / listing).read_text()):
            if entry["SourceFile"] == name:
                return entry
    raise KeyError(name)


EXPECTED_BAD = json.loads((CORPUS / "expected-bad.json").read_text())

# What a Python error looks like when it leaks into a message meant for people.
_EXCEPTION_REPR = re.compile(r"Traceback|\[Errno|\b[A-Z]\w*(Error|Exception)\b|<\w+ object at")


def is_human_reason(reason: str) -> bool:
    return bool(reason.strip()) and not _EXCEPTION_REPR.search(reason)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR declares `width`×`height` (valid CRC) and a tiny IDAT."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


def zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("holiday/notes.txt", "Not a photo.\n")
    return buffer.getvalue()


HOSTILE_FILES = {
    # name: (bytes, what the rejection reason must say)
    "empty.jpg": (b"", "empty"),
    "page.jpg": (
        b"<!DOCTYPE html>\n<html><head><title>Not a photo</title></head>"
        b"<body><p>Hello</p></body></html>\n",
        "looks like HTML",
    ),
    "archive.jpg": (zip_archive(), "ZIP"),
    "huge.png": (png_header_only(100_000, 100_000), "megapixels"),
}


@pytest.fixture
def hostile_file(tmp_path):
    """Write one of HOSTILE_FILES to disk; returns (path, expected words in the reason)."""

    def make(name: str) -> tuple[Path, str]:
        data, words = HOSTILE_FILES[name]
        path = tmp_path / name
        path.write_bytes(data)
        return path, words

    return make


# --- One worker for a whole module ------------------------------------------------------------


@pytest.fixture(scope="module")
def module_worker():
    """A dramatiq Worker on the in-process broker, started once per test module.

    Starting and stopping a worker costs a few hundred milliseconds; parametrized tests
    over the corpus share this one. Each test still gets a flushed broker (`broker`).
    """
    from processing import tasks  # noqa: F401  (declares the actors and their queues)

    worker = dramatiq.Worker(dramatiq.get_broker(), worker_threads=2, worker_timeout=50)
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def drain(broker, module_worker):
    """Run the pipeline on the module's worker until every queue is quiet."""

    def run(timeout_ms: int = 60_000):
        for _ in range(5):  # steps enqueue further steps: join until all are quiet
            for queue in list(broker.queues):
                broker.join(queue, fail_fast=False, timeout=timeout_ms)
            module_worker.join()
            if all(broker.queues[q].qsize() == 0 for q in broker.queues):
                break

    return run


# --- The real brokers and `manage.py rundramatiq` ----------------------------------------------

ROOT = Path(__file__).resolve().parents[2]  # where manage.py is
REDIS_URL = "redis://127.0.0.1:6379/13"  # a database of its own, flushed first
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
QUEUES = ("metadata", "thumbnails", "labels")


def database_url() -> str:
    """DATABASE_URL for a process that must see this test's database."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        name = str(db["NAME"])
        assert Path(name).is_absolute() and "memory" not in name, (
            f"the test database must be a file a subprocess can open, not {name!r}"
        )
        return f"sqlite:///{name}"
    if db["ENGINE"] == "django.db.backends.mysql":
        user, password = quote(db["USER"] or "", safe=""), quote(db["PASSWORD"] or "", safe="")
        host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 3306
        return f"mysql://{user}:{password}@{host}:{port}/{db['NAME']}"
    pytest.fail(f"no DATABASE_URL for {db['ENGINE']}")


def subprocess_env(broker_url: str, **extra: str) -> dict[str, str]:
    """The environment of a `manage.py` subprocess sharing this test's database and media."""
    from django.conf import settings

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DRAMATIQ_BROKER_URL": broker_url,
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "LABEL_DETECTOR": "local",
        **extra,
    }


@pytest.fixture(params=["redis", "rabbitmq"])
def real_broker(request):
    """A broker of this process for the same server the worker uses, emptied first."""
    if request.param == "redis":
        require_service("Redis", "127.0.0.1", 6379)
        from dramatiq.brokers.redis import RedisBroker

        broker, url = RedisBroker(url=REDIS_URL, middleware=[]), REDIS_URL
        broker.client.flushdb()
    else:
        require_service("RabbitMQ", "127.0.0.1", 5672)
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker, url = RabbitmqBroker(url=AMQP_URL, middleware=[]), AMQP_URL
    for queue in QUEUES:
        broker.declare_queue(queue)
    broker.flush_all()
    yield broker, url
    broker.flush_all()
    broker.close()


@pytest.fixture
def start_rundramatiq(real_broker, tmp_path):
    """Start `manage.py rundramatiq` (extra environment variables as keywords) in its own
    process group; every one started is stopped with SIGTERM at the end."""
    _, url = real_broker
    started = []

    def start(**extra_env: str) -> subprocess.Popen:
        name = "worker.log" if not started else f"worker-{len(started) + 1}.log"
        log = (tmp_path / name).open("w+")
        command = [sys.executable, "manage.py", "rundramatiq", "--processes", "1"]
        command += ["--threads", "2", "--worker-shutdown-timeout", "5000"]
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=subprocess_env(url, **extra_env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.log = log
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        process.log.close()


@pytest.fixture
def rundramatiq(start_rundramatiq):
    """`manage.py rundramatiq` in its own process group, stopped with SIGTERM at the end."""
    return start_rundramatiq()


def worker_log(process) -> str:
    process.log.flush()
    process.log.seek(0)
    return process.log.read()[-5000:]


@pytest.fixture
def embedded_worker(settings, broker):
    """Let commands start the in-process worker, as on a laptop; stop it afterwards."""
    from processing import pipeline

    settings.EMBEDDED_WORKER_AUTOSTART = True
    yield
    pipeline.stop_embedded_worker()
    assert pipeline._embedded_worker is None
