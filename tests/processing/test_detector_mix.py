"""Every mix of LABEL_DETECTOR × MODERATION_DETECTOR × TEXT_DETECTOR does what it says.

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

import boto3
import pytest
from botocore.stub import ANY, Stubber

from albums.models import Photo, PhotoFace, PhotoLabel
from processing.stages import labels as labels_stage
from processing.stages import text as text_stage
from processing.stages.base import Done, Skipped, StageJob
from processing.vision import faces, labels, moderation, text
from tests.support.corpus import corpus_file
from tests.support.rekognition import (
    LABELS_RESPONSE,
    MODERATION_RESPONSE,
    TEXT_RESPONSE,
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
}
CALL_FOR = {
    "label": "detect_labels",
    "moderation": "detect_moderation_labels",
    "text": "detect_text",
}
LOCAL_MODEL_FOR = {"label": "labels", "moderation": "moderation", "text": "text"}


@pytest.fixture
def rekognition(monkeypatch):
    client = boto3.client(
        "rekognition",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
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
