"""Fixtures for the pipeline tests: hostile files, a module-wide worker, the real brokers
and `manage.py rundramatiq` subprocesses. The helpers behind them are in tests/support/."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import dramatiq
import pytest

from tests.support.corpus import HOSTILE_FILES
from tests.support.services import require_service
from tests.support.workers import (
    QUEUES,
    REDIS_URL,
    ROOT,
    amqp_url,
    rabbitmq_vhost_create,
    rabbitmq_vhost_delete,
    subprocess_env,
)


@pytest.fixture
def hostile_file(tmp_path):
    """Write one of HOSTILE_FILES to disk; returns (path, expected words in the reason)."""

    def make(name: str) -> tuple[Path, str]:
        data, words = HOSTILE_FILES[name]
        path = tmp_path / name
        path.write_bytes(data)
        return path, words

    return make


# --- One worker for a whole module ------------------------------------------------------------


@pytest.fixture(scope="module")
def module_worker():
    """A dramatiq Worker on the in-process broker, started once per test module.

    Starting and stopping a worker costs a few hundred milliseconds; parametrized tests
    over the corpus share this one. Each test still gets a flushed broker (`broker`).
    """
    from processing import tasks  # noqa: F401  (declares the actors and their queues)

    worker = dramatiq.Worker(dramatiq.get_broker(), worker_threads=2, worker_timeout=50)
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def drain(broker, module_worker):
    """Run the pipeline on the module's worker until every queue is quiet."""

    def run(timeout_ms: int = 60_000):
        for _ in range(5):  # steps enqueue further steps: join until all are quiet
            for queue in list(broker.queues):
                broker.join(queue, fail_fast=False, timeout=timeout_ms)
            module_worker.join()
            if all(broker.queues[q].qsize() == 0 for q in broker.queues):
                break

    return run


# --- The real brokers and `manage.py rundramatiq` ----------------------------------------------


@pytest.fixture(scope="session")
def rabbitmq_url():
    """This process's RabbitMQ URL: a virtual host of its own while the session lasts, where
    rabbitmqctl can make one (tests/support/workers.py), else the default one."""
    require_service("RabbitMQ", "127.0.0.1", 5672)
    vhost = rabbitmq_vhost_create()
    yield amqp_url(vhost)
    if vhost:
        rabbitmq_vhost_delete(vhost)


@pytest.fixture(
    params=["redis", pytest.param("rabbitmq", marks=pytest.mark.xdist_group("rabbitmq"))]
)
def real_broker(request):
    """A broker of this process for the same server the worker uses, emptied first."""
    if request.param == "redis":
        require_service("Redis", "127.0.0.1", 6379)
        from dramatiq.brokers.redis import RedisBroker

        broker, url = RedisBroker(url=REDIS_URL, middleware=[]), REDIS_URL
        broker.client.flushdb()
    else:
        url = request.getfixturevalue("rabbitmq_url")
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=url, middleware=[])
    for queue in QUEUES:
        broker.declare_queue(queue)
    broker.flush_all()
    yield broker, url
    broker.flush_all()
    broker.close()


@pytest.fixture
def start_rundramatiq(real_broker, tmp_path):
    """Start `manage.py rundramatiq` (extra environment variables as keywords) in its own
    process group; every one started is stopped with SIGTERM at the end."""
    _, url = real_broker
    started = []

    def start(**extra_env: str) -> subprocess.Popen:
        name = "worker.log" if not started else f"worker-{len(started) + 1}.log"
        log = (tmp_path / name).open("w+")
        command = [sys.executable, "manage.py", "rundramatiq", "--processes", "1"]
        command += ["--threads", "2", "--worker-shutdown-timeout", "5000"]
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=subprocess_env(url, **extra_env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.log = log
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        process.log.close()


@pytest.fixture
def rundramatiq(start_rundramatiq):
    """`manage.py rundramatiq` in its own process group, stopped with SIGTERM at the end."""
    return start_rundramatiq()


@pytest.fixture
def embedded_worker(settings, broker):
    """Let commands start the in-process worker, as on a laptop; stop it afterwards."""
    from processing import pipeline

    settings.EMBEDDED_WORKER_AUTOSTART = True
    yield
    pipeline.stop_embedded_worker()
    assert pipeline._embedded_worker is None


# --- Detectors built for the settings of the moment ---------------------------------------------


@pytest.fixture
def fresh_detectors():
    """Forget the detectors processing.labeling built for earlier settings (they are cached
    per process); call it again after changing the detector settings inside a test."""
    from processing import labeling

    def clear():
        for cached in (
            labeling.get_detector,
            labeling.get_helper_detectors,
            labeling.get_text_detector,
        ):
            cached.cache_clear()

    clear()
    yield clear
    clear()
