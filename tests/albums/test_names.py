"""Hostile file names: shown safely, never part of a storage key or a raw header."""

import pytest
from django.urls import reverse

from albums.models import Photo
from albums.names import clean_file_name

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "raw,clean",
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\photo.jpg", "photo.jpg"),
        ("evil\r\nSet-Cookie: x=1.jpg", "evilSet-Cookie: x=1.jpg"),
        ("tab\there.png", "tabhere.png"),
        ("photo\u202egpj.exe", "photogpj.exe"),  # right-to-left override removed
        ("\u200fmark.jpg", "mark.jpg"),
        ("..", "unnamed"),
        ("", "unnamed"),
        ("Cafe\u0301.jpg", "Café.jpg"),
    ],
)
def test_clean_file_name(raw, clean):
    assert clean_file_name(raw) == clean


def test_long_names_are_shortened_keeping_the_extension():
    name = clean_file_name("a" * 300 + ".jpeg")
    assert len(name) == 255 and name.endswith("….jpeg")


HOSTILE = [
    "../../../../etc/passwd.jpg",
    "<script>alert('x')</script>.jpg",
    "bad\x00\x07\x1bname.jpg",
    "line\r\nContent-Type: text/html.jpg",
    "x" * 300 + ".jpg",
    "\u202eexe.jpg",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_never_reach_keys_headers_or_pages_unescaped(
    owner_client, album, user, name, settings, broker
):
    start = owner_client.post(
        reverse("albums:upload_start", kwargs={"album_id": album.id}),
        {"name": name, "size": 100, "type": "image/jpeg"},
    )
    assert start.status_code == 201
    photo = Photo.objects.get(pk=start.json()["photo"]["id"])
    assert photo.original.name == f"originals/{photo.id.hex}.jpg"
    owner_client.post(start.json()["url"], {"file": _jpeg()})
    photo.refresh_from_db()
    assert photo.status == Photo.Status.QUEUED

    page = owner_client.get(reverse("albums:detail", kwargs={"album_id": album.id}))
    assert "<script>alert" not in page.content.decode()
    download = owner_client.get(reverse("albums:photo_original", kwargs={"photo_id": photo.id}))
    disposition = download["Content-Disposition"]
    assert download.status_code == 200
    assert disposition.startswith("attachment")
    assert "\r" not in disposition and "\n" not in disposition and "\x00" not in disposition
    assert "/" not in photo.original_name


def _jpeg():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.support.corpus import corpus_file

    return SimpleUploadedFile("x.jpg", corpus_file("good", "Canon_40D.jpg").read_bytes())
