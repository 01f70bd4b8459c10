"""Many people uploading at once, over HTTP, through gunicorn, Redis and real workers.

    .venv/bin/python bench/load.py [--users 20] [--photos 10] [--parallel 1] [--keep]

The whole production shape on one machine, all on 127.0.0.1:

1. a dedicated MariaDB database (--database, default ``imagesite_load``; its name must
   contain "load" because it is dropped and recreated), migrated with ``manage.py migrate``;
   media and collected static files in a temporary folder; a Redis database of its own
   (--redis-db, default 12, flushed) for the broker and the cache (allauth's rate limits);
2. gunicorn (``--workers 3 --threads 4`` on a free port, DEBUG off, plain HTTP) and two
   ``manage.py rundramatiq --processes 1 --threads 2`` worker processes (prefetch 1, as
   deploy/ runs them), all with that environment; the script waits for /healthz and for
   the workers to be ready;
3. N users with verified email addresses and one album each, made through the ORM (this
   process sets the same environment and calls ``django.setup()``);
4. N threads at once, one per person, doing what a browser does: GET the login page (CSRF
   cookie), POST email and password, open the album page, then for each file POST
   /albums/<id>/uploads/ {name, size, type}, send the bytes the way the answer says
   ("local": multipart "file" to the site with X-CSRFToken; "s3": the presigned POST,
   then the confirm URL). Each person sends M good camera files (../shared/corpus/good/,
   cycled, each person from a different place) plus ONE bad file from
   ../shared/corpus/bad/ that must end ``rejected`` (cycled over those expected-bad.json
   says are rejected; --bad-all cycles over every bad file with its expected state).
   --parallel P sends P files at a time per person (the album page's script sends 3);
   the default is one at a time. An upload's latency is from the start request to the
   upload's (or confirm's) answer;
5. it waits (at most --timeout seconds, default 300) until every photo is settled, then
   prints upload latency p50/p95, the number of uploads, photos processed per second (from
   the first upload started to the last photo settled), counts by status, HTTP problems
   and error lines found in the process logs, and the check: every upload ended in its
   expected state and none was lost (every started upload has its row, settled as
   expected; nothing left uploading/queued/processing; no row the clients never heard of);
6. it stops every process group it started (also on Ctrl-C, SIGTERM or an error), drops
   the database and removes media unless --keep. The logs stay: their folder is printed.

Exit status: 0 when everything ended as expected, 1 when anything was lost, ended in the
wrong state or an HTTP request failed, 2 when the set-up failed.

Everyone signs in from 127.0.0.1, and allauth's limits count per IP in the shared Redis
cache (as in deploy/): "login" allows 30 POSTs a minute (a 429 beyond), and "login_failed"
10 a minute, taken before the password is checked and given back only on success, so more
than 10 sign-ins in flight at once are refused with "Too many failed login attempts" even
with the right password. Both refusals are counted in the report and retried (every 6 s
and 3 s, at most 15 tries); the uploads start once everyone is signed in.

The parts: load_setup.py (processes, environment, people, waiting), load_clients.py (the
browser, each person's sign-in and uploads), load_report.py (the report and the check);
common.py holds what the benchmarks share.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import ROOT, drop_database, recreate_database, scratch_name_ok
from load_clients import person_run
from load_report import report
from load_setup import (
    Processes,
    SetupFailed,
    configure,
    flush_redis,
    free_port,
    make_people,
    plan_uploads,
    run_command,
    wait_healthy,
    wait_settled,
    wait_workers,
)

# --- Main -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--photos", type=int, default=10, help="good files per person (+1 bad)")
    parser.add_argument("--parallel", type=int, default=1, help="files at a time per person")
    parser.add_argument("--bad-all", action="store_true", help="cycle over every bad/ file")
    parser.add_argument("--database", default="imagesite_load", help="dropped and recreated")
    parser.add_argument("--redis-db", type=int, default=12, help="flushed first")
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--web-threads", type=int, default=4)
    parser.add_argument("--worker-processes", type=int, default=2)
    parser.add_argument("--worker-threads", type=int, default=2)
    parser.add_argument("--prefetch", type=int, default=1, help="0: dramatiq's default")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to settle")
    parser.add_argument("--keep", action="store_true", help="keep the database and media")
    args = parser.parse_args()
    if not scratch_name_ok(args.database, "load"):
        parser.error("--database must be a plain name containing 'load' (it is dropped)")

    workdir = Path(tempfile.mkdtemp(prefix="imagesite-load-"))
    logdir = workdir / "logs"
    logdir.mkdir()
    print(f"logs: {logdir}", flush=True)

    def on_term(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_term)
    env = configure(args, workdir)
    procs = Processes(logdir)
    stop = threading.Event()
    database_made = False
    status = 2
    try:
        recreate_database(env["DATABASE_URL"], "load")
        database_made = True
        flush_redis(args.redis_db)
        manage = [sys.executable, "manage.py"]
        run_command("migrate", manage + ["migrate", "--noinput"], env, logdir)
        run_command("collectstatic", manage + ["collectstatic", "--noinput"], env, logdir)

        port = free_port()
        procs.start("gunicorn", [
            str(Path(sys.executable).with_name("gunicorn")), "imagesite.wsgi",
            "-b", f"127.0.0.1:{port}", "--workers", str(args.web_workers),
            "--threads", str(args.web_threads), "--timeout", "60",
            "--access-logfile", str(logdir / "access.log"),
            "--access-logformat", "%(s)s %(m)s %(U)s %(M)sms",
            "--no-control-socket",  # else a shared ~/.gunicorn/gunicorn.ctl
        ], env)  # fmt: skip
        worker_logs = []
        for index in range(args.worker_processes):
            _, log = procs.start(f"worker-{index}", manage + [
                "rundramatiq", "--processes", "1", "--threads", str(args.worker_threads),
                "--worker-shutdown-timeout", "5000",
            ], env)  # fmt: skip
            worker_logs.append(log)

        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        people = make_people(args.users)
        plan_uploads(people, args.photos, args.bad_all)
        wait_healthy(port, procs)
        wait_workers(worker_logs, procs)
        print(
            f"gunicorn on 127.0.0.1:{port} ({args.web_workers}×{args.web_threads}), "
            f"{args.worker_processes} worker process(es) × {args.worker_threads} threads, "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        total = sum(len(p.uploads) for p in people)
        print(f"{len(people)} people × {args.photos + 1} files ({total} uploads), "
              f"{args.parallel} at a time per person", flush=True)  # fmt: skip

        barrier = threading.Barrier(len(people))
        threads = [
            threading.Thread(
                target=person_run,
                name=f"user-{p.index}",
                daemon=True,
                args=(p, "127.0.0.1", port, args.parallel, 120.0, barrier, stop),
            )  # fmt: skip
            for p in people
        ]
        began = time.monotonic()
        for t in threads:
            t.start()
        deadline = began + 900  # bounded: no client runs for more than 15 minutes
        for t in threads:
            while t.is_alive() and time.monotonic() < deadline:
                t.join(timeout=0.5)
        if any(t.is_alive() for t in threads):
            stop.set()
            print("clients still busy after 15 minutes: stopped", flush=True)
        print(
            f"clients done in {time.monotonic() - began:.1f} s; waiting for the pipeline",
            flush=True,
        )
        settled = wait_settled([p.album_id for p in people], args.timeout, procs)
        status = report(people, settled, logdir)
    except SetupFailed as exc:
        print(f"set-up failed: {exc}", file=sys.stderr)
        status = 2
    except KeyboardInterrupt:
        print("interrupted: cleaning up", file=sys.stderr)
        status = 130
    finally:
        stop.set()
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip clean-up
        procs.stop()
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if database_made and not args.keep:
            drop_database(env["DATABASE_URL"], "load")
        if not args.keep:
            shutil.rmtree(workdir / "media", ignore_errors=True)
            shutil.rmtree(workdir / "static", ignore_errors=True)
        print(f"logs kept in {logdir}" + (f"; database {args.database} and media kept"
              if args.keep else ""), flush=True)  # fmt: skip
    return status


if __name__ == "__main__":
    sys.exit(main())
