"""`manage.py rundramatiq` against the real brokers: Redis and RabbitMQ.

A worker subprocess shares the test database (an SQLite file, or the MariaDB test
database) and the media folder with this process; photos queued here through the real
broker end `ready`, the fan-out to thumbnails and labels travelling through it as well.
"""

import dramatiq
import pytest

from albums.models import Photo
from processing import tasks
from tests.support.corpus import corpus_file
from tests.support.waiting import wait_until
from tests.support.workers import worker_log

pytestmark = pytest.mark.django_db(transaction=True)

FILES = ["Canon_40D.jpg", "hopper.png", "orientation_landscape_8.jpg"]
WAIT_SECONDS = 60


def _alive(process) -> None:
    assert process.poll() is None, f"the worker exited:\n{worker_log(process)}"


def test_rundramatiq_processes_photos_queued_through_the_broker(
    real_broker, rundramatiq, album, make_photo
):
    broker, _ = real_broker
    photos = [make_photo(album, corpus_file("good", name)) for name in FILES]

    for photo in photos:
        broker.enqueue(tasks.actor_for("ingest").message(str(photo.id)))

    ids = [photo.id for photo in photos]
    wait_until(
        lambda: not Photo.objects.filter(pk__in=ids).exclude(status__in=Photo.SETTLED).exists(),
        timeout=WAIT_SECONDS,
        interval=0.2,
        what="the photos settled",
        check=lambda: _alive(rundramatiq),
        explain=lambda: worker_log(rundramatiq),
    )
    for photo in Photo.objects.filter(pk__in=ids):
        assert photo.status == Photo.Status.READY, (photo.status_reason, worker_log(rundramatiq))
        assert photo.renditions.count() == 2
        required = photo.events.filter(step__in=("ingest", "labels"))  # text is off in tests
        assert set(required.values_list("outcome", flat=True)) == {"done"}


def test_a_message_a_stopped_worker_had_fetched_does_not_hang_the_next_join(broker):
    """The in-process broker of the tests: what a stopped worker took and never ran (the
    StubBroker cannot requeue it) is forgotten, so the next test's join does not wait."""
    from tests.support.workers import forget_unfinished

    queue = broker.queues["ingest"]
    queue.put(b"fetched by a worker that then stopped")
    queue.get()  # taken, never acknowledged
    with pytest.raises(dramatiq.errors.QueueJoinTimeout):
        broker.join("ingest", timeout=200)

    forget_unfinished(broker)

    broker.join("ingest", timeout=2_000)
