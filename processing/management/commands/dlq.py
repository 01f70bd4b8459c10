import json
import logging
import sys

from django.core.management.base import BaseCommand, CommandError

from albums.models import Photo
from processing import dlq, registry
from processing.management.commands._progress import ProgressBar

TABLE_COLUMNS = (
    ("ID", 36),
    ("QUEUE", 12),
    ("ACTOR", 18),
    ("TRIES", 5),
    ("AGE", 7),
    ("PHOTO", 36),
    ("FILE", 24),
    ("OWNER", 24),
    ("ALBUMS", 20),
    ("ERROR", 70),
)


class Command(BaseCommand):
    help = (
        "The broker's dead letters: messages whose retries ran out. List them, show one, "
        "send them again (requeue) or drop them (purge)."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        listing = actions.add_parser("list", help="Every dead letter, oldest first per queue.")
        listing.add_argument("--queue", help="Only this work queue (metadata, thumbnails, …).")
        listing.add_argument("--json", action="store_true", dest="as_json", help="JSON output.")

        show = actions.add_parser("show", help="Everything about one dead letter.")
        show.add_argument("id", help="The message id (from `dlq list`).")
        show.add_argument("--json", action="store_true", dest="as_json", help="JSON output.")

        requeue = actions.add_parser(
            "requeue", help="Send again with the retry count reset; then drop the dead copy."
        )
        requeue.add_argument("ids", nargs="*", metavar="ID")
        requeue.add_argument("--all", action="store_true", help="Every dead letter.")
        requeue.add_argument("--queue", help="Only this work queue.")

        purge = actions.add_parser("purge", help="Drop dead letters; their photos stay failed.")
        purge.add_argument("ids", nargs="*", metavar="ID")
        purge.add_argument("--all", action="store_true", help="Every dead letter.")
        purge.add_argument("--queue", help="Only this work queue.")
        purge.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, action, **options):
        self.stdin = options.get("stdin") or sys.stdin
        pika_logger = logging.getLogger("pika")
        if pika_logger.level == logging.NOTSET:  # unless configured: this command reports
            pika_logger.setLevel(logging.CRITICAL)  # broker errors itself, pika only chatters
        try:
            store = dlq.dead_letter_queue()
            getattr(self, f"handle_{action}")(store, **options)
        except dlq.DeadLetterError as exc:
            raise CommandError(str(exc)) from exc
        except dlq.broker_errors() as exc:
            detail = f"{type(exc).__name__}: {exc}".rstrip(": ")
            raise CommandError(f"The broker could not be reached ({detail}).") from exc

    # --- list and show --------------------------------------------------------------------

    def handle_list(self, store, *, queue, as_json, **options):
        views = dlq.dead_letters_list(queue=queue, store=store)
        if as_json:
            self.stdout.write(json.dumps([v.as_dict() for v in views], indent=2))
            return
        if not views:
            self.stdout.write(self.style.SUCCESS("No dead letters."))
            return
        self.stdout.write(_table([_row(v) for v in views]))
        self.stdout.write(self.style.SUCCESS(f"{len(views)} dead letter(s)."))

    def handle_show(self, store, *, id, as_json, **options):
        views = dlq.dead_letter_get(message_id=id, store=store)
        view = views[-1]
        if as_json:
            data = view.as_dict(full=True) | {"copies": len(views)}
            self.stdout.write(json.dumps(data, indent=2))
            return
        data, photo = view.as_dict(full=True), view.photo
        lines = [self.style.MIGRATE_HEADING(f"Dead letter {view.letter.id}")]
        if len(views) > 1:
            lines.append(
                f"  {len(views)} copies in the dead-letter queue (an interrupted requeue "
                "leaves one behind); this is the latest."
            )
        lines += [
            f"  queue        {data['queue']}",
            f"  actor        {data['actor']}" + (f" (step {data['step']})" if data["step"] else ""),
            f"  arguments    {json.dumps(data['args'])}  keyword: {json.dumps(data['kwargs'])}",
            f"  tries        {data['tries']}",
            f"  sent         {data['sent_at']}",
            f"  dead since   {data['dead_at'] or '?'} ({_age(view)} ago)",
            f"  expires      {data['expires_at'] or '?'}",
            f"  options      {json.dumps(data['options'], sort_keys=True)}",
            self.style.MIGRATE_HEADING("Photo"),
        ]
        if photo is not None:
            lines += [
                f"  id           {photo.id}",
                f"  file         {photo.file_name}",
                f"  owner        {photo.owner}",
                f"  albums       {photo.albums or '-'}",
                f"  status       {photo.status}"
                + (f" at the {photo.failed_step} step" if photo.failed_step else ""),
                f"  reason       {photo.reason or '-'}",
            ]
        elif view.photo_missing:
            lines.append(f"  {view.letter.photo_id} (deleted)")
        else:
            lines.append("  none (not a pipeline message)")
        lines += [self.style.MIGRATE_HEADING("Last error"), f"  {view.error or '-'}"]
        if view.letter.traceback:
            lines.append(self.style.MIGRATE_HEADING("Traceback (of the attempt before the last)"))
            lines.append(view.letter.traceback.rstrip())
        self.stdout.write("\n".join(lines))

    # --- requeue and purge ----------------------------------------------------------------

    def handle_requeue(self, store, *, ids, all, queue, **options):
        _check_selection(ids, all)
        outcome = dlq.dead_letters_requeue(
            message_ids=None if all else ids,
            queue=queue,
            store=store,
            on_progress=self._progress("Requeueing") if all else None,
        )
        if not all:
            for view in outcome.done:
                self.stdout.write(f"Requeued {view.letter.id}: {_what(view, requeued=True)}")
        self._report(outcome, "Requeued", "requeued")

    def handle_purge(self, store, *, ids, all, queue, yes, **options):
        _check_selection(ids, all)
        views = dlq.dead_letters_list(queue=queue, store=store)
        if not all:
            known = {v.letter.id for v in views}
            missing = [i for i in ids if i not in known]
            if missing:
                raise CommandError(f"No dead letter with the id {', '.join(missing)}.")
            views = [v for v in views if v.letter.id in ids]
        selected = list(dict.fromkeys(v.letter.id for v in views))
        if not selected:
            self.stdout.write(self.style.SUCCESS("No dead letters to purge."))
            return
        if not yes:
            for view in views[:20]:
                self.stdout.write(f"  {view.letter.id}: {_what(view)}")
            if len(views) > 20:
                self.stdout.write(f"  … and {len(views) - 20} more")
            self.stdout.write(
                f"Purge {len(selected)} dead letter(s) for good? Their photos stay failed. "
                "Type 'yes' to confirm: ",
                ending="",
            )
            self.stdout.flush()
            answer = self.stdin.readline() if self.stdin else ""
            if not (hasattr(self.stdin, "isatty") and self.stdin.isatty()):
                self.stdout.write("")  # no echoed newline after the prompt
            if answer.strip().lower() != "yes":
                raise CommandError("Purge cancelled: nothing purged.")
        outcome = dlq.dead_letters_purge(
            message_ids=selected,
            queue=queue,
            store=store,
            on_progress=self._progress("Purging") if all else None,
        )
        self._report(outcome, "Purged", "purged")

    def _progress(self, label):
        bars = {}

        def update(done: int, total: int) -> None:
            if "bar" not in bars:
                bars["bar"] = ProgressBar(self.stdout, total, label)
            bars["bar"].update(done)
            if done == total:
                bars["bar"].close()

        return update

    def _report(self, outcome, verb: str, past: str) -> None:
        for message_id in outcome.missing:
            self.stderr.write(self.style.ERROR(f"{message_id}: no such dead letter."))
        for message_id, error in outcome.errors:
            self.stderr.write(self.style.ERROR(f"{message_id}: {error}"))
        self.stdout.write(self.style.SUCCESS(f"{verb} {len(outcome.done)} dead letter(s)."))
        failures = len(outcome.missing) + len(outcome.errors)
        if failures:
            raise CommandError(f"{failures} dead letter(s) could not be {past}.")


def _check_selection(ids, all_) -> None:
    if bool(ids) == bool(all_):
        raise CommandError("Name the dead letters by id, or pass --all (not both).")


def _what(view, *, requeued: bool = False) -> str:
    letter, photo = view.letter, view.photo
    if photo is None:
        return letter.actor + (" of a deleted photo" if view.photo_missing else "")
    state = f"photo {photo.status}"
    if requeued and photo.status == Photo.Status.FAILED:
        first = letter.step in {step.name for step in registry.first_steps()}
        state = "photo back to " + ("queued" if first else "processing")
    return f"{letter.actor} of photo {photo.id} {photo.file_name!r}; {state}"


def _age(view) -> str:
    age = view.age()
    if age is None:
        return "?"
    seconds = max(0, int(age.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d{hours}h"
    if hours:
        return f"{hours}h{minutes}m"
    if minutes:
        return f"{minutes}m{seconds}s"
    return f"{seconds}s"


def _row(view) -> list[str]:
    letter, photo = view.letter, view.photo
    if photo is not None:
        described = [photo.id, photo.file_name, photo.owner, photo.albums]
    elif view.photo_missing:
        described = [letter.photo_id or "", "(deleted)", "", ""]
    else:
        described = ["-", "", "", ""]
    return (
        [letter.id, letter.queue, letter.actor, str(letter.tries), _age(view)]
        + described
        + [view.error]
    )


def _table(rows: list[list[str]]) -> str:
    widths = [width for _, width in TABLE_COLUMNS]
    cells = [[_cell(v, w) for v, w in zip(row, widths, strict=True)] for row in rows]
    table = [[name for name, _ in TABLE_COLUMNS], *cells]
    fitted = [max(len(row[i]) for row in table) for i in range(len(widths))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, fitted, strict=True)) for r in table]
    return "\n".join(line.rstrip() for line in lines)


def _cell(value, width: int) -> str:
    text = "".join(c if c.isprintable() else " " for c in str(value or ""))
    return text if len(text) <= width else text[: width - 1] + "…"
