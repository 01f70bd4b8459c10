"""`manage.py dlq` against the real brokers: what died, why, and sending it again.

Photos fail for real here: their original goes missing from storage, a `manage.py
rundramatiq` subprocess retries (PIPELINE_MAX_RETRIES=1, millisecond backoff) and gives up,
and the broker dead-letters the message. Put the file back, requeue, and the photo ends
`ready`. Where a test needs dead letters but not the failing run, it has the broker
dead-letter a delivered message itself (a consumer's nack: exactly what a worker does).
"""

import io
import json
import subprocess
import sys

import dramatiq
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from albums.models import Photo, PhotoLabel, Rendition
from processing import dlq, runner, tasks
from tests.support.corpus import corpus_file
from tests.support.dlq import (
    WAIT_SECONDS,
    dead_ids,
    dlq_command,
    failed_photo,
    hide_original,
    is_redis,
    photo_and_step,
    restore_original,
    statuses,
    stop_gracefully,
    wait_for,
    work_queue,
)
from tests.support.workers import QUEUES, ROOT, subprocess_env

pytestmark = pytest.mark.django_db(transaction=True)

FAST_FAILURE = {"PIPELINE_MAX_RETRIES": "1"}  # two attempts, then the dead-letter queue


@pytest.fixture
def configured(real_broker):
    """Make the real broker this process's configured one, as DRAMATIQ_BROKER_URL would."""
    broker, url = real_broker
    stub = dramatiq.get_broker()
    dramatiq.set_broker(broker)
    yield broker, url
    dramatiq.set_broker(stub)


# --- A real failure, listed, fixed and requeued ---------------------------------------------


def test_photos_that_failed_are_listed_then_requeued_and_end_ready(
    configured, start_rundramatiq, album, make_photo
):
    broker, url = configured
    lost = make_photo(album, corpus_file("good", "Canon_40D.jpg"))  # fails at ingest
    half = make_photo(album, corpus_file("good", "hopper.png"))  # fails at labels
    assert runner.run_step(step_name="ingest", photo_id=half.id) == ["labels", "text", "places"]
    preview = Rendition.objects.get(photo=half, spec="preview")
    originals = {lost.pk: hide_original(lost)}
    with default_storage.open(preview.file.name, "rb") as fp:  # what labels look at
        working_copy = fp.read()
    default_storage.delete(preview.file.name)
    broker.enqueue(tasks.actor_for("ingest").message(str(lost.id)))
    broker.enqueue(tasks.actor_for("labels").message(str(half.id)))
    worker = start_rundramatiq(**FAST_FAILURE)

    wait_for(
        lambda: (
            statuses(lost, half) == ["failed", "failed"]
            and dlq.dead_letter_counts() == {"ingest": 1, "labels": 1, "text": 0, "pipeline": 0}
        ),
        worker,
        "both photos failed and dead-lettered",
    )

    # `dlq list --json`, as an operator runs it: a process of its own, configured by the env.
    listed = subprocess.run(
        [sys.executable, "manage.py", "dlq", "list", "--json"],
        cwd=ROOT,
        env=subprocess_env(url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    rows = {row["photo"]["id"]: row for row in json.loads(listed.stdout)}
    assert set(rows) == {str(lost.id), str(half.id)}
    expected = {lost: ("ingest", "ingest"), half: ("labels", "labels")}
    for photo, (queue, actor) in expected.items():
        row = rows[str(photo.id)]
        assert (row["queue"], row["actor"], row["tries"]) == (queue, actor, 2)
        assert row["photo"]["owner"] == "owner@example.com"
        assert row["photo"]["albums"] == "Holiday"
        assert row["photo"]["file_name"] == photo.original_name
        assert row["photo"]["status"] == "failed"
        assert "missing from storage" in row["photo"]["reason"]
        assert row["error"].startswith("FileNotFoundError")
        assert 0 <= row["age_seconds"] < WAIT_SECONDS
    ingest_id, labels_id = rows[str(lost.id)]["id"], rows[str(half.id)]["id"]

    out, _, error = dlq_command("list")
    assert error is None
    header, *lines, summary = out.strip().splitlines()
    assert header.split() == [
        "ID", "QUEUE", "ACTOR", "TRIES", "AGE", "PHOTO", "FILE", "OWNER", "ALBUMS", "ERROR",
    ]  # fmt: skip
    assert [line.split()[0] for line in lines] == [ingest_id, labels_id]  # queue order
    assert "Canon_40D.jpg" in lines[0] and "owner@example.com" in lines[0]
    assert "FileNotFoundError" in lines[1] and " 2 " in lines[1]
    assert summary == "2 dead letter(s)."

    out, _, _ = dlq_command("list", "--queue", "labels", "--json")
    assert [row["id"] for row in json.loads(out)] == [labels_id]

    out, _, _ = dlq_command("show", labels_id)
    assert f"Dead letter {labels_id}" in out
    assert json.dumps([str(half.id)]) in out  # the arguments
    assert "Last error" in out and "FileNotFoundError" in out and "Traceback" in out
    shown = json.loads(dlq_command("show", labels_id, "--json")[0])
    assert shown["args"] == [str(half.id)] and shown["copies"] == 1
    assert "FileNotFoundError" in shown["traceback"]

    # The fault is fixed: the files are back. Requeue everything.
    restore_original(lost, originals[lost.pk])
    assert default_storage.save(preview.file.name, ContentFile(working_copy)) == preview.file.name
    out, err, error = dlq_command("requeue", "--all")
    assert error is None, err
    assert "Requeueing [" in out and "2/2" in out
    assert "Requeued 2 dead letter(s)." in out
    assert dlq.dead_letter_counts() == {"ingest": 0, "labels": 0, "text": 0, "pipeline": 0}

    # `half` only gets there because the requeue put it back to `processing`, the state in
    # which the last required step marks a photo ready.
    wait_for(lambda: statuses(lost, half) == ["ready", "ready"], worker, "both photos ready")
    for photo, step in ((lost, "ingest"), (half, "labels")):
        photo.refresh_from_db()
        assert photo.status_reason == ""
        required = photo.steps.filter(step__in=("ingest", "labels"))
        assert set(required.values_list("status", flat=True)) == {"done"}
        assert photo.renditions.count() == 2
        events = list(photo.events.filter(step=step).values_list("outcome", "message"))
        assert [outcome for outcome, _ in events][-3:] == ["failed", "requeued", "done"], events
    assert dead_ids() == []


# --- Send, then delete: a crash in between leaves a duplicate --------------------------------


def test_a_requeue_interrupted_after_the_send_leaves_a_duplicate_never_a_loss(
    configured, start_rundramatiq, album, make_photo, monkeypatch
):
    broker, _ = configured
    photo, message_id = failed_photo(album, make_photo, broker)
    session = dlq.RedisSession if is_redis(broker) else dlq.RabbitmqSession

    def crash(self, letter):
        raise ConnectionResetError("the process died here")

    with monkeypatch.context() as patch:
        patch.setattr(session, "remove", crash)
        out, err, error = dlq_command("requeue", message_id)
    assert error is not None  # a non-zero exit
    assert "sent again, but still in the dead-letter queue" in err

    # Both: still a dead letter, and a fresh copy (same id, no retries) on the work queue.
    assert dead_ids() == [message_id]
    sent = work_queue(broker, "ingest")
    assert [m.message_id for m in sent] == [message_id]
    assert "retries" not in sent[0].options and "traceback" not in sent[0].options
    assert sent[0].options["dead_letter_requeues"] == 1
    photo.refresh_from_db()
    assert photo.status == Photo.Status.QUEUED

    # The operator runs it again: a second copy goes out, and the dead letter is gone.
    out, err, error = dlq_command("requeue", message_id)
    assert error is None, err
    assert f"Requeued {message_id}" in out
    assert dead_ids() == []
    assert [m.message_id for m in work_queue(broker, "ingest")] == [message_id] * 2

    # Both copies run (two worker threads): steps are idempotent, one set of results.
    worker = start_rundramatiq()
    wait_for(
        lambda: statuses(photo) == ["ready"] and not any(work_queue(broker, q) for q in QUEUES),
        worker,
        "the photo ready and every copy consumed",
    )
    # A fan-out step taken off its queue last may still be running: a graceful stop lets it
    # finish, and nothing is left behind on the queues.
    stop_gracefully(worker)
    assert not any(work_queue(broker, q) for q in QUEUES)
    photo.refresh_from_db()
    assert photo.status == Photo.Status.READY
    assert Rendition.objects.filter(photo=photo).count() == 2
    labels = list(PhotoLabel.objects.filter(photo=photo).values_list("label_id", "kind"))
    assert len(labels) == len(set(labels))
    assert photo.events.filter(outcome="failed").count() == 1  # only the original failure


def test_a_send_that_fails_leaves_the_dead_letter_and_the_photo_as_they_were(
    configured, album, make_photo, monkeypatch
):
    broker, _ = configured
    photo, message_id = failed_photo(album, make_photo, broker)
    before = photo_and_step(photo)
    session = dlq.RedisSession if is_redis(broker) else dlq.RabbitmqSession

    def refused(self, message):
        raise ConnectionRefusedError("the broker went away")

    monkeypatch.setattr(session, "send", refused)
    _, err, error = dlq_command("requeue", message_id)
    assert error is not None and "ConnectionRefusedError" in err
    assert dead_ids() == [message_id]
    assert work_queue(broker, "ingest") == []
    after = photo_and_step(photo)
    assert after == before and after["status"] == Photo.Status.FAILED
    outcomes = list(photo.events.values_list("outcome", flat=True))
    assert outcomes == ["failed", "requeued", "requeue_failed"]


# --- Purge asks first -----------------------------------------------------------------------


def test_purge_needs_a_yes_and_leaves_photos_failed(
    configured, album, make_photo, client, settings
):
    broker, _ = configured
    (a, a_id), (b, b_id), (c, c_id) = (
        failed_photo(album, make_photo, broker, name)
        for name in ("Canon_40D.jpg", "hopper.png", "orientation_landscape_8.jpg")
    )

    # Looking does not consume, nor reorder.
    assert dead_ids() == [a_id, b_id, c_id]
    assert dead_ids() == [a_id, b_id, c_id]
    assert dlq.dead_letter_counts() == {"ingest": 3, "labels": 0, "text": 0, "pipeline": 0}
    settings.METRICS_TOKEN = "scraper-secret"
    metrics = client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer scraper-secret")
    assert 'imagesite_dead_letters{queue="ingest"} 3.0' in metrics.content.decode()

    for answer in ("no\n", "", "y\n"):  # "no", no answer at all (no stdin), anything else
        out, _, error = dlq_command("purge", b_id, stdin=io.StringIO(answer))
        assert "Type 'yes' to confirm" in out and b_id in out
        assert error is not None and "nothing purged" in str(error)
        assert dead_ids() == [a_id, b_id, c_id]

    out, err, error = dlq_command("purge", b_id, stdin=io.StringIO("yes\n"))
    assert error is None, err
    assert "Purged 1 dead letter(s)." in out
    assert dead_ids() == [a_id, c_id]  # the others keep their places

    out, err, error = dlq_command("purge", "--all", "--yes")
    assert error is None, err
    assert "Purged 2 dead letter(s)." in out and "Type 'yes'" not in out
    assert dead_ids() == []
    assert statuses(a, b, c) == ["failed"] * 3
    assert b.events.filter(outcome="purged").count() == 1


def test_unknown_ids_and_queues_fail_with_a_message(configured, album, make_photo):
    broker, _ = configured
    _, message_id = failed_photo(album, make_photo, broker)

    out, err, error = dlq_command("requeue", message_id, "no-such-id")
    assert error is not None and "no-such-id: no such dead letter" in err
    assert dead_ids() == []  # the one that exists was requeued
    for args in (("show", "no-such-id"), ("purge", "no-such-id", "--yes")):
        assert "No dead letter with the id no-such-id" in str(dlq_command(*args)[2])
    assert "Unknown queue 'nope'" in str(dlq_command("list", "--queue", "nope")[2])
    assert "or pass --all" in str(dlq_command("requeue")[2])
    assert "or pass --all" in str(dlq_command("purge", message_id, "--all")[2])


# --- The embedded broker ----------------------------------------------------------------------


def test_the_embedded_broker_points_to_the_database(broker):
    for args in (("list",), ("requeue", "--all"), ("purge", "--all", "--yes")):
        _, _, error = dlq_command(*args)
        assert error is not None
        assert "Dead letters live in the database" in str(error)
        assert "reprocess --status failed" in str(error)
    assert dlq.dead_letter_counts() == {}


# --- A step of an installation's own ----------------------------------------------------------


def test_a_step_added_by_settings_dead_letters_and_a_requeue_brings_it_back(
    configured, start_rundramatiq, album, make_photo, extra_step, tmp_path
):
    """One module and one setting: the worker runs the step, its failure fails the photo into
    the dead-letter queue, and `dlq requeue` sends the step (only it) again."""
    broker, _ = configured
    broker.declare_queue(extra_step.queue)
    broken = tmp_path / "extra-step-broken"
    broken.write_text("the test's fault switch")
    photo = make_photo(album)
    broker.enqueue(tasks.actor_for("ingest").message(str(photo.id)))
    worker = start_rundramatiq(
        **FAST_FAILURE,
        PIPELINE_EXTRA_STEPS="tests.processing.extra_step.STEP",
        EXTRA_STEP_FAIL_FILE=str(broken),
    )

    wait_for(
        lambda: (
            statuses(photo) == ["failed"]
            and dlq.dead_letter_counts().get("extra") == 1
            # its sibling finishes too (its row may not exist yet when the extra step fails)
            and photo.steps.filter(step="labels", status="done").exists()
        ),
        worker,
        "the extra step dead-lettered and labels done",
    )
    steps = dict(photo.steps.values_list("step", "status"))
    assert {"ingest": "done", "labels": "done", "extra": "failed"}.items() <= steps.items()
    [row] = json.loads(dlq_command("list", "--json")[0])
    assert (row["queue"], row["actor"], row["step"]) == ("extra", "extra", "extra")
    assert row["photo"]["failed_step"] == "extra"
    assert row["error"] == "Broken: the extra step broke, as the test asked"

    broken.unlink()
    out, err, error = dlq_command("requeue", "--all")
    assert error is None, err
    wait_for(lambda: statuses(photo) == ["ready"], worker, "the photo ready")
    assert set(photo.steps.values_list("status", flat=True)) <= {"done", "skipped"}
    history = list(photo.events.filter(step="extra").values_list("outcome", flat=True))
    assert history[-3:] == ["failed", "requeued", "done"]
    assert photo.events.filter(step="ingest", outcome="done").count() == 1  # not run again
