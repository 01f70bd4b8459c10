"""Dead letters: the messages a broker keeps after their retries ran out, and what to do next.

The database is the system of record: a photo whose step gave up is `failed`, with the step
and the error. The broker's dead-letter queue keeps the message itself for a while (7 days by
default), so operators can see what died and why, and send it again once the cause is fixed.

    RedisBroker     sorted set  <namespace>:<queue>.XQ       redis message ids, scored by the
                                                             time (ms) they were dead-lettered
                    hash        <namespace>:<queue>.XQ.msgs  redis message id -> encoded message
    RabbitmqBroker  durable queue <queue>.XQ, fed by the work queue's dead-letter exchange
    StubBroker      nothing that outlives the process: the failed photos in the database are
                    the dead letters (`manage.py reprocess --status failed`).

The message a broker dead-letters is the one it delivered last, so its `retries` option counts
the failures before that delivery and its `traceback` is the one before last; the final error
is on the photo's history (PipelineFailures records it).

Requeueing sends a fresh copy first (retry count reset, same message id so a duplicate is
recognisable) and removes the dead one only once the broker has the copy: a crash in between
leaves a duplicate, which is harmless because every step is idempotent, never a loss.
"""

import dataclasses
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import dramatiq
from django.db import transaction
from django.utils import timezone
from dramatiq import Message
from dramatiq import errors as dramatiq_errors
from dramatiq.common import current_millis, q_name, xq_name
from dramatiq.errors import DecodeError

from albums.models import Photo, ProcessingEvent

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
        import redis

        errors.append(redis.RedisError)
    except ImportError:  # pragma: no cover
        pass
    try:
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
        from processing.tasks import STEP_OF_ACTOR

        return STEP_OF_ACTOR.get(self.actor)

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
        from processing import tasks

        actors = (tasks.extract_metadata, tasks.render_thumbnails, tasks.detect_labels)
        names = {actor.queue_name for actor in actors}
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


class RedisDeadLetterQueue(DeadLetterQueue):
    """dramatiq's RedisBroker: a sorted set of ids and a hash of messages per queue."""

    def keys(self, queue: str) -> tuple[str, str]:
        ids = f"{self.broker.namespace}:{xq_name(queue)}"
        return ids, f"{ids}.msgs"

    def counts(self) -> dict[str, int]:
        queues = self.queues()
        pipe = self.broker.client.pipeline(transaction=False)
        for queue in queues:
            pipe.zcard(self.keys(queue)[0])
        return dict(zip(queues, (int(n) for n in pipe.execute()), strict=True))

    @contextmanager
    def session(self, queue: str) -> Iterator[Session]:
        client = self.broker.client
        ids_key, messages_key = self.keys(queue)
        entries = client.zrange(ids_key, 0, -1, withscores=True)
        datas = client.hmget(messages_key, [key for key, _ in entries]) if entries else []
        ttl = timedelta(milliseconds=self.broker.dead_message_ttl)
        letters = []
        for (key, score), data in zip(entries, datas, strict=True):
            if data is None:  # expired or removed since the first read
                continue
            message = _decode(data, where=f"{ids_key} {key!r}")
            if message is None:
                continue
            dead_at = datetime.fromtimestamp(score / 1000, tz=UTC)
            letters.append(DeadLetter(queue, message, key, dead_at, dead_at + ttl))
        yield RedisSession(self, queue, letters)


class RedisSession(Session):
    def __init__(self, store: RedisDeadLetterQueue, queue: str, letters: list[DeadLetter]):
        self.store, self.queue, self.letters = store, queue, letters

    def send(self, message: Message) -> None:
        self.store.broker.enqueue(message)  # one atomic script call: it is there on return

    def remove(self, letter: DeadLetter) -> None:
        ids_key, messages_key = self.store.keys(self.queue)
        pipe = self.store.broker.client.pipeline(transaction=True)
        pipe.zrem(ids_key, letter.handle)
        pipe.hdel(messages_key, letter.handle)
        pipe.execute()


class RabbitmqDeadLetterQueue(DeadLetterQueue):
    """dramatiq's RabbitmqBroker: the durable queue `<queue>.XQ`.

    AMQP has no "peek": a session takes every message with basic_get and no ack, holding them
    all on one channel (so the next get never returns one already seen), acks the ones it
    removes, and at the end nacks the rest with requeue, which puts them back in their places.
    Closing the channel or losing the connection returns them the same way.
    """

    def _connect(self):
        import pika

        return pika.BlockingConnection(self.broker.parameters)

    def counts(self) -> dict[str, int]:
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


def _decode(data: bytes, *, where: str) -> Message | None:
    try:
        return Message.decode(data)
    except DecodeError:
        logger.warning("Undecodable dead letter left in place: %s", where)
        return None


def dead_letter_queue(broker=None) -> DeadLetterQueue:
    """The dead-letter queues of the broker (the configured one by default)."""
    from dramatiq.brokers.stub import StubBroker

    broker = broker or dramatiq.get_broker()
    if isinstance(broker, StubBroker):
        raise EmbeddedBrokerError()
    try:
        from dramatiq.brokers.redis import RedisBroker

        if isinstance(broker, RedisBroker):
            return RedisDeadLetterQueue(broker)
    except ImportError:  # pragma: no cover
        pass
    try:
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


# --- What the operator sees ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PhotoInfo:
    id: str
    owner: str
    album: str
    album_id: str
    file_name: str
    status: str
    reason: str  # what the owner reads
    failed_step: str
    last_error: str  # the error of the last failed attempt of this message's step


@dataclasses.dataclass(frozen=True)
class DeadLetterView:
    letter: DeadLetter
    photo: PhotoInfo | None
    photo_missing: bool = False  # the message names a photo that no longer exists

    @property
    def error(self) -> str:
        """Why it died: the last attempt's error from the photo's history, else the traceback."""
        return (self.photo and self.photo.last_error) or self.letter.traceback_error

    def age(self, now: datetime | None = None) -> timedelta | None:
        if self.letter.dead_at is None:
            return None
        return (now or timezone.now()) - self.letter.dead_at

    def as_dict(self, *, full: bool = False) -> dict:
        letter, age = self.letter, self.age()
        row = {
            "id": letter.id,
            "queue": letter.queue,
            "actor": letter.actor,
            "step": letter.step,
            "tries": letter.tries,
            "error": self.error,
            "sent_at": letter.sent_at.isoformat(),
            "dead_at": letter.dead_at.isoformat() if letter.dead_at else None,
            "age_seconds": int(age.total_seconds()) if age is not None else None,
            "expires_at": letter.expires_at.isoformat() if letter.expires_at else None,
            "photo": dataclasses.asdict(self.photo) if self.photo else None,
        }
        if self.photo_missing:
            row["photo"] = {"id": letter.photo_id, "deleted": True}
        if full:
            options = {k: v for k, v in letter.message.options.items() if k != "traceback"}
            row |= {
                "args": list(letter.message.args),
                "kwargs": letter.message.kwargs,
                "options": options,
                "traceback": letter.traceback,
            }
        return row


def _views(letters: list[DeadLetter]) -> list[DeadLetterView]:
    import uuid

    wanted = {}
    for letter in letters:
        try:
            wanted[letter.photo_id] = uuid.UUID(letter.photo_id or "")
        except ValueError:
            continue
    photos, errors = {}, {}
    pks = list(wanted.values())
    for start in range(0, len(pks), 500):
        chunk = pks[start : start + 500]
        for photo in Photo.objects.filter(pk__in=chunk).select_related("owner", "album"):
            photos[str(photo.pk)] = photo
        events = (
            ProcessingEvent.objects.filter(photo_id__in=chunk, outcome="failed")
            .order_by("-created_at", "-id")
            .values_list("photo_id", "step", "message")
        )
        for photo_id, step, message in events:
            errors.setdefault((str(photo_id), step), message)
    views = []
    for letter in letters:
        pk = wanted.get(letter.photo_id)
        photo = photos.get(str(pk)) if pk else None
        info = None
        if photo is not None:
            info = PhotoInfo(
                id=str(photo.pk),
                owner=photo.owner.email,
                album=photo.album.title,
                album_id=str(photo.album_id),
                file_name=photo.original_name,
                status=photo.status,
                reason=photo.status_reason,
                failed_step=photo.failed_step,
                last_error=errors.get((str(photo.pk), letter.step), ""),
            )
        views.append(DeadLetterView(letter, info, photo_missing=pk is not None and photo is None))
    return views


def dead_letters_list(
    *, queue: str | None = None, store: DeadLetterQueue | None = None
) -> list[DeadLetterView]:
    """Every dead letter (of one queue, or all), oldest first within each queue."""
    store = store or dead_letter_queue()
    letters = []
    for name in store.check_queue(queue):
        with store.session(name) as session:
            letters.extend(session.letters)
    return _views(letters)


def dead_letter_get(
    *, message_id: str, store: DeadLetterQueue | None = None
) -> list[DeadLetterView]:
    """The dead copies of one message (normally one; more after an interrupted requeue)."""
    views = [v for v in dead_letters_list(store=store) if v.letter.id == message_id]
    if not views:
        raise DeadLetterError(f"No dead letter with the id {message_id}.")
    return views


# --- Acting on dead letters ----------------------------------------------------------------


@dataclasses.dataclass
class Outcome:
    done: list[DeadLetterView] = dataclasses.field(default_factory=list)
    missing: list[str] = dataclasses.field(default_factory=list)
    errors: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (id, what)


class _Stop(Exception):
    """A dead letter could not be removed after its copy was sent: stop the batch there."""


def dead_letters_requeue(
    *,
    message_ids: Iterable[str] | None = None,
    queue: str | None = None,
    store: DeadLetterQueue | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Send dead letters again (the ones named, or all) and only then drop them.

    Each message's photo, if it is `failed`, goes back in flight first: `queued` for the
    metadata step; `processing` for thumbnails and labels, the state in which those steps
    run and the last of them marks the photo ready. A photo in any other state is left alone:
    the copy then finds nothing to do (the services skip settled photos).
    """
    return _apply(_requeue_one, message_ids, queue, store, on_progress)


def dead_letters_purge(
    *,
    message_ids: Iterable[str] | None = None,
    queue: str | None = None,
    store: DeadLetterQueue | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Drop dead letters for good. Their photos stay `failed` (a line in each history)."""
    return _apply(_purge_one, message_ids, queue, store, on_progress)


def _apply(action, message_ids, queue, store, on_progress) -> Outcome:
    store = store or dead_letter_queue()
    wanted = None if message_ids is None else list(dict.fromkeys(message_ids))
    outcome = Outcome()
    with ExitStack() as stack:
        # Every queue's dead letters are held until the end, so the total is known up front.
        work: list[tuple[Session, list[DeadLetter]]] = []
        for name in store.check_queue(queue):
            session = stack.enter_context(store.session(name))
            groups: dict[str, list[DeadLetter]] = {}
            for letter in session.letters:
                if wanted is None or letter.id in wanted:
                    groups.setdefault(letter.id, []).append(letter)
            work.extend((session, copies) for copies in groups.values())
        seen = {copies[0].id for _, copies in work}
        outcome.missing = [i for i in wanted or [] if i not in seen]
        views = _views([copies[-1] for _, copies in work])
        for index, ((session, copies), view) in enumerate(zip(work, views, strict=True), 1):
            try:
                action(session, copies)
                outcome.done.append(view)
            except _Stop as exc:
                outcome.errors.append((view.letter.id, str(exc)))
                break  # the sessions' end puts the rest back untouched
            except Exception as exc:
                logger.exception("Dead letter %s", view.letter.id)
                outcome.errors.append((view.letter.id, f"{type(exc).__name__}: {exc}"))
            if on_progress:
                on_progress(index, len(work))
    return outcome


def _requeue_one(session: Session, copies: list[DeadLetter]) -> None:
    letter = copies[-1]  # the latest copy, if an interrupted requeue left several
    restore = _photo_back_in_flight(letter)
    try:
        session.send(fresh_copy(letter))
    except Exception:
        if restore:
            restore()
        raise
    for copy in copies:
        try:
            session.remove(copy)
        except Exception as exc:
            raise _Stop(
                f"sent again, but still in the dead-letter queue ({type(exc).__name__}: {exc}); "
                "requeue or purge it once more. Stopped there."
            ) from exc


def _purge_one(session: Session, copies: list[DeadLetter]) -> None:
    letter = copies[-1]
    for copy in copies:
        session.remove(copy)
    if letter.step and letter.photo_id and _photo_exists(letter.photo_id):
        from processing.services import record_event

        record_event(
            photo_id=letter.photo_id,
            step=letter.step,
            outcome="purged",
            message=f"Dead letter {letter.id} purged; the photo stays failed.",
        )


def _photo_exists(photo_id: str) -> bool:
    try:
        return Photo.objects.filter(pk=photo_id).exists()
    except Exception:  # not a photo id
        return False


def _photo_back_in_flight(letter: DeadLetter) -> Callable[[], None] | None:
    """A failed photo goes back in flight for the step being re-sent.

    Committed before the copy is sent, so the worker finds the photo in flight. Returns how
    to undo it if the send fails (None when the photo was not `failed`).
    """
    from processing.services import record_event

    step, photo_id = letter.step, letter.photo_id
    if step is None or photo_id is None or not _photo_exists(photo_id):
        return None
    status = Photo.Status.QUEUED if step == "metadata" else Photo.Status.PROCESSING
    now = timezone.now()
    fields = ("status_reason", "failed_step", "failed_at", "settled_at")
    with transaction.atomic():
        before = (
            Photo.objects.select_for_update()
            .filter(pk=photo_id, status=Photo.Status.FAILED)
            .values(*fields)
            .first()
        )
        if before is None:
            return None
        Photo.objects.filter(pk=photo_id).update(
            status=status,
            status_reason="",
            failed_step="",
            failed_at=None,
            settled_at=None,
            queued_at=now,
        )
        record_event(
            photo_id=photo_id,
            step=step,
            outcome="requeued",
            message=f"Re-sent from the dead-letter queue (message {letter.id}).",
        )

    def restore() -> None:
        with transaction.atomic():
            Photo.objects.filter(pk=photo_id, status=status, queued_at=now).update(
                status=Photo.Status.FAILED, **before
            )
            record_event(
                photo_id=photo_id,
                step=step,
                outcome="requeue_failed",
                message=f"Re-sending message {letter.id} failed; it stays a dead letter.",
            )

    return restore
