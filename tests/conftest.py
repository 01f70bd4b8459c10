"""Shared fixtures: users, albums, corpus files, the broker and worker, services."""

import uuid
from pathlib import Path

import dramatiq
import pytest
from django.core.cache import cache

from tests.support.corpus import corpus_file
from tests.support.s3 import FAKE_AWS_ENV, REGION, S3Bucket, SqsQueue, s3_options
from tests.support.services import NO_SKIPS
from tests.support.workers import forget_unfinished

# --- CI: a skipped test is a failed run ------------------------------------------------


def pytest_sessionfinish(session, exitstatus):
    if not NO_SKIPS:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(
            f"IMAGESITE_NO_SKIPS=1: {len(skipped)} test(s) skipped; failing the run", red=True
        )
        session.exitstatus = 1


# --- The second database pass: only what uses the database ---------------------------------

DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


def pytest_addoption(parser):
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only tests that use the database (a django_db or mysql mark, or a "
        "database fixture) and are not marked any_database: .ci/run's MariaDB pass, after "
        "the SQLite pass ran everything",
    )


@pytest.hookimpl(trylast=True)  # after xdist's own hook has named each item's group
def pytest_collection_modifyitems(config, items):
    _check_groups_are_honoured(config, items)
    if not config.getoption("--database-tests-only"):
        return

    def uses_database(item) -> bool:
        if item.get_closest_marker("any_database"):
            return False
        marked = item.get_closest_marker("django_db") or item.get_closest_marker("mysql")
        return bool(marked or DATABASE_FIXTURES & set(item.fixturenames))

    kept = [item for item in items if uses_database(item)]
    others = [item for item in items if not uses_database(item)]
    if others:
        config.hook.pytest_deselected(items=others)
        items[:] = kept


def _check_groups_are_honoured(config, items):
    """Under `--dist loadgroup` xdist suffixes each grouped test's id with its group; a pytest
    that drops the suffix (9.2, pytest-xdist#1386) spreads a group over every worker, and the
    tests sharing a server's queues then run at once. Fail the run instead."""
    if not getattr(config.option, "loadgroup", False):
        return
    lost = [i.nodeid for i in items if i.get_closest_marker("xdist_group") and "@" not in i.nodeid]
    if lost:
        raise pytest.UsageError(
            f"xdist_group is not honoured ({lost[0]} has no @group suffix): pytest-xdist "
            "and this pytest disagree (pytest-xdist#1386); install requirements.lock"
        )


# --- Basics ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()  # allauth's rate limits count in the cache
    yield
    cache.clear()


@pytest.fixture
def make_user(db, django_user_model):
    from allauth.account.models import EmailAddress

    counter = iter(range(1, 10_000))

    def make(email=None, password="a-long-test-password", **extra):
        email = email or f"user{next(counter)}@example.com"
        user = django_user_model.objects.create_user(
            username=email.split("@")[0][:30] + str(next(counter)),
            email=email,
            password=password,
            **extra,
        )
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        return user

    return make


@pytest.fixture
def user(make_user):
    return make_user("owner@example.com")


@pytest.fixture
def other_user(make_user):
    return make_user("stranger@example.com")


@pytest.fixture
def owner_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def make_album(db):
    from albums.services import album_create

    def make(owner, title="Holiday", description=""):
        return album_create(owner=owner, title=title, description=description)

    return make


@pytest.fixture
def album(make_album, user):
    return make_album(user)


@pytest.fixture
def make_photo(db):
    """A photo row in any state, with the given corpus file stored as its original, in
    `album` (an Album) or only in a user's library (`album` a user)."""
    from django.core.files.storage import default_storage

    from albums import storage as photo_storage
    from albums.models import Album, AlbumPhoto, Photo

    def make(album, path: Path | None = None, status=Photo.Status.QUEUED, **fields):
        path = path or corpus_file("good", "Canon_40D.jpg")
        owner = album.owner if isinstance(album, Album) else album
        photo = Photo(owner=owner, original_name=path.name, status=status, **fields)
        key = photo_storage.original_key(photo_id=photo.id, ext=path.suffix[1:])
        with path.open("rb") as fp:
            photo.original.name = default_storage.save(key, fp)
        photo.size = path.stat().st_size
        photo.save()
        if isinstance(album, Album):
            AlbumPhoto.objects.create(album=album, photo=photo, added_at=photo.created_at)
        return photo

    return make


# --- Broker and worker (django_dramatiq's pattern) -------------------------------------------


@pytest.fixture
def broker():
    broker = dramatiq.get_broker()
    broker.flush_all()
    if hasattr(broker, "dead_letters_by_queue"):
        broker.dead_letters_by_queue.clear()
    forget_unfinished(broker)
    return broker


@pytest.fixture
def worker(broker):
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=50)
    worker.start()
    yield worker
    worker.stop()
    # Worker.stop leaves the worker's middleware on the broker: a queue declared in a later
    # test (the extra step's) would get a consumer of this stopped worker, which would take
    # its messages into a work queue no thread serves.
    broker.middleware[:] = [
        m for m in broker.middleware if getattr(m, "worker", None) is not worker
    ]


@pytest.fixture
def run_pipeline(broker, worker):
    """Drain every queue until the pipeline has nothing left to do."""
    from processing import tasks  # noqa: F401

    def run():
        for _ in range(5):  # steps enqueue further steps: join until all are quiet
            for queue in list(broker.queues):
                broker.join(queue, fail_fast=False, timeout=180_000)  # a loaded 2-core machine
            worker.join()
            if all(broker.queues[q].qsize() == 0 for q in broker.queues):
                break

    return run


# --- S3 and SQS: a moto server on loopback, spoken to over HTTP -------------------------------
# The server runs once per session (per xdist worker) on a free port; every test that asks
# for `s3_storage` gets a fresh private bucket and a default storage pointing at it, built
# with the same options imagesite/settings.py uses in production.


@pytest.fixture(scope="session")
def moto_endpoint():
    """A moto server on 127.0.0.1, a free port, with fake credentials in the environment."""
    from moto.server import ThreadedMotoServer

    with pytest.MonkeyPatch.context() as mp:
        for name, value in FAKE_AWS_ENV.items():
            mp.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
            mp.delenv(name, raising=False)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield f"http://{host}:{port}"
        finally:
            server.stop()


@pytest.fixture
def s3_storage(moto_endpoint, settings):
    """A fresh bucket on the moto server, and `default_storage` switched to it."""
    import boto3
    from botocore.config import Config
    from django.core.files.storage import default_storage
    from storages.backends.s3 import S3Storage

    client = boto3.client(
        "s3", endpoint_url=moto_endpoint, region_name=REGION,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )  # fmt: skip
    bucket = f"imagesite-test-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=bucket)

    # A new dict (not a mutation) so Django's setting_changed handler resets the storages.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": s3_options(bucket=bucket, endpoint=moto_endpoint),
        },
    }
    settings.AWS_STORAGE_BUCKET_NAME = bucket
    settings.AWS_S3_ENDPOINT_URL = moto_endpoint
    assert default_storage.bucket_name == bucket, "default_storage was not switched to S3"
    assert isinstance(default_storage._wrapped, S3Storage)

    yield S3Bucket(client=client, bucket=bucket, endpoint=moto_endpoint)

    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=bucket, Key=item["Key"])
    client.delete_bucket(Bucket=bucket)


@pytest.fixture
def s3_copy_preconditions(s3_storage):
    """S3's CopySourceIfMatch, which moto ignores, on the site's own S3 client: a copy whose
    source no longer has the ETag the request names fails with 412 PreconditionFailed."""
    from botocore.exceptions import ClientError
    from django.core.files.storage import default_storage

    def check(params, **kwargs):
        expected = params.get("CopySourceIfMatch")
        if expected is None:
            return
        source = params["CopySource"]
        try:
            head = s3_storage.client.head_object(Bucket=source["Bucket"], Key=source["Key"])
        except ClientError:
            return  # S3 answers NoSuchKey for a missing source; moto does too
        if head["ETag"].strip('"') != expected.strip('"'):
            error = {"Code": "PreconditionFailed", "Message": "At least one of the "
                     "pre-conditions you specified did not hold"}  # fmt: skip
            raise ClientError({"Error": error, "ResponseMetadata": {"HTTPStatusCode": 412}},
                              "CopyObject")  # fmt: skip

    events = default_storage.connection.meta.client.meta.events
    events.register("provide-client-params.s3.CopyObject", check, unique_id="copy-if-match")
    yield
    events.unregister("provide-client-params.s3.CopyObject", unique_id="copy-if-match")


@pytest.fixture
def sqs_queue(moto_endpoint):
    """A fresh SQS queue on the moto server (S3 can send its event notifications to it)."""
    import boto3

    client = boto3.client("sqs", endpoint_url=moto_endpoint, region_name=REGION)
    url = client.create_queue(QueueName=f"imagesite-test-{uuid.uuid4().hex[:16]}")["QueueUrl"]
    arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    yield SqsQueue(client=client, url=url, arn=arn, endpoint=moto_endpoint)
    client.delete_queue(QueueUrl=url)


@pytest.fixture
def extra_step():
    """A required step of the tests' own (tests/processing/extra_step.py), registered for
    one test: it runs after ingest beside labels and gates `ready`."""
    from processing import registry
    from tests.processing import extra_step as module

    step = registry.register(module.STEP)
    module.FAILURES["left"] = 0
    module.SEEN.clear()
    yield step
    registry.unregister(step.name)


@pytest.fixture(scope="session", autouse=True)
def _extra_step_declared_before_any_worker():
    """The test-only step's actor and queue exist from the start: a queue declared later
    would also get a consumer from every worker already stopped (dramatiq keeps their
    middleware on the broker), which would take its messages and never run them."""
    from processing import registry, tasks
    from tests.processing import extra_step as module

    registry.register(module.STEP)
    tasks.actor_for(module.STEP.name)
    registry.unregister(module.STEP.name)
