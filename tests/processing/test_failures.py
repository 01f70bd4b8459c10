"""Transient errors are retried with backoff; once retries run out the photo is `failed`
with the step and the error kept, and the message waits in the dead-letter queue. Photos
left in flight are re-driven from the database by the stale sweep."""

import io
import time
from datetime import timedelta

import dramatiq
import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import call_command
from django.utils import timezone

from albums.models import Photo
from processing import labeling, registry, tasks
from processing.detectors.base import TransientDetectorError
from processing.models import PhotoStep
from processing.pipeline import pipeline_resend_stale
from tests.support.corpus import corpus_file

pytestmark = pytest.mark.django_db(transaction=True)

ATTEMPTS = settings.PIPELINE_MAX_RETRIES + 1  # the first try, then every retry


class StorageOutage:
    """Reading originals from storage raises for the first `faults` opens (all, if None)."""

    def __init__(self, monkeypatch, *, faults: int | None, error=ConnectionError):
        self.faults, self.error, self.opens = faults, error, 0
        real_open = FileSystemStorage._open

        def flaky_open(storage, name, mode="rb"):
            if name.startswith("originals/"):
                self.opens += 1
                if self.faults is None or self.opens <= self.faults:
                    raise self.error(f"storage unreachable (fault {self.opens})")
            return real_open(storage, name, mode)

        assert isinstance(default_storage._wrapped, FileSystemStorage)
        monkeypatch.setattr(FileSystemStorage, "_open", flaky_open)


def outcomes(photo: Photo) -> list[tuple[str, str]]:
    return list(photo.events.values_list("step", "outcome"))


def failed_step(photo: Photo) -> str:
    """The step that failed the photo, from its step table ("" when none did)."""
    failed = photo.steps.filter(status=PhotoStep.Status.FAILED)
    return failed.values_list("step", flat=True).first() or ""


def queued_photo_ids(broker, queue_name: str = "ingest") -> list[str]:
    """The photo ids of the messages waiting on one of the in-process broker's queues."""
    return [dramatiq.Message.decode(data).args[0] for data in list(broker.queues[queue_name].queue)]


@pytest.fixture
def photo(album, make_photo):
    return make_photo(album, corpus_file("good", "Canon_40D.jpg"))


def test_actors_retry_a_few_times_quickly_in_tests():
    # Actors read their retry options when processing.tasks is imported: check what they got.
    for actor in (tasks.actor_for(step.name) for step in registry.steps()):
        assert actor.options["max_retries"] == settings.PIPELINE_MAX_RETRIES <= 5
        assert actor.options["min_backoff"] == settings.PIPELINE_MIN_BACKOFF_MS <= 10
        assert actor.options["max_backoff"] == settings.PIPELINE_MAX_BACKOFF_MS <= 50


def test_a_storage_outage_outliving_the_retries_ends_failed(
    photo, broker, run_pipeline, monkeypatch
):
    outage = StorageOutage(monkeypatch, faults=None)
    started = time.monotonic()

    tasks.send("ingest", photo.id)
    run_pipeline()

    assert time.monotonic() - started < 10  # backoff is milliseconds in tests
    assert outage.opens == ATTEMPTS
    photo.refresh_from_db()
    assert photo.status == Photo.Status.FAILED
    assert failed_step(photo) == "ingest"
    assert photo.status_reason == (
        f"Processing stopped at the ingest step after {ATTEMPTS} attempts: storage or a "
        "service it needs could not be reached. Try again later."
    )
    failed = photo.events.get(outcome="failed")  # the full error, for operators
    assert failed.message == f"ConnectionError: storage unreachable (fault {ATTEMPTS})"
    step = photo.steps.get(step="ingest")
    assert step.finished_at is not None and photo.settled_at >= step.finished_at
    assert step.attempts == ATTEMPTS and step.error == failed.message
    assert outcomes(photo) == [("ingest", "retry")] * (ATTEMPTS - 1) + [("ingest", "failed")]
    [dead] = broker.dead_letters
    assert (dead.actor_name, dead.args) == ("ingest", (str(photo.id),))
    assert dead.options["retries"] == ATTEMPTS
    assert not photo.renditions.exists()


def test_fewer_faults_than_retries_still_end_ready(photo, broker, run_pipeline, monkeypatch):
    StorageOutage(monkeypatch, faults=ATTEMPTS - 2, error=OSError)

    tasks.send("ingest", photo.id)
    run_pipeline()

    photo.refresh_from_db()
    assert photo.status == Photo.Status.READY, photo.status_reason
    assert (failed_step(photo), photo.status_reason) == ("", "")
    retries = [event for event in outcomes(photo) if event[1] == "retry"]
    assert retries == [("ingest", "retry")] * (ATTEMPTS - 2)
    assert photo.steps.get(step="ingest").attempts == ATTEMPTS - 1
    assert photo.renditions.count() == 2
    assert broker.dead_letters == []


def test_a_failing_fan_out_step_ends_failed_at_that_step(photo, broker, run_pipeline, monkeypatch):
    class ThrottledDetector:  # what the Rekognition detector raises while AWS throttles
        name = "rekognition"

        def detect(self, image):
            raise TransientDetectorError("Rekognition is throttling requests")

    monkeypatch.setattr(labeling, "get_detector", ThrottledDetector)

    tasks.send("ingest", photo.id)
    run_pipeline()

    photo.refresh_from_db()
    assert photo.status == Photo.Status.FAILED
    assert failed_step(photo) == "labels"
    assert "the label service was unavailable" in photo.status_reason
    assert photo.events.get(outcome="failed").message == (
        "TransientDetectorError: Rekognition is throttling requests"
    )
    steps = dict(photo.steps.values_list("step", "status"))
    assert {k: steps[k] for k in ("ingest", "labels")} == {"ingest": "done", "labels": "failed"}
    assert outcomes(photo).count(("labels", "retry")) == ATTEMPTS - 1
    assert outcomes(photo).count(("labels", "failed")) == 1
    assert [m.actor_name for m in broker.dead_letters] == ["labels"]


def test_an_original_missing_from_storage_is_retried_then_failed(photo, broker, run_pipeline):
    # Not a rejection: nothing is wrong with what the person uploaded. A missing object
    # is an operator's problem (a wrong bucket, a restore in progress), so the photo ends
    # `failed` after its retries and can be re-driven once the file is back.
    default_storage.delete(photo.original.name)  # after the upload was confirmed and queued
    tasks.send("ingest", photo.id)
    run_pipeline()

    photo.refresh_from_db()
    assert photo.status == Photo.Status.FAILED
    assert failed_step(photo) == "ingest"
    assert "the original file is missing from storage" in photo.status_reason
    assert "/" not in photo.status_reason  # no server paths shown to the owner
    assert photo.events.get(outcome="failed").message.startswith("FileNotFoundError:")
    assert outcomes(photo).count(("ingest", "retry")) == ATTEMPTS - 1
    assert not photo.events.filter(outcome="rejected").exists()
    assert len(broker.dead_letters) == 1


# --- The stale sweep -----------------------------------------------------------------------


@pytest.fixture
def photos_by_age(album, make_photo):
    """Photos in flight (and one settled) since various times, by name."""
    now = timezone.now()
    path = corpus_file("good", "Canon_40D.jpg")

    def make(status, minutes_ago):
        queued_at = None if minutes_ago is None else now - timedelta(minutes=minutes_ago)
        return make_photo(album, path, status=status, queued_at=queued_at)

    return {
        "queued long ago": make(Photo.Status.QUEUED, 120),
        "processing long ago": make(Photo.Status.PROCESSING, 45),
        "queued without a time": make(Photo.Status.QUEUED, None),
        "queued just now": make(Photo.Status.QUEUED, 5),
        "ready long ago": make(Photo.Status.READY, 120),
        "failed long ago": make(Photo.Status.FAILED, 120),
    }


STALE = {"queued long ago", "processing long ago", "queued without a time"}
EXPECTED_AFTER_SWEEP = {
    "queued long ago": Photo.Status.READY,
    "processing long ago": Photo.Status.READY,
    "queued without a time": Photo.Status.READY,
    "queued just now": Photo.Status.QUEUED,  # younger than the age: left alone
    "ready long ago": Photo.Status.READY,
    "failed long ago": Photo.Status.FAILED,  # settled photos are re-driven by reprocess
}


def statuses(photos: dict) -> dict:
    return {name: Photo.objects.get(pk=photo.pk).status for name, photo in photos.items()}


def test_the_sweep_resends_photos_stuck_past_the_age_and_no_newer_ones(
    photos_by_age, broker, request
):
    resent = pipeline_resend_stale(older_than_minutes=30)

    stale_ids = sorted(str(photos_by_age[name].id) for name in STALE)
    assert sorted(str(photo_id) for photo_id in resent) == stale_ids
    assert sorted(queued_photo_ids(broker)) == stale_ids
    assert pipeline_resend_stale(older_than_minutes=30) == []  # re-sent ones are fresh again
    request.getfixturevalue("run_pipeline")()  # only now start a worker
    assert statuses(photos_by_age) == EXPECTED_AFTER_SWEEP


def test_resend_stale_command_processes_them_before_exiting(photos_by_age, worker):
    # With the in-process broker, the messages would vanish with the command's process.
    out = io.StringIO()
    call_command("resend_stale", "--older-than-minutes", "30", stdout=out)

    assert f"Re-sent {len(STALE)} stale photo(s)." in out.getvalue()
    assert statuses(photos_by_age) == EXPECTED_AFTER_SWEEP


def test_resend_stale_command_defaults_to_the_configured_age(photos_by_age, worker):
    out = io.StringIO()
    call_command("resend_stale", stdout=out)  # PIPELINE_STALE_AFTER_MINUTES: 30

    assert f"Re-sent {len(STALE)} stale photo(s)." in out.getvalue()
    assert statuses(photos_by_age) == EXPECTED_AFTER_SWEEP
