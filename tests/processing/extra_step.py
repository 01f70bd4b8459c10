"""A pipeline step that exists only in tests, to show that a new step is one module and one
registry entry. The `extra_step` fixture registers it in the test's process; a worker
subprocess registers it through the PIPELINE_EXTRA_STEPS setting (`STEP` below).

It reads the working copy. It fails while the file named by EXTRA_STEP_FAIL_FILE exists
(a worker subprocess) or while FAILURES["left"] > 0 (this process). With EXTRA_STEP_HOLD_DIR
it says it has started (`started-<photo>` in that folder), waits there until `release`
appears, and leaves `finished-<photo>` when it is done: a message held in a worker's hands
at a known point, for as long as the test likes.
"""

import os
import time
from pathlib import Path

from processing.registry import Step
from processing.stages.base import Done, StageJob

STEP = Step(
    name="extra",
    stage="tests.processing.extra_step",
    title="The tests' extra step",
    queue="extra",
)
FAILURES = {"left": 0}
SEEN: list[tuple[str, tuple[int, int]]] = []


class Broken(RuntimeError):
    pass


def run(job: StageJob) -> Done:
    flag = os.environ.get("EXTRA_STEP_FAIL_FILE")
    if FAILURES["left"] > 0 or (flag and os.path.exists(flag)):
        FAILURES["left"] -= 1
        raise Broken("the extra step broke, as the test asked")
    if hold := os.environ.get("EXTRA_STEP_HOLD_DIR"):
        _held(Path(hold), str(job.photo.pk))
    SEEN.append((str(job.photo.pk), job.image.size))
    return Done(note=f"looked at a {job.image.width}×{job.image.height} working copy")


def _held(folder: Path, photo_id: str, *, limit_s: float = 120.0) -> None:
    (folder / f"started-{photo_id}").touch()
    deadline = time.monotonic() + limit_s
    while not (folder / "release").exists():  # the test's condition, checked in the worker
        if time.monotonic() > deadline:
            raise Broken("the test never released the extra step")
        time.sleep(0.02)
    (folder / f"finished-{photo_id}").touch()
