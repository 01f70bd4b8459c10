"""Label names that the database counts as one (MySQL's collations ignore case and accents)
are saved as one label, never as an error that fails the photo."""

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
    photo.refresh_from_db()
    assert photo.labels_done

    for params in ({"q": "stop"}, {"q": "caf"}, {"text": "stop"}, {"text": "caf"}):
        response = owner_client.get("/search/", params)
        assert [p.pk for p in response.context["photos"]] == [photo.pk], params
