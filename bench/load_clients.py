"""bench/load.py's clients: a browser without the rendering, and what each person does.

Each person signs in as a browser does, opens the album page and uploads its files the
way the album page's script does (start request, then the bytes to the site or the
presigned POST to the bucket, then the confirm), recording each upload's latency.
"""

from __future__ import annotations

import http.client
import json
import mimetypes
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

PASSWORD = "load-bench-password-" + uuid.uuid4().hex[:8]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
THROTTLED = b"Too many failed login attempts"


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
