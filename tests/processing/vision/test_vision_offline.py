"""Every analysis runs with the network cut off and a fresh HOME, and writes nowhere else.

`python -m processing.vision` loads every model and analyses a dog photo, a poster and a
GPS-tagged photo in a child process:
- in a new network namespace (`unshare --net`: no route anywhere) when this machine allows
  it, and always with Python's sockets refusing to connect (a sitecustomize guard);
- with HOME, TMPDIR and the XDG folders pointing into empty temporary folders;
- under `strace` when it is installed, which records every file opened for writing, every
  folder made and every network connect the process (or a library in C) attempts.
Then: the analyses found what they should, HOME and TMPDIR are still empty, no file outside
the project was written and no connection was tried.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.vision import CORPUS

ROOT = Path(__file__).resolve().parents[3]
PHOTOS = {
    "dog": CORPUS / "cameras" / "FujiFilm MX-1200.jpg",
    "poster": CORPUS / "good" / "no_exif.jpg",
    "arezzo": CORPUS / "good" / "gps_DSCN0010.jpg",
}
GUARD = """
import socket

def _refuse(*args, **kwargs):
    raise OSError("network access attempted while offline")

socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
"""
WRITE_FLAGS = re.compile(r"O_WRONLY|O_RDWR|O_CREAT")
PATH_CALL = re.compile(
    r'^\d+\s+(openat|open|creat|mkdir|mkdirat|rename|renameat2?)\((?:AT_FDCWD, )?"([^"]+)"(.*)$'
)
CONNECT = re.compile(r"^\d+\s+connect\(\d+, \{sa_family=(AF_INET6?)")


def can_unshare() -> bool:
    if not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "--net", "true"], capture_output=True).returncode == 0


def written_paths(trace: str) -> tuple[list[str], list[str]]:
    """(paths opened for writing or made, inet connects) from an strace -f log."""
    paths, connects = [], []
    for line in trace.splitlines():
        if CONNECT.match(line):
            connects.append(line)
            continue
        match = PATH_CALL.match(line)
        if not match or "= -1" in match.group(3):
            continue
        call, path, rest = match.groups()
        if call.startswith("open") and not WRITE_FLAGS.search(rest):
            continue
        paths.append(path)
    return paths, connects


def allowed(path: str, *, scratch: Path) -> bool:
    real = os.path.realpath(os.path.join(ROOT, path))
    return (
        real.startswith(str(ROOT) + os.sep)
        or real.startswith(str(scratch) + os.sep)
        or real.startswith(("/dev/", "/proc/"))
    )


def offline_env(tmp_path: Path, **extra: str) -> tuple[dict, Path, Path]:
    """An environment with a fresh HOME and TMPDIR and the socket guard: (env, home, tmp)."""
    home, tmp, guard = tmp_path / "home", tmp_path / "tmp", tmp_path / "guard"
    for folder in (home, tmp, guard):
        folder.mkdir(exist_ok=True)
    (guard / "sitecustomize.py").write_text(GUARD)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "PYTHONPATH": f"{guard}{os.pathsep}{ROOT}",
        "PYTHONDONTWRITEBYTECODE": "1",
        "LANG": "C.UTF-8",
        **extra,
    }
    return env, home, tmp


def run_offline(command: list[str], env: dict, trace: Path) -> subprocess.CompletedProcess:
    """`command` in a new network namespace (when allowed) under strace (when installed)."""
    if shutil.which("strace"):
        calls = "trace=openat,open,creat,mkdir,mkdirat,rename,renameat,renameat2,connect"
        command = ["strace", "-f", "-qq", "-e", calls, "-o", str(trace), *command]
    if can_unshare():
        command = ["unshare", "--net", *command]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def assert_wrote_only_inside(trace: Path, scratch: Path) -> None:
    if trace.exists():
        paths, connects = written_paths(trace.read_text())
        outside = sorted({p for p in paths if not allowed(p, scratch=scratch)})
        assert not outside, f"written outside the project: {outside}"
        assert not connects, f"network connections attempted: {connects[:5]}"


@pytest.mark.slow
def test_analyses_run_offline_and_write_nothing_outside_the_project(tmp_path):
    env, home, tmp = offline_env(tmp_path)
    command = [sys.executable, "-m", "processing.vision", *map(str, PHOTOS.values())]
    trace = tmp_path / "strace.log"
    done = run_offline(command, env, trace)
    assert done.returncode == 0, done.stderr[-3000:]

    found = json.loads(done.stdout)
    dog = {label["name"] for label in found[str(PHOTOS["dog"])]["labels"]}
    assert {"Dog", "Pet", "Animal"} <= dog
    poster = " ".join(line["text"] for line in found[str(PHOTOS["poster"])]["text"])
    assert "GOALIE" in poster and "PEDRO LENZ" in poster
    assert found[str(PHOTOS["arezzo"])]["places"]["city"] == "Arezzo"

    assert not any(home.rglob("*")), f"written under HOME: {sorted(home.rglob('*'))}"
    assert not any(tmp.rglob("*")), f"written under TMPDIR: {sorted(tmp.rglob('*'))}"
    assert_wrote_only_inside(trace, tmp_path)


@pytest.mark.slow
def test_the_whole_pipeline_runs_offline_on_the_embedded_defaults(tmp_path):
    """migrate, a user, `import_photos --wait` (the in-process broker and worker, every
    step: ingest, labels, text, places) and `export_metadata`, each under the same guard,
    on a SQLite database and media folder of the test's own."""
    site = tmp_path / "site"
    site.mkdir()
    env, home, _ = offline_env(
        tmp_path,
        DJANGO_SETTINGS_MODULE="imagesite.settings",
        DJANGO_DEBUG="1",
        DJANGO_SECRET_KEY="offline-test-only",
        DATABASE_URL=f"sqlite:///{site / 'db.sqlite3'}",
        MEDIA_ROOT=str(site / "media"),
        IMAGESITE_READ_DOTENV="0",
    )
    manage = [sys.executable, "manage.py"]
    make_user = (
        "from django.contrib.auth import get_user_model;"
        "get_user_model().objects.create_user('me', 'me@example.com', 'a-long-password-1')"
    )
    steps = [
        ("migrate", [*manage, "migrate", "--noinput"]),
        ("a user", [*manage, "shell", "-c", make_user]),
        ("import", [*manage, "import_photos", *map(str, PHOTOS.values()),
                    "--user", "me@example.com", "--album", "Offline", "--wait"]),
        ("export", [*manage, "export_metadata", "--user", "me@example.com"]),
    ]  # fmt: skip
    for name, command in steps:
        done = run_offline(command, env, tmp_path / f"strace-{name}.log")
        assert done.returncode == 0, f"{name}: {done.stderr[-3000:]}"
        assert_wrote_only_inside(tmp_path / f"strace-{name}.log", tmp_path)

    photos = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    by_name = {p["file_name"]: p for p in photos}
    assert {p["status"] for p in photos} == {"ready"}, [p["status"] for p in photos]
    dog = by_name[PHOTOS["dog"].name]
    assert {"Dog", "Pet", "Animal"} <= {label["name"] for label in dog["labels"]}
    found = {
        (name, label["kind"], label["name"])
        for name, photo in by_name.items()
        for label in photo["labels"]
    }
    assert (PHOTOS["arezzo"].name, "place", "Arezzo") in found
    assert (PHOTOS["poster"].name, "text", "GOALIE") in found
    assert not any(home.rglob("*")), f"written under HOME: {sorted(home.rglob('*'))}"
