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
import time

import dramatiq
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse

from albums.models import Photo, PhotoLabel, Rendition
from processing import dlq, services, tasks
from tests.conftest import corpus_file
from tests.processing.conftest import QUEUES, ROOT, subprocess_env, worker_log

pytestmark = pytest.mark.django_db(transaction=True)

WAIT_SECONDS = 45
FAST_FAILURE = {"PIPELINE_MAX_RETRIES": "1"}  # two attempts, then the dead-letter queue


# --- Helpers ------------------------------------------------------------------------------


@pytest.fixture
def configured(real_broker):
    """Make the real broker this process's configured one, as DRAMATIQ_BROKER_URL would."""
    broker, url = real_broker
    stub = dramatiq.get_broker()
    dramatiq.set_broker(broker)
    yield broker, url
    dramatiq.set_broker(stub)


def is_redis(broker) -> bool:
    from dramatiq.brokers.redis import RedisBroker

    return isinstance(broker, RedisBroker)


def dlq_command(*args, stdin=None) -> tuple[str, str, CommandError | None]:
    out, err = io.StringIO(), io.StringIO()
    extra = {"stdin": stdin} if stdin is not None else {}
    try:
        call_command("dlq", *args, stdout=out, stderr=err, **extra)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


def dead_ids(queue=None) -> list[str]:
    return [view.letter.id for view in dlq.dead_letters_list(queue=queue)]


def hide_original(photo: Photo) -> bytes:
    """Take the photo's original out of storage (an outage, a lost object); keep its bytes."""
    with default_storage.open(photo.original.name, "rb") as fp:
        data = fp.read()
    default_storage.delete(photo.original.name)
    return data


def restore_original(photo: Photo, data: bytes) -> None:
    assert default_storage.save(photo.original.name, ContentFile(data)) == photo.original.name


def wait_for(condition, process=None, what="the condition"):
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if process is not None:
            assert process.poll() is None, f"the worker exited:\n{worker_log(process)}"
        log = worker_log(process) if process is not None else ""
        assert time.monotonic() < deadline, f"gave up waiting for {what}\n{log}"
        time.sleep(0.1)


def statuses(*photos) -> list[str]:
    by_id = dict(Photo.objects.filter(pk__in=[p.pk for p in photos]).values_list("pk", "status"))
    return [by_id[p.pk] for p in photos]


def kill(broker, message: dramatiq.Message) -> None:
    """Dead-letter a message as a worker does when retries run out: deliver it, then nack."""
    broker.enqueue(message)
    consumer = broker.consume(message.queue_name, prefetch=1, timeout=200)
    try:
        for _ in range(50):
            delivered = next(consumer)
            if delivered is not None:
                break
        assert delivered is not None and delivered.message_id == message.message_id
        consumer.nack(delivered)
    finally:
        consumer.close()


def failed_photo(album, make_photo, broker, name="Canon_40D.jpg") -> tuple[Photo, str]:
    """A photo whose metadata step gave up, and its message in the dead-letter queue."""
    photo = make_photo(album, corpus_file("good", name))
    error = "FileNotFoundError: [Errno 2] No such file or directory"
    # The body a broker dead-letters is the last one enqueued: the first failure's retry.
    message = tasks.extract_metadata.message_with_options(
        args=(str(photo.id),), retries=1, traceback=f"Traceback (most recent call last):\n{error}"
    )
    services.photo_fail(
        photo_id=photo.id,
        step="metadata",
        error=error,
        attempts=2,
        exception=FileNotFoundError(error),
    )
    kill(broker, message)
    time.sleep(0.005)  # Redis orders dead letters by the millisecond they died
    return photo, message.message_id


def work_queue(broker, queue: str) -> list[dramatiq.Message]:
    """The messages waiting on a work queue, left where they are."""
    if is_redis(broker):
        keys = broker.client.lrange(f"{broker.namespace}:{queue}", 0, -1)
        datas = broker.client.hmget(f"{broker.namespace}:{queue}.msgs", keys) if keys else []
        return [dramatiq.Message.decode(data) for data in datas]
    import pika

    connection = pika.BlockingConnection(broker.parameters)
    try:
        channel = connection.channel()
        messages = []
        while True:
            method, _, body = channel.basic_get(queue, auto_ack=False)
            if method is None:
                return messages
            messages.append(dramatiq.Message.decode(body))
    finally:
        connection.close()  # unacked: they all go back


# --- A real failure, listed, fixed and requeued ---------------------------------------------


def test_photos_that_failed_are_listed_then_requeued_and_end_ready(
    configured, start_rundramatiq, album, make_photo
):
    broker, url = configured
    lost = make_photo(album, corpus_file("good", "Canon_40D.jpg"))  # fails at metadata
    half = make_photo(album, corpus_file("good", "hopper.png"))  # fails at thumbnails
    assert services.photo_extract_metadata(photo_id=half.id)  # metadata and labels done
    services.photo_detect_labels(photo_id=half.id)
    originals = {lost.pk: hide_original(lost), half.pk: hide_original(half)}
    broker.enqueue(tasks.extract_metadata.message(str(lost.id)))
    broker.enqueue(tasks.render_thumbnails.message(str(half.id)))
    worker = start_rundramatiq(**FAST_FAILURE)

    wait_for(
        lambda: (
            statuses(lost, half) == ["failed", "failed"]
            and dlq.dead_letter_counts() == {"labels": 0, "metadata": 1, "thumbnails": 1}
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
    expected = {lost: ("metadata", "extract_metadata"), half: ("thumbnails", "render_thumbnails")}
    for photo, (queue, actor) in expected.items():
        row = rows[str(photo.id)]
        assert (row["queue"], row["actor"], row["tries"]) == (queue, actor, 2)
        assert row["photo"]["owner"] == "owner@example.com"
        assert row["photo"]["album"] == "Holiday"
        assert row["photo"]["file_name"] == photo.original_name
        assert row["photo"]["status"] == "failed"
        assert "missing from storage" in row["photo"]["reason"]
        assert row["error"].startswith("FileNotFoundError")
        assert 0 <= row["age_seconds"] < WAIT_SECONDS
    metadata_id, thumbnails_id = rows[str(lost.id)]["id"], rows[str(half.id)]["id"]

    out, _, error = dlq_command("list")
    assert error is None
    header, *lines, summary = out.strip().splitlines()
    assert header.split() == [
        "ID", "QUEUE", "ACTOR", "TRIES", "AGE", "PHOTO", "FILE", "OWNER", "ALBUM", "ERROR",
    ]  # fmt: skip
    assert [line.split()[0] for line in lines] == [metadata_id, thumbnails_id]  # queue order
    assert "Canon_40D.jpg" in lines[0] and "owner@example.com" in lines[0]
    assert "FileNotFoundError" in lines[1] and " 2 " in lines[1]
    assert summary == "2 dead letter(s)."

    out, _, _ = dlq_command("list", "--queue", "thumbnails", "--json")
    assert [row["id"] for row in json.loads(out)] == [thumbnails_id]

    out, _, _ = dlq_command("show", thumbnails_id)
    assert f"Dead letter {thumbnails_id}" in out
    assert json.dumps([str(half.id)]) in out  # the arguments
    assert "Last error" in out and "FileNotFoundError" in out and "Traceback" in out
    shown = json.loads(dlq_command("show", thumbnails_id, "--json")[0])
    assert shown["args"] == [str(half.id)] and shown["copies"] == 1
    assert "FileNotFoundError" in shown["traceback"]

    # The fault is fixed: the files are back. Requeue everything.
    for photo in (lost, half):
        restore_original(photo, originals[photo.pk])
    out, err, error = dlq_command("requeue", "--all")
    assert error is None, err
    assert "Requeueing [" in out and "2/2" in out
    assert "Requeued 2 dead letter(s)." in out
    assert dlq.dead_letter_counts() == {"labels": 0, "metadata": 0, "thumbnails": 0}

    # `half` only gets there because the requeue put it back to `processing`, the state in
    # which the last fan-out step marks a photo ready.
    wait_for(lambda: statuses(lost, half) == ["ready", "ready"], worker, "both photos ready")
    for photo, step in ((lost, "metadata"), (half, "thumbnails")):
        photo.refresh_from_db()
        assert photo.status_reason == "" and photo.failed_step == "" and photo.failed_at is None
        assert photo.renditions.count() == 2
        outcomes = list(photo.events.filter(step=step).values_list("outcome", flat=True))
        assert outcomes[-3:] == ["failed", "requeued", "done"]
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
    sent = work_queue(broker, "metadata")
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
    assert [m.message_id for m in work_queue(broker, "metadata")] == [message_id] * 2

    # Both copies run (two worker threads): steps are idempotent, one set of results.
    worker = start_rundramatiq()
    wait_for(
        lambda: statuses(photo) == ["ready"] and not any(work_queue(broker, q) for q in QUEUES),
        worker,
        "the photo ready and every copy consumed",
    )
    time.sleep(0.5)  # a fan-out step taken off its queue last may still be running
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
    before = Photo.objects.values("status", "status_reason", "failed_step").get(pk=photo.pk)
    session = dlq.RedisSession if is_redis(broker) else dlq.RabbitmqSession

    def refused(self, message):
        raise ConnectionRefusedError("the broker went away")

    monkeypatch.setattr(session, "send", refused)
    _, err, error = dlq_command("requeue", message_id)
    assert error is not None and "ConnectionRefusedError" in err
    assert dead_ids() == [message_id]
    assert work_queue(broker, "metadata") == []
    after = Photo.objects.values("status", "status_reason", "failed_step").get(pk=photo.pk)
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
    assert dlq.dead_letter_counts() == {"labels": 0, "metadata": 3, "thumbnails": 0}
    settings.METRICS_TOKEN = "scraper-secret"
    metrics = client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer scraper-secret")
    assert 'imagesite_dead_letters{queue="metadata"} 3.0' in metrics.content.decode()

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
