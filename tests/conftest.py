"""Shared fixtures: users, albums, corpus files, the broker and worker, services."""

import os
import socket
from pathlib import Path

import dramatiq
import pytest
from django.core.cache import cache

pytest_plugins = ["tests.s3"]

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
NO_SKIPS = os.environ.get("IMAGESITE_NO_SKIPS") == "1"


def corpus_file(*parts: str) -> Path:
    path = CORPUS.joinpath(*parts)
    assert path.is_file(), (
        f"corpus file missing: {path} (../shared/corpus must sit beside the repo)"
    )
    return path


def service_reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Skip (with the reason) when a service is down on a laptop; CI fails on skips."""
    if not service_reachable(host, port):
        pytest.skip(f"{name} is not reachable on {host}:{port}")


# --- CI: a skipped test is a failed run ------------------------------------------------


def pytest_sessionfinish(session, exitstatus):
    if not NO_SKIPS:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(
            f"IMAGESITE_NO_SKIPS=1: {len(skipped)} test(s) skipped; failing the run", red=True
        )
        session.exitstatus = 1


# --- Basics ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()  # allauth's rate limits count in the cache
    yield
    cache.clear()


@pytest.fixture
def make_user(db, django_user_model):
    from allauth.account.models import EmailAddress

    counter = iter(range(1, 10_000))

    def make(email=None, password="a-long-test-password", **extra):
        email = email or f"user{next(counter)}@example.com"
        user = django_user_model.objects.create_user(
            username=email.split("@")[0][:30] + str(next(counter)),
            email=email,
            password=password,
            **extra,
        )
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        return user

    return make


@pytest.fixture
def user(make_user):
    return make_user("owner@example.com")


@pytest.fixture
def other_user(make_user):
    return make_user("stranger@example.com")


@pytest.fixture
def owner_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def make_album(db):
    from albums.services import album_create

    def make(owner, title="Holiday", description=""):
        return album_create(owner=owner, title=title, description=description)

    return make


@pytest.fixture
def album(make_album, user):
    return make_album(user)


@pytest.fixture
def make_photo(db):
    """A photo row in any state, with the given corpus file stored as its original."""
    from django.core.files.storage import default_storage

    from albums import storage as photo_storage
    from albums.models import Photo

    def make(album, path: Path | None = None, status=Photo.Status.QUEUED, **fields):
        path = path or corpus_file("good", "Canon_40D.jpg")
        photo = Photo(
            album=album, owner=album.owner, original_name=path.name, status=status, **fields
        )
        key = photo_storage.original_key(
            owner_id=album.owner_id, photo_id=photo.id, file_name=path.name
        )
        with path.open("rb") as fp:
            photo.original.name = default_storage.save(key, fp)
        photo.size = path.stat().st_size
        photo.save()
        return photo

    return make


# --- Broker and worker (django_dramatiq's pattern) -------------------------------------------


@pytest.fixture
def broker():
    broker = dramatiq.get_broker()
    broker.flush_all()
    if hasattr(broker, "dead_letters_by_queue"):
        broker.dead_letters_by_queue.clear()
    return broker


@pytest.fixture
def worker(broker):
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=50)
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def run_pipeline(broker, worker):
    """Drain every queue until the pipeline has nothing left to do."""
    from processing import tasks  # noqa: F401

    def run():
        for _ in range(5):  # steps enqueue further steps: join until all are quiet
            for queue in list(broker.queues):
                broker.join(queue, fail_fast=False, timeout=60_000)
            worker.join()
            if all(broker.queues[q].qsize() == 0 for q in broker.queues):
                break

    return run


def stored_rendition(photo, spec: str = "grid", *, file: str | None = None, mime="image/webp"):
    """A rendition row for a photo, pointing at `file` (the photo's original by default)."""
    from albums.models import Rendition

    return Rendition.objects.create(
        photo=photo,
        spec=spec,
        file=file or photo.original.name,
        source_sha256="0" * 64,
        width=1,
        height=1,
        mime_type=mime,
        size=1,
    )
