"""Dead letters, the broker-independent part: errors, one dead message, the ABCs, the factory."""

import dataclasses
import logging
from abc import ABC, abstractmethod
from datetime import UTC, datetime
from typing import Any

from dramatiq import Message
from dramatiq import errors as dramatiq_errors
from dramatiq.common import current_millis, q_name
from dramatiq.errors import DecodeError

from processing import registry

logger = logging.getLogger(__name__)

EMBEDDED_BROKER_MESSAGE = (
    "This site runs the embedded broker (no DRAMATIQ_BROKER_URL), which keeps no dead-letter "
    "queue: its messages live in this process's memory and are gone when it stops. Dead "
    "letters live in the database instead: every photo whose processing gave up is `failed`, "
    "with the step and the error. See them with `manage.py reprocess --status failed "
    "--dry-run` and send them through the pipeline again with "
    "`manage.py reprocess --status failed`."
)

# Options that belong to one delivery attempt; a requeued copy starts without them.
_ATTEMPT_OPTIONS = ("retries", "traceback", "requeue_timestamp", "eta", "redis_message_id")


class DeadLetterError(Exception):
    """Something the operator asked for that cannot be done (shown as it is)."""


class EmbeddedBrokerError(DeadLetterError):
    def __init__(self):
        super().__init__(EMBEDDED_BROKER_MESSAGE)


def broker_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean the broker could not be reached or refused."""
    errors: list[type[BaseException]] = [
        ConnectionError,
        TimeoutError,
        # Renamed in dramatiq 2 (the old name is deprecated there).
        getattr(dramatiq_errors, "BrokerConnectionError", None) or dramatiq_errors.ConnectionError,
    ]
    try:
        # Only the broker in use has its client installed: import it when asked about it.
        import redis

        errors.append(redis.RedisError)
    except ImportError:  # pragma: no cover
        pass
    try:  # pika, for RabbitMQ: the same
        import pika.exceptions

        errors.append(pika.exceptions.AMQPError)
    except ImportError:  # pragma: no cover
        pass
    return tuple(errors)


# --- One dead message ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class DeadLetter:
    queue: str  # the work queue it died on (canonical name)
    message: Message
    handle: Any  # the broker's own handle: redis message id, or AMQP delivery tag
    dead_at: datetime | None
    expires_at: datetime | None

    @property
    def id(self) -> str:
        return self.message.message_id

    @property
    def actor(self) -> str:
        return self.message.actor_name

    @property
    def step(self) -> str | None:
        """The pipeline step this message runs (also for an actor's former name)."""
        step = registry.step_for_actor(self.actor)
        return step.name if step else None

    @property
    def tries(self) -> int:
        """Deliveries that failed: the ones counted in `retries`, and the last one."""
        return int(self.message.options.get("retries") or 0) + 1

    @property
    def traceback(self) -> str:
        return self.message.options.get("traceback") or ""

    @property
    def traceback_error(self) -> str:
        lines = [line for line in self.traceback.strip().splitlines() if line.strip()]
        return lines[-1].strip() if lines else ""

    @property
    def photo_id(self) -> str | None:
        if self.step is None or not self.message.args:
            return None
        return str(self.message.args[0])

    @property
    def sent_at(self) -> datetime:
        return datetime.fromtimestamp(self.message.message_timestamp / 1000, tz=UTC)


def fresh_copy(letter: DeadLetter) -> Message:
    """The message to send again: same actor, arguments and id; a new life (no retries)."""
    options = {k: v for k, v in letter.message.options.items() if k not in _ATTEMPT_OPTIONS}
    options["dead_letter_requeues"] = int(options.get("dead_letter_requeues") or 0) + 1
    return dataclasses.replace(
        letter.message,
        queue_name=q_name(letter.queue),
        options=options,
        message_timestamp=current_millis(),
    )


# --- The broker's dead-letter queues -------------------------------------------------------


class Session(ABC):
    """The dead letters of one queue, held while something is done with them."""

    letters: list[DeadLetter]

    @abstractmethod
    def send(self, message: Message) -> None:
        """Put a message on its work queue; returns once the broker has it."""

    @abstractmethod
    def remove(self, letter: DeadLetter) -> None:
        """Drop one dead letter for good."""


class DeadLetterQueue(ABC):
    def __init__(self, broker):
        self.broker = broker

    def queues(self) -> list[str]:
        """The work queues whose dead letters to look at: the pipeline's and any declared."""
        names = {step.queue for step in registry.steps()}
        names |= {q_name(n) for n in self.broker.get_declared_queues()}
        return sorted(n for n in names if not n.endswith((".DQ", ".XQ")))

    def check_queue(self, queue: str | None) -> list[str]:
        queues = self.queues()
        if queue is None:
            return queues
        if queue not in queues:
            raise DeadLetterError(f"Unknown queue {queue!r}; the queues are: {', '.join(queues)}.")
        return [queue]

    @abstractmethod
    def counts(self) -> dict[str, int]:
        """Dead letters waiting, by work queue."""

    @abstractmethod
    def session(self, queue: str):
        """A context manager: the queue's dead letters, oldest first, in a Session."""


def _decode(data: bytes, *, where: str) -> Message | None:
    try:
        return Message.decode(data)
    except DecodeError:
        logger.warning("Undecodable dead letter left in place: %s", where)
        return None
