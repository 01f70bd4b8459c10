"""`manage.py rundramatiq` against the real brokers: Redis and RabbitMQ.

A worker subprocess shares the test database (an SQLite file, or the MariaDB test
database) and the media folder with this process; photos queued here through the real
broker end `ready`, the fan-out to thumbnails and labels travelling through it as well.
"""

import time

import pytest

from albums.models import Photo
from processing import tasks
from tests.conftest import corpus_file
from tests.processing.conftest import worker_log

pytestmark = pytest.mark.django_db(transaction=True)

FILES = ["Canon_40D.jpg", "hopper.png", "orientation_landscape_8.jpg"]
WAIT_SECONDS = 60


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
