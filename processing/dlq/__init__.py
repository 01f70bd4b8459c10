"""Dead letters: the messages a broker keeps after their retries ran out, and what to do next.

The database is the system of record: a step that gave up is `failed` on its PhotoStep row,
with the error (and so is its photo, for a required step). The broker's dead-letter queue
keeps the message itself for a while (7 days by default), so operators can see what died and
why, and send it again once the cause is fixed.

    RedisBroker     sorted set  <namespace>:<queue>.XQ       redis message ids, scored by the
                                                             time (ms) they were dead-lettered
                    hash        <namespace>:<queue>.XQ.msgs  redis message id -> encoded message
    RabbitmqBroker  durable queue <queue>.XQ, fed by the work queue's dead-letter exchange
    StubBroker      nothing that outlives the process: the failed photos in the database are
                    the dead letters (`manage.py reprocess --status failed`).

The message a broker dead-letters is the one it delivered last, so its `retries` option counts
the failures before that delivery and its `traceback` is the one before last; the final error
is on the photo's history and its step's row (the runner records every attempt).

Requeueing sends a fresh copy first (retry count reset, same message id so a duplicate is
recognisable) and removes the dead one only once the broker has the copy: a crash in between
leaves a duplicate, which is harmless because every step is idempotent, never a loss.
"""

from processing.dlq.actions import (
    dead_letter_get,
    dead_letters_list,
    dead_letters_purge,
    dead_letters_requeue,
)
from processing.dlq.base import DeadLetterError, broker_errors
from processing.dlq.brokers import dead_letter_counts, dead_letter_queue
from processing.dlq.rabbitmq import RabbitmqSession
from processing.dlq.redis import RedisSession

__all__ = [
    "DeadLetterError",
    "RabbitmqSession",
    "RedisSession",
    "broker_errors",
    "dead_letter_counts",
    "dead_letter_get",
    "dead_letter_queue",
    "dead_letters_list",
    "dead_letters_purge",
    "dead_letters_requeue",
]
