"""Files dropped into the bucket become photos, from S3's event notifications.

    incoming/<user email or id>/<album title>/[any/folders/]<file>

S3 sends an event for each created object to an SQS queue (directly, or through SNS);
`manage.py consume_s3_events` reads the queue and hands each message body to
`s3_event_message_handle`. Each object version (key plus sequencer, or ETag) is imported once:

1. the owner and album are found (an unknown user leaves the object where it is, logged);
2. a photo (`uploading`) and its IngestedObject row are written in one transaction; the row's
   unique digest is what turns a redelivered event into a no-op;
3. the object is copied server-side to the photo's generated `originals/` key, only if it is
   still the version the event announced (CopySourceIfMatch);
4. the upload is confirmed the normal way (`intake.photo_confirm_upload` starts the pipeline);
5. the incoming object is deleted, unless a newer object has replaced it meanwhile.

A crash between two steps leaves a state the redelivered message finishes. Anything left under
`incoming/` (unknown users, refused sizes) is expired by the bucket's lifecycle rule.
"""

import enum
import json
import logging
from dataclasses import dataclass
from urllib.parse import unquote_plus

import boto3
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from albums.models import Photo
from albums.names import clean_file_name
from albums.storage import PhotoStorage, StoredObject, get_photo_storage
from processing.imports import ImportError_, album_for_import, user_by_email
from processing.intake import photo_confirm_upload, photo_new
from processing.models import IngestedObject
from processing.steps import formats

logger = logging.getLogger(__name__)

INCOMING_PREFIX = "incoming/"


class BadEvent(ValueError):
    """A message body that is not an S3 event notification."""


class Outcome(enum.StrEnum):
    IMPORTED = "imported"
    DUPLICATE = "duplicate"  # this object version was imported before
    SUPERSEDED = "superseded"  # replaced or deleted before it could be copied
    UNKNOWN_USER = "unknown user"  # left in place
    REFUSED = "refused"  # empty or over MAX_UPLOAD_BYTES; left in place
    IGNORED = "ignored"  # not a created object under incoming/<user>/<album>/<file>


@dataclass(frozen=True)
class S3Object:
    bucket: str
    key: str  # decoded: S3 sends keys URL-encoded, with + for spaces
    size: int | None
    etag: str
    sequencer: str
    event_name: str

    @property
    def version(self) -> str:
        """What tells two writes of one key apart: S3's sequencer, else the ETag."""
        return self.sequencer or self.etag


@dataclass(frozen=True)
class IncomingPath:
    user: str
    album: str
    file_name: str


# --- Parsing (no Django, no AWS) -------------------------------------------------------


def parse_event_message(body: str) -> list[S3Object]:
    """The objects an SQS message body announces; [] for S3's test event.

    Reads S3's own notification, the same wrapped in an SNS envelope, and S3's
    `s3:TestEvent` (sent when the notification is configured).
    """
    try:
        message = json.loads(body)
    except (TypeError, ValueError) as exc:
        raise BadEvent(f"the body is not JSON ({exc})") from exc
    if not isinstance(message, dict):
        raise BadEvent("the body is not a JSON object")
    if message.get("Type") == "Notification" and isinstance(message.get("Message"), str):
        return parse_event_message(message["Message"])  # SNS → SQS without raw delivery
    if message.get("Event") == "s3:TestEvent":
        return []
    records = message.get("Records")
    if not isinstance(records, list):
        raise BadEvent("the body has no Records list and is not an S3 test event")
    return [_parse_record(record) for record in records]


def _parse_record(record) -> S3Object:
    try:
        s3 = record["s3"]
        obj = s3["object"]
        return S3Object(
            bucket=s3["bucket"]["name"],
            key=unquote_plus(obj["key"]),
            size=obj.get("size"),
            etag=(obj.get("eTag") or "").strip('"'),
            sequencer=obj.get("sequencer") or "",
            event_name=record.get("eventName") or "",
        )
    except (KeyError, TypeError) as exc:
        raise BadEvent(f"a record lacks s3.bucket.name or s3.object.key ({exc!r})") from exc


def incoming_path(key: str) -> IncomingPath | None:
    """incoming/<user>/<album>/[folders/]<file> → its parts; None for any other key."""
    parts = key.split("/")
    if len(parts) < 4 or f"{parts[0]}/" != INCOMING_PREFIX:
        return None
    user, album, file_name = parts[1].strip(), parts[2].strip(), parts[-1]
    if not (user and album and file_name.strip()):
        return None  # a "folder" marker, or an empty segment
    # Shown like any upload's names: cleaned of controls and bidi overrides.
    return IncomingPath(
        user=user, album=clean_file_name(album)[:200], file_name=clean_file_name(file_name)
    )


# --- Importing one object ----------------------------------------------------------------


def _owner(user: str):
    """The user named by an id or an email address, or None."""
    if user.isdigit():
        return get_user_model().objects.filter(pk=int(user)).first()
    try:
        return user_by_email(user)
    except ImportError_:
        return None


def _record(*, obj: S3Object, owner, path: IncomingPath) -> IngestedObject:
    """This object version's record with its photo, written once across all consumers."""
    digest = IngestedObject.digest_of(bucket=obj.bucket, key=obj.key, version=obj.version)
    found = IngestedObject.objects.select_related("photo").filter(digest=digest).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            # Consumers importing one user's files in parallel: one creates the album.
            get_user_model().objects.select_for_update().filter(pk=owner.pk).exists()
            album = album_for_import(user=owner, title=path.album)
            photo = photo_new(album=album, file_name=path.file_name)
            return IngestedObject.objects.create(
                digest=digest,
                bucket=obj.bucket,
                key=obj.key[:1024],
                version=obj.version[:255],
                size=obj.size,
                photo=photo,
            )
    except IntegrityError:  # another consumer recorded it first
        return IngestedObject.objects.select_related("photo").get(digest=digest)


def _copy_to_original(*, storage: PhotoStorage, obj: S3Object, photo: Photo) -> bool:
    """Server-side copy of the announced version; False when it is no longer there."""
    announced = StoredObject(size=obj.size or 0, etag=f'"{obj.etag}"' if obj.etag else "")
    return storage.copy_if_unchanged(
        source=announced,
        source_key=obj.key,
        key=photo.original.name,
        content_type=photo.claimed_type or formats.OCTET_STREAM,
    )


def s3_object_ingest(*, obj: S3Object) -> Outcome:
    """Import one announced object as a photo in its owner's album, once."""
    storage = get_photo_storage()
    path = incoming_path(obj.key)
    if not obj.event_name.startswith("ObjectCreated:") or path is None:
        logger.info("Ignoring %s of s3://%s/%s", obj.event_name, obj.bucket, obj.key)
        return Outcome.IGNORED
    if not storage.owns_bucket(obj.bucket):
        raise BadEvent(f"event for bucket {obj.bucket!r}; photos are in {storage.describe()}")
    if obj.size is not None and not 0 < obj.size <= settings.MAX_UPLOAD_BYTES:
        logger.warning(
            "Leaving s3://%s/%s in place: %s bytes; uploads must be 1 to %s bytes.",
            obj.bucket, obj.key, obj.size, settings.MAX_UPLOAD_BYTES,
        )  # fmt: skip
        return Outcome.REFUSED
    owner = _owner(path.user)
    if owner is None:
        logger.warning(
            "Leaving s3://%s/%s in place: no user has the email address or id %r. "
            "Create the user, then copy the object again to import it.",
            obj.bucket, obj.key, path.user,
        )  # fmt: skip
        return Outcome.UNKNOWN_USER

    photo = _record(obj=obj, owner=owner, path=path).photo
    if photo is None:  # superseded before, or imported and since deleted by its owner
        return Outcome.DUPLICATE
    outcome = Outcome.DUPLICATE
    if photo.status == Photo.Status.UPLOADING:
        copied = storage.size(photo.original.name) is not None or _copy_to_original(
            storage=storage, obj=obj, photo=photo
        )
        if not copied:  # its replacement has an event of its own
            logger.info("s3://%s/%s changed before it was imported", obj.bucket, obj.key)
            photo.delete()  # nothing was stored for it; the record stays, photo-less
            return Outcome.SUPERSEDED
        photo_confirm_upload(photo=photo)
        outcome = Outcome.IMPORTED
        logger.info("Imported s3://%s/%s as photo %s", obj.bucket, obj.key, photo.pk)
    storage.delete_if_unchanged(key=obj.key, etag=obj.etag)  # a newer one has its own event
    return outcome


def s3_event_message_handle(*, body: str) -> list[Outcome]:
    """Every object one message announces; raises when the message must be retried."""
    return [s3_object_ingest(obj=obj) for obj in parse_event_message(body)]


# --- The SQS queue -------------------------------------------------------------------------


def sqs_client(*, endpoint_url: str | None = None):
    """SQS in the bucket's region (S3 only notifies queues in its own region)."""
    return boto3.client(
        "sqs", region_name=settings.AWS_S3_REGION_NAME, endpoint_url=endpoint_url or None
    )


def sqs_consume(
    *,
    client,
    queue_url: str,
    once: bool = False,
    wait_seconds: int = 20,
    should_stop=lambda: False,
) -> dict[str, int]:
    """Long-poll the queue and handle each message; with `once`, stop when it is drained
    (a one-second long poll, which asks every SQS server, came back empty).

    A message is deleted only once handled. One that fails stays on the queue: SQS shows
    it again after its visibility timeout and, after the queue's maxReceiveCount, moves it
    to the dead-letter queue; the other messages carry on meanwhile.
    """
    counts: dict[str, int] = {}
    failed_ids: set[str] = set()
    while not should_stop():
        messages = client.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=min(wait_seconds, 1) if once else wait_seconds,
        ).get("Messages", [])
        if once and all(m["MessageId"] in failed_ids for m in messages):
            break  # drained: nothing, or only messages that already failed this run
        for message in messages:
            try:
                outcomes = s3_event_message_handle(body=message["Body"])
            except Exception:
                logger.exception(
                    "S3 event message %s failed; left on the queue", message["MessageId"]
                )
                failed_ids.add(message["MessageId"])
                counts["failed"] = counts.get("failed", 0) + 1
                continue
            client.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            for outcome in outcomes:
                counts[outcome.value] = counts.get(outcome.value, 0) + 1
    return counts
