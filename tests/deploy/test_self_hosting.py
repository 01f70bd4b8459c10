"""scripts/serve: the embedded defaults as a real service on one machine, started as
docs/self-hosting.md says, used over HTTP: gunicorn, DEBUG off, static files, a secret made
once in var/, SQLite in WAL mode, and the in-process worker taking a photo to `ready`."""

import json
import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.deploy.smoke_client import Browser, multipart, wait_for
from tests.support.corpus import corpus_file
from tests.support.deploy import ROOT

pytestmark = pytest.mark.slow
PASSWORD = "a-long-test-password"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    var, port = tmp_path / "var", _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "AWS_", "DRAMATIQ_", "CACHE_", "EMBEDDED_"))
        and k not in ("MEDIA_ROOT", "STATIC_ROOT", "DJANGO_SETTINGS_MODULE")
    }
    env.update(IMAGESITE_VAR=str(var), IMAGESITE_ADDR=f"127.0.0.1:{port}")
    env["IMAGESITE_SERVE_SKIP_INSTALL"] = "1"  # this run's .venv, not reinstalled mid-run
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        ["scripts/serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def live():
        assert process.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
        try:
            return urllib.request.urlopen(f"{base}/livez", timeout=5).status == 200
        except OSError:
            return False

    try:
        wait_for("scripts/serve to answer /livez", live, 240)
        yield base, var, process, env
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)
        log.close()


def _make_user(var, env) -> str:
    email = "owner@example.com"
    code = (
        "from django.contrib.auth import get_user_model; "
        "from allauth.account.models import EmailAddress; "
        f"u = get_user_model().objects.create_user(username='owner', email='{email}', "
        f"password='{PASSWORD}'); "
        f"EmailAddress.objects.create(user=u, email='{email}', primary=True, verified=True)"
    )
    shell_env = dict(
        env,
        IMAGESITE_READ_DOTENV="0",
        DJANGO_SECRET_KEY=(var / "secret_key").read_text().strip(),
        DATABASE_URL=f"sqlite:///{var / 'imagesite.sqlite3'}",
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=shell_env,
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return email


def test_scripts_serve_runs_the_embedded_defaults_as_a_service(served):
    base, var, process, env = served
    home = urllib.request.urlopen(base + "/", timeout=30)
    assert "gunicorn" in home.headers["Server"]
    assert urllib.request.urlopen(base + "/static/css/site.css", timeout=30).status == 200
    browser = Browser(base)
    status, _, page = browser.request("/no-such-page/")
    assert status == 404 and "Traceback" not in page and "DEBUG = True" not in page
    assert stat.S_IMODE((var / "secret_key").stat().st_mode) == 0o600
    with sqlite3.connect(var / "imagesite.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    email = _make_user(var, env)
    status, url, _ = browser.form("/accounts/login/", {"login": email, "password": PASSWORD})
    assert status == 200 and "/accounts/login" not in url, url
    status, url, _ = browser.form("/albums/", {"title": "On my server", "description": ""})
    album_id = re.search(r"/albums/([0-9a-f-]{36})/", url).group(1)
    photo = corpus_file("good", "Canon_40D.jpg")
    content = photo.read_bytes()
    status, _, body = browser.request(
        f"/albums/{album_id}/uploads/",
        {"name": photo.name, "size": len(content), "type": "image/jpeg"},
        ajax=True,
    )
    ticket = json.loads(body)
    assert status == 201 and ticket["confirm_url"] is None, body  # streamed through the site
    data, content_type = multipart({}, photo.name, content)
    request = urllib.request.Request(
        base + ticket["url"], data=data,
        headers={"Content-Type": content_type, "X-CSRFToken": browser.csrf(), "Referer": base},
    )  # fmt: skip
    assert browser.opener.open(request, timeout=60).status == 200
    photo_id = ticket["photo"]["id"]

    def settled():
        _, _, body = browser.request(f"/albums/{album_id}/uploads/status/?ids={photo_id}")
        [state] = json.loads(body)["photos"]
        return state if state["settled"] else None

    assert wait_for("the photo to settle", settled, 180)["status"] == "ready"

    secret = (var / "secret_key").read_text()
    began = time.monotonic()
    os.killpg(process.pid, signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    assert time.monotonic() - began < 40
    assert (var / "secret_key").read_text() == secret
