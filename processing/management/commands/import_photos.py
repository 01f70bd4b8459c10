from django.core.management.base import BaseCommand, CommandError

from albums.models import Photo
from processing.imports import (
    ImportError_,
    album_for_import,
    existing_copy,
    file_sha256,
    files_to_import,
    gave_up_message,
    user_by_email,
    wait_until_settled,
)
from processing.intake import photo_import_file
from processing.management.commands._progress import ProgressBar
from processing.pipeline import ensure_embedded_worker, uses_embedded_broker


class Command(BaseCommand):
    help = "Import image files and folders into a user's album and process them."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Files or folders (searched recursively).")
        parser.add_argument("--user", required=True, help="The owner's email address.")
        parser.add_argument("--album", required=True, help="Album title; created if missing.")
        parser.add_argument(
            "--wait",
            action="store_true",
            help="With a real broker, wait until every photo is processed.",
        )
        parser.add_argument(
            "--skip-duplicates",
            action="store_true",
            help="Leave out files whose exact bytes are already in the user's library "
            "(each one is listed).",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=3600,
            help="Seconds to wait for processing (default: %(default)s).",
        )

    def handle(self, *, paths, user, album, wait, timeout, skip_duplicates, **options):
        try:
            owner = user_by_email(user)
        except ImportError_ as exc:
            raise CommandError(str(exc)) from exc
        target = album_for_import(user=owner, title=album)
        files = list(files_to_import(paths))
        if not files:
            raise CommandError("No files found in the given paths.")
        ensure_embedded_worker()

        photos, problems, skipped, seen = [], [], [], {}
        bar = ProgressBar(self.stdout, len(files), "Uploading ")
        for index, path in enumerate(files, start=1):
            try:
                if skip_duplicates and (copy := self._duplicate(owner, path, seen)):
                    skipped.append((str(path), copy))
                    continue
                photos.append(photo_import_file(album=target, path=path))
            except OSError as exc:
                problems.append((str(path), f"could not be read: {exc.strerror or exc}"))
            except Exception as exc:  # one bad file never stops the rest
                problems.append((str(path), str(exc)))
            finally:
                bar.update(index)
        bar.close()
        ids = [p.pk for p in photos]
        for name, copy in skipped:
            self.stdout.write(
                self.style.WARNING(f"  skipped {name}: already in your library as {copy}")
            )

        if uses_embedded_broker() or wait:
            bar = ProgressBar(self.stdout, len(ids), "Processing")
            settled = wait_until_settled(ids, timeout=timeout, on_progress=bar.update)
            bar.close()
            self._report(ids, problems, target)
            if not settled:
                raise CommandError(gave_up_message(ids))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Queued {len(ids)} photo(s) in “{target.title}”; workers will process them."
                )
            )
            self._report_problems(problems)
        if problems:
            raise CommandError(
                f"{len(problems)} of {len(files)} file(s) were not imported as photos."
            )

    @staticmethod
    def _duplicate(owner, path, seen: dict) -> str | None:
        """Where these exact bytes already are: the library, or earlier in this import."""
        sha256 = file_sha256(path)
        if sha256 in seen:
            return f"{seen[sha256]} (earlier in this import)"
        seen[sha256] = str(path)
        copy = existing_copy(user=owner, sha256=sha256)
        if copy is None:
            return None
        albums = " · ".join(f"“{album.title}”" for album in copy.albums.all())
        return f"{albums or 'your library'} / {copy.original_name}"

    def _report(self, ids, problems, album):
        rows = Photo.objects.filter(pk__in=ids).values_list(
            "original_name", "status", "status_reason"
        )
        counts = {}
        for name, status, reason in rows:
            counts[status] = counts.get(status, 0) + 1
            if status in (Photo.Status.REJECTED, Photo.Status.FAILED):
                problems.append((name, f"{status}: {reason}"))
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        self.stdout.write(
            self.style.SUCCESS(f"Imported into “{album.title}”: {summary or 'nothing'}.")
        )
        self._report_problems(problems)

    def _report_problems(self, problems):
        for name, reason in problems:
            self.stderr.write(self.style.ERROR(f"  {name}: {reason}"))
