"""Helpers for the fault tests in tests/reliability: the Redis database the workers use and
what is on it, `manage.py rundramatiq` worker processes, distinct copies of corpus photos,
the checks every test ends with, a TCP proxy that can take a server away, a MariaDB database
of a test's own. The fixtures that use them are in tests/reliability/conftest.py.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from albums.models import Photo, PhotoLabel, Rendition
from processing import tasks
from tests.support.corpus import GOOD_FILES, corpus_file
from tests.support.photos import add_to_album
from tests.support.waiting import wait_until  # noqa: F401  (the fault tests' import)
from tests.support.workers import QUEUES, REDIS_URL, ROOT, subprocess_env

# --- Redis, seen from this process -----------------------------------------------------------


def unacked_messages(broker) -> dict[str, list]:
    """Messages fetched by a worker and not acknowledged, by the worker's broker id.

    dramatiq keeps them in `<ns>:__acks__.<worker id>.<queue>` sets until acked; a worker that
    dies leaves them there until another one's maintenance pass puts them back on the queue.
    """
    from dramatiq import Message

    client, found = broker.client, {}
    for key in client.scan_iter(f"{broker.namespace}:__acks__.*"):
        _, worker_id, queue = key.decode().split(".", 2)
        ids = list(client.smembers(key))
        datas = client.hmget(f"{broker.namespace}:{queue}.msgs", ids) if ids else []
        messages = [Message.decode(data) for data in datas if data is not None]
        if messages:
            found.setdefault(worker_id, []).extend(messages)
    return found


def queued_count(broker) -> int:
    """Messages waiting, delayed, fetched-not-acked, over every queue (dramatiq's qsize)."""
    return sum(broker.do_qsize(queue) for queue in QUEUES)


def dead_letter_count(broker) -> int:
    return sum(broker.client.zcard(f"{broker.namespace}:{queue}.XQ") for queue in QUEUES)


# --- Worker processes -----------------------------------------------------------------------


class WorkerProcess:
    """One `manage.py rundramatiq` in its own process group, logging to a file."""

    def __init__(self, env: dict, log_path: Path):
        self.log_path = log_path
        self._log = log_path.open("w+")
        command = [sys.executable, "manage.py", "rundramatiq", "--processes", "1"]
        command += ["--threads", "2", "--worker-shutdown-timeout", "5000"]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killpg takes every process
        )
        self.pid = self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def pids(self) -> set[int]:
        """The processes of its group: dramatiq's parent and the worker process it forked."""
        found = set()
        for entry in os.listdir("/proc"):
            try:
                if entry.isdigit() and os.getpgid(int(entry)) == self.pid:
                    found.add(int(entry))
            except OSError:  # gone meanwhile
                pass
        return found

    def log(self, tail: int = 6000) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-tail:]

    def kill(self) -> None:
        """SIGKILL the whole group: no shutdown hooks, no requeue of prefetched messages."""
        if self.alive():
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._wait_for_group_gone()

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.process.wait()
        try:  # the forked worker process may outlive the parent by a moment
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._wait_for_group_gone()
        self._log.close()

    def _wait_for_group_gone(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(self.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        raise AssertionError(f"processes of group {self.pid} still running")


def worker_env(**overrides) -> dict[str, str]:
    """A worker's environment: this test's database, media folder and Redis database, local
    storage and labels unless `overrides` say otherwise."""
    env = subprocess_env(REDIS_URL, DRAMATIQ_PROMETHEUS="0", PYTHONUNBUFFERED="1")
    for name in ("AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL"):
        env.pop(name, None)
    env.update({name: str(value) for name, value in overrides.items()})
    return env


def unfinished(ids, using: str = "default") -> str:
    """The photos not ready, with their step flags and history: for timeout messages."""
    from albums.models import Photo

    lines = []
    for photo in Photo.objects.using(using).filter(pk__in=ids).exclude(status="ready"):
        steps = dict(photo.steps.using(using).values_list("step", "status"))
        history = list(photo.events.values_list("step", "outcome"))
        lines.append(f"{photo.original_name} {photo.status} steps={steps} {history}")
    return "photos not ready:\n" + "\n".join(lines)


# --- Storage and photos -----------------------------------------------------------------------


def distinct_bytes(name: str, index: int) -> bytes:
    """A corpus file with a few bytes after its end: the same picture, a different photo
    (its own content hash, so not a duplicate). Every file in good/ decodes the same."""
    return corpus_file("good", name).read_bytes() + f"\0imagesite-copy-{index:04d}".encode()


def make_distinct_photos(album, count: int, names=GOOD_FILES, *, using: str = "default"):
    """`count` queued photos cycling through `names`, each with bytes of its own."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from albums import storage as photo_storage
    from albums.models import Photo

    photos = []
    for index in range(count):
        name = names[index % len(names)]
        data = distinct_bytes(name, index)
        photo = Photo(
            owner_id=album.owner_id,
            original_name=name,
            status=Photo.Status.QUEUED,
            queued_at=timezone.now(),
            size=len(data),
        )
        key = photo_storage.original_key(photo_id=photo.id, ext=name.rsplit(".", 1)[-1])
        photo.original.name = default_storage.save(key, ContentFile(data))
        photo.save(using=using)
        photos.append(photo)
    add_to_album(album, photos, using=using)
    return photos


# --- What every test ends with --------------------------------------------------------------------


def enqueue_all(broker, photos) -> None:
    for photo in photos:
        broker.enqueue(tasks.actor_for("ingest").message(str(photo.id)))


def statuses(ids, using: str = "default") -> Counter:
    return Counter(Photo.objects.using(using).filter(pk__in=ids).values_list("status", flat=True))


def assert_one_set_of_results(photos, *, stored_renditions, using: str = "default") -> None:
    """Each photo ready, with two renditions whose files are exactly the ones stored under
    its prefix, and one label row per (label, kind)."""
    for photo in photos:
        photo = Photo.objects.using(using).get(pk=photo.pk)
        assert photo.status == Photo.Status.READY, (photo.original_name, photo.status_reason)
        renditions = Rendition.objects.using(using).filter(photo=photo)
        assert sorted(r.spec for r in renditions) == ["grid", "preview"], photo.original_name
        referenced = {r.file.name for r in renditions}
        assert stored_renditions(photo) == referenced, f"orphans for {photo.original_name}"
        rows = list(
            PhotoLabel.objects.using(using).filter(photo=photo).values_list("label__name", "kind")
        )
        assert rows, f"no labels for {photo.original_name}"
        assert len(rows) == len(set(rows)), f"duplicate labels for {photo.original_name}"


# --- A TCP proxy that can be taken down -------------------------------------------------------


class TcpProxy:
    """127.0.0.1:<port> forwarding to a server; `down()` refuses connections and cuts the
    open ones (as a server that died), `up()` listens again on the same port."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = 0
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.up()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def up(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.1)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _cut(sock)

    close = down

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _cut(client)
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            with self._lock:
                if self._listener is not listener:  # went down meanwhile
                    _cut(client)
                    _cut(upstream)
                    return
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._sockets -= {source, sink}
            _cut(source)
            _cut(sink)


def _cut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


# --- A MariaDB database of the test's own -------------------------------------------------------

FAULT_ALIAS = "fault"


class FaultDatabase:
    """A MariaDB database made for one test, reachable here as the `fault` alias, with a root
    connection that can KILL the connections of other processes using it."""

    def __init__(self, name: str):
        import MySQLdb

        self.name = name
        self.url = f"mysql://root@127.0.0.1:3306/{name}"
        self.root = MySQLdb.connect(host="127.0.0.1", port=3306, user="root", passwd="")
        self.root.autocommit(True)

    def execute(self, sql: str, params=()) -> list[tuple]:
        cursor = self.root.cursor()
        cursor.execute(sql, params)
        rows = list(cursor.fetchall() or [])
        cursor.close()
        return rows

    def connection_ids(self) -> set[int]:
        """Connections using this database, this process's own `fault` one aside."""
        from django.db import connections

        own = connections[FAULT_ALIAS].connection
        mine = {own.thread_id()} if own is not None else set()
        rows = self.execute(
            "SELECT id FROM information_schema.processlist WHERE db = %s AND id <> CONNECTION_ID()",
            [self.name],
        )
        return {row[0] for row in rows} - mine

    def hold_row_lock(self, table: str, pk, *, shared: bool = False) -> None:
        """Lock one row (SELECT ... FOR UPDATE, on the root connection) until
        `release_row_lock()`: whoever else locks it waits there, inside its query.

        `shared` holds a shared lock (LOCK IN SHARE MODE) instead: only a query that locks
        the row for update waits, not InnoDB's foreign-key checks, which lock the parent
        row shared (an UPDATE of a child row's indexed column that shares an index with the
        foreign key, e.g. Photo's status beside its owner, checks the key)."""
        lock = "LOCK IN SHARE MODE" if shared else "FOR UPDATE"
        self.execute("START TRANSACTION")
        self.execute(f"SELECT id FROM `{self.name}`.`{table}` WHERE id = %s {lock}", [pk])

    def release_row_lock(self) -> None:
        self.execute("ROLLBACK")

    def lock_waiters(self) -> set[int]:
        """The other connections to the database now waiting for a row lock."""
        rows = self.execute(
            "SELECT trx_mysql_thread_id FROM information_schema.innodb_trx"
            " WHERE trx_state = 'LOCK WAIT'"
        )
        return {row[0] for row in rows} & self.connection_ids()

    def kill_connections(self) -> set[int]:
        """KILL every other connection to the database, server-side; returns their ids."""
        import MySQLdb

        killed = set()
        for thread_id in self.connection_ids():
            try:
                self.execute(f"KILL {int(thread_id)}")
                killed.add(thread_id)
            except MySQLdb.OperationalError as exc:
                if exc.args[0] != 1094:  # "Unknown thread id": it closed meanwhile
                    raise
        return killed


# --- A photo whose original holds the worker at a known point ----------------------------------


class HeldOriginal:
    """A photo's original (local media) swapped for a named pipe: the worker step that opens
    it blocks inside open(), mid-message (the photo row loaded, its status set to processing,
    the message fetched and not acknowledged), for as long as the test likes. A fault is then
    injected at that point, not within a timing window. `restore()` puts the real bytes back
    under the name, for whatever opens it next."""

    def __init__(self, media_root: Path, photo):
        self.path = Path(media_root) / photo.original.name
        self.data = self.path.read_bytes()
        self.path.unlink()
        os.mkfifo(self.path)

    def restore(self) -> None:
        spare = self.path.with_name(self.path.name + ".restored")
        spare.write_bytes(self.data)
        os.replace(spare, self.path)  # the pipe's name now names a plain file
