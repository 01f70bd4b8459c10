"""Dead letters on dramatiq's RabbitmqBroker."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from dramatiq import Message
from dramatiq.common import xq_name

from processing.dlq.base import DeadLetter, DeadLetterQueue, Session, _decode

logger = logging.getLogger(__name__)


class RabbitmqDeadLetterQueue(DeadLetterQueue):
    """dramatiq's RabbitmqBroker: the durable queue `<queue>.XQ`.

    AMQP has no "peek": a session takes every message with basic_get and no ack, holding them
    all on one channel (so the next get never returns one already seen), acks the ones it
    removes, and at the end nacks the rest with requeue, which puts them back in their places.
    Closing the channel or losing the connection returns them the same way.
    """

    def _connect(self):
        # pika is needed only when RabbitMQ is the broker (the `rabbitmq` extra).
        import pika

        return pika.BlockingConnection(self.broker.parameters)

    def counts(self) -> dict[str, int]:
        # pika is needed only when RabbitMQ is the broker (the `rabbitmq` extra).
        import pika.exceptions

        counts = {}
        connection = self._connect()
        try:
            for queue in self.queues():
                channel = connection.channel()
                try:
                    declared = channel.queue_declare(xq_name(queue), passive=True)
                except pika.exceptions.ChannelClosedByBroker as exc:
                    if exc.reply_code != 404:
                        raise
                    counts[queue] = 0  # never declared: nothing has died there
                    continue
                counts[queue] = declared.method.message_count
                channel.close()
        finally:
            _close_quietly(connection)
        return counts

    @contextmanager
    def session(self, queue: str) -> Iterator[Session]:
        # pika is needed only when RabbitMQ is the broker (the `rabbitmq` extra).
        import pika.exceptions
        from dramatiq.brokers.rabbitmq import DEAD_MESSAGE_TTL

        dead_queue = xq_name(queue)
        connection = self._connect()
        try:
            channel = connection.channel()
            try:
                waiting = channel.queue_declare(dead_queue, passive=True).method.message_count
            except pika.exceptions.ChannelClosedByBroker as exc:
                if exc.reply_code != 404:
                    raise
                channel, waiting = None, 0  # never declared: nothing has died there
            letters, held = [], 0
            for _ in range(waiting):  # no more than were there: new arrivals wait their turn
                method, properties, body = channel.basic_get(dead_queue, auto_ack=False)
                if method is None:
                    break
                held += 1
                message = _decode(body, where=f"{dead_queue} #{method.delivery_tag}")
                if message is None:
                    continue  # stays unacked: it goes back with the others
                dead_at = _x_death_time(properties) or datetime.fromtimestamp(
                    message.options.get("requeue_timestamp", message.message_timestamp) / 1000,
                    tz=UTC,
                )
                expires_at = dead_at + timedelta(milliseconds=DEAD_MESSAGE_TTL)
                letters.append(DeadLetter(queue, message, method.delivery_tag, dead_at, expires_at))
            session = RabbitmqSession(self, connection, channel, letters, held)
            try:
                yield session
            finally:
                session.put_back()
        finally:
            _close_quietly(connection)


class RabbitmqSession(Session):
    def __init__(self, store, connection, channel, letters, held: int):
        self.store, self.connection, self.channel = store, connection, channel
        self.letters, self.held = letters, held
        self._publisher = None

    def send(self, message: Message) -> None:
        # pika is needed only when RabbitMQ is the broker (the `rabbitmq` extra).
        import pika

        broker = self.store.broker
        broker.declare_queue(message.queue_name, ensure=True)  # with dramatiq's arguments
        if self._publisher is None:
            self._publisher = self.connection.channel()
            self._publisher.confirm_delivery()
        broker.emit_before("enqueue", message, None)
        # Publisher confirms: basic_publish returns once RabbitMQ has taken the message
        # (persistent, on a durable queue), and raises if it was refused or unroutable.
        self._publisher.basic_publish(
            exchange="",
            routing_key=message.queue_name,
            body=message.encode(),
            properties=pika.BasicProperties(
                delivery_mode=2, priority=message.options.get("broker_priority")
            ),
            mandatory=True,
        )
        broker.emit_after("enqueue", message, None)

    def remove(self, letter: DeadLetter) -> None:
        self.channel.basic_ack(delivery_tag=letter.handle)
        self.held -= 1

    def put_back(self) -> None:
        """Everything not removed goes back to the dead-letter queue, in its order."""
        if self.channel is None or not self.channel.is_open:
            return  # a closed channel has already returned them
        try:
            if self.held:
                self.channel.basic_nack(delivery_tag=0, multiple=True, requeue=True)
            self.channel.close()
        except Exception:  # the connection's end returns them all the same
            logger.warning("Could not hand dead letters back explicitly", exc_info=True)


def _x_death_time(properties) -> datetime | None:
    deaths = (properties.headers or {}).get("x-death") or []
    times = [d.get("time") for d in deaths if isinstance(d, dict)]
    times = [t for t in times if isinstance(t, datetime)]
    return max(times) if times else None


def _close_quietly(connection) -> None:
    try:
        if connection.is_open:
            connection.close()
    except Exception:
        logger.debug("Closing the RabbitMQ connection failed", exc_info=True)
