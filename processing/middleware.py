"""Dramatiq middleware that writes the outcome of failed attempts to the database.

The database is the system of record: when an attempt raises, the photo's history gets
a line; when the Retries middleware gives up, the photo becomes `failed` with the step
and the error, while the message itself stays in the dead-letter queue.
"""

import logging

from dramatiq.middleware import Middleware

logger = logging.getLogger(__name__)


class PipelineFailures(Middleware):
    def after_process_message(self, broker, message, *, result=None, exception=None):
        if exception is None:
            return
        from processing import services
        from processing.tasks import STEP_OF_ACTOR

        step = STEP_OF_ACTOR.get(message.actor_name)
        if step is None or not message.args:
            return
        photo_id = message.args[0]
        attempts = message.options.get("retries", 0)
        error = f"{type(exception).__name__}: {exception}"
        try:
            if message.failed:
                services.photo_fail(
                    photo_id=photo_id,
                    step=step,
                    error=error,
                    attempts=attempts,
                    exception=exception,
                )
            else:
                services.record_event(
                    photo_id=photo_id,
                    step=step,
                    outcome="retry",
                    message=error,
                    attempt=attempts,
                )
        except Exception:  # the database itself may be what failed
            logger.exception("Could not record the failure of %s(%s)", step, photo_id)
