"""The smoke test's user: drives the running image over HTTP, as a browser would.

Run by .ci/docker_smoke.sh with the host's .venv (boto3). Signs up (the confirmation link
comes from the web container's console mail), creates an album, uploads a corpus photo with
the presigned POST and confirms it, then drops a second photo under incoming/ for the S3
event import. Photo states are read from the site's upload status API and from the database.
Every wait is on a condition, with a deadline; it prints how long each phase took.
"""

import argparse
import http.cookiejar
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import boto3

SETTLED_TIMEOUT = 300  # seconds; a loaded 2-core machine runs every step of the pipeline


def phase(name: str, began: float) -> None:
    print(f"smoke: {name} ({time.monotonic() - began:.1f}s)", flush=True)


class Browser:
    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def csrf(self) -> str:
        return next(c.value for c in self.cookies if c.name == "csrftoken")

    def request(self, path: str, data: dict | None = None, *, ajax: bool = False):
        url = path if path.startswith("http") else self.base + path
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body)
        request.add_header("Referer", self.base + "/")
        if data is not None:
            request.add_header("X-CSRFToken", self.csrf())
        if ajax:
            request.add_header("Accept", "application/json")
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, url, exc.read().decode(errors="replace")

    def form(self, path: str, fields: dict):
        """GET a page for its CSRF cookie, then POST the form to it."""
        status, _, _ = self.request(path)
        assert status == 200, f"GET {path}: {status}"
        return self.request(path, {"csrfmiddlewaretoken": self.csrf(), **fields})


def multipart(fields: dict, file_name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    )
    body = "".join(parts).encode() + head.encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def wait_for(what: str, check, timeout: float, interval: float = 1.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise SystemExit(f"smoke: timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


def confirmation_link(logs_command: list[str], email: str) -> str:
    def find():
        out = subprocess.run(logs_command, capture_output=True, text=True).stdout
        out += subprocess.run(logs_command, capture_output=True, text=True).stderr
        if email not in out:
            return None
        links = re.findall(r"https?://[^\s\"]+/accounts/confirm-email/[^\s\"/]+/", out)
        return links[-1] if links else None

    return wait_for("the confirmation mail in the web container's output", find, 60)


def database_status(mysql: list[str], name: str) -> str:
    query = f"SELECT status FROM albums_photo WHERE original_name = '{name}'"
    out = subprocess.run([*mysql, "-N", "-e", query], capture_output=True, text=True)
    return out.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--s3-endpoint", required=True)
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--photo", required=True, type=Path)
    parser.add_argument("--logs-command", required=True, help="prints the web's output")
    parser.add_argument("--mysql-command", required=True, help="a mariadb client on the DB")
    args = parser.parse_args()
    began = time.monotonic()
    browser = Browser(args.base)
    email = f"smoke-{uuid.uuid4().hex[:8]}@example.com"
    password = "smoke-" + uuid.uuid4().hex

    status, url, body = browser.form(
        "/accounts/signup/", {"email": email, "password1": password, "password2": password}
    )
    assert status == 200 and "confirm-email" in url, (status, url, body[:500])
    link = urllib.parse.urlsplit(confirmation_link(args.logs_command.split(), email)).path
    status, url, _ = browser.form(link, {})
    assert status == 200 and "/accounts/" not in url, (status, url)
    phase(f"signed up and confirmed {email}", began)

    status, url, _ = browser.form("/albums/", {"title": "Smoke test", "description": ""})
    album_id = re.search(r"/albums/([0-9a-f-]{36})/", url).group(1)
    content = args.photo.read_bytes()
    status, _, body = browser.request(
        f"/albums/{album_id}/uploads/",
        {"name": args.photo.name, "size": len(content), "type": "image/jpeg"},
        ajax=True,
    )
    assert status == 201, (status, body)
    ticket = json.loads(body)
    # Production's storage answers with a presigned POST to the bucket and a confirm URL.
    assert ticket["confirm_url"] and ticket["fields"].get("key", "").startswith("uploads/"), ticket
    data, content_type = multipart(ticket["fields"], args.photo.name, content)
    post = urllib.request.Request(ticket["url"], data=data, headers={"Content-Type": content_type})
    with urllib.request.urlopen(post, timeout=60) as response:
        assert response.status in (200, 201, 204), response.status
    status, _, body = browser.request(ticket["confirm_url"], {}, ajax=True)
    assert status == 200, (status, body)
    photo_id = ticket["photo"]["id"]
    phase("uploaded with the presigned POST and confirmed", began)

    def settled():
        _, _, body = browser.request(f"/albums/{album_id}/uploads/status/?ids={photo_id}")
        [photo] = json.loads(body)["photos"]
        return photo if photo["settled"] else None

    photo = wait_for("the uploaded photo to settle", settled, SETTLED_TIMEOUT)
    assert photo["status"] == "ready", photo
    phase("the uploaded photo is ready", began)

    s3 = boto3.client("s3", endpoint_url=args.s3_endpoint, region_name="us-east-1")
    dropped = f"dropped-{uuid.uuid4().hex[:6]}.jpg"
    s3.put_object(Bucket=args.bucket, Key=f"incoming/{email}/Dropped/{dropped}", Body=content)
    mysql = args.mysql_command.split()
    wait_for(
        "the S3 event import to reach ready",
        lambda: database_status(mysql, dropped) == "ready" or None,
        SETTLED_TIMEOUT,
    )
    phase("the photo dropped under incoming/ was imported and is ready", began)

    status, _, body = browser.request("/healthz")
    assert status == 200 and json.loads(body)["status"] == "ok", (status, body)
    status, _, body = browser.request("/livez")
    assert status == 200, (status, body)
    phase("/healthz and /livez answer 200", began)


if __name__ == "__main__":
    sys.exit(main())
