"""The database password from Secrets Manager, read when a connection opens.

Aurora rotates its managed master secret (every 7 days by default) without telling anyone:
a task that read the password once at start would fail on its next connection. So the
password is fetched at connect time, cached for DATABASE_SECRET_CACHE_SECONDS (connections
open often; Secrets Manager is paid per call), and fetched again when the server refuses it.
"""

import functools
import json
import logging
import threading
import time

import boto3
from botocore.config import Config
from django.conf import settings

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_cache: dict[str, tuple[str, float]] = {}  # secret ARN -> (password, monotonic time read)


@functools.cache
def secretsmanager_client(region: str):
    config = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5)
    return boto3.client(
        "secretsmanager",
        region_name=region,
        endpoint_url=settings.AWS_SECRETSMANAGER_ENDPOINT_URL,
        config=config,
    )


def _read(arn: str) -> str:
    region = arn.split(":")[3]  # arn:aws:secretsmanager:<region>:<account>:secret:<name>
    value = secretsmanager_client(region).get_secret_value(SecretId=arn)["SecretString"]
    # RDS-managed secrets are {"username": ..., "password": ...}; a plain string also works.
    try:
        document = json.loads(value)
    except ValueError:
        return value
    return document["password"] if isinstance(document, dict) else value


def database_password(arn: str, *, refresh: bool = False) -> str:
    """The current password: cached for a few minutes, re-read when refresh=True."""
    with _lock:
        cached = _cache.get(arn)
        fresh = cached and time.monotonic() - cached[1] < settings.DATABASE_SECRET_CACHE_SECONDS
        if cached and fresh and not refresh:
            return cached[0]
        password = _read(arn)
        if cached and password != cached[0]:
            logger.info("database secret changed; new connections use the new password")
        _cache[arn] = (password, time.monotonic())
        return password


def forget() -> None:
    """Drop every cached password (tests)."""
    with _lock:
        _cache.clear()
