from django.conf import settings
from django.core.management.base import BaseCommand

from processing.services import pipeline_resend_stale


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

    def handle(self, *, older_than_minutes, **options):
        from processing.pipeline import ensure_embedded_worker

        ensure_embedded_worker()
        count = pipeline_resend_stale(older_than_minutes=older_than_minutes)
        self.stdout.write(self.style.SUCCESS(f"Re-sent {count} stale photo(s)."))
