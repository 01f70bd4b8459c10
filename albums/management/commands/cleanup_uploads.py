from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from albums.services import uploads_cleanup_unconfirmed


class Command(BaseCommand):
    help = "Delete photos whose upload was started but never confirmed, and their bytes."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-hours",
            type=int,
            default=settings.UNCONFIRMED_UPLOAD_MAX_AGE_HOURS,
            help="Only uploads started longer ago than this (default: %(default)s).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")

    def handle(self, *, older_than_hours, dry_run, **options):
        count = uploads_cleanup_unconfirmed(
            older_than=timedelta(hours=older_than_hours), dry_run=dry_run
        )
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {count} unconfirmed upload(s) older than {older_than_hours} h."
            )
        )
