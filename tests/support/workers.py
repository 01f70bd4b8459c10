"""The real brokers' addresses and the environment of a `manage.py` subprocess (rundramatiq,
migrate) that must share this test's database and media folder."""

import atexit
import functools
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[2]  # where manage.py is


def xdist_index() -> int:
    """This pytest-xdist worker's number (gw0 -> 0), 0 without xdist."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker[2:]) if worker.startswith("gw") else 0


# A Redis database of this process's own, flushed by each test that uses it, so no other
# test process (another xdist worker, another checkout's suite on this machine, the pytest
# run tests/deploy/test_iam_coverage.py starts) flushes or consumes its queues. Databases
# 1-9 are the tests' (10-14 belong to bench/ and older layouts): each process claims one
# with SET NX in database 0, released at exit, expiring after two hours if the process is
# killed. IMAGESITE_TEST_REDIS_DB names one instead. Claimed on first use (REDIS_DB or
# REDIS_URL), so processes that never touch Redis hold none.
TEST_REDIS_DBS = range(9, 0, -1)
CLAIM = "imagesite:test-redis-db:{}"


def _claim_redis_db() -> int:
    named = os.environ.get("IMAGESITE_TEST_REDIS_DB")
    if named:
        return int(named)
    import redis  # the client dramatiq's Redis broker uses; only when a test asks for Redis

    client = redis.Redis(host="127.0.0.1", port=6379, db=0, socket_connect_timeout=2)
    owner = f"{os.uname().nodename}:{os.getpid()}"
    try:
        for db in TEST_REDIS_DBS:
            if client.set(CLAIM.format(db), owner, nx=True, ex=2 * 3600):
                atexit.register(_release_redis_db, client, db, owner)
                return db
    except redis.ConnectionError:
        return 9 - xdist_index()  # no server: the tests that need it skip with the reason
    raise RuntimeError(
        f"every test Redis database ({TEST_REDIS_DBS.stop + 1}-{TEST_REDIS_DBS.start}) is "
        "claimed by another test run (or a killed one, for up to two hours): see "
        f"`redis-cli keys '{CLAIM.format('*')}'`"
    )


def _release_redis_db(client, db: int, owner: str) -> None:
    try:
        if client.get(CLAIM.format(db)) == owner.encode():
            client.delete(CLAIM.format(db))
    except Exception:  # at exit, with the server gone: the claim expires by itself
        pass


@functools.cache
def _redis_db() -> int:
    return _claim_redis_db()


def __getattr__(name: str):
    """REDIS_DB and REDIS_URL, claimed on first use (PEP 562)."""
    if name == "REDIS_DB":
        return _redis_db()
    if name == "REDIS_URL":
        return f"redis://127.0.0.1:6379/{_redis_db()}"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# RabbitMQ: a virtual host of this process's own when rabbitmqctl can manage the local server
# (root on CI and this machine), so no other run's worker takes these tests' messages;
# otherwise the default virtual host, shared. Either way the tests using it carry
# xdist_group("rabbitmq") and one worker runs them all (tests/conftest.py).
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
QUEUES = ("ingest", "labels", "text", "pipeline")


def rabbitmq_vhost_create() -> str | None:
    """A fresh virtual host on the local RabbitMQ with guest's permissions, by rabbitmqctl:
    its name, or None when rabbitmqctl is missing or may not manage the server."""
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        return None
    vhost = f"imagesite-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"
    try:
        for command in (
            ["add_vhost", vhost],
            ["set_permissions", "-p", vhost, "guest"] + [".*"] * 3,
        ):
            subprocess.run([ctl, "-q", *command], check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        rabbitmq_vhost_delete(vhost)
        return None
    return vhost


def rabbitmq_vhost_delete(vhost: str) -> None:
    ctl = shutil.which("rabbitmqctl")
    if ctl is not None:
        subprocess.run([ctl, "-q", "delete_vhost", vhost], capture_output=True, timeout=60)


def amqp_url(vhost: str | None) -> str:
    return AMQP_URL + quote(vhost, safe="") if vhost else AMQP_URL


def database_url() -> str:
    """DATABASE_URL for a process that must see this test's database."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        name = str(db["NAME"])
        assert Path(name).is_absolute() and "memory" not in name, (
            f"the test database must be a file a subprocess can open, not {name!r}"
        )
        return f"sqlite:///{name}"
    if db["ENGINE"] == "django.db.backends.mysql":
        user, password = quote(db["USER"] or "", safe=""), quote(db["PASSWORD"] or "", safe="")
        host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 3306
        return f"mysql://{user}:{password}@{host}:{port}/{db['NAME']}"
    pytest.fail(f"no DATABASE_URL for {db['ENGINE']}")


def subprocess_env(broker_url: str, **extra: str) -> dict[str, str]:
    """The environment of a `manage.py` subprocess sharing this test's database and media."""
    from django.conf import settings

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DRAMATIQ_BROKER_URL": broker_url,
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "LABEL_DETECTOR": "local",
        **extra,
    }


def worker_log(process) -> str:
    process.log.flush()
    process.log.seek(0)
    return process.log.read()[-5000:]


def forget_unfinished(broker) -> None:
    """The StubBroker's consumer cannot requeue: a message that an earlier test's worker had
    fetched but not run when it stopped (an enrichment still waiting, say) stays unfinished
    in its queue for ever, and every later join on that queue waits for it. Each test
    starts from none."""
    from dramatiq.brokers.stub import StubBroker

    if not isinstance(broker, StubBroker):
        return
    for queue in broker.queues.values():  # delay queues (`name.DQ`) are among them
        with queue.all_tasks_done:  # holds the queue's lock: qsize() would wait for it
            queue.unfinished_tasks = len(queue.queue)
            if not queue.unfinished_tasks:
                queue.all_tasks_done.notify_all()
