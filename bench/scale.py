"""Does the pipeline scale out? The same batch with one, then two worker processes.

    .venv/bin/python bench/scale.py [--photos 40] [--workers 1 2] [--redis-db 14]
    DATABASE_URL=mysql://root@127.0.0.1:3306/ .venv/bin/python bench/scale.py   # MariaDB
    TMPDIR=/dev/shm .venv/bin/python bench/scale.py      # the SQLite file and media in memory

Each run imports the same batch into a fresh album of a fresh user through
processing.imports, as `import_photos` does: alternately a full-size photo from
../shared/corpus/large/ (reused) and a camera file from good/, 20 of each by default. The
messages wait in Redis (127.0.0.1:6379, database --redis-db, flushed first). Then it starts
N × `manage.py rundramatiq --processes 1 --threads 1` and times until every photo is settled
(ready, rejected or failed). The database is an SQLite file in a temporary folder, or, with
a mysql:// DATABASE_URL, a scratch database the script creates on that server and drops at
the end (the user must be allowed to); media go to a temporary folder; labels come from the
local detector. Workers fetch one message per queue at a time (--prefetch 1, as deploy/ runs
the CPU-bound workers): with dramatiq's default of two per thread, one worker sits on
messages the other, idle, could be running.

Printed per worker count, best of --rounds (the runs alternate, so a busy moment on the
machine hits both): the wall time from starting the workers, the processing time from the
moment all of them were ready (Django's start-up left out), and the CPU the workers used.
The speed-up is of the wall time; the target is ≥ 1.7× for two workers on two cores.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from common import CORPUS, READY, ROOT, bench_env, server_connection, spawn

TARGET = 1.7


def batch(count: int) -> list[Path]:
    """Alternately a full-size photo (large/, reused) and a small camera file (good/)."""
    large = sorted(p for p in (CORPUS / "large").iterdir() if p.is_file())
    good = sorted(p for p in (CORPUS / "good").iterdir() if p.is_file())
    return [
        large[i // 2 % len(large)] if i % 2 == 0 else good[i // 2 % len(good)] for i in range(count)
    ]


@contextmanager
def scratch_database(workdir: Path):
    """DATABASE_URL of a database of this run's own: an SQLite file, or one on the server."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("mysql://"):
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    parts = urlsplit(url)
    name = f"imagesite_scale_{uuid.uuid4().hex[:8]}"
    server = server_connection(url)
    server.cursor().execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        server.cursor().execute(f"DROP DATABASE {name}")
        server.close()


def configure(workdir: Path, database_url: str, redis_db: int, prefetch: int) -> dict:
    """The environment of this process and of the workers, set before Django loads."""
    env = bench_env(
        secret="bench-only-",
        database_url=database_url,
        workdir=workdir,
        redis_db=redis_db,
        prefetch=prefetch,
    )
    os.environ.update(env)
    return {**os.environ, **env}


def import_batch(files: list[Path]) -> list:
    """A fresh user and album, the files imported and queued; returns the photo ids."""
    from django.contrib.auth import get_user_model

    from processing.imports import album_for_import
    from processing.intake import photo_import_file

    name = f"bench-{uuid.uuid4().hex[:12]}"
    user = get_user_model().objects.create_user(username=name, email=f"{name}@example.com")
    album = album_for_import(user=user, title=f"Scale {name}")
    return [photo_import_file(album=album, path=path).pk for path in files]


def start_workers(count: int, env: dict, logdir: Path) -> list[tuple[subprocess.Popen, Path]]:
    command = [sys.executable, "manage.py", "rundramatiq", "--processes", "1", "--threads", "1"]
    command += ["--worker-shutdown-timeout", "5000"]
    workers = []
    for index in range(count):
        log = logdir / f"worker-{count}-{index}.log"
        workers.append((spawn(command, env, log), log))
    return workers


def stop_workers(workers) -> None:
    for process, _ in workers:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process, _ in workers:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run(count: int, files: list[Path], env: dict, logdir: Path, timeout: float) -> dict:
    import dramatiq

    from albums.models import Photo

    dramatiq.get_broker().client.flushdb()
    ids = import_batch(files)
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    workers = start_workers(count, env, logdir)
    ready_at = None
    try:
        while ready_at is None:
            for process, log in workers:
                if process.poll() is not None:
                    raise SystemExit(f"a worker exited:\n{log.read_text()[-3000:]}")
            if all(READY in log.read_text() for _, log in workers):
                ready_at = time.monotonic()
            elif time.monotonic() - started > 60:
                raise SystemExit("workers did not start within 60 s")
            else:
                time.sleep(0.05)
        settled = Photo.objects.filter(pk__in=ids, status__in=Photo.SETTLED)
        while settled.count() < len(ids):
            if time.monotonic() - ready_at > timeout:
                raise SystemExit(f"not settled within {timeout:.0f} s")
            time.sleep(0.05)
        done = time.monotonic()
    finally:
        stop_workers(workers)
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(getattr(cpu_after, f) - getattr(cpu_before, f) for f in ("ru_utime", "ru_stime"))
    tally = dict(Counter(Photo.objects.filter(pk__in=ids).values_list("status", flat=True)))
    return {"wall": done - started, "processing": done - ready_at, "cpu": cpu, "statuses": tally}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=40)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--redis-db", type=int, default=14, help="flushed before each run")
    parser.add_argument(
        "--prefetch",
        type=int,
        default=1,
        help="dramatiq_queue_prefetch, as the CPU workers "
        "run in deploy/ (default: %(default)s; 0 for dramatiq's own default)",
    )
    parser.add_argument("--rounds", type=int, default=2, help="the best round counts")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="imagesite-scale-") as tmp,
        scratch_database(Path(tmp)) as database_url,
    ):
        workdir = Path(tmp)
        env = configure(workdir, database_url, args.redis_db, args.prefetch)
        sys.path.insert(0, str(ROOT))
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        files = batch(args.photos)
        size = sum(p.stat().st_size for p in files) / 1e6
        print(f"{len(files)} photos ({size:.1f} MB), {os.cpu_count()} CPUs, "
              f"database {env['DATABASE_URL'].split(':', 1)[0]}, prefetch {args.prefetch}, "
              f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip

        results = {}
        for _ in range(args.rounds):
            for count in args.workers:
                result = run(count, files, env, workdir, args.timeout)
                if count not in results or result["wall"] < results[count]["wall"]:
                    results[count] = result
        for count, result in results.items():
            print(
                f"{count} worker(s): wall {result['wall']:6.2f} s, processing "
                f"{result['processing']:6.2f} s, worker CPU {result['cpu']:6.2f} s "
                f"(start-up and shutdown included)  {result['statuses']}"
            )
        base = results[args.workers[0]]
        for count in args.workers[1:]:
            speedup = base["wall"] / results[count]["wall"]
            processing = base["processing"] / results[count]["processing"]
            verdict = "ok" if speedup >= TARGET else f"below the {TARGET}× target"
            print(
                f"speed-up with {count} workers: {speedup:.2f}× wall, {processing:.2f}× "
                f"processing ({verdict})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
