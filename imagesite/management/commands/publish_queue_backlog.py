"""Publish the pipeline's backlog, dead letters and failures to CloudWatch, once or in a loop."""

import signal
import threading
from datetime import timedelta

import dramatiq
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from albums.models import Photo
from imagesite import backlog


def photos_failed_since(since) -> int:
    return Photo.objects.filter(status=Photo.Status.FAILED, settled_at__gte=since).count()


class Command(BaseCommand):
    help = (
        "Publish imagesite/QueueBacklog (per queue), DeadLetters and PhotosFailed to CloudWatch "
        "for the worker autoscaling and the alarms."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Keep publishing at this interval until stopped (default: publish once).",
        )

    def handle(self, *args, every: int, **options):
        if every < 0:
            raise CommandError("--every takes a number of seconds, 0 or more")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        backlog.load_actors()
        since = timezone.now() - timedelta(seconds=every or 60)
        while True:
            now = timezone.now()
            try:
                broker = dramatiq.get_broker()
                counts = backlog.backlogs(broker)
                dead = sum(backlog.dead_letters(broker, q) for q in counts)
                failed = photos_failed_since(since)
                backlog.publish(backlog=counts, dead=dead, failed=failed)
            except Exception as exc:  # a loop keeps going through a broker or AWS blip
                if not every:
                    raise CommandError(f"could not publish the queue backlog: {exc}") from exc
                self.stderr.write(self.style.ERROR(f"backlog not published: {exc}"))
            else:
                since = now  # the next count starts where this one ended
                shown = ", ".join(f"{q}={n}" for q, n in counts.items()) or "no queues"
                self.stdout.write(
                    self.style.SUCCESS(
                        f"published: backlog {shown}; dead letters {dead}; photos failed {failed}"
                    )
                )
            if not every or stop.wait(every):
                return
