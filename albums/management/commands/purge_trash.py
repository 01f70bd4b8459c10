from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from albums import selectors
from albums.services import trash_purge


class Command(BaseCommand):
    help = (
        "Delete for good the photos that have been in the trash longer than TRASH_DAYS, "
        "everyone's, with their files (run hourly, beside cleanup_uploads)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-days",
            type=int,
            default=settings.TRASH_DAYS,
            help="Only photos in the trash for longer than this (default: %(default)s).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")

    def handle(self, *, older_than_days, dry_run, **options):
        older_than = timedelta(days=older_than_days)
        if dry_run:
            count = selectors.trash_expired(older_than=older_than).count()
        else:
            count = trash_purge(older_than=older_than)
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {count} photo(s) in the trash for more than {older_than_days} day(s)."
            )
        )
