"""Fixtures for the pipeline tests: corpus listings, hostile files, a module-wide worker."""

import io
import json
import re
import struct
import zipfile
import zlib
from pathlib import Path

import dramatiq
import pytest

from tests.conftest import CORPUS

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
