"""The dead-letter tests' helpers (tests/processing/test_dlq.py): `manage.py dlq` in this
process, what is dead-lettered or waiting on a broker's queues, photos made to fail."""

import io
import os
import signal

import dramatiq
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from albums.models import Photo
from processing import dlq, runner, services, tasks
from processing.models import PhotoStep
from tests.support.corpus import corpus_file
from tests.support.waiting import next_millisecond, wait_until
from tests.support.workers import worker_log

WAIT_SECONDS = 45


def is_redis(broker) -> bool:
    from dramatiq.brokers.redis import RedisBroker  # only with the redis extra installed

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
    def worker_alive():
        if process is not None:
            assert process.poll() is None, f"the worker exited:\n{worker_log(process)}"

    explain = (lambda: worker_log(process)) if process is not None else None
    wait_until(condition, timeout=WAIT_SECONDS, what=what, check=worker_alive, explain=explain)


def stop_gracefully(process) -> None:
    """SIGTERM a `manage.py rundramatiq`: dramatiq finishes the messages it is running, then
    exits (--worker-shutdown-timeout 5000)."""
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


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
    """A photo whose ingest step gave up, and its message in the dead-letter queue."""
    photo = make_photo(album, corpus_file("good", name))
    error = "FileNotFoundError: [Errno 2] No such file or directory"
    # The body a broker dead-letters is the last one enqueued: the first failure's retry.
    message = tasks.actor_for("ingest").message_with_options(
        args=(str(photo.id),), retries=1, traceback=f"Traceback (most recent call last):\n{error}"
    )
    runner.steps_plan(photo_id=photo.id)
    reason = services.failure_reason(step="ingest", exception=FileNotFoundError(error), attempts=2)
    PhotoStep.objects.filter(photo=photo, step="ingest").update(
        attempts=2, error=error, reason=reason
    )
    runner.step_exhausted(step_name="ingest", photo_id=photo.id, retries=1)
    kill(broker, message)
    next_millisecond()  # Redis orders dead letters by the millisecond they died
    return photo, message.message_id


def photo_and_step(photo: Photo) -> dict:
    row = Photo.objects.values("status", "status_reason").get(pk=photo.pk)
    step = PhotoStep.objects.values("status", "reason").get(photo=photo, step="ingest")
    return row | {"step": step}


def work_queue(broker, queue: str) -> list[dramatiq.Message]:
    """The messages waiting on a work queue, left where they are."""
    if is_redis(broker):
        keys = broker.client.lrange(f"{broker.namespace}:{queue}", 0, -1)
        datas = broker.client.hmget(f"{broker.namespace}:{queue}.msgs", keys) if keys else []
        return [dramatiq.Message.decode(data) for data in datas]
    import pika  # RabbitMQ's client: only when the broker is RabbitMQ

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
