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


@pytest.mark.django_db(transaction=True)
def test_new_label_names_are_committed_before_the_photos_transaction(
    album, make_photo, monkeypatch
):
    """Labels are shared by every photo: two label steps saving the same new names must not
    hold each other's unique-key locks for a whole photo transaction (on MariaDB that
    deadlocked and cost a retry). The step is held at the photo's lock, the first thing its
    transaction does; by then the names are already there for every other connection."""
    import threading  # this test's second database connection

    from django.db import connection

    from processing import labeling

    photo = make_photo(album, status=Photo.Status.PROCESSING)
    inside, release = threading.Event(), threading.Event()
    lock_photo = labeling.lock_photo

    def held(photo_id):
        inside.set()
        assert release.wait(60), "the test never released the step"
        return lock_photo(photo_id)

    monkeypatch.setattr(labeling, "lock_photo", held)
    errors = []

    def step():
        try:
            detection = Detection(
                labels=[DetectedLabel("Zebra crossing", 90.0), DetectedLabel("Aardvark", 80.0)],
                source="test",
            )
            save_detection(photo=photo, detection=detection)
        except Exception as exc:  # reported by the test below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=step)
    thread.start()
    try:
        assert inside.wait(60), "the step never reached the photo's lock"
        names = set(Label.objects.filter(name__in=["Aardvark", "Zebra crossing"]).values_list(
            "name", flat=True
        ))  # fmt: skip
        assert names == {"Aardvark", "Zebra crossing"}, "created inside the photo's transaction"
        if connection.vendor == "mysql":  # (SQLite has one writer at a time, whatever we do)
            # Another step creating the same name does not wait on this one's transaction.
            aardvark = Label.objects.get(name="Aardvark").pk
            assert labeling.label_ids({"Aardvark", "Antelope"})["Aardvark"] == aardvark
    finally:
        release.set()
        thread.join(60)
    assert errors == []
    saved = PhotoLabel.objects.filter(photo=photo).values_list("label__name", flat=True)
    assert set(saved) == {"Aardvark", "Zebra crossing"}
