"""Waiting on a condition, never on the clock: poll until it holds, fail with what was awaited.

The only `time.sleep` in the tests is the poll interval here (and the fault tests' process
and proxy plumbing): a test says what it waits for, not for how long.
"""

import os
import time

# A test's `timeout` is what is plenty on a quiet machine; the deadline is that times
# PATIENCE, because CI and laptops share their cores with other work (a waiting test that
# passes returns as soon as its condition holds, so only a failing one waits this long).
PATIENCE = float(os.environ.get("IMAGESITE_TEST_PATIENCE", "3"))


def wait_until(
    condition,
    *,
    timeout: float,
    workers=(),
    interval: float = 0.1,
    what: str = "",
    explain=None,
    check=None,
):
    """Poll `condition` until true. Fail early if one of `workers` (objects with `alive()`
    and `log()`, as tests/support/faults.py's WorkerProcess) died, with its log, or when
    `check()` raises; on time-out say what was awaited (and what `explain()` says)."""
    deadline = time.monotonic() + timeout * PATIENCE
    while True:
        if condition():
            return
        if check is not None:
            check()
        for worker in workers:
            assert worker.alive(), f"worker {worker.pid} exited:\n{worker.log()}"
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- worker {w.pid}:\n{w.log()}" for w in workers)
            state = f"\n{explain()}" if explain else ""
            waited = f"{timeout * PATIENCE:g} s"
            raise AssertionError(f"timed out after {waited} waiting for {what}{state}\n{logs}")
        time.sleep(interval)


def next_millisecond() -> None:
    """Return once the wall clock has moved to its next millisecond (Redis orders dead
    letters by the millisecond they died)."""
    start = int(time.time() * 1000)
    while int(time.time() * 1000) == start:
        pass
