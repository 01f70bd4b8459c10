"""Is a server up: tests that need one skip with the reason (CI fails on any skip)."""

import os
import socket

import pytest

NO_SKIPS = os.environ.get("IMAGESITE_NO_SKIPS") == "1"


def service_reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Skip (with the reason) when a service is down on a laptop; CI fails on skips."""
    if not service_reachable(host, port):
        pytest.skip(f"{name} is not reachable on {host}:{port}")
