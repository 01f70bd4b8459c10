"""Dead letters as the operator sees them, and what can be done with them."""

import dataclasses
import logging
import uuid
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from albums.models import Photo, ProcessingEvent
from processing import registry
from processing.dlq.base import (
    DeadLetter,
    DeadLetterError,
    DeadLetterQueue,
    Session,
    fresh_copy,
)
from processing.dlq.brokers import dead_letter_queue
from processing.models import PhotoStep
from processing.services import back_in_flight, record_event

logger = logging.getLogger(__name__)


# --- What the operator sees ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PhotoInfo:
    id: str
    owner: str
    albums: str  # the titles of the albums it is in, comma-separated
    file_name: str
    status: str
    reason: str  # what the owner reads
    failed_step: str  # the required step that failed, if the photo failed
    last_error: str  # the error of the last failed attempt of this message's step


@dataclasses.dataclass(frozen=True)
class DeadLetterView:
    letter: DeadLetter
    photo: PhotoInfo | None
    photo_missing: bool = False  # the message names a photo that no longer exists

    @property
    def error(self) -> str:
        """Why it died: the last attempt's error from the photo's history, else the traceback."""
        return (self.photo and self.photo.last_error) or self.letter.traceback_error

    def age(self, now: datetime | None = None) -> timedelta | None:
        if self.letter.dead_at is None:
            return None
        return (now or timezone.now()) - self.letter.dead_at

    def as_dict(self, *, full: bool = False) -> dict:
        letter, age = self.letter, self.age()
        row = {
            "id": letter.id,
            "queue": letter.queue,
            "actor": letter.actor,
            "step": letter.step,
            "tries": letter.tries,
            "error": self.error,
            "sent_at": letter.sent_at.isoformat(),
            "dead_at": letter.dead_at.isoformat() if letter.dead_at else None,
            "age_seconds": int(age.total_seconds()) if age is not None else None,
            "expires_at": letter.expires_at.isoformat() if letter.expires_at else None,
            "photo": dataclasses.asdict(self.photo) if self.photo else None,
        }
        if self.photo_missing:
            row["photo"] = {"id": letter.photo_id, "deleted": True}
        if full:
            options = {k: v for k, v in letter.message.options.items() if k != "traceback"}
            row |= {
                "args": list(letter.message.args),
                "kwargs": letter.message.kwargs,
                "options": options,
                "traceback": letter.traceback,
            }
        return row


def _views(letters: list[DeadLetter]) -> list[DeadLetterView]:

    wanted = {}
    for letter in letters:
        try:
            wanted[letter.photo_id] = uuid.UUID(letter.photo_id or "")
        except ValueError:
            continue
    photos, errors, failed_steps = {}, {}, {}
    pks = list(wanted.values())
    for start in range(0, len(pks), 500):
        chunk = pks[start : start + 500]
        for photo in (
            Photo.objects.filter(pk__in=chunk).select_related("owner").prefetch_related("albums")
        ):
            photos[str(photo.pk)] = photo
        failed = PhotoStep.objects.filter(photo_id__in=chunk, status=PhotoStep.Status.FAILED)
        for photo_id, step in failed.values_list("photo_id", "step"):
            failed_steps.setdefault(str(photo_id), step)
        events = (
            ProcessingEvent.objects.filter(photo_id__in=chunk, outcome="failed")
            .order_by("-created_at", "-id")
            .values_list("photo_id", "step", "message")
        )
        for photo_id, step, message in events:
            errors.setdefault((str(photo_id), step), message)
    views = []
    for letter in letters:
        pk = wanted.get(letter.photo_id)
        photo = photos.get(str(pk)) if pk else None
        info = None
        if photo is not None:
            info = PhotoInfo(
                id=str(photo.pk),
                owner=photo.owner.email,
                albums=", ".join(sorted(album.title for album in photo.albums.all())),
                file_name=photo.original_name,
                status=photo.status,
                reason=photo.status_reason,
                failed_step=failed_steps.get(str(photo.pk), ""),
                last_error=errors.get((str(photo.pk), letter.step), ""),
            )
        views.append(DeadLetterView(letter, info, photo_missing=pk is not None and photo is None))
    return views


def dead_letters_list(
    *, queue: str | None = None, store: DeadLetterQueue | None = None
) -> list[DeadLetterView]:
    """Every dead letter (of one queue, or all), oldest first within each queue."""
    store = store or dead_letter_queue()
    letters = []
    for name in store.check_queue(queue):
        with store.session(name) as session:
            letters.extend(session.letters)
    return _views(letters)


def dead_letter_get(
    *, message_id: str, store: DeadLetterQueue | None = None
) -> list[DeadLetterView]:
    """The dead copies of one message (normally one; more after an interrupted requeue)."""
    views = [v for v in dead_letters_list(store=store) if v.letter.id == message_id]
    if not views:
        raise DeadLetterError(f"No dead letter with the id {message_id}.")
    return views


# --- Acting on dead letters ----------------------------------------------------------------


@dataclasses.dataclass
class Outcome:
    done: list[DeadLetterView] = dataclasses.field(default_factory=list)
    missing: list[str] = dataclasses.field(default_factory=list)
    errors: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (id, what)


class _Stop(Exception):
    """A dead letter could not be removed after its copy was sent: stop the batch there."""


def dead_letters_requeue(
    *,
    message_ids: Iterable[str] | None = None,
    queue: str | None = None,
    store: DeadLetterQueue | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Send dead letters again (the ones named, or all) and only then drop them.

    Each message's step goes back to `pending` first, and its photo, if it is `failed`, back
    in flight: `queued` for a first step, `processing` for the others (the state in which
    they run, and the last required one marks the photo ready). A step already done is left
    alone: the copy then finds nothing to do.
    """
    return _apply(_requeue_one, message_ids, queue, store, on_progress)


def dead_letters_purge(
    *,
    message_ids: Iterable[str] | None = None,
    queue: str | None = None,
    store: DeadLetterQueue | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Drop dead letters for good. Their photos stay `failed` (a line in each history)."""
    return _apply(_purge_one, message_ids, queue, store, on_progress)


def _apply(action, message_ids, queue, store, on_progress) -> Outcome:
    store = store or dead_letter_queue()
    wanted = None if message_ids is None else list(dict.fromkeys(message_ids))
    outcome = Outcome()
    with ExitStack() as stack:
        # Every queue's dead letters are held until the end, so the total is known up front.
        work: list[tuple[Session, list[DeadLetter]]] = []
        for name in store.check_queue(queue):
            session = stack.enter_context(store.session(name))
            groups: dict[str, list[DeadLetter]] = {}
            for letter in session.letters:
                if wanted is None or letter.id in wanted:
                    groups.setdefault(letter.id, []).append(letter)
            work.extend((session, copies) for copies in groups.values())
        seen = {copies[0].id for _, copies in work}
        outcome.missing = [i for i in wanted or [] if i not in seen]
        views = _views([copies[-1] for _, copies in work])
        for index, ((session, copies), view) in enumerate(zip(work, views, strict=True), 1):
            try:
                action(session, copies)
                outcome.done.append(view)
            except _Stop as exc:
                outcome.errors.append((view.letter.id, str(exc)))
                break  # the sessions' end puts the rest back untouched
            except Exception as exc:
                logger.exception("Dead letter %s", view.letter.id)
                outcome.errors.append((view.letter.id, f"{type(exc).__name__}: {exc}"))
            if on_progress:
                on_progress(index, len(work))
    return outcome


def _requeue_one(session: Session, copies: list[DeadLetter]) -> None:
    letter = copies[-1]  # the latest copy, if an interrupted requeue left several
    restore = _photo_back_in_flight(letter)
    try:
        session.send(fresh_copy(letter))
    except Exception:
        if restore:
            restore()
        raise
    for copy in copies:
        try:
            session.remove(copy)
        except Exception as exc:
            raise _Stop(
                f"sent again, but still in the dead-letter queue ({type(exc).__name__}: {exc}); "
                "requeue or purge it once more. Stopped there."
            ) from exc


def _purge_one(session: Session, copies: list[DeadLetter]) -> None:
    letter = copies[-1]
    for copy in copies:
        session.remove(copy)
    if letter.step and letter.photo_id and _photo_exists(letter.photo_id):
        record_event(
            photo_id=letter.photo_id,
            step=letter.step,
            outcome="purged",
            message=f"Dead letter {letter.id} purged; the photo stays failed.",
        )


def _photo_exists(photo_id: str) -> bool:
    try:
        return Photo.objects.filter(pk=photo_id).exists()
    except Exception:  # not a photo id
        return False


def _photo_back_in_flight(letter: DeadLetter) -> Callable[[], None] | None:
    """The step being re-sent goes back to `pending`, and a failed photo back in flight.

    Committed before the copy is sent, so the worker finds both ready to run. Returns how
    to undo it if the send fails (None when there was nothing to change).
    """
    step, photo_id = letter.step, letter.photo_id
    if step is None or photo_id is None or not _photo_exists(photo_id):
        return None
    first = not registry.get(step).after
    status = Photo.Status.QUEUED if first else Photo.Status.PROCESSING
    fields = ("status", "status_reason", "settled_at", "queued_at")
    step_fields = ("status", "reason", "error", "finished_at")
    updates = back_in_flight(status)
    with transaction.atomic():
        photo_before = (
            Photo.objects.select_for_update()
            .filter(pk=photo_id, status=Photo.Status.FAILED)
            .values(*fields)
            .first()
        )
        states = PhotoStep.objects.filter(photo_id=photo_id, step=step)
        step_before = states.exclude(status__in=PhotoStep.FINAL).values(*step_fields).first()
        if photo_before is None and step_before is None:
            return None
        if photo_before is not None:
            Photo.objects.filter(pk=photo_id).update(**updates)
        if step_before is not None:
            states.update(status=PhotoStep.Status.PENDING, reason="", error="", finished_at=None)
        record_event(
            photo_id=photo_id,
            step=step,
            outcome="requeued",
            message=f"Re-sent from the dead-letter queue (message {letter.id}).",
        )

    def restore() -> None:
        with transaction.atomic():
            if photo_before is not None:
                Photo.objects.filter(
                    pk=photo_id, status=status, queued_at=updates["queued_at"]
                ).update(**photo_before)
            if step_before is not None:
                states.filter(status=PhotoStep.Status.PENDING).update(**step_before)
            record_event(
                photo_id=photo_id,
                step=step,
                outcome="requeue_failed",
                message=f"Re-sending message {letter.id} failed; it stays a dead letter.",
            )

    return restore
