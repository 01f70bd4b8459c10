"""Files dropped under incoming/<user>/<album>/ become photos, from S3's event notifications.

The bucket and the queue live on the session's moto server; the bucket notifies the queue
the way S3 does (moto sends the same event bodies, and the s3:TestEvent on configuring).
"""

import json
import logging

import dramatiq
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from albums.models import Album, Photo
from albums.storage.s3 import S3PhotoStorage
from processing.models import IngestedObject
from processing.s3_events import BadEvent, incoming_path, parse_event_message
from tests.support.corpus import corpus_file

CANON = corpus_file("good", "Canon_40D.jpg")
NIKON = corpus_file("good", "Nikon_D70.jpg")


def s3_event(bucket: str, key: str, *, size=5, etag="abc", sequencer="", name="ObjectCreated:Put"):
    obj = {"key": key, "size": size, "eTag": etag}
    if sequencer:
        obj["sequencer"] = sequencer
    record = {"eventSource": "aws:s3", "eventName": name, "s3": {"bucket": {"name": bucket}}}
    record["s3"]["object"] = obj
    return json.dumps({"Records": [record]})


# --- Reading event bodies ------------------------------------------------------------------


def test_an_s3_event_gives_the_decoded_key_size_etag_and_sequencer():
    body = s3_event(
        "photos", "incoming/ann%2Bx%40example.com/Summer+Trip/a+b.jpg",
        size=123, etag='"e1"', sequencer="0055AED6DCD90281E5",
    )  # fmt: skip
    [obj] = parse_event_message(body)
    assert (obj.bucket, obj.key, obj.size, obj.etag) == (
        "photos", "incoming/ann+x@example.com/Summer Trip/a b.jpg", 123, "e1",
    )  # fmt: skip
    assert obj.version == "0055AED6DCD90281E5"
    assert obj.event_name == "ObjectCreated:Put"


def test_an_sns_wrapped_event_reads_the_same():
    inner = s3_event("photos", "incoming/1/Album/x.jpg", etag="e2")
    envelope = {"Type": "Notification", "TopicArn": "arn:aws:sns:us-east-1:1:t", "Message": inner}
    [obj] = parse_event_message(json.dumps(envelope))
    assert (obj.key, obj.version) == ("incoming/1/Album/x.jpg", "e2")


def test_the_test_event_announces_nothing():
    test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "photos"}
    assert parse_event_message(json.dumps(test_event)) == []
    sns = {"Type": "Notification", "Message": json.dumps(test_event)}
    assert parse_event_message(json.dumps(sns)) == []


@pytest.mark.parametrize("body", ["not json", "[1, 2]", "{}", '{"Records": [{"s3": {}}]}'])
def test_a_body_that_is_not_an_s3_event_is_refused(body):
    with pytest.raises(BadEvent):
        parse_event_message(body)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("incoming/ann@example.com/Trip/a.jpg", ("ann@example.com", "Trip", "a.jpg")),
        ("incoming/7/Trip/day 1/a.jpg", ("7", "Trip", "a.jpg")),
        ("incoming/ann@example.com/Trip/", None),  # a folder marker
        ("incoming/ann@example.com/a.jpg", None),  # no album
        ("originals/1/abc.jpg", None),
        # Names are cleaned as uploads' are: no bidi overrides or control characters.
        (
            "incoming/ann@example.com/Tr\u202eip\x07/photo\u202egpj.exe",
            ("ann@example.com", "Trip", "photogpj.exe"),
        ),
    ],
)
def test_incoming_keys_name_user_album_and_file(key, expected):
    parts = incoming_path(key)
    assert (parts and (parts.user, parts.album, parts.file_name)) == expected


# --- The queue, end to end -----------------------------------------------------------------


@pytest.fixture
def notifying_bucket(s3_storage, sqs_queue):
    """The site's bucket, telling the queue about every object created under incoming/."""
    s3_storage.client.put_bucket_notification_configuration(
        Bucket=s3_storage.bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": sqs_queue.arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "incoming/"}]}},
                }
            ]
        },
    )
    return s3_storage


@pytest.fixture
def consume(sqs_queue, django_capture_on_commit_callbacks):
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            call_command(
                "consume_s3_events", "--once",
                "--queue-url", sqs_queue.url, "--endpoint-url", sqs_queue.endpoint,
            )  # fmt: skip

    return run


def queued_photo_ids(broker) -> list[str]:
    messages = [dramatiq.Message.decode(raw) for raw in broker.queues["ingest"].queue]
    assert {m.actor_name for m in messages} <= {"ingest"}
    return sorted(m.args[0] for m in messages)


def test_dropped_files_become_queued_photos_in_their_album(
    notifying_bucket, sqs_queue, user, broker, consume
):
    bucket = notifying_bucket
    bucket.put("incoming/owner@example.com/Summer Trip/canon 40d.jpg", CANON.read_bytes())
    bucket.put("incoming/owner@example.com/Summer Trip/nikon.jpg", NIKON.read_bytes())

    consume()

    album = Album.objects.get(owner=user, title="Summer Trip")
    photos = {p.original_name: p for p in album.photos.all()}
    assert sorted(photos) == ["canon 40d.jpg", "nikon.jpg"]
    assert {p.status for p in photos.values()} == {Photo.Status.QUEUED}
    assert photos["nikon.jpg"].size == NIKON.stat().st_size
    assert queued_photo_ids(broker) == sorted(str(p.pk) for p in photos.values())
    # Moved, not copied: the originals sit under generated keys, the drop zone is empty.
    assert sorted(bucket.keys()) == sorted(p.original.name for p in photos.values())
    assert bucket.read(photos["canon 40d.jpg"].original.name) == CANON.read_bytes()
    assert sqs_queue.bodies() == [], "every message (and S3's test event) was deleted"


def test_a_redelivered_event_imports_once(
    notifying_bucket, sqs_queue, user, broker, consume, monkeypatch
):
    notifying_bucket.put("incoming/owner@example.com/Trip/a.jpg", CANON.read_bytes())
    [body] = [b for b in sqs_queue.bodies() if "Records" in b]
    sqs_queue.client.send_message(QueueUrl=sqs_queue.url, MessageBody=body)  # at least once

    def crash(self, **kwargs):
        raise ConnectionError("the consumer died after importing, before the delete")

    monkeypatch.setattr(S3PhotoStorage, "delete_if_unchanged", crash)
    with pytest.raises(CommandError):
        consume()
    monkeypatch.undo()
    sqs_queue.client.send_message(QueueUrl=sqs_queue.url, MessageBody=body)  # redelivered
    consume()

    photo = Photo.objects.get(owner=user)
    assert photo.status == Photo.Status.QUEUED
    assert IngestedObject.objects.get().photo == photo
    assert queued_photo_ids(broker) == [str(photo.pk)]
    assert notifying_bucket.keys() == [photo.original.name], "the redelivery finished the move"


def test_the_same_key_uploaded_again_is_a_new_photo(notifying_bucket, user, broker, consume):
    notifying_bucket.put("incoming/owner@example.com/Trip/a.jpg", CANON.read_bytes())
    consume()
    notifying_bucket.put("incoming/owner@example.com/Trip/a.jpg", NIKON.read_bytes())
    consume()

    assert Photo.objects.filter(owner=user, original_name="a.jpg").count() == 2
    assert len(queued_photo_ids(broker)) == 2


def test_a_user_id_names_the_owner_too(notifying_bucket, user, consume):
    notifying_bucket.put(f"incoming/{user.pk}/By id/a.jpg", CANON.read_bytes())
    consume()
    assert Photo.objects.get().albums.get().title == "By id"


def test_an_unknown_user_leaves_the_object_in_place(
    notifying_bucket, sqs_queue, user, broker, consume, caplog
):
    key = "incoming/nobody@example.com/Trip/a.jpg"
    notifying_bucket.put(key, CANON.read_bytes())

    with caplog.at_level(logging.WARNING, logger="processing.s3_events"):
        consume()

    assert not Photo.objects.exists()
    assert notifying_bucket.keys() == [key]
    assert "no user has the email address or id 'nobody@example.com'" in caplog.text
    assert sqs_queue.bodies() == [], "handled: the event is not retried"
    assert queued_photo_ids(broker) == []


def test_an_object_gone_before_its_event_is_read_imports_nothing(
    notifying_bucket, user, broker, consume
):
    key = "incoming/owner@example.com/Trip/a.jpg"
    notifying_bucket.put(key, CANON.read_bytes())
    notifying_bucket.client.delete_object(Bucket=notifying_bucket.bucket, Key=key)

    consume()

    assert not Photo.objects.exists()
    assert IngestedObject.objects.get().photo is None, "a redelivery finds it handled"
    assert queued_photo_ids(broker) == []


def test_a_bad_message_never_blocks_the_rest(notifying_bucket, sqs_queue, user, consume):
    sqs_queue.client.send_message(QueueUrl=sqs_queue.url, MessageBody="not an event")
    notifying_bucket.put("incoming/owner@example.com/Trip/a.jpg", CANON.read_bytes())

    with pytest.raises(CommandError, match="1 message"):
        consume()

    assert Photo.objects.get().status == Photo.Status.QUEUED
    attributes = sqs_queue.client.get_queue_attributes(
        QueueUrl=sqs_queue.url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1", (
        "the bad message stays on the queue (for its dead-letter queue), undeleted"
    )


def test_other_keys_and_event_kinds_are_ignored(notifying_bucket, sqs_queue, user, consume):
    bucket = notifying_bucket.bucket
    for body in (
        s3_event(bucket, "incoming/owner%40example.com/Trip/", size=0),
        s3_event(bucket, "incoming/owner%40example.com/Trip/a.jpg", name="ObjectRemoved:Delete"),
    ):
        sqs_queue.client.send_message(QueueUrl=sqs_queue.url, MessageBody=body)
    consume()
    assert not Photo.objects.exists()
    assert sqs_queue.bodies() == []
