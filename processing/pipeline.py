"""Starting the pipeline for a photo, and the embedded worker that runs it in-process."""

import atexit
import logging
import threading

import dramatiq
from django.conf import settings
from django.db import transaction
from dramatiq.brokers.stub import StubBroker

logger = logging.getLogger(__name__)

_embedded_lock = threading.Lock()
_embedded_worker = None
_sweep_thread = None


def pipeline_start(*, photo_id) -> None:
    """Send the photo's first step once the surrounding transaction commits."""
    from processing import tasks

    ensure_embedded_worker()
    transaction.on_commit(lambda: tasks.extract_metadata.send(str(photo_id)))


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
        from dramatiq import Worker

        from processing import tasks  # noqa: F401  (declares the actors and their queues)

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
    from django.db import connections

    from processing.services import pipeline_resend_stale

    try:
        resent = pipeline_resend_stale(older_than_minutes=0)
        if resent:
            logger.info("Re-sent %d photos the in-process broker had forgotten", len(resent))
    except Exception:  # a missing table before the first migrate, say
        logger.exception("Stale-photo sweep at start-up failed")
    finally:
        connections.close_all()  # this thread's own connections
