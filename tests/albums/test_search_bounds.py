"""What one search may cost is bounded: repeated words count once, at most MAX_TERMS words,
each of at least MIN_PREFIX letters standing for at most MAX_LABELS_PER_TERM labels, and
the page says what it left out."""

import itertools
import string

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from albums.models import Label, Photo, PhotoLabel
from albums.search import MAX_LABELS_PER_TERM, MAX_TERMS
from tests.support.photos import add_to_album

pytestmark = pytest.mark.django_db


@pytest.fixture
def dog_photo(album):
    photo = Photo.objects.create(
        owner=album.owner, original_name="dog.jpg", status=Photo.Status.READY
    )
    add_to_album(album, [photo])
    for name in ("Dog", "Beach"):
        label, _ = Label.objects.get_or_create(name=name)
        PhotoLabel.objects.create(photo=photo, label=label, kind="label", confidence=90)
    return photo


def search(client, **params):
    response = client.get(reverse("albums:search"), params)
    assert response.status_code == 200
    return response


def test_a_word_repeated_in_any_case_or_accent_is_one_term(owner_client, dog_photo):
    response = search(owner_client, q="dog Dog DOG dög beach")

    assert [p.pk for p in response.context["photos"]] == [dog_photo.pk]
    assert response.context["form"].cleaned_data["q"] == "dog beach"
    assert response.context["notes"] == []


def test_words_past_the_cap_are_left_out_and_the_page_says_so(owner_client, dog_photo):
    words = ["dog", "beach"] + [f"w{i}" for i in range(MAX_TERMS)]

    response = search(owner_client, q=" ".join(words[::-1]))  # the cap keeps the first ones

    assert response.context["form"].cleaned_data["q"].split() == words[::-1][:MAX_TERMS]
    note = f"Searched for the first {MAX_TERMS} label words; left out: “beach”, “dog”."
    assert note in response.content.decode()


def test_a_one_letter_word_is_refused_with_the_reason(owner_client, dog_photo):
    response = search(owner_client, q="d beach")

    assert "Each of the label words needs at least 2 letters: “d”." in response.content.decode()
    assert response.context["page"] is None


def test_a_prefix_matching_too_many_labels_says_so(owner_client, dog_photo):
    Label.objects.bulk_create(
        [Label.named(f"dog breed {i}") for i in range(MAX_LABELS_PER_TERM + 5)]
    )

    response = search(owner_client, q="dog")

    assert f"“dog” matches more than {MAX_LABELS_PER_TERM:,} labels" in response.content.decode()


def test_a_hundred_terms_on_a_large_label_table_stay_cheap(owner_client, dog_photo):
    # 66 two-letter prefixes, each standing for ~600 of 40,000 labels: unbounded, their
    # label ids were ~80,000 SQL variables and a grouping of every matching entry.
    prefixes = ["".join(p) for p in itertools.product("abcdefghijk", "abcdef")]
    Label.objects.bulk_create(
        [Label.named(f"{prefixes[i % 66]}{i:05d}") for i in range(40_000)], batch_size=5000
    )
    query = " ".join(prefixes)
    assert len(query) <= 200 and len(set(string.ascii_lowercase) & set(query)) > 10

    with CaptureQueriesContext(connection) as queries:
        response = search(owner_client, q=query)

    assert response.context["page"] is not None
    assert f"Searched for the first {MAX_TERMS} label words" in response.content.decode()
    # Each label id is written twice at most (the filter and the count), ~7 characters each.
    longest = max(len(q["sql"]) for q in queries.captured_queries)
    assert longest < 2 * MAX_TERMS * MAX_LABELS_PER_TERM * 8, longest
