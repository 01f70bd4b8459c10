"""Fixtures for fault tests: real `manage.py rundramatiq` workers on Redis, a media folder of
the test's own, a MariaDB database of the test's own. The helpers behind them and the ones tests
use (a TCP proxy that can take a server away, distinct copies of corpus photos, ...) are in
tests/support/faults.py.

A worker is a subprocess in its own process group (rundramatiq execs dramatiq, which forks
its worker process), so it can be SIGKILLed whole, as a machine dying would. It shares the
test database with this process (tests/support/workers.py: subprocess_env) and a media
folder made for the test; everything is killed, flushed and removed at the end.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.support.faults import (
    FAULT_ALIAS,
    REDIS_URL,
    FaultDatabase,
    WorkerProcess,
    worker_env,
)
from tests.support.services import require_service
from tests.support.workers import QUEUES, ROOT

# --- Redis, seen from this process -----------------------------------------------------------


@pytest.fixture
def redis_broker():
    """A RedisBroker of this process on the workers' Redis database, flushed before and after."""
    require_service("Redis", "127.0.0.1", 6379)
    from dramatiq.brokers.redis import RedisBroker

    broker = RedisBroker(url=REDIS_URL, middleware=[])
    broker.client.flushdb()
    for queue in QUEUES:
        broker.declare_queue(queue)
    yield broker
    broker.client.flushdb()
    broker.close()


# --- Worker processes -----------------------------------------------------------------------


@pytest.fixture
def start_worker(redis_broker, tmp_path):
    """start_worker(**env) -> WorkerProcess; every one started is stopped at the end."""
    started: list[WorkerProcess] = []

    def start(**overrides) -> WorkerProcess:
        worker = WorkerProcess(worker_env(**overrides), tmp_path / f"worker-{len(started) + 1}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


# --- Storage and photos -----------------------------------------------------------------------


@pytest.fixture
def local_media(settings):
    """A media folder of this test's own for the default (file system) storage; removed after."""
    path = Path(tempfile.mkdtemp(prefix="imagesite-faults-media-"))
    settings.MEDIA_ROOT = str(path)
    settings.STORAGES = {  # a new dict, so Django rebuilds default_storage
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(path), "base_url": settings.MEDIA_URL},
        },
    }
    yield path
    shutil.rmtree(path, ignore_errors=True)


# --- A MariaDB database of the test's own -------------------------------------------------------


@pytest.fixture
def fault_db():
    """A fresh, migrated MariaDB database (`manage.py migrate` in a subprocess), dropped after.

    Whatever database the rest of the suite runs on, workers in this test use this one, and
    this process reaches it as the `fault` database alias.
    """
    require_service("MariaDB", "127.0.0.1", 3306)
    import environ
    from django.db import connections
    from django.db.utils import ConnectionDoesNotExist, load_backend

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    # Its own name per process: parallel workers, and other runs on the same server, each
    # drop and create their own.
    database = FaultDatabase(f"imagesite_fault_db_{worker or 'main'}_{os.getpid()}")
    database.execute(f"DROP DATABASE IF EXISTS `{database.name}`")
    database.execute(
        f"CREATE DATABASE `{database.name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    )
    try:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
        env["DATABASE_URL"] = database.url
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert migrate.returncode == 0, migrate.stdout + migrate.stderr
        config = environ.Env.db_url_config(database.url)
        config.update(  # as imagesite/settings.py configures MySQL
            CONN_HEALTH_CHECKS=True,
            OPTIONS={
                "charset": "utf8mb4",
                "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
                "isolation_level": "read committed",
            },
        )
        # A connection made here, not a DATABASES entry: Django's test case lets such a
        # "dynamically created" alias through (this thread only, which is all it needs).
        config = connections.configure_settings({"default": {}, FAULT_ALIAS: config})
        connections[FAULT_ALIAS] = load_backend(config[FAULT_ALIAS]["ENGINE"]).DatabaseWrapper(
            config[FAULT_ALIAS], FAULT_ALIAS
        )
        yield database
    finally:
        try:
            connections[FAULT_ALIAS].close()
            del connections[FAULT_ALIAS]
        except ConnectionDoesNotExist:
            pass
        database.execute(f"DROP DATABASE IF EXISTS `{database.name}`")
        database.root.close()
