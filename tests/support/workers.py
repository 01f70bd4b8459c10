"""The real brokers' addresses and the environment of a `manage.py` subprocess (rundramatiq,
migrate) that must share this test's database and media folder."""

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


# One Redis database per xdist worker, flushed by each test that uses it, so parallel workers
# never flush each other's queues. 12-14 belong to bench/, 10-13 to older test layouts still
# run beside this one on shared machines; the tests count down from 9, and a whole pytest run
# started by a test (tests/deploy/test_iam_coverage.py) is given 5.
REDIS_DB = int(os.environ.get("IMAGESITE_TEST_REDIS_DB") or 9 - xdist_index())
assert REDIS_DB >= 1, "too many xdist workers for the Redis databases set aside"
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
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
