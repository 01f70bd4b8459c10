"""Every mix of LABEL_DETECTOR × MODERATION_DETECTOR × TEXT_DETECTOR (and FACES_DETECTOR)
does what it says.

The labels and text steps run on a corpus photo (a film poster with text and a face) with
the real local models, and with a real boto3 Rekognition client under botocore's Stubber
answering in Rekognition's own response shapes. Each case asserts which Rekognition calls
were made (the Stubber fails on any other), which local analyses ran, and which kinds of
rows each detector left on the photo. Earlier, three mixes ran nothing: Rekognition
moderation beside local labels, local moderation with labels off, Rekognition text beside
local labels.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict

import pytest
from botocore.stub import ANY, Stubber
from django.urls import reverse

from albums.models import Photo, PhotoFace, PhotoLabel
from processing.detectors import rekognition as rekognition_detector
from processing.stages import labels as labels_stage
from processing.stages import text as text_stage
from processing.stages.base import Done, Skipped, StageJob
from processing.vision import faces, labels, moderation, text
from tests.support.corpus import corpus_file
from tests.support.rekognition import (
    FACES_RESPONSE,
    LABELS_RESPONSE,
    MODERATION_RESPONSE,
    ONE_FACE_RESPONSE,
    TEXT_RESPONSE,
    rekognition_client,
)
from tests.support.vision import photo as working_copy

pytestmark = pytest.mark.django_db

POSTER = "good/no_exif.jpg"  # "Der Goalie bin ig": a film poster with a face
MODES = ("local", "rekognition", "off")
IMAGE = {"Bytes": ANY}  # the working copy, sent as a JPEG
REQUESTS = {
    "detect_labels": (LABELS_RESPONSE, {"Image": IMAGE, "MaxLabels": 20, "MinConfidence": 70.0}),
    "detect_moderation_labels": (MODERATION_RESPONSE, {"Image": IMAGE, "MinConfidence": 70.0}),
    "detect_text": (TEXT_RESPONSE, {"Image": IMAGE}),
    "detect_faces": (FACES_RESPONSE, {"Image": IMAGE}),
}
CALL_FOR = {
    "label": "detect_labels",
    "moderation": "detect_moderation_labels",
    "text": "detect_text",
}
LOCAL_MODEL_FOR = {"label": "labels", "moderation": "moderation", "text": "text"}


@pytest.fixture
def rekognition(monkeypatch):
    client = rekognition_client()
    monkeypatch.setattr("imagesite.aws.rekognition_client", lambda: client)
    with Stubber(client) as stub:
        yield stub


@pytest.fixture
def local_runs(monkeypatch) -> Counter:
    """How many times each local model ran (the real models: each call is passed through)."""
    runs: Counter = Counter()

    def counted(name, function):
        def run(*args, **kwargs):
            runs[name] += 1
            return function(*args, **kwargs)

        return run

    monkeypatch.setattr(labels, "detect_labels", counted("labels", labels.detect_labels))
    monkeypatch.setattr(moderation, "score", counted("moderation", moderation.score))
    monkeypatch.setattr(text, "read_text", counted("text", text.read_text))
    monkeypatch.setattr(faces, "detect_faces", counted("faces", faces.detect_faces))
    return runs


def stored(photo) -> dict[str, set[str]]:
    """Kind of row -> the detectors that stored rows of that kind."""
    found = defaultdict(set)
    for kind, source in PhotoLabel.objects.filter(photo=photo).values_list("kind", "source"):
        found[kind].add(source)
    return dict(found)


@pytest.mark.parametrize(
    "label_mode, moderation_mode, text_mode",
    list(itertools.product(MODES, MODES, MODES)),
    ids=lambda mode: mode,
)
def test_every_mix_runs_what_its_settings_name(
    label_mode,
    moderation_mode,
    text_mode,
    settings,
    album,
    make_photo,
    rekognition,
    local_runs,
    fresh_detectors,
):
    settings.LABEL_DETECTOR = label_mode
    settings.MODERATION_DETECTOR = moderation_mode
    settings.TEXT_DETECTOR = text_mode
    settings.FACES_DETECTOR = "off"  # faces have a test of their own (below)
    fresh_detectors()
    modes = {"label": label_mode, "moderation": moderation_mode, "text": text_mode}
    # Rekognition is called in this order: labels, then moderation (labels step), then text
    # (the labels step with Rekognition labels, else the text step). Any other call fails.
    for analysis in ("label", "moderation", "text"):
        if modes[analysis] == "rekognition":
            response, request = REQUESTS[CALL_FOR[analysis]]
            rekognition.add_response(CALL_FOR[analysis], response, request)

    photo = make_photo(album, corpus_file(*POSTER.split("/")), status=Photo.Status.READY)
    job = StageJob(photo=photo, image=working_copy(POSTER))
    labelled = labels_stage.run(job)
    read = text_stage.run(StageJob(photo=photo))  # the text step fetches its working copy

    rekognition.assert_no_pending_responses()
    ran_locally = {a for a, model in LOCAL_MODEL_FOR.items() if local_runs[model]}
    assert ran_locally == {a for a, mode in modes.items() if mode == "local"}
    assert all(count == 1 for count in local_runs.values()), local_runs  # each once
    assert not local_runs["faces"] and not PhotoFace.objects.filter(photo=photo).exists()

    expected = {}
    if label_mode != "off":
        expected["label"] = {label_mode}
    if moderation_mode == "rekognition":  # the poster scores far below the local NSFW floor
        expected["moderation"] = {"rekognition"}
    if text_mode != "off":
        expected["text"] = {text_mode}
    assert stored(photo) == expected
    photo.refresh_from_db()
    flagged = moderation_mode == "rekognition"  # "Violence" at 91.5% ≥ MODERATION_THRESHOLD
    assert (photo.moderation == Photo.Moderation.FLAGGED) == flagged

    labels_off = label_mode == moderation_mode == "off"
    assert isinstance(labelled, Skipped if labels_off else Done), labelled
    if text_mode == "off":
        assert read == Skipped("Text detection is turned off")
    elif text_mode == "rekognition" and label_mode == "rekognition":
        assert read == Skipped("Text is read by Rekognition with the labels")
    else:
        assert isinstance(read, Done) and "lines of text" in read.note
    texts = PhotoLabel.objects.filter(photo=photo, kind=PhotoLabel.Kind.TEXT)
    names = set(texts.values_list("label__name", flat=True))
    if text_mode == "rekognition":
        assert names == {"BEWARE OF DOG"}  # the line, not its words again
    elif text_mode == "local":
        assert "GOALIE" in " ".join(names).upper()


@pytest.mark.skipif(not faces.available(), reason="yuface has wheels for Python ≤ 3.11 only")
@pytest.mark.parametrize("label_mode", ["rekognition", "off"])
def test_local_faces_beside_rekognition_labels_or_none(
    label_mode, settings, album, make_photo, rekognition, fresh_detectors
):
    settings.LABEL_DETECTOR = label_mode
    settings.MODERATION_DETECTOR = "off"
    settings.FACES_DETECTOR = "local"
    settings.TEXT_DETECTOR = "off"
    fresh_detectors()
    if label_mode == "rekognition":
        rekognition.add_response("detect_labels", *REQUESTS["detect_labels"])
    photo = make_photo(album, corpus_file(*POSTER.split("/")), status=Photo.Status.READY)
    assert isinstance(labels_stage.run(StageJob(photo=photo, image=working_copy(POSTER))), Done)
    rekognition.assert_no_pending_responses()

    assert PhotoFace.objects.filter(photo=photo, source="local").count() == 1
    rows = PhotoLabel.objects.filter(photo=photo, kind=PhotoLabel.Kind.LABEL)
    sources = dict(rows.values_list("label__name", "source"))
    assert sources["Person"] == "local"  # from the face, by the detector that found it
    if label_mode == "rekognition":
        assert sources["Dog"] == "rekognition"
    else:
        assert set(sources) <= {"Person", "Human", "Face"}  # the face's label and synonyms


def test_rekognition_refusing_the_image_for_text_says_so(
    settings, album, make_photo, rekognition, fresh_detectors
):
    settings.LABEL_DETECTOR = "local"
    settings.TEXT_DETECTOR = "rekognition"
    fresh_detectors()
    rekognition.add_client_error(
        "detect_text",
        service_error_code="InvalidImageFormatException",
        service_message="Request has invalid image format",
        http_status_code=400,
    )
    photo = make_photo(album, corpus_file(*POSTER.split("/")), status=Photo.Status.READY)
    outcome = text_stage.run(StageJob(photo=photo, image=working_copy(POSTER)))
    assert outcome == Skipped("text skipped: Rekognition cannot read this image format")


@pytest.fixture
def images_prepared(monkeypatch) -> list:
    """Each JPEG made for Rekognition (one per detector pass, however many calls)."""
    made = []
    real = rekognition_detector.jpeg_for_rekognition

    def counted(image, **kwargs):
        made.append(real(image, **kwargs))
        return made[-1]

    monkeypatch.setattr(rekognition_detector, "jpeg_for_rekognition", counted)
    return made


def person_rows(photo) -> set[tuple[str, str, str]]:
    rows = PhotoLabel.objects.filter(photo=photo, kind=PhotoLabel.Kind.LABEL)
    rows = rows.filter(label__name__in=["Person", "Human", "Face", "People", "Group"])
    return set(rows.values_list("label__name", "category", "source"))


@pytest.mark.parametrize("label_mode, moderation_mode", [
    ("rekognition", "rekognition"),  # AWS: one pass, three calls
    ("rekognition", "off"),
    ("local", "off"),  # a Rekognition helper for the faces alone
    ("local", "rekognition"),  # one Rekognition helper, moderation and faces
    ("off", "off"),
])  # fmt: skip
def test_rekognition_faces_beside_any_labels(
    label_mode,
    moderation_mode,
    settings,
    album,
    make_photo,
    rekognition,
    local_runs,
    images_prepared,
    fresh_detectors,
    owner_client,
):
    settings.LABEL_DETECTOR = label_mode
    settings.MODERATION_DETECTOR = moderation_mode
    settings.FACES_DETECTOR = "rekognition"
    settings.TEXT_DETECTOR = "off"
    fresh_detectors()
    calls = ["detect_faces"]  # in the order the detector makes them
    if moderation_mode == "rekognition":
        calls.insert(0, "detect_moderation_labels")
    if label_mode == "rekognition":
        calls.insert(0, "detect_labels")
    for call in calls:
        rekognition.add_response(call, *REQUESTS[call])

    photo = make_photo(album, corpus_file(*POSTER.split("/")), status=Photo.Status.READY)
    assert isinstance(labels_stage.run(StageJob(photo=photo, image=working_copy(POSTER))), Done)

    rekognition.assert_no_pending_responses()
    assert len(images_prepared) == 1  # one JPEG for every call
    assert not local_runs["faces"]  # the local face model never ran
    assert bool(local_runs["labels"]) == (label_mode == "local")
    faces = PhotoFace.objects.filter(photo=photo).order_by("left")
    assert [(f.left, f.top, f.width, f.height, f.source) for f in faces] == [
        pytest.approx((0.0, 0.3, 0.08, 0.18, "rekognition")),
        pytest.approx((0.6, 0.25, 0.12, 0.2, "rekognition")),
    ]
    assert person_rows(photo) == {
        ("Person", "Person Description", "rekognition"),
        ("Human", "Synonyms", "rekognition"),
        ("Face", "Synonyms", "rekognition"),
        ("People", "Person Description", "rekognition"),
        ("Group", "Synonyms", "rekognition"),
    }
    page = owner_client.get(reverse("albums:photo", kwargs={"photo_id": photo.id})).content
    assert b"2 faces found" in page and b"?q=People" in page
    sources = stored(photo)
    assert sources["label"] == {"rekognition"} | ({"local"} if label_mode == "local" else set())
    assert ("moderation" in sources) == (moderation_mode == "rekognition")


@pytest.mark.skipif(not faces.available(), reason="yuface has wheels for Python ≤ 3.11 only")
def test_rekognition_faces_label_a_photo_as_the_local_faces_do(
    settings, album, make_photo, rekognition, fresh_detectors, owner_client
):
    """One face on the poster, found by YuNet or by Rekognition: the same rows, the same page."""
    settings.LABEL_DETECTOR = settings.MODERATION_DETECTOR = settings.TEXT_DETECTOR = "off"

    def labelled(faces_mode: str):
        settings.FACES_DETECTOR = faces_mode
        fresh_detectors()
        photo = make_photo(album, corpus_file(*POSTER.split("/")), status=Photo.Status.READY)
        assert isinstance(labels_stage.run(StageJob(photo=photo, image=working_copy(POSTER))), Done)
        assert set(photo.faces.values_list("source", flat=True)) == {faces_mode}
        page = owner_client.get(reverse("albums:photo", kwargs={"photo_id": photo.id}))
        assert b"1 face found" in page.content
        return set(PhotoLabel.objects.filter(photo=photo).values_list("label__name", "category"))

    local = labelled("local")
    rekognition.add_response("detect_faces", ONE_FACE_RESPONSE, {"Image": IMAGE})
    assert (
        labelled("rekognition")
        == local
        == {
            ("Person", "Person Description"),
            ("Human", "Synonyms"),
            ("Face", "Synonyms"),
        }
    )
    rekognition.assert_no_pending_responses()
