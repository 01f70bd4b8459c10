"""Sending photos into the pipeline, and the embedded worker that runs it in-process."""

import atexit
import logging
import threading
from datetime import timedelta

import dramatiq
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from dramatiq.brokers.stub import StubBroker

from albums.models import Photo
from processing import registry, runner, tasks

logger = logging.getLogger(__name__)

_embedded_lock = threading.Lock()
_embedded_worker = None
_sweep_thread = None


def pipeline_start(*, photo_id) -> None:
    """Plan every registered step for the photo and send the first ones once the
    surrounding transaction commits."""
    pipeline_send(photo_id=photo_id, steps=None)


def pipeline_send(*, photo_id, steps: list[str] | None) -> None:
    """Make `steps` pending again (all, when None) and send the ones that can start now,
    once the surrounding transaction commits."""
    ensure_embedded_worker()
    if steps is None:
        runner.steps_plan(photo_id=photo_id)
        names = [step.name for step in registry.first_steps()]
    else:
        runner.steps_plan(photo_id=photo_id, names=steps)
        names = steps
    for name in names:
        transaction.on_commit(lambda name=name: tasks.send(name, photo_id))


def uses_embedded_broker() -> bool:
    return isinstance(dramatiq.get_broker(), StubBroker)


def ensure_embedded_worker():
    """With no broker URL, run worker threads inside this process (once).

    Called when the web process starts and before anything is sent, so the site works as a
    single process. A fresh in-process broker has forgotten every message, so the stale
    sweep re-sends whatever the database says is still waiting.
    """
    global _embedded_worker, _sweep_thread
    if not settings.EMBEDDED_WORKER_AUTOSTART or not uses_embedded_broker():
        return None
    with _embedded_lock:
        if _embedded_worker is not None:
            return _embedded_worker
        # dramatiq's Worker only in embedded mode, once the broker is set up.
        from dramatiq import Worker

        worker = Worker(
            dramatiq.get_broker(),
            worker_threads=settings.EMBEDDED_WORKER_THREADS,
            worker_timeout=200,
        )
        worker.start()
        atexit.register(worker.stop)
        _embedded_worker = worker
        logger.info("Embedded worker started with %d threads", settings.EMBEDDED_WORKER_THREADS)
        _sweep_thread = threading.Thread(target=_sweep_on_start, name="sweep", daemon=True)
        _sweep_thread.start()
    return worker


def embedded_worker_running() -> bool:
    """True when this process runs the in-process worker: its work ends with the process."""
    return _embedded_worker is not None


def stop_embedded_worker() -> None:
    """Stop the in-process worker and its start-up sweep, if they run (tests, shutdown)."""
    global _embedded_worker, _sweep_thread
    with _embedded_lock:
        worker, sweep = _embedded_worker, _sweep_thread
        _embedded_worker = _sweep_thread = None
    if sweep is not None:
        sweep.join()
    if worker is not None:
        worker.stop()
        atexit.unregister(worker.stop)


def _sweep_on_start():
    # Runs in the sweep's own thread: its connections are closed there (below).
    from django.db import connections

    try:
        resent = pipeline_resend_stale(older_than_minutes=0)
        if resent:
            logger.info("Re-sent %d photos the in-process broker had forgotten", len(resent))
    except Exception:  # a missing table before the first migrate, say
        logger.exception("Stale-photo sweep at start-up failed")
    finally:
        connections.close_all()  # this thread's own connections


def pipeline_resend_stale(*, older_than_minutes: int | None = None) -> list:
    """Re-send photos left queued or processing (a restarted broker, a lost message):
    each one's unfinished steps that can run now. Returns the ids of the photos re-sent."""
    if older_than_minutes is None:
        older_than_minutes = settings.PIPELINE_STALE_AFTER_MINUTES
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    stale = Photo.objects.filter(status__in=(Photo.Status.QUEUED, Photo.Status.PROCESSING))
    stale = stale.filter(Q(queued_at__lte=cutoff) | Q(queued_at__isnull=True))
    ids = list(stale.values_list("id", flat=True))
    for photo_id in ids:
        Photo.objects.filter(pk=photo_id).update(queued_at=timezone.now())
        for name in runner.steps_to_resend(photo_id=photo_id):
            tasks.send(name, photo_id)
    return ids
