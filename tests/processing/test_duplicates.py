"""Duplicates: the same bytes twice in a library are marked, linked, and never dropped."""

import shutil

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from albums.models import Photo
from processing import tasks
from tests.support.corpus import corpus_file

pytestmark = pytest.mark.django_db(transaction=True)


def _process(album, make_photo, run_pipeline, name):
    photo = make_photo(album, corpus_file("good", name))
    tasks.send("ingest", photo.id)
    run_pipeline()
    photo.refresh_from_db()
    return photo


def test_a_second_copy_is_marked_as_a_duplicate_of_the_first(
    album, make_album, user, make_photo, run_pipeline, owner_client
):
    first = _process(album, make_photo, run_pipeline, "hopper.png")
    elsewhere = make_album(user, title="Elsewhere")
    second = _process(elsewhere, make_photo, run_pipeline, "hopper.png")
    other = _process(album, make_photo, run_pipeline, "hopper.webp")

    assert first.duplicate_of_id is None and other.duplicate_of_id is None
    assert second.duplicate_of_id == first.id
    assert second.status == Photo.Status.READY  # marked, not dropped
    html = owner_client.get(reverse("albums:photo", kwargs={"photo_id": second.id})).content
    assert f'href="/photos/{first.id}/"'.encode() in html and b"Duplicate of" in html


def test_the_same_bytes_in_another_users_library_are_not_a_duplicate(
    album, make_album, other_user, make_photo, run_pipeline
):
    _process(album, make_photo, run_pipeline, "hopper.png")
    theirs = _process(make_album(other_user), make_photo, run_pipeline, "hopper.png")
    assert theirs.duplicate_of_id is None


def test_a_copy_hashed_before_the_original_is_still_marked(album, make_photo, run_pipeline):
    first = make_photo(album, corpus_file("good", "hopper.png"))
    second = make_photo(album, corpus_file("good", "hopper.png"))
    tasks.send("ingest", second.id)  # the later upload finishes first
    run_pipeline()
    tasks.send("ingest", first.id)
    run_pipeline()
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.duplicate_of_id == first.id and first.duplicate_of_id is None


def test_import_skip_duplicates_lists_what_it_left_out(user, tmp_path, settings, capsys):
    from processing.pipeline import stop_embedded_worker

    settings.EMBEDDED_WORKER_AUTOSTART = True
    for name in ("hopper.png", "Canon_40D.jpg"):
        shutil.copy(corpus_file("good", name), tmp_path / name)
    shutil.copy(corpus_file("good", "hopper.png"), tmp_path / "hopper-copy.png")
    try:
        call_command(
            "import_photos",
            str(tmp_path),
            "--user",
            user.email,
            "--album",
            "Trip",
            "--skip-duplicates",
        )
        out = capsys.readouterr().out
        assert "hopper.png: already in your library" in out and "earlier in this import" in out
        assert Photo.objects.filter(owner=user).count() == 2

        call_command(
            "import_photos",
            str(tmp_path),
            "--user",
            user.email,
            "--album",
            "Again",
            "--skip-duplicates",
        )
        out = capsys.readouterr().out
        assert out.count("already in your library") == 3
        assert Photo.objects.filter(owner=user).count() == 2
    finally:
        stop_embedded_worker()


def test_import_without_the_flag_keeps_and_marks_duplicates(user, tmp_path, settings):
    from processing.pipeline import stop_embedded_worker

    settings.EMBEDDED_WORKER_AUTOSTART = True
    shutil.copy(corpus_file("good", "hopper.png"), tmp_path / "a.png")
    shutil.copy(corpus_file("good", "hopper.png"), tmp_path / "b.png")
    try:
        call_command("import_photos", str(tmp_path), "--user", user.email, "--album", "Trip")
    except CommandError:
        pytest.fail("duplicates are not errors")
    finally:
        stop_embedded_worker()
    photos = list(Photo.objects.filter(owner=user).order_by("original_name"))
    assert [p.status for p in photos] == [Photo.Status.READY] * 2
    assert sum(p.duplicate_of_id is not None for p in photos) == 1
