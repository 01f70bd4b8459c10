"""Runs one registered step for one photo and keeps its (photo, step) state.

Generic over processing/registry.py: which steps exist, what they read, which gate
`ready`. Correct under duplicate delivery, concurrent steps and requeues because every
transition is a conditional UPDATE on the step's row or the photo's:

- a step already done or skipped does nothing again (it only passes the fan-out on);
- a photo becomes `ready` in one UPDATE that finds no required step unfinished, run by
  every step after it commits, so the last to finish wins however they interleave;
- a step whose attempt raises goes back to `pending` with its error and is retried by the
  broker; when its retries run out (`step_exhausted`), it is `failed`, and so is the photo
  if the step is required.

The runner knows nothing of the broker: it answers which steps to send next and the actors
in processing/tasks.py send them.
"""

from __future__ import annotations

import importlib
import logging
import time
from contextlib import contextmanager

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from albums.models import Photo
from albums.storage import get_photo_storage
from processing import registry, services, telemetry
from processing.models import PhotoStep
from processing.stages.base import Done, Skipped, StageJob, working_copy
from processing.steps.errors import PhotoRejected

logger = logging.getLogger(__name__)

Status = PhotoStep.Status
FINAL = PhotoStep.FINAL
# A step runs for a photo in any of these; a `ready` photo for a step run again on its own.
RUNNABLE = (Photo.Status.QUEUED, Photo.Status.PROCESSING, Photo.Status.FAILED, Photo.Status.READY)


# --- Planning -------------------------------------------------------------------------------


def steps_plan(*, photo_id, names: list[str] | None = None) -> None:
    """Every registered step (or those named) `pending` for this photo, results forgotten.

    Called when a photo enters the pipeline or is sent through steps again.
    """
    names = names or [step.name for step in registry.steps()]
    PhotoStep.objects.bulk_create(
        [PhotoStep(photo_id=photo_id, step=name) for name in names], ignore_conflicts=True
    )
    PhotoStep.objects.filter(photo_id=photo_id, step__in=names).update(
        status=Status.PENDING, reason="", error="", started_at=None, finished_at=None
    )


def next_steps(*, photo_id, after: str) -> list[str]:
    """The steps that can start now that `after` is finished: pending, every parent final."""
    states = dict(PhotoStep.objects.filter(photo_id=photo_id).values_list("step", "status"))
    ready = []
    for step in registry.children(after):
        if states.get(step.name, Status.PENDING) != Status.PENDING:
            continue
        if all(states.get(parent) in FINAL for parent in step.after):
            ready.append(step.name)
    return ready


def steps_to_resend(*, photo_id) -> list[str]:
    """For a photo the broker may have forgotten: the unfinished steps that can run now."""
    states = dict(PhotoStep.objects.filter(photo_id=photo_id).values_list("step", "status"))
    if not states:
        steps_plan(photo_id=photo_id)
        return [step.name for step in registry.first_steps()]
    missing = [step.name for step in registry.steps() if step.name not in states]
    if missing:  # steps registered since the photo entered the pipeline
        steps_plan(photo_id=photo_id, names=missing)
        states |= dict.fromkeys(missing, Status.PENDING)
    wanted = []
    for step in registry.steps():
        if states.get(step.name) in (Status.PENDING, Status.RUNNING):
            if all(states.get(parent) in FINAL for parent in step.after):
                wanted.append(step.name)
    return wanted


# --- Running --------------------------------------------------------------------------------


def run_step(*, step_name: str, photo_id, last_attempt: bool = False) -> list[str]:
    """Run one step for one photo; the names of the steps to send next.

    Raises whatever the stage raised (but PhotoRejected), for the broker to retry; on the
    `last_attempt` the photo's history waits for step_exhausted to say `failed`.
    """
    step = registry.get(step_name)
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None or photo.status not in RUNNABLE:
        return []  # deleted, rejected, or not uploaded: nothing to do
    state = _state(photo_id=photo.pk, step=step.name)
    if state is None:
        return []
    if state.status in FINAL:
        return next_steps(photo_id=photo.pk, after=step.name)  # a redelivered message
    started = timezone.now()
    PhotoStep.objects.filter(pk=state.pk).update(
        status=Status.RUNNING, attempts=F("attempts") + 1, started_at=started, finished_at=None
    )
    Photo.objects.filter(pk=photo.pk, status=Photo.Status.QUEUED).update(
        status=Photo.Status.PROCESSING, processing_started_at=started
    )
    clock = time.monotonic()
    try:
        with _job(step, photo) as job:
            outcome = _stage(step).run(job)
    except PhotoRejected as exc:
        _finish(state, Status.FAILED, reason=exc.reason, seconds=time.monotonic() - clock)
        services.photo_reject(photo_id=photo.pk, step=step.name, reason=exc.reason)
        telemetry.step_finished(step.name, "rejected", time.monotonic() - clock)
        return []
    except Exception as exc:
        _attempt_failed(state, step, exc, seconds=time.monotonic() - clock, last=last_attempt)
        raise
    seconds = time.monotonic() - clock
    if isinstance(outcome, Skipped):
        finished = _finish(state, Status.SKIPPED, reason=outcome.reason, seconds=seconds)
    else:
        note = outcome.note if isinstance(outcome, Done) else ""
        finished = _finish(state, Status.DONE, reason=note, seconds=seconds)
    if not finished:
        return []  # the photo was deleted meanwhile
    telemetry.step_finished(step.name, state.status, seconds)
    photo_complete_if_done(photo_id=photo.pk)
    return next_steps(photo_id=photo.pk, after=step.name)


def photo_complete_if_done(*, photo_id) -> bool:
    """`processing` → `ready` once every required step is done or skipped: one conditional
    UPDATE, which only the step that finds them all finished gets to make."""
    finished = [
        Exists(PhotoStep.objects.filter(photo_id=OuterRef("pk"), step=name, status__in=FINAL))
        for name in registry.required_names()
    ]
    done = (
        Photo.objects.filter(pk=photo_id, status=Photo.Status.PROCESSING)
        .filter(*finished)
        .update(status=Photo.Status.READY, settled_at=timezone.now(), status_reason="")
    )
    return bool(done)


def step_exhausted(*, step_name: str, photo_id, retries: int) -> None:
    """The broker gave up on this step: it is `failed`; a required step fails the photo."""
    step = registry.get(step_name)
    with transaction.atomic():
        state = PhotoStep.objects.filter(photo_id=photo_id, step=step.name).first()
        if state is None or state.status in FINAL:
            return  # deleted, or a duplicate delivery got it done
        PhotoStep.objects.filter(pk=state.pk).update(
            status=Status.FAILED, finished_at=timezone.now()
        )
        services.record_event(
            photo_id=photo_id,
            step=step.name,
            outcome="failed",
            message=state.error,
            attempt=state.attempts,
        )
        if step.required:
            services.photo_fail(photo_id=photo_id, reason=state.reason)
    telemetry.step_finished(step.name, "failed", state.duration or 0.0)


# --- Internals ------------------------------------------------------------------------------


def _stage(step: registry.Step):
    return importlib.import_module(step.stage)


def _state(*, photo_id, step: str) -> PhotoStep | None:
    try:
        state, _ = PhotoStep.objects.get_or_create(photo_id=photo_id, step=step)
    except IntegrityError:  # the photo was deleted meanwhile
        return None
    return state


@contextmanager
def _job(step: registry.Step, photo: Photo):
    if step.reads == registry.ORIGINAL:
        with get_photo_storage().open(photo.original.name) as fp:
            yield StageJob(photo=photo, original=fp)
    elif step.reads == registry.WORKING:
        image = working_copy(photo)
        try:
            yield StageJob(photo=photo, image=image)
        finally:
            image.close()
    else:
        yield StageJob(photo=photo)


def _finish(state: PhotoStep, status: str, *, reason: str, seconds: float) -> bool:
    with transaction.atomic():
        updated = PhotoStep.objects.filter(pk=state.pk).update(
            status=status,
            reason=reason[:2000],
            error="",
            finished_at=timezone.now(),
            duration=seconds,
        )
        if not updated:
            return False
        outcome = {Status.DONE: "done", Status.SKIPPED: "skipped"}.get(status, "rejected")
        if outcome != "rejected":
            services.record_event(
                photo_id=state.photo_id, step=state.step, outcome=outcome, message=reason
            )
    state.status = status
    return True


def _attempt_failed(state: PhotoStep, step: registry.Step, exc: BaseException, *, seconds, last):
    """One attempt raised: the step waits for its retry, with the error kept."""
    error = f"{type(exc).__name__}: {exc}"
    try:
        attempts = PhotoStep.objects.filter(pk=state.pk).values_list("attempts", flat=True).first()
        reason = services.failure_reason(step=step.name, exception=exc, attempts=attempts or 1)
        with transaction.atomic():
            updated = PhotoStep.objects.filter(pk=state.pk).update(
                status=Status.PENDING, error=error[:2000], reason=reason, duration=seconds
            )
            if not updated or last:
                return  # the photo was deleted meanwhile; or step_exhausted says `failed`
            services.record_event(
                photo_id=state.photo_id,
                step=step.name,
                outcome="retry",
                message=error,
                attempt=attempts or 1,
            )
    except Exception:  # the database itself may be what failed
        logger.exception("Could not record the failure of %s(%s)", step.name, state.photo_id)
