"""Rekognition throttling half the calls: every photo still labelled, through the pipeline's
retries.

Rekognition runs in-process, as a Stubber cannot cross into a subprocess: the pipeline runs
on this process's worker, storing in the test's S3 bucket.
"""

import functools
import hashlib
import threading
from collections import Counter

import pytest
from django.conf import settings

from albums.models import Photo, PhotoLabel
from processing import tasks
from tests.support.faults import make_distinct_photos

pytestmark = pytest.mark.django_db(transaction=True)


LABELS_RESPONSE = {
    "Labels": [
        {
            "Name": "Landscape",
            "Confidence": 97.25,
            "Instances": [],
            "Parents": [{"Name": "Nature"}, {"Name": "Outdoors"}],
            "Aliases": [{"Name": "Scenery"}],
            "Categories": [{"Name": "Nature and Outdoors"}],
        },
        {"Name": "Outdoors", "Confidence": 95.5, "Instances": [], "Parents": []},
    ],
    "LabelModelVersion": "3.0",
}
MODERATION_RESPONSE = {"ModerationLabels": [], "ModerationModelVersion": "7.0"}


class HalfThrottledRekognition:
    """The real boto3 Rekognition client (imagesite.aws's factory, uncached) behind botocore's
    Stubber: per image and operation, the 1st, 3rd, … call gets Rekognition's real
    ThrottlingException (HTTP 400, "Rate exceeded") and the others a real response.

    So every photo's label step is throttled three times (labels; moderation; labels again)
    and passes on its fourth try, in whatever order the worker threads get there. A Stubber
    answers in the order answers were added, so calls go through one at a time: each adds
    its own answer, then calls the stubbed client, which checks the request against
    Rekognition's model.
    """

    RESPONSES = {
        "detect_labels": LABELS_RESPONSE,
        "detect_moderation_labels": MODERATION_RESPONSE,
    }

    def __init__(self):
        from botocore.stub import Stubber

        from imagesite.aws import rekognition_client

        self.client = rekognition_client.__wrapped__()
        self.stubber = Stubber(self.client)
        self.stubber.activate()
        self.calls: list[tuple[str, dict, bool]] = []  # (operation, request, throttled)
        self._lock = threading.Lock()
        self._counts: Counter = Counter()

    def __getattr__(self, operation):
        if operation not in self.RESPONSES:
            raise AttributeError(operation)
        return functools.partial(self._call, operation)

    def _call(self, operation: str, **request):
        image = request["Image"]
        if "S3Object" in image:
            key = image["S3Object"]["Name"]
        else:
            key = hashlib.sha256(image["Bytes"]).hexdigest()
        with self._lock:
            self._counts[operation, key] += 1
            throttled = self._counts[operation, key] % 2 == 1
            if throttled:
                self.stubber.add_client_error(
                    operation,
                    service_error_code="ThrottlingException",
                    service_message="Rate exceeded",
                    http_status_code=400,
                    expected_params=request,
                )
            else:
                self.stubber.add_response(operation, self.RESPONSES[operation], request)
            self.calls.append((operation, request, throttled))
            return getattr(self.client, operation)(**request)


@pytest.fixture
def throttled_rekognition(settings, monkeypatch):
    from processing import labeling

    stub = HalfThrottledRekognition()
    settings.LABEL_DETECTOR = "rekognition"
    settings.FACES_DETECTOR = "off"  # local faces beside Rekognition: test_detector_mix.py
    monkeypatch.setattr("imagesite.aws.rekognition_client", lambda: stub)
    labeling.get_detector.cache_clear()
    labeling.get_helper_detectors.cache_clear()
    yield stub
    labeling.get_detector.cache_clear()
    labeling.get_helper_detectors.cache_clear()
    stub.stubber.deactivate()


# Formats Rekognition could read from S3 and formats it could not: since ingest renders the
# working copy, every one of them is sent the same way, as a JPEG of that copy.
REKOGNITION_FILES = [
    "Canon_40D.jpg",
    "gps_DSCN0010.jpg",
    "orientation_landscape_6.jpg",
    "hopper.png",
    "hopper.webp",
    "samplefilehub.heif",
]


def test_rekognition_throttling_half_the_calls_still_labels_every_photo(
    s3_storage, throttled_rekognition, broker, run_pipeline, album
):
    from processing.detectors.rekognition import MAX_IMAGE_BYTES, jpeg_for_rekognition
    from processing.runner import working_copy

    photos = make_distinct_photos(album, len(REKOGNITION_FILES), REKOGNITION_FILES)
    for photo in photos:
        tasks.send("ingest", photo.id)
    run_pipeline()

    calls = throttled_rekognition.calls
    assert sum(throttled for *_, throttled in calls) * 2 == len(calls) == 6 * len(photos)
    throttled_rekognition.stubber.assert_no_pending_responses()
    # The JPEG each photo should be sent: its working copy (the preview rendition), not the
    # original, whatever the original's format.
    sent_as = {}
    for photo in Photo.objects.filter(pk__in=[p.id for p in photos]):
        image = working_copy(photo)
        sent_as[jpeg_for_rekognition(image)] = photo.id
        image.close()
    assert len(sent_as) == len(photos)
    images = {}  # the image each photo was sent as, keyed by photo
    for operation, request, _ in calls:
        image = request["Image"]
        assert set(image) == {"Bytes"}, image.keys()
        assert image["Bytes"][:3] == b"\xff\xd8\xff"  # a JPEG made for Rekognition
        assert len(image["Bytes"]) < MAX_IMAGE_BYTES
        assert image["Bytes"] in sent_as, "an image that is no photo's working copy"
        photo_id = sent_as[image["Bytes"]]
        assert images.setdefault(photo_id, image) == image  # every try sends the same image
        if operation == "detect_labels":
            assert request["MaxLabels"] == settings.REKOGNITION_MAX_LABELS
        assert request["MinConfidence"] == settings.REKOGNITION_MIN_CONFIDENCE
    assert len(images) == len(photos)

    for photo in photos:
        photo.refresh_from_db()
        assert photo.status == Photo.Status.READY, (photo.original_name, photo.status_reason)
        assert photo.moderation == Photo.Moderation.VISIBLE
        labels = PhotoLabel.objects.filter(photo=photo).exclude(kind="place")  # places: local
        assert sorted(labels.values_list("label__name", "kind", "source", "category")) == [
            ("Landscape", "label", "rekognition", "Nature and Outdoors"),
            ("Outdoors", "label", "rekognition", ""),
        ]
        retries = photo.events.filter(step="labels", outcome="retry")
        assert retries.count() == 3, photo.original_name
        assert all("ThrottlingException" in m for m in retries.values_list("message", flat=True))
        assert photo.renditions.count() == 2
