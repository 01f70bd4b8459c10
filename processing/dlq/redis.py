"""Dead letters on dramatiq's RedisBroker."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from dramatiq import Message
from dramatiq.common import xq_name

from processing.dlq.base import DeadLetter, DeadLetterQueue, Session, _decode


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
