"""Scale-in, as ECS does it: SIGTERM to a worker in the middle of a message. dramatiq stops
taking messages, lets the one in hand finish within --worker-shutdown-timeout, acknowledges
it and exits 0; what it had not started stays on its queue for the next worker.

The message is held at a known point: the tests' extra step (tests/processing/extra_step.py)
waits inside the worker until the test releases it, so the signal lands mid-message.
"""

import os
import signal

import pytest

from albums.models import Photo
from processing.models import PhotoStep
from tests.support.faults import (
    enqueue_all,
    make_distinct_photos,
    unacked_messages,
    unfinished,
    wait_until,
)

pytestmark = pytest.mark.django_db(transaction=True)
EXTRA = {"PIPELINE_EXTRA_STEPS": "tests.processing.extra_step.STEP"}


@pytest.mark.slow
def test_sigterm_lets_the_message_in_hand_finish_and_loses_nothing(
    redis_broker, start_worker, local_media, album, tmp_path
):
    redis_broker.declare_queue("extra")
    hold = tmp_path / "hold"
    hold.mkdir()
    [photo] = make_distinct_photos(album, 1)
    worker = start_worker(**EXTRA, EXTRA_STEP_HOLD_DIR=str(hold))
    enqueue_all(redis_broker, [photo])
    wait_until(
        lambda: (hold / f"started-{photo.id}").exists(),
        timeout=60,
        workers=[worker],
        what="the worker inside the extra step",
    )
    assert Photo.objects.get(pk=photo.pk).status != Photo.Status.READY  # it is held

    # As ECS stops a task: SIGTERM to the container's first process (dramatiq's main process,
    # which rundramatiq execs), which passes it on to its worker process once.
    os.kill(worker.pid, signal.SIGTERM)
    (hold / "release").touch()
    worker.process.wait(timeout=60)

    assert worker.process.returncode == 0, worker.log()
    assert (hold / f"finished-{photo.id}").exists(), "the step in hand was cut short"
    assert PhotoStep.objects.get(photo=photo, step="extra").status == PhotoStep.Status.DONE
    assert not unacked_messages(redis_broker), "a message was left fetched and unacknowledged"

    # Whatever the stopped worker had not started (labels, maybe) is still queued: the next
    # worker finishes the photo, with each step done once.
    after = start_worker(**EXTRA, EXTRA_STEP_HOLD_DIR=str(hold))
    wait_until(
        lambda: Photo.objects.get(pk=photo.pk).status == Photo.Status.READY,
        timeout=90,
        workers=[after],
        what="the photo ready after the restart",
        explain=lambda: unfinished([photo.id]),
    )
    done = photo.events.filter(outcome="done").values_list("step", flat=True)
    assert sorted(done) == sorted(set(done)), list(done)  # no step ran twice
