"""The Photos page: the user's library by the camera's day, month headings, pages that follow
each other by keyset, a jump to a month, and a fixed query count whatever the library."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from albums.models import Photo
from albums.services import photos_trash
from tests.support.photos import bulk_renditions

pytestmark = pytest.mark.django_db
URL = reverse("albums:timeline")


def _photo(owner, name, taken_at=None, offset="", status=Photo.Status.READY, **fields):
    return Photo.objects.create(
        owner=owner,
        original_name=name,
        status=status,
        taken_at=taken_at,
        taken_at_offset=offset,
        **fields,
    )


def _names(response) -> list[str]:
    return re.findall(r'alt="([^"]+)"|aria-label="([^"]+\.jpg)"', response.content.decode())


def _shown(response) -> list[str]:
    return [p.original_name for day in response.context["days"] for p in day.photos]


def test_home_is_the_timeline_for_a_signed_in_user(owner_client):
    assert owner_client.get("/").url == URL


def test_days_follow_the_cameras_clock_and_sit_under_their_month(owner_client, user):
    # 23:30 at -05:00 on 31 July is 04:30 UTC on 1 August: the camera saw 31 July.
    _photo(user, "evening.jpg", datetime(2024, 8, 1, 4, 30, tzinfo=UTC), "-05:00")
    _photo(user, "august.jpg", datetime(2024, 8, 2, 9, tzinfo=UTC), "+02:00")
    _photo(user, "morning.jpg", datetime(2024, 7, 31, 7, tzinfo=UTC))  # no offset: wall clock
    _photo(user, "undated.jpg")

    response = owner_client.get(URL)

    days = response.context["days"]
    assert [(d.day and d.day.isoformat(), [p.original_name for p in d.photos]) for d in days] == [
        ("2024-08-02", ["august.jpg"]),
        ("2024-07-31", ["evening.jpg", "morning.jpg"]),
        (None, ["undated.jpg"]),
    ]
    html = response.content.decode()
    headings = re.findall(r'<h2 class="timeline-month"[^>]*>([^<]+)</h2>', html)
    assert headings == ["August 2024", "July 2024", "No date taken"]
    assert re.findall(r'<time datetime="([\d-]+)">([^<]+)</time> <span', html) == [
        ("2024-08-02", "Fri 2 Aug"),
        ("2024-07-31", "Wed 31 Jul"),
    ]


def test_only_the_users_finished_photos_out_of_the_trash(owner_client, user, other_user):
    _photo(user, "mine.jpg", datetime(2024, 1, 1, tzinfo=UTC))
    _photo(user, "failed.jpg", datetime(2024, 1, 2, tzinfo=UTC), status=Photo.Status.FAILED)
    _photo(user, "arriving.jpg", status=Photo.Status.UPLOADING)
    trashed = _photo(user, "trashed.jpg", datetime(2024, 1, 3, tzinfo=UTC))
    photos_trash(photos=Photo.objects.filter(pk=trashed.pk))
    _photo(other_user, "theirs.jpg", datetime(2024, 1, 4, tzinfo=UTC))

    assert _shown(owner_client.get(URL)) == ["failed.jpg", "mine.jpg"]


def test_pages_follow_each_other_without_repeats_or_gaps(owner_client, user, settings):
    settings.ALBUM_PAGE_SIZE = 4
    start = datetime(2024, 3, 1, 12, tzinfo=UTC)
    for number in range(10):  # two a day over five days, then two undated
        _photo(user, f"p{number}.jpg", start - timedelta(hours=12 * number))
    for number in range(2):
        _photo(user, f"undated{number}.jpg")

    seen, url, headed_days = [], URL, []
    for _ in range(5):
        response = owner_client.get(url, headers={"HX-Request": "true"} if seen else {})
        seen += _shown(response)
        headed_days += [d.day for d in response.context["days"] if d.new_day]
        url = response.context["next_url"]
        if url is None:
            break
    assert seen == [f"p{n}.jpg" for n in range(10)] + ["undated1.jpg", "undated0.jpg"]
    assert len(headed_days) == len(set(headed_days)), "a day split over pages has one heading"


def test_a_later_page_is_only_the_next_days_for_htmx(owner_client, user, settings):
    settings.ALBUM_PAGE_SIZE = 1
    _photo(user, "new.jpg", datetime(2024, 5, 2, tzinfo=UTC))
    _photo(user, "old.jpg", datetime(2024, 5, 1, tzinfo=UTC))
    first = owner_client.get(URL)
    assert 'hx-trigger="revealed"' in first.content.decode()

    fragment = owner_client.get(first.context["next_url"], headers={"HX-Request": "true"})
    assert "<html" not in fragment.content.decode() and _shown(fragment) == ["old.jpg"]
    plain = owner_client.get(first.context["next_url"])  # without JavaScript: a whole page
    assert "<html" in plain.content.decode() and _shown(plain) == ["old.jpg"]


def test_jump_to_a_month_starts_there_and_the_index_counts_each_month(owner_client, user):
    for day in (1, 2):
        _photo(user, f"june{day}.jpg", datetime(2023, 6, day, tzinfo=UTC))
    _photo(user, "may.jpg", datetime(2023, 5, 9, tzinfo=UTC))
    _photo(user, "later.jpg", datetime(2024, 1, 9, tzinfo=UTC))

    page = owner_client.get(URL)
    assert [(m["month"].isoformat(), m["count"]) for m in page.context["months"]] == [
        ("2024-01-01", 1),
        ("2023-06-01", 2),
        ("2023-05-01", 1),
    ]
    assert f'href="{URL}?month=2023-06"' in page.content.decode()

    jumped = owner_client.get(URL, {"month": "2023-06"})
    assert _shown(jumped) == ["june2.jpg", "june1.jpg", "may.jpg"]
    assert "Back to the newest" in jumped.content.decode()
    assert _shown(owner_client.get(URL, {"month": "nonsense"}))[0] == "later.jpg"


def test_someone_elses_photo_id_as_a_position_shows_nothing_of_theirs(
    owner_client, user, other_user
):
    theirs = _photo(other_user, "theirs.jpg", datetime(2024, 1, 4, tzinfo=UTC))
    _photo(user, "mine.jpg", datetime(2024, 1, 1, tzinfo=UTC))
    response = owner_client.get(URL, {"after": str(theirs.pk)})
    assert _shown(response) == ["mine.jpg"]


def test_a_photo_opened_from_the_timeline_steps_through_it(owner_client, user, make_album):
    album = make_album(user, title="Elsewhere")
    newer = _photo(user, "newer.jpg", datetime(2024, 2, 2, tzinfo=UTC))
    middle = _photo(user, "middle.jpg", datetime(2024, 2, 1, tzinfo=UTC))
    older = _photo(user, "older.jpg", datetime(2024, 1, 1, tzinfo=UTC))
    from tests.support.photos import add_to_album

    add_to_album(album, [middle, older])  # added after it: first in "recently added"

    page = owner_client.get(reverse("albums:photo", kwargs={"photo_id": middle.pk}))
    assert (page.context["previous"], page.context["next"]) == (newer, older)
    in_album = owner_client.get(
        reverse("albums:photo", kwargs={"photo_id": middle.pk}), {"album": str(album.pk)}
    )
    assert (in_album.context["previous"], in_album.context["next"]) == (older, None)


def _fill(owner, count):
    start = datetime(2020, 1, 1, tzinfo=UTC)
    photos = Photo.objects.bulk_create(
        Photo(
            owner=owner,
            original_name=f"p{i}.jpg",
            status=Photo.Status.READY,
            taken_at=start + timedelta(hours=7 * i),
        )
        for i in range(count)
    )
    bulk_renditions(photos)
    return photos


# session, user, the photos (one more than a page), their grid renditions, the month index,
# the albums the selection bar can add to; a later page (htmx) reads the position's keys
# first and leaves the index and the bar out.
TIMELINE_QUERIES = 6
LATER_PAGE_QUERIES = 5


@pytest.mark.parametrize("count", [10, 500])
def test_timeline_query_count(owner_client, user, count, settings, django_assert_num_queries):
    settings.ALBUM_PAGE_SIZE = 8
    photos = _fill(user, count)
    with django_assert_num_queries(TIMELINE_QUERIES):
        assert owner_client.get(URL).status_code == 200
    middle = photos[count // 2]
    with django_assert_num_queries(LATER_PAGE_QUERIES):
        response = owner_client.get(URL, {"after": str(middle.pk)}, headers={"HX-Request": "1"})
    assert len(_shown(response)) == min(8, count // 2)  # the older half follows it
    with django_assert_num_queries(TIMELINE_QUERIES):
        assert owner_client.get(URL, {"month": "2020-01"}).status_code == 200
