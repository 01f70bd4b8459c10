"""Faults under real workers: a worker SIGKILLed mid-batch, the database dropping a worker's
connections. Each fault is injected at a known point where the worker is held inside a step:
by a photo whose original is a named pipe (tests/support/faults.py: HeldOriginal), by a row
lock the test holds.

Workers are `manage.py rundramatiq` subprocesses on Redis (1 process, 2 threads), sharing the
test database with this process (or, for the database test, a MariaDB database of the test's
own). Every test ends with each photo `ready` and exactly one set of results. Both start real
workers (`slow`, 5-15 s each; -m "not slow" leaves them out).
"""

import pytest

from albums.models import Photo, PhotoLabel, ProcessingEvent
from tests.support.faults import (
    HeldOriginal,
    assert_one_set_of_results,
    dead_letter_count,
    enqueue_all,
    make_distinct_photos,
    queued_count,
    statuses,
    unacked_messages,
    unfinished,
    wait_until,
)

pytestmark = pytest.mark.django_db(transaction=True)

# A dead worker's fetched messages go back on their queues 2 s after its last heartbeat,
# found by the maintenance pass every Redis command of the new worker runs (see
# DRAMATIQ_REDIS_* in imagesite/settings.py; production keeps dramatiq's 60 s and 1/1000).
FAST_REDELIVERY = {
    "DRAMATIQ_REDIS_HEARTBEAT_TIMEOUT_MS": 2_000,
    "DRAMATIQ_REDIS_MAINTENANCE_CHANCE": 1_000_000,
}


def expected_labels(photo) -> set[tuple[str, str]]:
    """What the local detector finds in this photo, as (name, kind)."""
    from processing.labeling import detection_for_photo
    from processing.stages.base import working_copy

    detection = detection_for_photo(photo, working_copy(photo))
    found = {(lbl.name[:100], PhotoLabel.Kind.LABEL) for lbl in detection.labels}
    found |= {(lbl.name[:100], PhotoLabel.Kind.MODERATION) for lbl in detection.moderation}
    found |= {(text[:100], PhotoLabel.Kind.TEXT) for text in detection.text}
    return found


def local_renditions(media_root):
    def stored(photo) -> set[str]:
        folder = media_root / "renditions" / photo.id.hex  # albums.storage.rendition_key
        files = folder.iterdir() if folder.is_dir() else ()
        return {str(p.relative_to(media_root)) for p in files}

    return stored


# --- A worker SIGKILLed in the middle of a batch -------------------------------------------------


@pytest.mark.slow
def test_a_worker_killed_mid_batch_leaves_every_photo_ready_once(
    redis_broker, start_worker, local_media, album
):
    photos = make_distinct_photos(album, 50)
    ids = [photo.id for photo in photos]
    # The 10th photo's original holds the worker at a known point: inside its ingest step,
    # the message fetched and never acknowledged. The other thread works through the rest.
    held_photo = photos[9]
    held = HeldOriginal(local_media, held_photo)
    enqueue_all(redis_broker, photos)

    first = start_worker(**FAST_REDELIVERY)

    def caught_mid_batch() -> bool:
        holding = {
            m.args[0] for messages in unacked_messages(redis_broker).values() for m in messages
        }
        return str(held_photo.id) in holding and statuses(ids)[Photo.Status.READY] >= 3

    wait_until(caught_mid_batch, timeout=60, workers=[first], what="the worker held mid-batch")
    first.kill()
    held.restore()  # the next worker reads the real bytes

    # What the dead worker held: fetched, maybe half done, never acknowledged.
    stranded = unacked_messages(redis_broker)
    assert len(stranded) == 1, stranded
    stranded_photos = {m.args[0] for messages in stranded.values() for m in messages}
    at_kill = statuses(ids)
    assert 0 < at_kill[Photo.Status.READY] < len(ids), at_kill
    assert str(held_photo.id) in stranded_photos, stranded_photos

    second = start_worker(**FAST_REDELIVERY)
    wait_until(
        lambda: statuses(ids)[Photo.Status.READY] == len(ids),
        timeout=90,
        workers=[second],
        what="all 50 ready after the restart",
        explain=lambda: unfinished(ids),
    )

    # The broker, not a sweep, brought the dead worker's messages back: nothing re-sent them.
    # Ready needs ingest and labels; the enrichments (text runs last) may still be queued.
    wait_until(
        lambda: not unacked_messages(redis_broker) and queued_count(redis_broker) == 0,
        timeout=120,
        workers=[second],
        what="the enrichments done and every message acknowledged",
    )
    assert dead_letter_count(redis_broker) == 0
    assert not ProcessingEvent.objects.filter(photo_id__in=ids, outcome="failed").exists()
    assert_one_set_of_results(photos, stored_renditions=local_renditions(local_media))
    for photo in Photo.objects.filter(pk__in=ids):
        found = PhotoLabel.objects.filter(photo=photo).exclude(kind=PhotoLabel.Kind.PLACE)
        labels = set(found.values_list("label__name", "kind"))  # places: their own step
        assert labels == expected_labels(photo), photo.original_name
    originals = (local_media / "originals").rglob("*")
    originals = {str(p.relative_to(local_media)) for p in originals if p.is_file()}
    assert originals == {photo.original.name for photo in photos}


# --- The database drops a worker's connections ---------------------------------------------------


@pytest.mark.slow
@pytest.mark.mysql
def test_a_worker_recovers_when_the_database_kills_its_connections(
    fault_db, redis_broker, start_worker, local_media
):
    from django.contrib.auth import get_user_model

    from albums.models import Album

    alias = "fault"
    owner = (
        get_user_model()
        .objects.db_manager(alias)
        .create_user(username="faults", email="faults@example.com", password="a-long-test-password")
    )
    album = Album.objects.using(alias).create(owner=owner, title="Faults")
    photos = make_distinct_photos(album, 26, using=alias)
    first, second, storm = photos[:3], photos[3:6], photos[6:]

    def ready(batch) -> bool:
        return statuses([p.id for p in batch], using=alias)[Photo.Status.READY] == len(batch)

    def db_retries(batch):
        return ProcessingEvent.objects.using(alias).filter(
            photo_id__in=[p.id for p in batch], outcome="retry"
        )

    # Persistent connections (as production may run them), so a worker has connections
    # to lose between messages; with the default of 0 each message opens its own.
    worker = start_worker(
        DATABASE_URL=fault_db.url,
        DATABASE_CONN_MAX_AGE=600,
        PIPELINE_MAX_RETRIES=10,
        PIPELINE_MIN_BACKOFF_MS=50,
        PIPELINE_MAX_BACKOFF_MS=400,
    )
    enqueue_all(redis_broker, first)
    wait_until(lambda: ready(first), timeout=60, workers=[worker], what="the first photos")
    processes = worker.pids()
    assert len(processes) >= 2, processes  # dramatiq's parent and its worker process

    # Between messages: the worker's idle connections are killed under it.
    idle = fault_db.kill_connections()
    assert idle, "the worker kept no connection between messages"
    wait_until(lambda: not fault_db.connection_ids() & idle, timeout=10, what="killed")
    enqueue_all(redis_broker, second)
    wait_until(lambda: ready(second), timeout=60, workers=[worker], what="photos after a kill")
    # CONN_HEALTH_CHECKS: the first query of a message finds the dead connection and
    # reconnects before anything fails.
    assert not db_retries(second).exists(), list(db_retries(second).values_list("message"))

    # While processing: the worker is held inside the storm photos' ingest step, in
    # processing.services.photo_save_metadata's SELECT ... FOR UPDATE of their owner's row
    # (after the runner has marked the step running and the photo processing, and ingest
    # has decoded the original). The test holds that row share-locked: the runner's earlier
    # UPDATEs of the photo (whose foreign-key check share-locks the owner row) pass, the
    # FOR UPDATE waits. Every connection of the worker is killed there, then the lock is
    # let go. The killed queries fail inside the step and are retried on new connections.
    fault_db.hold_row_lock(get_user_model()._meta.db_table, owner.pk, shared=True)
    try:
        enqueue_all(redis_broker, storm)
        wait_until(
            lambda: fault_db.lock_waiters(),
            timeout=60,
            workers=[worker],
            what="the worker waiting for the owner's row, inside a step",
        )
        killed = fault_db.kill_connections()
        wait_until(lambda: not fault_db.connection_ids() & killed, timeout=10, what="killed")
    finally:
        fault_db.release_row_lock()
    wait_until(
        lambda: ready(storm),
        timeout=90,
        workers=[worker],
        what="photos after the storm",
        explain=lambda: unfinished([p.id for p in storm], using=alias),
    )

    assert worker.pids() == processes  # the same worker processes: none restarted
    errors = list(db_retries(storm).values_list("message", flat=True))
    assert killed and errors, "no kill landed while a message was being processed"
    assert db_retries(storm).filter(step="ingest").exists(), "no kill landed inside ingest"
    assert all(("OperationalError" in e or "InterfaceError" in e) for e in errors), errors
    assert not ProcessingEvent.objects.using(alias).filter(outcome="failed").exists()
    assert_one_set_of_results(photos, stored_renditions=local_renditions(local_media), using=alias)
