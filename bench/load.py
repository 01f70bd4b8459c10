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
"""

from __future__ import annotations

import argparse
import http.client
import json
import mimetypes
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
PASSWORD = "load-bench-password-" + uuid.uuid4().hex[:8]
READY = "ready for action"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
ERROR_PATTERNS = re.compile(
    r"Traceback|\bERROR\b|CRITICAL|Deadlock|Lock wait timeout|WORKER TIMEOUT|"
    r"OperationalError|IntegrityError|Internal Server Error"
)


# --- Processes ---------------------------------------------------------------------------


class Processes:
    """Every child runs in its own session; stop() ends each process group by its id."""

    def __init__(self, logdir: Path):
        self.logdir = logdir
        self.children: list[tuple[str, subprocess.Popen, Path]] = []

    def start(self, name: str, command: list[str], env: dict) -> tuple[subprocess.Popen, Path]:
        log = self.logdir / f"{name}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
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
                _killpg(process.pid, signal.SIGKILL)
                process.wait()
            _killpg(process.pid, signal.SIGKILL)  # stragglers of the group (dramatiq forks)
        self.children.clear()


def _killpg(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


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


# --- Environment, database, broker ------------------------------------------------------


def configure(args, workdir: Path) -> dict:
    env = {
        "DJANGO_SETTINGS_MODULE": "imagesite.settings",
        "IMAGESITE_READ_DOTENV": "0",
        "DJANGO_SECRET_KEY": "load-bench-only-" + uuid.uuid4().hex,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE": "0",  # plain HTTP on loopback: no redirect, no Secure cookies
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"mysql://root@127.0.0.1:3306/{args.database}",
        "MEDIA_ROOT": str(workdir / "media"),
        "STATIC_ROOT": str(workdir / "static"),
        "DRAMATIQ_BROKER_URL": f"redis://127.0.0.1:6379/{args.redis_db}",
        "DRAMATIQ_PROMETHEUS": "0",  # two workers would fight over one exporter port
        # As deploy/ runs: allauth's rate limits counted in Redis, shared by the web processes.
        "CACHE_URL": f"redis://127.0.0.1:6379/{args.redis_db}",
        "EMBEDDED_WORKER_AUTOSTART": "0",
        "LABEL_DETECTOR": "local",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    if args.prefetch:
        env["dramatiq_queue_prefetch"] = str(args.prefetch)
    # Whatever the calling shell has, the bench runs on local storage with its defaults.
    for name in ("AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL", "EMAIL_URL"):
        os.environ.pop(name, None)
    os.environ.update(env)
    return dict(os.environ)


def mysql_connect():
    import MySQLdb

    return MySQLdb.connect(host="127.0.0.1", port=3306, user="root", passwd="")


def recreate_database(name: str) -> None:
    connection = mysql_connect()
    try:
        cursor = connection.cursor()
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    finally:
        connection.close()


def drop_database(name: str) -> None:
    connection = mysql_connect()
    try:
        connection.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        connection.close()


def flush_redis(db: int) -> None:
    import redis

    redis.Redis(host="127.0.0.1", port=6379, db=db).flushdb()


# --- A browser, minus the rendering ---------------------------------------------------------


class HttpError(Exception):
    def __init__(self, stage: str, status: int, body: bytes):
        self.stage, self.status = stage, status
        self.body = body[:300].decode("utf-8", "replace")
        super().__init__(f"{stage}: HTTP {status} {self.body!r}")


class Browser:
    """Cookies shared by its tabs; each tab (thread) keeps its own keep-alive connection."""

    def __init__(self, host: str, port: int, timeout: float):
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies: dict[str, str] = {}
        self._lock = threading.Lock()
        self._local = threading.local()

    def _connection(self, host: str, port: int) -> tuple[http.client.HTTPConnection, bool]:
        key = (host, port)
        conns = self._local.__dict__.setdefault("conns", {})
        conn, last = conns.get(key, (None, 0.0))
        # gunicorn closes idle keep-alive connections after 2 s: reconnect before that.
        if conn is not None and time.monotonic() - last > 1.5:
            conn.close()
            conn = None
        reused = conn is not None
        if conn is None:
            conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
        conns[key] = (conn, time.monotonic())
        return conn, reused

    def close(self) -> None:
        for conn, _ in self._local.__dict__.get("conns", {}).values():
            conn.close()

    def cookie_header(self) -> str:
        with self._lock:
            return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, method: str, url: str, body: bytes | None = None, headers=None):
        parts = urlsplit(url)
        host, port = parts.hostname or self.host, parts.port or self.port
        if host not in LOCAL_HOSTS:
            raise RuntimeError(f"refusing to send traffic off the machine: {url}")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        same_site = (host, port) == (self.host, self.port)
        headers = dict(headers or {})
        if same_site and self.cookies:
            headers["Cookie"] = self.cookie_header()
        for attempt in (1, 2):
            conn, reused = self._connection(host, port)
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                self._local.conns.pop((host, port), None)
                if reused and attempt == 1:  # the server had closed the idle connection
                    continue
                raise
            except Exception:
                conn.close()
                self._local.conns.pop((host, port), None)
                raise
            break
        if response.will_close:
            conn.close()
            self._local.conns.pop((host, port), None)
        if same_site:
            jar = SimpleCookie()
            for value in response.msg.get_all("Set-Cookie") or []:
                jar.load(value)
            with self._lock:
                for name, morsel in jar.items():
                    if morsel["max-age"] == "0" or morsel.value == "":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
        return response.status, response.msg, data


def multipart(fields: dict[str, str], file_name: str, content_type: str, data: bytes):
    boundary = "----loadbench" + uuid.uuid4().hex
    out = []
    for name, value in fields.items():  # the file must be the last field (S3)
        out.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    out.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{file_name}"\r\nContent-Type: {content_type or "application/octet-stream"}'
        f"\r\n\r\n".encode()
    )
    out.append(data)
    out.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


# --- The people --------------------------------------------------------------------------


@dataclass
class Upload:
    user: int
    path: Path
    expected: str
    photo_id: str | None = None
    started: float = 0.0  # time.time()
    start_ms: float | None = None
    total_ms: float | None = None
    answer_status: str = ""
    error: str | None = None
    http_status: int | None = None


@dataclass
class Person:
    index: int
    email: str
    album_id: str
    uploads: list[Upload] = field(default_factory=list)
    login_429s: int = 0
    login_throttled: int = 0  # "Too many failed login attempts" with the right password
    login_error: str | None = None
    login_ms: float | None = None
    login_page: bytes = b""


THROTTLED = b"Too many failed login attempts"


def sign_in(browser: Browser, person: Person, stop: threading.Event) -> None:
    """Sign in as a browser does; rate-limit answers are counted and retried (bounded).

    Two limits can refuse a correct password from one IP: "login" (30 POSTs a minute,
    a 429) and "login_failed" (10 a minute per IP, the login page again with "Too many
    failed login attempts"): allauth takes a login_failed slot before checking the
    password and gives it back only once the check succeeds, so more than 10 sign-ins in
    flight at once from one address are refused although none of them fails.
    """
    started = time.perf_counter()
    for _ in range(15):  # bounded: about a minute and a half of retries at most
        status, _, page = browser.request("GET", "/accounts/login/")
        if status != 200:
            raise HttpError("login page", status, page)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if not match:
            raise HttpError("login page (no CSRF token)", status, page)
        body = urlencode(
            {"csrfmiddlewaretoken": match.group(1).decode(), "login": person.email,
             "password": PASSWORD}
        ).encode()  # fmt: skip
        status, headers, page = browser.request(
            "POST", "/accounts/login/", body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "Referer": f"http://{browser.host}:{browser.port}/accounts/login/"},
        )  # fmt: skip
        if status == 429:
            person.login_429s += 1
            if stop.wait(6):
                raise RuntimeError("stopped")
            continue
        if status == 200 and THROTTLED in page:
            person.login_throttled += 1
            if stop.wait(3):
                raise RuntimeError("stopped")
            continue
        if status != 302 or "sessionid" not in browser.cookies:
            person.login_page = page
            errors = re.findall(rb'class="errorlist[^"]*"><li>(.*?)</li>', page, re.S)
            errors += re.findall(rb'role="alert">([^<]+)<', page)
            raise HttpError("login", status, b" | ".join(e.strip() for e in errors) or page)
        person.login_ms = (time.perf_counter() - started) * 1000
        return
    raise RuntimeError(
        f"login still refused after {person.login_429s} × 429 and "
        f"{person.login_throttled} × 'too many failed login attempts'"
    )


def upload_one(browser: Browser, person: Person, upload: Upload) -> None:
    data = upload.path.read_bytes()
    content_type = mimetypes.guess_type(upload.path.name)[0] or ""
    csrf = {"X-CSRFToken": browser.cookies.get("csrftoken", ""), "Accept": "application/json"}
    upload.started = time.time()
    t0 = time.perf_counter()
    body = urlencode({"name": upload.path.name, "size": len(data), "type": content_type})
    status, _, answer = browser.request(
        "POST", f"/albums/{person.album_id}/uploads/", body=body.encode(),
        headers={**csrf, "Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    upload.start_ms = (time.perf_counter() - t0) * 1000
    if status != 201:
        raise HttpError("start", status, answer)
    ticket = json.loads(answer)
    upload.photo_id = ticket["photo"]["id"]
    if ticket["transport"] == "s3":
        form, form_type = multipart(ticket["fields"], upload.path.name, content_type, data)
        status, _, answer = browser.request(
            "POST", ticket["url"], body=form, headers={"Content-Type": form_type}
        )
        if not 200 <= status < 300:
            raise HttpError("send to bucket", status, answer)
        status, _, answer = browser.request("POST", ticket["confirm_url"], body=b"", headers=csrf)
        stage = "confirm"
    else:
        form, form_type = multipart({}, upload.path.name, content_type, data)
        status, _, answer = browser.request(
            "POST", ticket["url"], body=form, headers={**csrf, "Content-Type": form_type}
        )
        stage = "send"
    upload.total_ms = (time.perf_counter() - t0) * 1000
    if status != 200:
        raise HttpError(stage, status, answer)
    upload.answer_status = json.loads(answer)["photo"]["status"]


def person_run(
    person: Person, host: str, port: int, parallel: int, timeout: float,
    barrier: threading.Barrier, stop: threading.Event,
) -> None:  # fmt: skip
    browser = Browser(host, port, timeout)
    try:
        try:
            sign_in(browser, person, stop)
            status, _, page = browser.request("GET", f"/albums/{person.album_id}/")
            if status != 200:
                raise HttpError("album page", status, page)
        except Exception as exc:  # noqa: BLE001  (reported, the others carry on)
            person.login_error = str(exc)
        try:
            barrier.wait(timeout=300)  # everyone signed in: the uploads start together
        except threading.BrokenBarrierError:
            pass
        if person.login_error or stop.is_set():
            return
        pending = list(person.uploads)
        lock = threading.Lock()

        def tab():
            while not stop.is_set():
                with lock:
                    if not pending:
                        return
                    upload = pending.pop(0)
                try:
                    upload_one(browser, person, upload)
                except HttpError as exc:
                    upload.error, upload.http_status = str(exc), exc.status
                except Exception as exc:  # noqa: BLE001
                    upload.error = f"{type(exc).__name__}: {exc}"
            browser.close()

        tabs = [threading.Thread(target=tab, daemon=True) for _ in range(parallel)]
        for t in tabs:
            t.start()
        for t in tabs:
            t.join()
    finally:
        browser.close()


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


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def scan_logs(logdir: Path) -> tuple[Counter, dict[str, list[str]]]:
    """HTTP statuses from the access log; error-looking lines from every process log."""
    statuses: Counter = Counter()
    access = logdir / "access.log"
    if access.exists():
        for line in access.read_text(errors="replace").splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[0].isdigit():
                statuses[f"{parts[0]} {parts[1]} {re.sub(r'[0-9a-f-]{36}', '<id>', parts[2])}"] += 1
    problems: dict[str, list[str]] = {}
    for log in sorted(logdir.glob("*.log")):
        if log.name == "access.log":
            continue
        hits = [
            line for line in log.read_text(errors="replace").splitlines()
            if ERROR_PATTERNS.search(line)
        ]  # fmt: skip
        if hits:
            problems[log.name] = hits
    return statuses, problems


def report(people: list[Person], settled_in_time: bool, logdir: Path) -> int:
    from albums.models import Photo

    uploads = [u for p in people for u in p.uploads]
    album_ids = [p.album_id for p in people]
    rows = {
        str(r["id"]): r
        for r in Photo.objects.filter(album_id__in=album_ids).values(
            "id", "status", "status_reason", "settled_at", "original_name", "failed_step"
        )
    }
    started = [u for u in uploads if u.photo_id]
    done = [u for u in uploads if u.total_ms is not None and not u.error]
    failed_http = [u for u in uploads if u.error]
    latencies = [u.total_ms for u in done]
    start_latencies = [u.start_ms for u in uploads if u.start_ms is not None]

    print()
    login_ms = [p.login_ms for p in people if p.login_ms]
    print(f"people: {len(people)}, signed in: {sum(not p.login_error for p in people)} "
          f"(login p50 {percentile(login_ms, 50):.0f} ms, max {max(login_ms, default=0):.0f} "
          f"ms); refused and retried: {sum(p.login_429s for p in people)} × 429, "
          f"{sum(p.login_throttled for p in people)} × 'too many failed login attempts' "
          f"with the right password")  # fmt: skip
    for person in people:
        if person.login_error:
            print(f"  user {person.index}: {person.login_error}")
        if person.login_page:
            (logdir / f"login-{person.index}.html").write_bytes(person.login_page)
    print(f"uploads: {len(uploads)} planned, {len(started)} started, {len(done)} sent and "
          f"answered, {len(failed_http)} failed over HTTP")  # fmt: skip
    print(f"upload latency (start → upload answered): p50 {percentile(latencies, 50):.0f} ms, "
          f"p95 {percentile(latencies, 95):.0f} ms, max "
          f"{max(latencies, default=float('nan')):.0f} ms")  # fmt: skip
    print(f"  of which the start request: p50 {percentile(start_latencies, 50):.0f} ms, "
          f"p95 {percentile(start_latencies, 95):.0f} ms")  # fmt: skip
    for u in failed_http[:20]:
        print(f"  user {u.user} {u.path.name}: {u.error}")

    settled_times = [r["settled_at"].timestamp() for r in rows.values() if r["settled_at"]]
    if started and settled_times:
        first = min(u.started for u in started)
        span = max(settled_times) - first
        settled = sum(1 for r in rows.values() if r["status"] in Photo.SETTLED)
        print(f"processed: {settled} photos settled in {span:.1f} s from the first upload: "
              f"{settled / span:.2f} photos/s")  # fmt: skip
    print(f"by status: {dict(sorted(Counter(r['status'] for r in rows.values()).items()))}")

    wrong, missing = [], []
    for u in started:
        row = rows.get(u.photo_id)
        if row is None:
            missing.append(u)
        elif row["status"] != u.expected:
            wrong.append((u, row))
    known = {u.photo_id for u in started}
    strangers = [r for pid, r in rows.items() if pid not in known]
    stuck = [r for r in rows.values() if r["status"] not in Photo.SETTLED]
    expected_counts = Counter(u.expected for u in started)
    ok_counts = Counter(u.expected for u in started if rows.get(u.photo_id, {}).get("status")
                        == u.expected)  # fmt: skip
    print("expected states: " + ", ".join(
        f"{state} {ok_counts[state]}/{n}" for state, n in sorted(expected_counts.items())
    ))  # fmt: skip
    for u, row in wrong[:20]:
        print(
            f"  WRONG user {u.user} {u.path.name} ({u.photo_id}): {row['status']} "
            f"(expected {u.expected}) {row['failed_step']} {row['status_reason'][:200]!r}"
        )
    for u in missing[:20]:
        print(f"  MISSING user {u.user} {u.path.name} ({u.photo_id}): no row")
    for r in strangers[:20]:
        print(f"  UNKNOWN row {r['id']} {r['original_name']} {r['status']}")
    if not settled_in_time:
        print(f"  not settled within the timeout: {len(stuck)} row(s)")

    statuses, problems = scan_logs(logdir)
    bad_http = {k: v for k, v in statuses.items() if not k.split()[0].startswith(("2", "3"))}
    print(f"HTTP answers not 2xx/3xx in the access log: {bad_http or 'none'}")
    for name, lines in problems.items():
        print(f"log {name}: {len(lines)} error line(s), e.g.")
        for line in list(dict.fromkeys(lines))[:5]:
            print(f"    {line[:240]}")

    lost = len(missing) + len(wrong) + len(stuck) + len(strangers)
    print()
    if lost == 0 and not failed_http and len(started) == len(uploads):
        print(f"zero lost: all {len(started)} uploads ended in their expected state")
        return 0
    print(f"NOT OK: {len(missing)} missing, {len(wrong)} in the wrong state, {len(stuck)} stuck, "
          f"{len(strangers)} unknown rows, {len(failed_http)} HTTP failures, "
          f"{len(uploads) - len(started)} never started")  # fmt: skip
    return 1


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
    if "load" not in args.database or not re.fullmatch(r"\w+", args.database):
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
        recreate_database(args.database)
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
            drop_database(args.database)
        if not args.keep:
            shutil.rmtree(workdir / "media", ignore_errors=True)
            shutil.rmtree(workdir / "static", ignore_errors=True)
        print(f"logs kept in {logdir}" + (f"; database {args.database} and media kept"
              if args.keep else ""), flush=True)  # fmt: skip
    return status


if __name__ == "__main__":
    sys.exit(main())
