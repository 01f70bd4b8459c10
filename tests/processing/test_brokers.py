"""`manage.py rundramatiq` against the real brokers: Redis and RabbitMQ.

A worker subprocess shares the test database (an SQLite file, or the MariaDB test
database) and the media folder with this process; photos queued here through the real
broker end `ready`, the fan-out to thumbnails and labels travelling through it as well.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from albums.models import Photo
from processing import tasks
from tests.conftest import corpus_file, require_service

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]  # where manage.py is
REDIS_URL = "redis://127.0.0.1:6379/13"  # a database of its own, flushed first
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
QUEUES = ("metadata", "thumbnails", "labels")
FILES = ["Canon_40D.jpg", "hopper.png", "orientation_landscape_8.jpg"]
WAIT_SECONDS = 60


def database_url() -> str:
    """DATABASE_URL for a process that must see this test's database."""
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
def rundramatiq(real_broker, tmp_path):
    """`manage.py rundramatiq` in its own process group, stopped with SIGTERM at the end."""
    _, url = real_broker
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DRAMATIQ_BROKER_URL": url,
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "LABEL_DETECTOR": "local",
    }
    log = (tmp_path / "worker.log").open("w+")
    command = [sys.executable, "manage.py", "rundramatiq", "--processes", "1", "--threads", "2"]
    command += ["--worker-shutdown-timeout", "5000"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    process.log = log
    yield process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    log.close()


def worker_log(process) -> str:
    process.log.flush()
    process.log.seek(0)
    return process.log.read()[-5000:]


def test_rundramatiq_processes_photos_queued_through_the_broker(
    real_broker, rundramatiq, album, make_photo
):
    broker, _ = real_broker
    photos = [make_photo(album, corpus_file("good", name)) for name in FILES]

    for photo in photos:
        broker.enqueue(tasks.extract_metadata.message(str(photo.id)))

    ids = [photo.id for photo in photos]
    deadline = time.monotonic() + WAIT_SECONDS
    while Photo.objects.filter(pk__in=ids).exclude(status__in=Photo.SETTLED).exists():
        assert rundramatiq.poll() is None, f"the worker exited:\n{worker_log(rundramatiq)}"
        assert time.monotonic() < deadline, f"not settled in time:\n{worker_log(rundramatiq)}"
        time.sleep(0.2)
    for photo in Photo.objects.filter(pk__in=ids):
        assert photo.status == Photo.Status.READY, (photo.status_reason, worker_log(rundramatiq))
        assert photo.renditions.count() == 2
        assert set(photo.events.values_list("outcome", flat=True)) == {"done"}
