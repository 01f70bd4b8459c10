"""What the benchmarks share: paths, scratch MariaDB databases, the environment, processes.

Imported as a sibling (``from common import ...``): a script run as
``.venv/bin/python bench/<script>.py`` has bench/ first on sys.path.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
READY = "ready for action"  # what a dramatiq worker logs once it takes messages


# --- Scratch databases -------------------------------------------------------------------


def server_connection(url: str):
    """A connection to the server of a mysql:// URL (no database selected)."""
    import MySQLdb

    parts = urlsplit(url)
    return MySQLdb.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=unquote(parts.username or "root"),
        password=unquote(parts.password or ""),
        charset="utf8mb4",
    )


def scratch_name_ok(name: str, marker: str) -> bool:
    """Whether a database may be dropped: a plain name (letters, digits, _) containing marker."""
    return marker in name and re.fullmatch(r"\w+", name) is not None


def database_name(url: str, marker: str) -> str:
    """The database of a mysql:// URL; exits unless scratch_name_ok(name, marker)."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("mysql"):
        raise SystemExit(f"--database-url must be a mysql:// URL, not {url!r}")
    name = parts.path.lstrip("/")
    if not scratch_name_ok(name, marker):
        raise SystemExit(
            f"refusing to (re)create and drop database {name!r}: its name must "
            f"contain '{marker}' (the benchmark drops it)"
        )
    return name


def recreate_database(url: str, marker: str) -> None:
    """Drop (if it exists) and create the URL's database, empty, in utf8mb4."""
    name = database_name(url, marker)
    conn = server_connection(url)
    try:
        cursor = conn.cursor()
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    finally:
        conn.close()


def drop_database(url: str, marker: str) -> None:
    name = database_name(url, marker)
    conn = server_connection(url)
    try:
        conn.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        conn.close()


# --- The environment -----------------------------------------------------------------------


def bench_env(
    *, secret: str, database_url: str, workdir: Path, redis_db: int, prefetch: int
) -> dict[str, str]:
    """The settings of the site and its workers that every benchmark run sets.

    Local storage and labels, media under workdir, the Redis database redis_db as the
    broker, no .env file, a fresh secret key starting with secret.
    """
    env = {
        "DJANGO_SETTINGS_MODULE": "imagesite.settings",
        "IMAGESITE_READ_DOTENV": "0",
        "DJANGO_SECRET_KEY": secret + uuid.uuid4().hex,
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(workdir / "media"),
        "DRAMATIQ_BROKER_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "DRAMATIQ_PROMETHEUS": "0",  # two workers would fight over one exporter port
        "EMBEDDED_WORKER_AUTOSTART": "0",
        "LABEL_DETECTOR": "local",
    }
    if prefetch:  # messages a worker holds per queue; dramatiq's default is 2 per thread
        env["dramatiq_queue_prefetch"] = str(prefetch)
    return env


# --- Processes ------------------------------------------------------------------------------


def spawn(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    """Start command in the repository in a session (process group) of its own, output to log."""
    with log.open("w") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def killpg_quietly(pgid: int, sig: int) -> None:
    """Signal a process group; one that is gone already is fine."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
