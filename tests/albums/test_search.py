"""Search over a fixed library: every filter, their combinations, a pinned query count."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from albums.models import Label, Photo, PhotoLabel
from tests.support.photos import add_to_album

pytestmark = pytest.mark.django_db


def _photo(album, name, *, labels=(), text=(), **fields):
    photo = Photo.objects.create(
        owner=album.owner, original_name=name, status=Photo.Status.READY, **fields
    )
    add_to_album(album, [photo])
    for kind, names in ((PhotoLabel.Kind.LABEL, labels), (PhotoLabel.Kind.TEXT, text)):
        for label_name in names:
            label, _ = Label.objects.get_or_create(name=label_name)
            PhotoLabel.objects.create(
                photo=photo, label=label, kind=kind, confidence=90, source="test"
            )
    return photo


@pytest.fixture
def library(user, other_user, make_album):
    trip = make_album(user, title="Trip")
    home = make_album(user, title="Home")
    theirs = make_album(other_user, title="Theirs")
    return {
        "beach_dog": _photo(
            trip,
            "beach_dog.jpg",
            labels=["Dog", "Beach", "Sand"],
            camera_make="Canon",
            camera_model="Canon EOS 40D",
            taken_at=datetime(2024, 7, 1, 12, tzinfo=UTC),
            latitude=43.4674,
            longitude=11.8851,
        ),
        "beach": _photo(
            trip,
            "beach.jpg",
            labels=["Beach", "Sea", "Straße"],
            text=["HOTEL MIRAMAR"],
            camera_make="NIKON",
            camera_model="COOLPIX P6000",
            taken_at=datetime(2024, 7, 3, 9, tzinfo=UTC),
            latitude=43.4700,
            longitude=11.8800,
        ),
        "dogs_home": _photo(
            home,
            "dogs.jpg",
            labels=["Dogs", "Sofa"],
            text=["CAFÉ DU MONDE"],
            camera_make="Apple",
            camera_model="iPhone 12",
            taken_at=datetime(2025, 1, 2, 18, tzinfo=UTC),
            latitude=51.5,
            longitude=-0.12,
        ),
        "no_data": _photo(home, "scan.png", labels=["Document", "église"]),
        "theirs": _photo(
            theirs,
            "theirs.jpg",
            labels=["Dog", "Beach"],
            latitude=43.47,
            longitude=11.88,
            camera_make="Canon",
        ),
    }


def _search(client, **params) -> set[str]:
    response = client.get(reverse("albums:search"), params)
    assert response.status_code == 200
    return {p.original_name for p in response.context["photos"]}


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"q": "dog"}, {"beach_dog.jpg", "dogs.jpg"}),  # prefix match: Dog and Dogs
        ({"q": "DOG"}, {"beach_dog.jpg", "dogs.jpg"}),  # any case
        ({"q": "dog beach"}, {"beach_dog.jpg"}),  # several terms mean all of them
        ({"q": "be"}, {"beach_dog.jpg", "beach.jpg"}),
        ({"q": "cat"}, set()),
        ({"text": "miramar"}, {"beach.jpg"}),  # detected text matches anywhere in a line
        ({"text": "hotel"}, {"beach.jpg"}),
        # Case and accents are ignored on every database (SQLite's LIKE only knows ASCII).
        ({"text": "café"}, {"dogs.jpg"}),
        ({"text": "CAFE DU"}, {"dogs.jpg"}),
        ({"q": "STRASSE"}, {"beach.jpg"}),
        ({"q": "straße"}, {"beach.jpg"}),
        ({"q": "ÉGLISE"}, {"scan.png"}),
        ({"camera": "canon"}, {"beach_dog.jpg"}),
        ({"camera": "coolpix"}, {"beach.jpg"}),
        ({"date_from": "2024-07-02"}, {"beach.jpg", "dogs.jpg"}),
        ({"date_to": "2024-07-01"}, {"beach_dog.jpg"}),  # the whole end day counts
        ({"date_from": "2024-07-01", "date_to": "2024-07-31"}, {"beach_dog.jpg", "beach.jpg"}),
        ({"has_location": "on"}, {"beach_dog.jpg", "beach.jpg", "dogs.jpg"}),
        ({"lat": "43.4674", "lon": "11.8851", "radius_km": "1"}, {"beach_dog.jpg", "beach.jpg"}),
        ({"lat": "43.4674", "lon": "11.8851", "radius_km": "0.1"}, {"beach_dog.jpg"}),
        ({"lat": "51.5", "lon": "-0.12", "radius_km": "5"}, {"dogs.jpg"}),
        ({"q": "dog", "has_location": "on", "date_from": "2025-01-01"}, {"dogs.jpg"}),
        ({"q": "beach", "camera": "nikon", "lat": "43.47", "lon": "11.88"}, {"beach.jpg"}),
    ],
)
def test_search_filters(owner_client, library, params, expected):
    assert _search(owner_client, **params) == expected


@pytest.mark.parametrize(
    "lat,lon,radius_km,expected",
    [
        # Either side of the ±180° meridian, 1.9 km apart: both found from either one.
        ("-16.8", "179.99", "10", {"east.jpg", "west.jpg"}),
        ("-16.8", "-179.99", "10", {"east.jpg", "west.jpg"}),
        ("-16.8", "179.99", "1", {"east.jpg"}),
        ("-16.8", "-179.99", "1", {"west.jpg"}),
        ("-16.8", "0", "10", {"greenwich.jpg"}),  # and nothing from the other side
    ],
)
def test_near_a_place_across_the_date_line(owner_client, album, lat, lon, radius_km, expected):
    common = {"taken_at": datetime(2024, 1, 1, tzinfo=UTC)}
    _photo(album, "east.jpg", latitude=-16.8, longitude=179.995, **common)
    _photo(album, "west.jpg", latitude=-16.8, longitude=-179.987, **common)
    _photo(album, "greenwich.jpg", latitude=-16.8, longitude=0.005, **common)
    assert _search(owner_client, lat=lat, lon=lon, radius_km=radius_km) == expected


@pytest.mark.parametrize("params", [{"q": "cat"}, {"text": "nowhere"}, {"camera": "leica"}])
def test_a_search_that_finds_nothing_says_so(owner_client, library, params):
    html = owner_client.get(reverse("albums:search"), params).content.decode()
    assert "0 photos found" in html and "Nothing matches all of that" in html


def test_search_by_album(owner_client, library):
    album_id = library["dogs_home"].albums.get().id
    assert _search(owner_client, album=str(album_id)) == {"dogs.jpg", "scan.png"}
    assert _search(owner_client, album=str(album_id), q="doc") == {"scan.png"}


def test_another_users_album_is_not_a_choice(owner_client, library):
    response = owner_client.get(
        reverse("albums:search"), {"album": library["theirs"].albums.get().id}
    )
    assert response.context["form"].errors["album"]
    assert not response.context["photos"]


def test_search_never_shows_other_peoples_photos(owner_client, library):
    assert "theirs.jpg" not in _search(owner_client, q="dog")
    assert "theirs.jpg" not in _search(owner_client, lat="43.47", lon="11.88", radius_km="50")


def test_the_form_remembers_its_terms(owner_client, library):
    html = owner_client.get(reverse("albums:search"), {"q": "dog beach", "camera": "canon"})
    html = html.content.decode()
    assert 'value="dog beach"' in html and 'value="canon"' in html
    assert "1 photo found" in html


def test_latitude_without_longitude_is_explained(owner_client, library):
    response = owner_client.get(reverse("albums:search"), {"lat": "43"})
    assert "Give both a latitude and a longitude" in response.content.decode()


def test_label_links_on_the_photo_page_lead_to_search(owner_client, library):
    photo = library["beach_dog"]
    html = owner_client.get(reverse("albums:photo", kwargs={"photo_id": photo.id})).content
    assert b'href="/search/?q=Dog"' in html


def test_search_results_are_paginated_and_keep_terms(owner_client, user, make_album, settings):
    settings.ALBUM_PAGE_SIZE = 2
    album = make_album(user, title="Many")
    for i in range(5):
        _photo(album, f"d{i}.jpg", labels=["Dog"])
    page3 = owner_client.get(reverse("albums:search"), {"q": "dog", "page": 3})
    assert len(page3.context["photos"]) == 1
    assert 'href="?q=dog&amp;page=2"' in page3.content.decode()


@pytest.mark.parametrize("extra", [0, 60])
def test_search_page_query_count(owner_client, library, user, make_album, extra):
    album = make_album(user, title="Bulk")
    for i in range(extra):
        _photo(album, f"bulk{i}.jpg", labels=["Dog"])
    with CaptureQueriesContext(connection) as ctx:
        owner_client.get(reverse("albums:search"), {"q": "dog beach", "has_location": "on"})
    # session, user, album choices, the label ids of "dog" and of "beach", the matching ids
    # up to the cap (the count, and the page's ids), those photos, their grid renditions,
    # the albums the selection bar can add to
    assert len(ctx.captured_queries) == 9


def test_huge_result_sets_say_more_than_the_cap(
    owner_client, user, make_album, settings, monkeypatch
):
    from albums import views

    monkeypatch.setattr(views, "SEARCH_COUNT_CAP", 3)
    settings.ALBUM_PAGE_SIZE = 2
    album = make_album(user, title="Many")
    for i in range(5):
        _photo(album, f"d{i}.jpg", labels=["Dog"])
    html = owner_client.get(reverse("albums:search"), {"q": "dog"}).content.decode()
    assert "More than 3 photos found" in html
    assert "Page 1<" in html and "Page 1 of" not in html
    assert 'href="?q=dog&amp;page=2"' in html


@pytest.mark.parametrize("cap", [3, 1000])
@pytest.mark.parametrize("q", ["dogs", "dog", "dog dogs"])
def test_pages_follow_each_other_in_order(
    owner_client, user, make_album, settings, monkeypatch, cap, q
):
    """Every page lists the next photos, once each. A capped count (3: four ids read)
    pages through what it read; nobody pages past a thousand, they narrow the search."""
    from albums import views

    monkeypatch.setattr(views, "SEARCH_COUNT_CAP", cap)
    settings.ALBUM_PAGE_SIZE = 2
    album = make_album(user, title="Pages")
    for day in range(1, 6):
        _photo(
            album, f"{day}.jpg", labels=["Dog", "Dogs"], taken_at=datetime(2024, 1, day, tzinfo=UTC)
        )
    pages = [_ordered(owner_client, q=q, page=n) for n in (1, 2, 3)]
    last = ["1.jpg"] if cap == 1000 else ["3.jpg", "2.jpg"]  # page 3 of 2 is the last page
    assert pages == [["5.jpg", "4.jpg"], ["3.jpg", "2.jpg"], last]


def _ordered(client, **params) -> list[str]:
    return [p.original_name for p in client.get(reverse("albums:search"), params).context["photos"]]


def test_every_kind_of_search_lists_newest_taken_first_and_undated_last(
    owner_client, user, make_album
):
    album = make_album(user, title="Order")
    undated_older = _photo(album, "undated_older.jpg", labels=["Dog", "Dogs"], camera_make="Sony")
    _photo(album, "undated_newer.jpg", labels=["Dog", "Dogs"], camera_make="Sony")
    Photo.objects.filter(pk=undated_older.pk).update(created_at=datetime(2020, 1, 1, tzinfo=UTC))
    PhotoLabel.objects.filter(photo=undated_older).update(
        photo_created_at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    for name, day in (("2019.jpg", 2019), ("2023.jpg", 2023), ("2021.jpg", 2021)):
        _photo(
            album,
            name,
            labels=["Dog", "Dogs"],
            camera_make="Sony",
            taken_at=datetime(day, 6, 1, tzinfo=UTC),
        )
    expected = ["2023.jpg", "2021.jpg", "2019.jpg", "undated_newer.jpg", "undated_older.jpg"]
    assert _ordered(owner_client, q="dogs") == expected  # one label
    assert _ordered(owner_client, q="dog") == expected  # a prefix of two labels, each once
    assert _ordered(owner_client, q="dog dogs") == expected  # two terms
    assert _ordered(owner_client, q="dog", camera="sony") == expected  # with a photo filter
    assert _ordered(owner_client, camera="sony") == expected  # no label: Photo's own order


def test_a_photo_matching_a_prefix_twice_counts_once(owner_client, user, make_album, settings):
    settings.ALBUM_PAGE_SIZE = 2
    album = make_album(user, title="Twice")
    for i in range(3):
        _photo(album, f"d{i}.jpg", labels=["Dog", "Dogs", "Doghouse"])
    first = owner_client.get(reverse("albums:search"), {"q": "dog"})
    assert "3 photos found" in first.content.decode()
    second = owner_client.get(reverse("albums:search"), {"q": "dog", "page": 2})
    names = [p.original_name for p in first.context["photos"] + second.context["photos"]]
    assert sorted(names) == ["d0.jpg", "d1.jpg", "d2.jpg"]
