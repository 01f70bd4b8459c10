"""Every corpus file through the whole pipeline on a real dramatiq worker.

Given an upload of this file, the photo ends `ready` with its renditions, labels and
metadata, or `rejected` with a sentence a person can read — and a rejection is final.
"""

import hashlib

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from albums.models import Photo, PhotoLabel, ProcessingEvent, Rendition
from processing import tasks
from tests.support.corpus import (
    BAD_FILES,
    EXPECTED_BAD,
    GOOD_FILES,
    HOSTILE_FILES,
    LARGE_FILES,
    corpus_file,
    expected,
    is_human_reason,
)

pytestmark = pytest.mark.django_db(transaction=True)

BOXES = {"grid": (400, 400), "preview": (1600, 1600)}


def process(album, make_photo, drain, path) -> Photo:
    photo = make_photo(album, path)
    tasks.send("ingest", photo.id)
    drain()
    photo.refresh_from_db()
    return photo


def assert_rejected_once(photo: Photo) -> None:
    outcomes = list(photo.events.values_list("outcome", flat=True))
    assert outcomes.count("rejected") == 1, outcomes
    assert "retry" not in outcomes and "failed" not in outcomes, outcomes
    assert photo.settled_at is not None
    assert not photo.renditions.exists()


def displayed_size(name: str) -> tuple[int, int]:
    ref = expected(name)
    width, height = ref["ImageWidth"], ref["ImageHeight"]
    if ref.get("Orientation") in (5, 6, 7, 8):
        return height, width
    return width, height


def assert_renditions(photo: Photo) -> None:
    renditions = {r.spec: r for r in photo.renditions.all()}
    assert set(renditions) == set(BOXES)
    for spec, (box_w, box_h) in BOXES.items():
        rendition = renditions[spec]
        assert rendition.source_sha256 == photo.sha256
        assert rendition.width <= box_w and rendition.height <= box_h
        assert rendition.width <= photo.width and rendition.height <= photo.height  # no upscale
        # One side fills the box (or the original's own size): same shape as the photo.
        scale = min(box_w / photo.width, box_h / photo.height, 1.0)
        assert abs(rendition.width - photo.width * scale) <= 1
        assert abs(rendition.height - photo.height * scale) <= 1
        with default_storage.open(rendition.file.name, "rb") as fp, Image.open(fp) as image:
            assert image.format == "WEBP"
            assert image.size == (rendition.width, rendition.height)
            assert rendition.mime_type == "image/webp"
        assert default_storage.size(rendition.file.name) == rendition.size


@pytest.mark.parametrize(
    "folder, name", [("good", n) for n in GOOD_FILES] + [("large", n) for n in LARGE_FILES]
)
def test_good_file_ends_ready(album, make_photo, drain, folder, name):
    path = corpus_file(folder, name)

    photo = process(album, make_photo, drain, path)

    assert photo.status == Photo.Status.READY, photo.status_reason
    assert photo.status_reason == ""
    assert (photo.width, photo.height) == displayed_size(name)
    assert photo.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    steps = dict(photo.steps.values_list("step", "status"))
    assert steps == {
        "ingest": "done",
        "labels": "done",
        "text": "skipped",
        "places": steps["places"],
    }
    assert steps["places"] in ("done", "skipped")  # skipped without GPS
    assert photo.settled_at is not None
    assert_renditions(photo)
    labels = PhotoLabel.objects.filter(photo=photo)
    assert labels.exists() and all(pl.source == "local" for pl in labels)
    outcomes = list(photo.events.values_list("step", "outcome"))
    required = sorted(o for o in outcomes if o[0] in ("ingest", "labels"))
    assert required == [("ingest", "done"), ("labels", "done")]


def test_bad_listing_covers_every_bad_file():
    assert sorted(EXPECTED_BAD) == BAD_FILES


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_file_ends_as_expected(album, make_photo, drain, name):
    photo = process(album, make_photo, drain, corpus_file("bad", name))

    assert photo.status == EXPECTED_BAD[name]["expect"], photo.status_reason
    if photo.status == Photo.Status.REJECTED:
        assert is_human_reason(photo.status_reason), photo.status_reason
        assert_rejected_once(photo)
    else:
        assert Rendition.objects.filter(photo=photo).count() == 2
        assert photo.width and photo.height and photo.sha256


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_hostile_file_is_rejected_with_a_clear_reason(album, make_photo, drain, hostile_file, name):
    path, words = hostile_file(name)

    photo = process(album, make_photo, drain, path)

    assert photo.status == Photo.Status.REJECTED
    assert words in photo.status_reason
    assert is_human_reason(photo.status_reason), photo.status_reason
    assert_rejected_once(photo)
    assert ProcessingEvent.objects.get(photo=photo, outcome="rejected").step == "ingest"
