"""PhotoLabel's copies of its photo's owner and sort position stay the photo's.

Search reads a user's photos with a label off PhotoLabel alone (albums/search.py), so a
copy that drifted would list a photo under the wrong date, or under someone else.
"""

import pytest

from albums.models import Photo, PhotoLabel
from processing import runner, tasks
from processing.detectors.base import DetectedLabel, Detection
from processing.labeling import save_detection
from tests.support.corpus import corpus_file

pytestmark = pytest.mark.django_db(transaction=True)


def _copies(photo) -> set[tuple]:
    rows = PhotoLabel.objects.filter(photo=photo)
    return set(rows.values_list("owner_id", "taken_at", "photo_created_at"))


def test_the_pipeline_writes_labels_with_the_photos_owner_and_dates(
    album, make_photo, run_pipeline
):
    photo = make_photo(album, corpus_file("good", "Canon_40D.jpg"))
    tasks.send("ingest", photo.id)
    run_pipeline()
    photo.refresh_from_db()
    assert photo.status == Photo.Status.READY and photo.taken_at is not None
    assert PhotoLabel.objects.filter(photo=photo).exists()
    assert _copies(photo) == {(photo.owner_id, photo.taken_at, photo.created_at)}


def test_metadata_run_after_the_labels_moves_their_date_too(album, make_photo):
    photo = make_photo(album, corpus_file("good", "Canon_40D.jpg"))
    detection = Detection(
        labels=[DetectedLabel("Camera", 90.0), DetectedLabel("Dog", 80.0)],
        text=["EXIT"],
        source="test",
    )
    save_detection(photo=photo, detection=detection)  # labels first: no date known yet
    assert _copies(photo) == {(photo.owner_id, None, photo.created_at)}

    runner.run_step(step_name="ingest", photo_id=photo.pk)
    photo.refresh_from_db()
    assert photo.taken_at is not None
    assert _copies(photo) == {(photo.owner_id, photo.taken_at, photo.created_at)}
    assert PhotoLabel.objects.filter(photo=photo).count() == 3


def test_a_label_saved_on_its_own_copies_the_photo(album, make_photo):
    from albums.models import Label

    photo = make_photo(album, taken_at=None)
    Photo.objects.filter(pk=photo.pk).update(taken_at="2024-05-01T10:00:00Z")
    photo.refresh_from_db()
    row = PhotoLabel.objects.create(
        photo=photo, label=Label.objects.create(name="Kite"), confidence=70, source="admin"
    )
    row.refresh_from_db()
    assert (row.owner_id, row.taken_at, row.photo_created_at) == (
        photo.owner_id,
        photo.taken_at,
        photo.created_at,
    )
