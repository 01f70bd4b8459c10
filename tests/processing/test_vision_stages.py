"""The offline analyses as pipeline steps, on real corpus photos, and searching what they found.

Each stage runs on the working copy a worker would hand it (the real models, no doubles);
then the search page finds the photo by a parent label ("dog" for a terrier), by a place
name and by the text read from it, with the page's queries counted.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from albums.models import Photo, PhotoLabel
from processing import labeling
from processing.stages import labels as labels_stage
from processing.stages import places as places_stage
from processing.stages import text as text_stage
from processing.stages.base import Done, Skipped, StageJob
from tests.support.corpus import corpus_file
from tests.support.vision import photo as working_copy

pytestmark = pytest.mark.django_db

DOG = "cameras/FujiFilm MX-1200.jpg"  # a terrier with a stick
POSTER = "good/no_exif.jpg"  # "Der Goalie bin ig", a film poster


def rows(photo, kind) -> dict[str, str]:
    found = PhotoLabel.objects.filter(photo=photo, kind=kind).select_related("label")
    return {row.label.name: row.category for row in found}


@pytest.fixture
def analysed(album, make_photo):
    """A dog photo taken in Arezzo and a poster, through the labels, text and places steps."""
    labeling.get_detector.cache_clear()
    dog = make_photo(
        album,
        corpus_file(*DOG.split("/")),
        status=Photo.Status.READY,
        latitude=43.4674,
        longitude=11.8851,
    )
    poster = make_photo(album, corpus_file(*POSTER.split("/")), status=Photo.Status.READY)
    with override_settings(TEXT_DETECTOR="local"):
        for photo, name in ((dog, DOG), (poster, POSTER)):
            job = StageJob(photo=photo, image=working_copy(name))
            assert isinstance(labels_stage.run(job), Done)
            assert isinstance(text_stage.run(job), Done)
            places_stage.run(StageJob(photo=photo))
    return {"dog": dog, "poster": poster}


def test_labels_step_saves_parents_synonyms_and_colours_apart(analysed):
    found = rows(analysed["dog"], PhotoLabel.Kind.LABEL)
    assert {"Dog", "Pet", "Animal"} <= found.keys()
    assert found["Puppy"] == "Synonyms"
    assert "Colors" in found.values()
    assert "Person" in rows(analysed["poster"], PhotoLabel.Kind.LABEL)  # a face on the poster


def test_text_and_places_steps_save_their_own_kind(analysed):
    text = " ".join(rows(analysed["poster"], PhotoLabel.Kind.TEXT))
    assert "GOALIE" in text and "PEDRO LENZ" in text
    places = rows(analysed["dog"], PhotoLabel.Kind.PLACE)
    assert places == {
        "Arezzo": "City",
        "Province of Arezzo": "District",
        "Tuscany": "Region",
        "Italy": "Country",
    }
    assert rows(analysed["poster"], PhotoLabel.Kind.PLACE) == {}  # no GPS


def test_running_labels_again_keeps_text_and_places(analysed):
    dog = analysed["dog"]
    labels_stage.run(StageJob(photo=dog, image=working_copy(DOG)))
    assert rows(dog, PhotoLabel.Kind.PLACE) and rows(dog, PhotoLabel.Kind.LABEL)
    poster = analysed["poster"]
    labels_stage.run(StageJob(photo=poster, image=working_copy(POSTER)))
    assert rows(poster, PhotoLabel.Kind.TEXT)


def test_places_step_keeps_to_its_distance_cut_off(album, make_photo):
    at_sea = make_photo(album, latitude=30.0, longitude=-40.0, status=Photo.Status.READY)
    outcome = places_stage.run(StageJob(photo=at_sea))
    assert isinstance(outcome, Done) and "No town within 50 km" in outcome.note
    assert rows(at_sea, PhotoLabel.Kind.PLACE) == {}
    no_fix = make_photo(album, latitude=0.0, longitude=0.0, status=Photo.Status.READY)
    assert places_stage.run(StageJob(photo=no_fix)) == Skipped("The photo has no GPS position")


@override_settings(TEXT_DETECTOR="off", PLACES_DETECTOR="off")
def test_turned_off_steps_say_so(album, make_photo):
    photo = make_photo(album, latitude=43.4674, longitude=11.8851, status=Photo.Status.READY)
    job = StageJob(photo=photo, image=working_copy(POSTER))
    assert text_stage.run(job) == Skipped("Text detection is turned off")
    assert places_stage.run(job) == Skipped("Place names are turned off")


@pytest.mark.parametrize(
    "criteria, found",
    [
        ({"q": "dog"}, {"dog"}),  # the terrier, through its parent label
        ({"q": "puppy"}, {"dog"}),  # a synonym
        ({"place": "tuscany"}, {"dog"}),
        ({"place": "Arezzo"}, {"dog"}),
        ({"text": "goalie"}, {"poster"}),
    ],
)
def test_search_finds_what_the_analyses_found(owner_client, analysed, criteria, found):
    with CaptureQueriesContext(connection) as ctx:
        response = owner_client.get(reverse("albums:search"), criteria)
    ids = {photo.id for photo in response.context["photos"]}
    assert ids == {analysed[name].id for name in found}
    # session, user, album choices, the term's label ids, the matching ids up to the cap,
    # the page's ids, those photos, their grid renditions, the selection bar's albums
    assert len(ctx.captured_queries) == 9


def test_photo_page_shows_the_place_with_its_attribution(owner_client, analysed):
    url = reverse("albums:photo", kwargs={"photo_id": analysed["dog"].id})
    page = owner_client.get(url).content.decode()
    assert "Arezzo</a>, <a" in page and ">Italy</a>" in page
    assert "Place names from GeoNames (geonames.org), CC BY 4.0" in page
    assert "Puppy" not in page  # synonyms are for search, not shown


@override_settings(TEXT_DETECTOR="off", PLACES_DETECTOR="off")
def test_search_page_offers_only_what_active_analyses_find(owner_client):
    response = owner_client.get(reverse("albums:search"))
    form = response.context["form"]
    assert "place" not in form.fields
    assert "the text in them" not in response.context["hint"]
