"""onnxruntime sessions: built once per process, one thread each, no telemetry, no spinning.

onnxruntime ≥ 1.29 turns telemetry on by default on Linux (it writes a device id and an
event queue under ~/.cache), so ORT_DISABLE_TELEMETRY is set before the first import; this
module is the only place in the project that imports onnxruntime directly. A session's
`run` may be called from several threads at once (onnxruntime documents it as thread-safe);
what is cached here is built under a lock so two threads never load the same model twice.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

os.environ["ORT_DISABLE_TELEMETRY"] = "1"

import onnxruntime  # noqa: E402  (after the environment variable above)

MODELS_DIR = Path(__file__).resolve().parent / "models"

T = TypeVar("T")
_lock = threading.Lock()
_loaded: dict[str, object] = {}


def session_options() -> onnxruntime.SessionOptions:
    """One intra-op thread that does not spin: a worker's threads each get one core's worth."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    options.log_severity_level = 3  # errors only
    return options


def new_session(path: str | Path) -> onnxruntime.InferenceSession:
    if not Path(path).is_file():
        raise FileNotFoundError(f"model file {path} is missing: it ships with the code")
    return onnxruntime.InferenceSession(
        str(path), sess_options=session_options(), providers=["CPUExecutionProvider"]
    )


def cached(key: str, build: Callable[[], T]) -> T:
    """The one `build()` result for `key` in this process, built on first use."""
    found = _loaded.get(key)
    if found is not None:
        return found  # type: ignore[return-value]
    with _lock:
        if key not in _loaded:
            _loaded[key] = build()
        return _loaded[key]  # type: ignore[return-value]


def loaded() -> list[str]:
    """Which models this process has loaded so far (for logs and the benchmark)."""
    return sorted(_loaded)
