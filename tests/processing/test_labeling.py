"""Saving what a detector found: names the database counts as one (MySQL's collations
ignore case and accents) are one label, never an error that fails the photo; moderation
labels flag a photo unless a moderator has already decided about it."""

import pytest

from albums.models import Label, Photo, PhotoLabel
from processing.detectors.base import DetectedLabel, Detection
from processing.labeling import save_detection

pytestmark = pytest.mark.django_db


def test_names_differing_in_case_or_accents_save_and_stay_searchable(
    album, make_photo, owner_client
):
    Label.objects.create(name="Stop")
    Label.objects.create(name="Cafe")
    photo = make_photo(album, status=Photo.Status.READY)
    detection = Detection(
        labels=[DetectedLabel("stop", 91.0), DetectedLabel("Café", 80.0)],
        text=["STOP", "CAFÉ", "Cafe "],
        source="test",
    )
    save_detection(photo=photo, detection=detection)

    rows = PhotoLabel.objects.filter(photo=photo)
    kinds = {(row.kind, row.label.name.strip().casefold()) for row in rows.select_related("label")}
    assert ("label", "stop") in kinds and ("text", "stop") in kinds
    assert {"label", "text"} == {kind for kind, name in kinds if name.startswith("caf")}

    for params in ({"q": "stop"}, {"q": "caf"}, {"text": "stop"}, {"text": "caf"}):
        response = owner_client.get("/search/", params)
        assert [p.pk for p in response.context["photos"]] == [photo.pk], params


def _racy(photo):
    detection = Detection(moderation=[DetectedLabel("Explicit Nudity", 97.0)], source="test")
    save_detection(photo=photo, detection=detection)
    photo.refresh_from_db()
    return photo.moderation


def test_detected_moderation_labels_flag_the_photo(album, make_photo):
    assert _racy(make_photo(album, status=Photo.Status.READY)) == Photo.Moderation.FLAGGED


def test_a_moderators_approval_survives_detecting_labels_again(album, make_photo, make_user):
    from albums.models import ModerationDecision
    from albums.moderation import photo_moderate

    photo = make_photo(album, status=Photo.Status.READY)
    assert _racy(photo) == Photo.Moderation.FLAGGED
    moderator = make_user("mod@example.com", is_staff=True)
    photo_moderate(photo=photo, moderator=moderator, decision=ModerationDecision.Decision.APPROVE)
    assert _racy(photo) == Photo.Moderation.VISIBLE  # reprocessing does not re-flag it
