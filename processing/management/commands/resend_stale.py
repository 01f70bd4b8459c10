from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from processing.imports import wait_until_settled
from processing.management.commands._progress import ProgressBar
from processing.pipeline import ensure_embedded_worker, pipeline_resend_stale, uses_embedded_broker


class Command(BaseCommand):
    help = (
        "Re-send photos left queued or processing longer than an age: a restarted "
        "in-process broker or a lost message. Safe to run any time; steps are idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-minutes",
            type=int,
            default=settings.PIPELINE_STALE_AFTER_MINUTES,
            help="Default: %(default)s (PIPELINE_STALE_AFTER_MINUTES).",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=3600,
            help="With the in-process broker, seconds to wait for processing "
            "(default: %(default)s).",
        )

    def handle(self, *, older_than_minutes, timeout, **options):
        ensure_embedded_worker()
        ids = pipeline_resend_stale(older_than_minutes=older_than_minutes)
        self.stdout.write(self.style.SUCCESS(f"Re-sent {len(ids)} stale photo(s)."))
        if ids and uses_embedded_broker():
            # The in-process broker ends with this command: process the photos before exiting.
            bar = ProgressBar(self.stdout, len(ids), "Processing")
            settled = wait_until_settled(ids, timeout=timeout, on_progress=bar.update)
            bar.close()
            if not settled:
                raise CommandError("Gave up waiting; run the command again to carry on.")
