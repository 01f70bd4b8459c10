"""Faults under real workers: S3 unreachable for a while (shorter than the retries span, then
longer, recovered by a dead-letter requeue), and the race between sibling steps that
outage runs into. Outages begin and end at known points (photos ready, retries recorded,
every photo settled), never after a fixed time.

Workers are `manage.py rundramatiq` subprocesses on Redis (1 process, 2 threads), sharing the
test database with this process and storing through a proxy to the moto server that the test
can take down. Every test ends with each photo `ready` and exactly one set of results. The
`slow` ones start real workers (5-15 s each; -m "not slow" leaves them out).
"""

import io
from urllib.parse import urlsplit

import dramatiq
import pytest
from django.core.management import call_command

from albums.models import Photo, ProcessingEvent
from processing import tasks
from processing.services import IN_FLIGHT
from tests.support.faults import (
    TcpProxy,
    assert_one_set_of_results,
    dead_letter_count,
    enqueue_all,
    make_distinct_photos,
    queued_count,
    statuses,
    unfinished,
    wait_until,
)
from tests.support.workers import QUEUES

pytestmark = pytest.mark.django_db(transaction=True)


# --- S3 unreachable for a while ------------------------------------------------------------------


@pytest.fixture
def s3_proxy(s3_storage):
    """The moto server behind a proxy the test can take down (workers use the proxy)."""
    endpoint = urlsplit(s3_storage.endpoint)
    proxy = TcpProxy(endpoint.hostname, endpoint.port)
    yield proxy
    proxy.close()


def s3_worker(start_worker, s3_storage, s3_proxy, **env):
    """A worker storing in the test's bucket through the proxy. botocore makes one attempt
    per call (AWS_MAX_ATTEMPTS=1), so the pipeline's retries are what spans an outage."""
    return start_worker(
        AWS_STORAGE_BUCKET_NAME=s3_storage.bucket,
        AWS_S3_ENDPOINT_URL=s3_proxy.url,
        AWS_S3_ADDRESSING_STYLE="path",
        AWS_RETRY_MODE="standard",
        AWS_MAX_ATTEMPTS=1,
        **env,
    )


def s3_renditions(s3_storage):
    def stored(photo) -> set[str]:
        prefix = f"renditions/{photo.id.hex}/"
        return {key for key in s3_storage.keys() if key.startswith(prefix)}

    return stored


def retry_events(ids):
    return ProcessingEvent.objects.filter(photo_id__in=ids, outcome="retry")


@pytest.mark.slow
def test_s3_down_for_less_than_the_retries_span_delays_photos_then_they_end_ready(
    redis_broker, start_worker, s3_storage, s3_proxy, album
):
    photos = make_distinct_photos(album, 24)
    ids = [photo.id for photo in photos]
    # 12 retries, 250 ms doubling to at most 1 s: at least ~5.7 s of retrying per message.
    worker = s3_worker(
        start_worker,
        s3_storage,
        s3_proxy,
        PIPELINE_MAX_RETRIES=12,
        PIPELINE_MIN_BACKOFF_MS=250,
        PIPELINE_MAX_BACKOFF_MS=1000,
    )
    enqueue_all(redis_broker, photos)
    wait_until(
        lambda: statuses(ids)[Photo.Status.READY] >= 3,
        timeout=60,
        workers=[worker],
        interval=0.02,
        what="the first photos",
    )

    # Down until three retries are recorded: an outage shorter than the retries span by
    # count, not by clock (a message gives up after 12 of them).
    s3_proxy.down()
    wait_until(
        lambda: retry_events(ids).count() >= 3,
        timeout=30,
        workers=[worker],
        interval=0.02,
        what="three steps failing on S3",
    )
    during = statuses(ids)
    assert during[Photo.Status.READY] < len(ids), during
    assert not (during[Photo.Status.FAILED] or during[Photo.Status.REJECTED]), during
    s3_proxy.up()

    wait_until(
        lambda: statuses(ids)[Photo.Status.READY] == len(ids),
        timeout=60,
        workers=[worker],
        what="all ready once S3 is back",
        explain=lambda: unfinished(ids),
    )
    errors = list(retry_events(ids).values_list("message", flat=True))
    assert errors and all("Could not connect" in e or "Connection" in e for e in errors), errors
    assert dead_letter_count(redis_broker) == 0
    assert not ProcessingEvent.objects.filter(photo_id__in=ids, outcome="failed").exists()
    assert_one_set_of_results(photos, stored_renditions=s3_renditions(s3_storage))


def dead_letter_photo_ids(broker) -> set[str]:
    from dramatiq import Message

    found = set()
    for queue in QUEUES:
        for data in broker.client.hvals(f"{broker.namespace}:{queue}.XQ.msgs"):
            found.add(Message.decode(data).args[0])
    return found


@pytest.mark.slow
def test_s3_down_past_the_retries_fails_photos_and_a_dlq_requeue_brings_them_to_ready(
    redis_broker, start_worker, s3_storage, s3_proxy, album
):
    photos = make_distinct_photos(album, 16)
    ids = [photo.id for photo in photos]
    worker = s3_worker(
        start_worker,
        s3_storage,
        s3_proxy,
        PIPELINE_MAX_RETRIES=2,
        PIPELINE_MIN_BACKOFF_MS=50,
        PIPELINE_MAX_BACKOFF_MS=100,
    )
    enqueue_all(redis_broker, photos)
    wait_until(
        lambda: statuses(ids)[Photo.Status.READY] >= 2,
        timeout=60,
        workers=[worker],
        interval=0.02,
        what="the first photos",
    )

    s3_proxy.down()
    wait_until(
        lambda: (
            not Photo.objects.filter(pk__in=ids, status__in=IN_FLIGHT).exists()
            and queued_count(redis_broker) == 0
        ),
        timeout=60,
        workers=[worker],
        what="every photo settled with S3 down",
    )
    at_outage = statuses(ids)
    failed = Photo.objects.filter(pk__in=ids, status=Photo.Status.FAILED)
    failed = {str(pk) for pk in failed.values_list("pk", flat=True)}
    assert failed and at_outage[Photo.Status.READY] + len(failed) == len(ids), at_outage
    assert dead_letter_photo_ids(redis_broker) == failed
    for photo in Photo.objects.filter(pk__in=failed):
        required = photo.steps.filter(step__in=("ingest", "labels"))  # the text step may fail too
        [step] = required.filter(status="failed").values_list("step", flat=True)
        assert step in {"ingest", "labels"}
        # A plain reason for the owner, naming the cause.
        assert photo.status_reason.startswith(f"Processing stopped at the {step}")
        assert "storage or a service it needs could not be reached" in photo.status_reason
        assert "Error" not in photo.status_reason

    letters = dead_letter_count(redis_broker)
    s3_proxy.up()
    configured = dramatiq.get_broker()
    dramatiq.set_broker(redis_broker)  # the command's broker, as DRAMATIQ_BROKER_URL makes it
    try:
        out = io.StringIO()
        call_command("dlq", "requeue", "--all", stdout=out, stderr=io.StringIO())
    finally:
        dramatiq.set_broker(configured)
    assert f"Requeued {letters} dead letter(s)." in out.getvalue()

    wait_until(
        lambda: statuses(ids)[Photo.Status.READY] == len(ids),
        timeout=30,
        workers=[worker],
        what="all ready after the requeue",
        explain=lambda: unfinished(ids),
    )
    assert dead_letter_count(redis_broker) == 0
    assert_one_set_of_results(photos, stored_renditions=s3_renditions(s3_storage))


def test_a_step_still_retrying_when_its_sibling_gives_up_is_not_lost(
    album, make_photo, broker, run_pipeline, monkeypatch, extra_step
):
    """The race the S3 test above runs into: labels exhaust their retries and fail the photo
    while a sibling step (here the tests' extra step) is still in its first try; the
    sibling's retry must still run on the `failed` photo, or once the labels dead letter is
    requeued nothing would ever finish it."""
    from processing import labeling
    from processing.detectors.base import TransientDetectorError
    from tests.processing import extra_step as extra

    photo = make_photo(album)
    real_run = extra.run
    tries = []

    def labels_down(photo, image):
        raise TransientDetectorError("label service unreachable")

    def slow_then_failing(job):
        tries.append(1)
        if len(tries) == 1:  # still in its first try when the labels step gives up
            wait_until(
                lambda: Photo.objects.get(pk=photo.pk).status == Photo.Status.FAILED,
                timeout=30,
                interval=0.02,
                what="the labels step to fail the photo",
            )
            raise ConnectionError("storage unreachable")
        return real_run(job)

    monkeypatch.setattr(labeling, "detection_for_photo", labels_down)
    monkeypatch.setattr(extra, "run", slow_then_failing)
    tasks.send("ingest", photo.id)
    run_pipeline()
    photo.refresh_from_db()
    steps = dict(photo.steps.values_list("step", "status"))
    assert photo.status == Photo.Status.FAILED
    assert {k: steps[k] for k in ("ingest", "labels", "extra")} == {
        "ingest": "done",
        "labels": "failed",
        "extra": "done",
    }
    assert [m.actor_name for m in broker.dead_letters] == ["labels"]

    # The label service is back; the operator requeues the dead letter, as `dlq requeue`
    # does: the photo goes back to processing and the labels step is sent again.
    monkeypatch.undo()
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.PROCESSING)
    photo.steps.filter(step="labels").update(status="pending")
    tasks.send("labels", photo.id)
    run_pipeline()
    photo.refresh_from_db()
    required = photo.steps.filter(step__in=("ingest", "labels", "extra"))
    assert set(required.values_list("status", flat=True)) == {"done"}
    assert photo.status == Photo.Status.READY
