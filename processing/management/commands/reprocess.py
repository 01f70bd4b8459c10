import uuid
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from albums.models import Photo
from processing import registry
from processing.imports import gave_up_message, wait_until_settled
from processing.management.commands._progress import ProgressBar
from processing.pipeline import embedded_worker_running
from processing.reprocess import (
    photo_reprocess,
    photos_to_reprocess,
    step_names,
    wait_for_step,
)


class Command(BaseCommand):
    help = (
        "Send photos through the pipeline again, chosen from the database: all steps or "
        "one. Works whatever the broker remembers."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--status",
            action="append",
            choices=Photo.Status.values,
            help="Only photos in this state (repeatable).",
        )
        parser.add_argument("--album", help="Album title or id.")
        parser.add_argument("--user", help="Owner's email address.")
        parser.add_argument("--photo", action="append", help="Photo id (repeatable).")
        parser.add_argument(
            "--since", help="Only photos uploaded on or after (YYYY-MM-DD or ISO time)."
        )
        parser.add_argument(
            "--step", choices=step_names(), help="Run just this step (default: all)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Say what would happen.")
        parser.add_argument(
            "--wait",
            action="store_true",
            help="With a real broker, wait until every photo is processed again (the "
            "in-process broker always waits: its work ends with the command).",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=3600,
            help="Seconds to wait for processing (default: %(default)s).",
        )

    def handle(self, *, status, album, user, photo, since, step, dry_run, wait, timeout, **options):
        for value in photo or []:
            try:
                uuid.UUID(value)
            except ValueError as exc:
                raise CommandError(f"Not a photo id: {value}") from exc
        photos = photos_to_reprocess(
            statuses=status, album=album, user=user, photo_ids=photo, since=_parse_since(since)
        )
        ids = list(photos.values_list("id", flat=True))
        what = f"step {step}" if step else "all steps"
        if dry_run:
            for row in photos.values_list("id", "original_name", "status")[:1000]:
                self.stdout.write(f"would reprocess {row[0]} {row[1]} ({row[2]})")
            self.stdout.write(self.style.SUCCESS(f"Would reprocess {len(ids)} photo(s): {what}."))
            return
        bar = ProgressBar(self.stdout, len(ids), "Queueing")
        failures = 0
        for index, photo_id in enumerate(ids, start=1):
            try:
                photo_reprocess(photo=Photo.objects.get(pk=photo_id), step=step)
            except Photo.DoesNotExist:
                pass  # deleted meanwhile
            except Exception as exc:  # one bad photo never stops the rest
                failures += 1
                self.stderr.write(self.style.ERROR(f"{photo_id}: {exc}"))
            bar.update(index)
        bar.close()
        self.stdout.write(self.style.SUCCESS(f"Queued {len(ids) - failures} photo(s): {what}."))
        if failures:
            raise CommandError(f"{failures} photo(s) could not be queued.")
        # The in-process worker's work ends with this command: see it through.
        if ids and (wait or embedded_worker_running()):
            self._wait(ids, timeout, step)

    def _wait(self, ids, timeout, step):
        bar = ProgressBar(self.stdout, len(ids), f"Running {step}" if step else "Processing")
        if step and step not in {s.name for s in registry.first_steps()}:
            settled = wait_for_step(ids, step=step, timeout=timeout, on_progress=bar.update)
        else:
            settled = wait_until_settled(ids, timeout=timeout, on_progress=bar.update)
        bar.close()
        rows = Photo.objects.filter(pk__in=ids).values_list("status", flat=True)
        counts = Counter(rows)
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        self.stdout.write(self.style.SUCCESS(f"Reprocessed: {summary or 'nothing'}."))
        if not settled:
            raise CommandError(gave_up_message(ids))


def _parse_since(value):
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None and (day := parse_date(value)):
        moment = timezone.datetime.combine(day, timezone.datetime.min.time())
    if moment is None:
        raise CommandError(f"--since must be a date or time, not {value!r}")
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
