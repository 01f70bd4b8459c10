"""Rekognition through a real boto3 client with botocore's Stubber: real shapes, real errors."""

import io
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber
from PIL import Image

from processing.detectors.base import DetectorImage, TransientDetectorError
from processing.detectors.rekognition import RekognitionDetector, jpeg_for_rekognition
from processing.steps.decode import decode
from tests.support.rekognition import (
    FACES_RESPONSE,
    LABELS_RESPONSE,
    MODERATION_RESPONSE,
    TEXT_RESPONSE,
    rekognition_client,
)

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus"


@pytest.fixture
def client():
    return rekognition_client()


def detector(client, *, detect_text: bool = False) -> RekognitionDetector:
    return RekognitionDetector(client, max_labels=25, min_confidence=70.0, detect_text=detect_text)


def stub_labels_and_moderation(stub, image) -> None:
    """The answers `detector()` gets for labels and moderation labels of `image`."""
    stub.add_response(
        "detect_labels", LABELS_RESPONSE, {"Image": image, "MaxLabels": 25, "MinConfidence": 70.0}
    )
    stub.add_response(
        "detect_moderation_labels", MODERATION_RESPONSE, {"Image": image, "MinConfidence": 70.0}
    )


def in_s3(format: str = "JPEG", size: int = 1_000_000, image=None) -> DetectorImage:
    return DetectorImage(
        data=None,
        format=format,
        width=4000,
        height=3000,
        size=size,
        s3_bucket="photos",
        s3_key="originals/abc.jpg",
        image=image,
    )


def decoded(folder: str, name: str) -> Image.Image:
    with (CORPUS / folder / name).open("rb") as fp:
        return decode(fp, max_pixels=100_000_000, target=(1600, 1600)).image


S3_IMAGE = {"S3Object": {"Bucket": "photos", "Name": "originals/abc.jpg"}}


def test_jpeg_in_s3_is_read_from_s3_and_labels_are_mapped(client):
    with Stubber(client) as stub:
        stub_labels_and_moderation(stub, S3_IMAGE)
        stub.add_response("detect_text", TEXT_RESPONSE, {"Image": S3_IMAGE})
        detection = detector(client, detect_text=True).detect(in_s3())
        stub.assert_no_pending_responses()
    labels = {label.name: (label.confidence, label.category) for label in detection.labels}
    assert labels == {
        "Dog": (98.7, "Animals and Pets"),  # Categories first
        "Grass": (91.2, "Plant"),  # else the first parent
        "Outdoors": (88.0, ""),
    }
    assert [(m.name, m.category) for m in detection.moderation] == [
        ("Graphic Violence", "Violence"),
        ("Violence", ""),
    ]
    assert detection.text == ["BEWARE OF DOG"]  # lines only, not the words again
    assert (detection.source, detection.skipped) == ("rekognition", None)


@pytest.mark.parametrize(
    "subject",
    [
        in_s3("HEIF", 900_000, image=decoded("large", "HMD_Nokia_8.3_5G_hdr.heif")),
        in_s3("WEBP", 3_000, image=decoded("good", "hopper.webp")),
        in_s3("JPEG", 20_000_000, image=decoded("large", "iphone_hdr_NO.jpg")),  # over 15 MB
    ],
    ids=["heic", "webp", "large-jpeg"],
)
def test_other_images_are_sent_as_jpeg_bytes_under_5_mb(client, subject):
    request_image = detector(client).request_image(subject)
    assert set(request_image) == {"Bytes"}
    data = request_image["Bytes"]
    assert data[:3] == b"\xff\xd8\xff" and len(data) < 5 * 1024 * 1024
    with Stubber(client) as stub:
        stub.add_response(
            "detect_labels",
            LABELS_RESPONSE,
            {"Image": {"Bytes": ANY}, "MaxLabels": 25, "MinConfidence": 70.0},
        )
        stub.add_response(
            "detect_moderation_labels",
            MODERATION_RESPONSE,
            {"Image": {"Bytes": ANY}, "MinConfidence": 70.0},
        )
        detection = detector(client).detect(subject)  # no DetectText call without detect_text
        stub.assert_no_pending_responses()
    assert len(detection.labels) == 3


def test_bytes_are_made_from_the_original_when_no_decoded_copy_is_given(client):
    data = (CORPUS / "good" / "samplefilehub.heif").read_bytes()
    subject = DetectorImage(data=data, format="HEIF", width=640, height=426, size=len(data))
    assert detector(client).request_image(subject)["Bytes"][:2] == b"\xff\xd8"


@pytest.mark.parametrize(
    "code, status",
    [
        ("ThrottlingException", 400),
        ("ProvisionedThroughputExceededException", 400),
        ("InternalServerError", 500),
        ("ServiceUnavailableException", 503),
    ],
)
def test_throttling_and_server_errors_are_transient(client, code, status):
    with Stubber(client) as stub:
        stub.add_client_error("detect_labels", service_error_code=code, http_status_code=status)
        with pytest.raises(TransientDetectorError, match=code):
            detector(client).detect(in_s3())


@pytest.mark.parametrize(
    "code, words",
    [
        ("InvalidImageFormatException", "cannot read this image format"),
        ("ImageTooLargeException", "too large"),
        ("InvalidParameterException", "rejected the image"),
        ("InvalidS3ObjectException", "could not read the original from S3"),
    ],
)
def test_images_rekognition_refuses_are_skipped_not_failed(client, code, words):
    with Stubber(client) as stub:
        stub.add_response("detect_labels", LABELS_RESPONSE)
        stub.add_client_error(
            "detect_moderation_labels", service_error_code=code, http_status_code=400
        )
        detection = detector(client).detect(in_s3())
    assert detection.skipped.startswith("labels skipped: ") and words in detection.skipped
    assert detection.labels == [] and detection.moderation == []


def test_other_client_errors_are_not_hidden(client):
    with Stubber(client) as stub:
        stub.add_client_error(
            "detect_labels", service_error_code="AccessDeniedException", http_status_code=400
        )
        with pytest.raises(ClientError):
            detector(client).detect(in_s3())


def test_jpeg_for_rekognition_shrinks_until_it_fits():
    channels = [Image.effect_noise((1200, 900), 120) for _ in range(3)]
    noisy = Image.merge("RGB", channels)  # noise barely compresses: ~2 MB at quality 90
    data = jpeg_for_rekognition(noisy, max_bytes=300_000)
    shrunk = Image.open(io.BytesIO(data))
    assert len(data) < 300_000 and shrunk.format == "JPEG"
    assert shrunk.width < 1200 and shrunk.width / shrunk.height == pytest.approx(4 / 3, abs=0.01)


def test_jpeg_for_rekognition_flattens_alpha():
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    out = Image.open(io.BytesIO(jpeg_for_rekognition(image)))
    assert out.mode == "RGB" and out.getpixel((50, 50)) == (255, 255, 255)


def test_switches_ask_rekognition_only_for_what_is_wanted(client):
    moderation_only = RekognitionDetector(
        client, max_labels=25, min_confidence=70.0, detect_labels=False, detect_text=False
    )
    text_only = RekognitionDetector(
        client,
        max_labels=25,
        min_confidence=70.0,
        detect_labels=False,
        detect_moderation=False,
        detect_text=True,
    )
    with Stubber(client) as stub:
        stub.add_response(
            "detect_moderation_labels",
            MODERATION_RESPONSE,
            {"Image": S3_IMAGE, "MinConfidence": 70.0},
        )
        stub.add_response("detect_text", TEXT_RESPONSE, {"Image": S3_IMAGE})
        moderated = moderation_only.detect(in_s3())
        read = text_only.detect(in_s3())
        stub.assert_no_pending_responses()
    assert moderated.labels == [] and moderated.text == [] and not moderated.replaces_text
    assert [m.name for m in moderated.moderation] == ["Graphic Violence", "Violence"]
    assert read.text == ["BEWARE OF DOG"] and read.replaces_text
    assert read.labels == [] and read.moderation == []


def test_a_refused_image_names_what_was_asked_for(client):
    text_only = RekognitionDetector(
        client,
        max_labels=25,
        min_confidence=70.0,
        detect_labels=False,
        detect_moderation=False,
        detect_text=True,
    )
    with Stubber(client) as stub:
        stub.add_client_error("detect_text", service_error_code="ImageTooLargeException")
        detection = text_only.detect(in_s3())
    assert detection.skipped == "text skipped: the image is too large for Rekognition"


def faces_detector(client, *, labels: bool = False, min_confidence: float = 70.0):
    return RekognitionDetector(
        client,
        max_labels=25,
        min_confidence=min_confidence,
        detect_labels=labels,
        detect_moderation=labels,
        detect_faces=True,
        detect_text=False,
    )


def test_faces_come_with_the_labels_in_one_pass_as_boxes_and_person_labels(client):
    with Stubber(client) as stub:
        stub_labels_and_moderation(stub, S3_IMAGE)
        stub.add_response("detect_faces", FACES_RESPONSE, {"Image": S3_IMAGE})
        detection = faces_detector(client, labels=True).detect(in_s3())
        stub.assert_no_pending_responses()
    # The face narrower than 2% and the one at 41% are dropped; the box reaching past the
    # left edge is cut at it; left to right, as the local detector lists them.
    boxes = [(f.left, f.top, f.width, f.height, f.confidence) for f in detection.faces]
    assert boxes == [(0.0, 0.3, 0.08, 0.18, 97.5), (0.6, 0.25, 0.12, 0.2, 99.98)]
    assert detection.replaces_faces and detection.skipped is None
    labels = {label.name: (label.confidence, label.category) for label in detection.labels}
    assert labels == {
        "Dog": (98.7, "Animals and Pets"),
        "Grass": (91.2, "Plant"),
        "Outdoors": (88.0, ""),
        "Person": (99.98, "Person Description"),  # at the best face's confidence
        "Human": (99.98, "Synonyms"),
        "Face": (99.98, "Synonyms"),
        "People": (97.5, "Person Description"),  # two faces: at the second best's
        "Group": (97.5, "Synonyms"),
    }


def test_faces_below_the_confidence_setting_are_dropped(client):
    with Stubber(client) as stub:
        stub.add_response("detect_faces", FACES_RESPONSE, {"Image": S3_IMAGE})
        detection = faces_detector(client, min_confidence=99.0).detect(in_s3())
    assert [(f.left, f.confidence) for f in detection.faces] == [(0.6, 99.98)]
    assert {label.name for label in detection.labels} == {"Person", "Human", "Face"}  # no People


def test_no_face_found_still_replaces_the_stored_ones(client):
    with Stubber(client) as stub:
        stub.add_response("detect_faces", {"FaceDetails": []}, {"Image": S3_IMAGE})
        detection = faces_detector(client).detect(in_s3())
    assert detection.faces == [] and detection.labels == [] and detection.replaces_faces


@pytest.mark.parametrize(
    "code, words",
    [
        ("InvalidImageFormatException", "Rekognition cannot read this image format"),
        ("ImageTooLargeException", "the image is too large for Rekognition"),
        ("InvalidParameterException", "Rekognition rejected the image (too small or malformed)"),
    ],
)
def test_an_image_refused_for_faces_is_skipped_and_leaves_stored_faces_alone(client, code, words):
    with Stubber(client) as stub:
        stub.add_client_error("detect_faces", service_error_code=code, http_status_code=400)
        detection = faces_detector(client).detect(in_s3())
    assert detection.skipped == f"faces skipped: {words}"
    assert detection.faces == [] and not detection.replaces_faces and detection.labels == []


@pytest.mark.parametrize(
    "code, status",
    [("ThrottlingException", 400), ("ProvisionedThroughputExceededException", 400),
     ("InternalServerError", 500)],
)  # fmt: skip
def test_detect_faces_throttled_after_the_labels_is_retried_whole(client, code, status):
    with Stubber(client) as stub:
        stub.add_response("detect_labels", LABELS_RESPONSE)
        stub.add_response("detect_moderation_labels", MODERATION_RESPONSE)
        stub.add_client_error("detect_faces", service_error_code=code, http_status_code=status)
        with pytest.raises(TransientDetectorError, match=code):
            faces_detector(client, labels=True).detect(in_s3())
