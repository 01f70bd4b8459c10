"""The pipeline's actors: one per registered step, each a thin interface to the runner.

Declared from processing/registry.py, on the step's own queue with its retry policy, so a
slow label service never starves ingest. An attempt that raises is retried with backoff;
when retries run out, dramatiq sends `step_exhausted`, which marks the step (and, for a
required step, the photo) `failed`, while the message itself stays in the dead-letter
queue. That hook is the actor's own option: it does not depend on middleware order.
"""

import dramatiq
from django.conf import settings
from dramatiq.middleware import CurrentMessage

from processing import registry, runner

EXHAUSTED = "step_exhausted"
_actors: dict[str, dramatiq.Actor] = {}


def _options(step: registry.Step) -> dict:
    retry = step.retry
    pick = lambda value, default: default if value is None else value  # noqa: E731
    return {
        "queue_name": step.queue,
        "max_retries": pick(retry.max_retries, settings.PIPELINE_MAX_RETRIES),
        "min_backoff": pick(retry.min_backoff_ms, settings.PIPELINE_MIN_BACKOFF_MS),
        "max_backoff": pick(retry.max_backoff_ms, settings.PIPELINE_MAX_BACKOFF_MS),
        "time_limit": pick(retry.time_limit_ms, settings.PIPELINE_TIME_LIMIT_MS),
        "on_retry_exhausted": EXHAUSTED,
        "priority": step.priority,
    }


def actor_for(name: str) -> dramatiq.Actor:
    """The actor that runs step `name` (declared on first use, e.g. a step a test adds)."""
    if name not in _actors:
        step = registry.step_for_actor(name)
        if step is None:
            raise KeyError(f"No pipeline step answers to the actor {name!r}")

        def perform(photo_id: str) -> None:
            last = _last_attempt(_actors[name])
            for next_name in runner.run_step(
                step_name=step.name, photo_id=photo_id, last_attempt=last
            ):
                send(next_name, photo_id)

        perform.__name__ = perform.__qualname__ = name
        _actors[name] = dramatiq.actor(perform, actor_name=name, **_options(step))
    return _actors[name]


def _last_attempt(actor: dramatiq.Actor) -> bool:
    """Whether the message being processed has no retry left (its failure is then recorded
    as `failed` by step_exhausted, not as one more `retry`). Needs CurrentMessage."""
    message = CurrentMessage.get_current_message()
    if message is None:
        return False
    limit = message.options.get("max_retries", actor.options.get("max_retries", 0))
    return int(message.options.get("retries", 0)) >= int(limit)


def send(step_name: str, photo_id) -> dramatiq.Message:
    return actor_for(step_name).send(str(photo_id))


@dramatiq.actor(actor_name=EXHAUSTED, queue_name="pipeline", max_retries=20)
def step_exhausted(message_data: dict, retry_info: dict) -> None:
    step = registry.step_for_actor(message_data.get("actor_name", ""))
    args = message_data.get("args") or []
    if step is None or not args:
        return
    runner.step_exhausted(
        step_name=step.name, photo_id=args[0], retries=int(retry_info.get("retries", 0))
    )


def declare_all() -> None:
    """Every registered step's actor, and the names it answered to before."""
    for step in registry.steps():
        for name in (step.name, *step.aliases):
            actor_for(name)


declare_all()
