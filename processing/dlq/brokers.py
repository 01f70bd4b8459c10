"""The dead-letter queues of the configured broker: which backend reads them."""

import dramatiq
from dramatiq.brokers.stub import StubBroker

from processing.dlq.base import DeadLetterError, DeadLetterQueue, EmbeddedBrokerError
from processing.dlq.rabbitmq import RabbitmqDeadLetterQueue
from processing.dlq.redis import RedisDeadLetterQueue


def dead_letter_queue(broker=None) -> DeadLetterQueue:
    """The dead-letter queues of the broker (the configured one by default)."""
    broker = broker or dramatiq.get_broker()
    if isinstance(broker, StubBroker):
        raise EmbeddedBrokerError()
    try:
        # Each broker module imports its client library (redis, pika): only the one in use.
        from dramatiq.brokers.redis import RedisBroker

        if isinstance(broker, RedisBroker):
            return RedisDeadLetterQueue(broker)
    except ImportError:  # pragma: no cover
        pass
    try:  # the same for RabbitMQ (pika)
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        if isinstance(broker, RabbitmqBroker):
            return RabbitmqDeadLetterQueue(broker)
    except ImportError:  # pragma: no cover
        pass
    raise DeadLetterError(f"No dead-letter support for {type(broker).__name__}.")


def dead_letter_counts() -> dict[str, int]:
    """Dead letters waiting per work queue, for /metrics; empty with the embedded broker."""
    try:
        store = dead_letter_queue()
    except EmbeddedBrokerError:
        return {}
    return store.counts()
