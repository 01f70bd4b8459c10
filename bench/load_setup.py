"""bench/load.py's set-up: its processes, environment, people and the waiting.

Processes (gunicorn, the dramatiq workers) run in sessions of their own and are stopped
by process group; the people, their albums and their planned uploads are made through
the ORM; the wait_* functions bound every wait and notice a process that died.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from common import CORPUS, READY, ROOT, bench_env, killpg_quietly, spawn
from load_clients import PASSWORD, Person, Upload

# --- Processes ---------------------------------------------------------------------------


class Processes:
    """Every child runs in its own session; stop() ends each process group by its id."""

    def __init__(self, logdir: Path):
        self.logdir = logdir
        self.children: list[tuple[str, subprocess.Popen, Path]] = []

    def start(self, name: str, command: list[str], env: dict) -> tuple[subprocess.Popen, Path]:
        log = self.logdir / f"{name}.log"
        process = spawn(command, env, log)
        self.children.append((name, process, log))
        return process, log

    def check_alive(self) -> None:
        for name, process, log in self.children:
            if process.poll() is not None:
                tail = log.read_text(errors="replace")[-3000:]
                raise SetupFailed(f"{name} exited with {process.returncode}:\n{tail}")

    def stop(self) -> None:
        # SIGTERM to the leader only (gunicorn's master, dramatiq's main process): each
        # stops its own children; a second SIGTERM would make dramatiq kill them hard.
        for _, process, _ in self.children:
            if process.poll() is None:
                try:
                    process.send_signal(signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 30
        for _, process, _ in self.children:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                killpg_quietly(process.pid, signal.SIGKILL)
                process.wait()
            killpg_quietly(process.pid, signal.SIGKILL)  # stragglers of the group (dramatiq forks)
        self.children.clear()


class SetupFailed(Exception):
    pass


def run_command(name: str, command: list[str], env: dict, logdir: Path) -> None:
    log = logdir / f"{name}.log"
    with log.open("w") as out:
        result = subprocess.run(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=600
        )
    if result.returncode:
        raise SetupFailed(f"{' '.join(command)} failed:\n{log.read_text()[-3000:]}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- Environment, broker ----------------------------------------------------------------


def configure(args, workdir: Path) -> dict:
    env = bench_env(
        secret="load-bench-only-",
        database_url=f"mysql://root@127.0.0.1:3306/{args.database}",
        workdir=workdir,
        redis_db=args.redis_db,
        prefetch=args.prefetch,
    )
    env |= {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE": "0",  # plain HTTP on loopback: no redirect, no Secure cookies
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": str(workdir / "static"),
        # As deploy/ runs: allauth's rate limits counted in Redis, shared by the web processes.
        "CACHE_URL": f"redis://127.0.0.1:6379/{args.redis_db}",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    # Whatever the calling shell has, the bench runs on local storage with its defaults.
    for name in ("AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL", "EMAIL_URL"):
        os.environ.pop(name, None)
    os.environ.update(env)
    return dict(os.environ)


def flush_redis(db: int) -> None:
    import redis

    redis.Redis(host="127.0.0.1", port=6379, db=db).flushdb()


# --- Set-up through the ORM --------------------------------------------------------------


def make_people(count: int) -> list[Person]:
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from albums.services import album_create

    password_hash = make_password(PASSWORD)  # hashed once: PBKDF2 per user would take a while
    people = []
    for index in range(count):
        email = f"load{index:03d}@example.com"
        user = get_user_model().objects.create(
            username=f"load{index:03d}", email=email, password=password_hash
        )
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        album = album_create(owner=user, title=f"Load {index}")
        people.append(Person(index=index, email=email, album_id=str(album.pk)))
    return people


def plan_uploads(people: list[Person], photos: int, bad_all: bool) -> None:
    good = sorted(p for p in (CORPUS / "good").iterdir() if p.is_file())
    expected_bad = json.loads((CORPUS / "expected-bad.json").read_text())
    bad = sorted(
        (CORPUS / "bad" / name, info["expect"])
        for name, info in expected_bad.items()
        if bad_all or info["expect"] == "rejected"
    )
    if not good or not bad:
        raise SetupFailed(f"corpus missing under {CORPUS}")
    for person in people:
        files = [(good[(person.index * photos + j) % len(good)], "ready") for j in range(photos)]
        files.insert(photos // 2, bad[person.index % len(bad)])  # one bad file, mid-batch
        person.uploads = [Upload(user=person.index, path=p, expected=e) for p, e in files]


# --- Waiting and checking -----------------------------------------------------------------


def wait_healthy(port: int, procs: Processes, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        procs.check_alive()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            body = response.read()
            conn.close()
            if response.status == 200:
                return
            last = f"HTTP {response.status} {body[:200]!r}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.3)
    raise SetupFailed(f"/healthz did not answer 200 within {timeout:.0f} s: {last}")


def wait_workers(logs: list[Path], procs: Processes, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        procs.check_alive()
        if all(READY in log.read_text(errors="replace") for log in logs):
            return
        time.sleep(0.2)
    raise SetupFailed(f"workers not ready within {timeout:.0f} s")


def wait_settled(album_ids: list[str], timeout: float, procs: Processes) -> bool:
    from albums.models import Photo

    deadline = time.monotonic() + timeout
    last_report = 0.0
    while True:
        waiting = (
            Photo.objects.filter(album_id__in=album_ids).exclude(status__in=Photo.SETTLED).count()
        )
        if waiting == 0:
            return True
        now = time.monotonic()
        if now > deadline:
            return False
        if now - last_report > 15:
            print(f"  … {waiting} photo(s) not settled yet", flush=True)
            last_report = now
        for name, process, _ in procs.children:
            if process.poll() is not None:
                print(f"  ! {name} exited with {process.returncode}", flush=True)
        time.sleep(0.5)
