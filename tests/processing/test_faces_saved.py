"""Faces found by the labels step are kept: one PhotoFace a face, its box as fractions of the
image, replaced (never added to) when the photo is processed again, counted on the photo page
and in the admin, and exported. Real models on corpus photos (the YuNet face detector)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from albums.models import Photo, PhotoFace, PhotoLabel
from processing.stages import labels as labels_stage
from processing.stages.base import Done, StageJob
from processing.vision import faces
from tests.support.corpus import corpus_file
from tests.support.vision import photo as working_copy

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not faces.available(), reason="yuface has wheels for Python ≤ 3.11 only"),
]

THREE_MEN = "cameras/Canon IXUS 300.jpg"  # three men in red jumpers
POSTER = "good/no_exif.jpg"  # one face on a film poster


def labelled(album, make_photo, name: str) -> Photo:
    photo = make_photo(album, corpus_file(*name.split("/")), status=Photo.Status.READY)
    assert isinstance(labels_stage.run(StageJob(photo=photo, image=working_copy(name))), Done)
    return photo


def person_labels(photo) -> set[str]:
    rows = PhotoLabel.objects.filter(photo=photo, kind=PhotoLabel.Kind.LABEL)
    rows = rows.filter(label__name__in=["Person", "People"])
    return set(rows.values_list("label__name", flat=True))


def test_faces_are_kept_with_boxes_inside_the_image_and_match_the_labels(
    album, make_photo, fresh_detectors
):
    group = labelled(album, make_photo, THREE_MEN)
    boxes = list(PhotoFace.objects.filter(photo=group))
    assert len(boxes) >= 2
    for box in boxes:
        assert 0 <= box.left < 1 and 0 <= box.top < 1
        assert 0 < box.width <= 1 - box.left and 0 < box.height <= 1 - box.top
        assert 0 < box.confidence <= 100 and box.source == "local"
    assert person_labels(group) == {"Person", "People"}  # two faces or more: people

    poster = labelled(album, make_photo, POSTER)
    assert PhotoFace.objects.filter(photo=poster).count() == 1
    assert person_labels(poster) == {"Person"}


def test_processing_again_replaces_the_faces(album, make_photo, fresh_detectors):
    group = labelled(album, make_photo, THREE_MEN)
    first = sorted(PhotoFace.objects.filter(photo=group).values_list("left", "top"))
    labels_stage.run(StageJob(photo=group, image=working_copy(THREE_MEN)))
    assert sorted(PhotoFace.objects.filter(photo=group).values_list("left", "top")) == first


def test_with_faces_off_none_are_stored_and_earlier_ones_stay(album, make_photo, fresh_detectors):
    with override_settings(FACES_DETECTOR="off"):
        fresh_detectors()
        group = labelled(album, make_photo, THREE_MEN)
        assert not PhotoFace.objects.filter(photo=group).exists()
        assert person_labels(group) == set()
    fresh_detectors()
    poster = labelled(album, make_photo, POSTER)
    with override_settings(FACES_DETECTOR="off"):
        fresh_detectors()
        labels_stage.run(StageJob(photo=poster, image=working_copy(POSTER)))
    # The detector that did not look for faces leaves the stored ones alone.
    assert PhotoFace.objects.filter(photo=poster).count() == 1


def test_the_count_shows_on_the_photo_page_the_admin_and_the_export(
    album, make_photo, fresh_detectors, owner_client, client, make_user
):
    group = labelled(album, make_photo, THREE_MEN)
    found = PhotoFace.objects.filter(photo=group).count()
    page = owner_client.get(reverse("albums:photo", kwargs={"photo_id": group.id})).content
    assert f"{found} faces found".encode() in page
    poster = labelled(album, make_photo, POSTER)
    page = owner_client.get(reverse("albums:photo", kwargs={"photo_id": poster.id})).content
    assert b"1 face found" in page

    client.force_login(make_user("root@example.com", is_staff=True, is_superuser=True))
    admin_page = client.get(reverse("admin:albums_photo_change", args=[group.pk])).content
    assert b"Faces found" in admin_page  # the read-only inline, one row a face
    assert admin_page.count(b'<td class="field-width">') == found

    out = io.StringIO()
    call_command("export_metadata", stdout=out)
    rows = {row["id"]: row for row in map(json.loads, out.getvalue().splitlines())}
    exported = rows[str(group.id)]["faces"]
    assert len(exported) == found
    assert set(exported[0]) == {"left", "top", "width", "height", "confidence"}
