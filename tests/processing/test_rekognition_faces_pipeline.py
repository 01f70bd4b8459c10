"""The AWS labels workers' mix (Rekognition labels, moderation and faces) through the pipeline
on this process's worker: DetectFaces is called on the labels queue (the IAM coverage test
records it for the labels task's role), a throttled call is retried, and the photo ends
ready with its faces on its page.

Rekognition runs in-process, as a Stubber cannot cross into a subprocess.
"""

import pytest
from botocore.stub import ANY, Stubber
from django.urls import reverse

from albums.models import Photo, PhotoFace, PhotoLabel
from processing import tasks
from tests.support.corpus import corpus_file
from tests.support.rekognition import (
    FACES_RESPONSE,
    LABELS_RESPONSE,
    MODERATION_RESPONSE,
    rekognition_client,
)

pytestmark = pytest.mark.django_db(transaction=True)

IMAGE = {"Image": {"Bytes": ANY}}


@pytest.fixture
def rekognition(settings, monkeypatch, fresh_detectors):
    settings.LABEL_DETECTOR = "rekognition"
    settings.MODERATION_DETECTOR = ""  # as the labels, as on AWS
    settings.FACES_DETECTOR = "rekognition"  # as deploy/aws/imagesite.yaml's labels workers
    settings.TEXT_DETECTOR = "off"
    client = rekognition_client()
    monkeypatch.setattr("imagesite.aws.rekognition_client", lambda: client)
    fresh_detectors()
    with Stubber(client) as stub:
        yield stub


def test_a_throttled_detect_faces_is_retried_and_the_photo_ends_with_its_faces(
    album, make_photo, rekognition, run_pipeline, owner_client
):
    labels = (LABELS_RESPONSE, {**IMAGE, "MaxLabels": 20, "MinConfidence": 70.0})
    moderation = (MODERATION_RESPONSE, {**IMAGE, "MinConfidence": 70.0})
    rekognition.add_response("detect_labels", *labels)
    rekognition.add_response("detect_moderation_labels", *moderation)
    rekognition.add_client_error(
        "detect_faces",
        service_error_code="ThrottlingException",
        service_message="Rate exceeded",
        http_status_code=400,
        expected_params=IMAGE,
    )
    rekognition.add_response("detect_labels", *labels)  # the step's second try, whole
    rekognition.add_response("detect_moderation_labels", *moderation)
    rekognition.add_response("detect_faces", FACES_RESPONSE, IMAGE)

    photo = make_photo(album, corpus_file("good", "no_exif.jpg"))
    tasks.send("ingest", photo.id)
    run_pipeline()

    rekognition.assert_no_pending_responses()
    photo.refresh_from_db()
    assert photo.status == Photo.Status.READY, photo.status_reason
    retries = photo.events.filter(step="labels", outcome="retry")
    assert list(retries.values_list("message", flat=True)) == [
        "TransientDetectorError: Rekognition ThrottlingException: Rate exceeded"
    ]
    faces = PhotoFace.objects.filter(photo=photo, source="rekognition")
    assert faces.count() == 2
    rows = PhotoLabel.objects.filter(photo=photo, kind=PhotoLabel.Kind.LABEL)
    assert {"Dog", "Person", "People"} <= set(rows.values_list("label__name", flat=True))
    page = owner_client.get(reverse("albums:photo", kwargs={"photo_id": photo.id})).content
    assert b"2 faces found" in page
