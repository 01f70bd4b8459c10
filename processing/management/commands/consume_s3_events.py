import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from albums.storage import Unsupported, get_photo_storage
from processing.pipeline import ensure_embedded_worker
from processing.s3_events import sqs_client, sqs_consume


class Command(BaseCommand):
    help = (
        "Import files dropped under incoming/<user email or id>/<album>/ in the bucket, "
        "reading S3's event notifications from an SQS queue."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue-url",
            default=settings.S3_EVENTS_QUEUE_URL,
            help="The SQS queue S3 notifies (default: settings.S3_EVENTS_QUEUE_URL).",
        )
        parser.add_argument(
            "--endpoint-url",
            default=settings.AWS_SQS_ENDPOINT_URL,
            help="An SQS-compatible endpoint instead of AWS (default: AWS_SQS_ENDPOINT_URL).",
        )
        parser.add_argument("--once", action="store_true", help="Handle what is queued, then exit.")
        parser.add_argument(
            "--wait-seconds",
            type=int,
            default=20,
            help="Long-poll wait per receive, at most 20 (default: %(default)s).",
        )

    def handle(self, *, queue_url, endpoint_url, once, wait_seconds, **options):
        if not queue_url:
            raise CommandError("Give --queue-url or set S3_EVENTS_QUEUE_URL.")
        try:
            get_photo_storage().require_bucket_events()
        except Unsupported as exc:
            raise CommandError(str(exc)) from None
        ensure_embedded_worker()

        # SIGTERM (ECS stopping the task) finishes the batch in hand, then exits.
        stopping = []
        previous = {
            signum: signal.signal(signum, lambda *_: stopping.append(True))
            for signum in (signal.SIGTERM, signal.SIGINT)
        }
        if not once:
            self.stdout.write(f"Waiting for S3 events on {queue_url}")
        try:
            counts = sqs_consume(
                client=sqs_client(endpoint_url=endpoint_url),
                queue_url=queue_url,
                once=once,
                wait_seconds=max(0, min(wait_seconds, 20)),
                should_stop=lambda: bool(stopping),
            )
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        summary = ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))
        self.stdout.write(self.style.SUCCESS(f"S3 events: {summary or 'none'}."))
        if counts.get("failed"):
            raise CommandError(f"{counts['failed']} message(s) failed; they stay on the queue.")
