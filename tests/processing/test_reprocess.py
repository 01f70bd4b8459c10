"""`manage.py reprocess`: from the database alone, all steps or one, with a dry run."""

import io

import pytest
from django.core.management import CommandError, call_command

from albums.models import Photo, Rendition
from processing import tasks
from tests.support.corpus import corpus_file

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ready_photo(album, make_photo, run_pipeline):
    photo = make_photo(album, corpus_file("good", "gps_DSCN0010.jpg"))
    tasks.send("ingest", photo.id)
    run_pipeline()
    photo.refresh_from_db()
    assert photo.status == Photo.Status.READY
    return photo


def test_dry_run_changes_nothing(ready_photo, capsys, broker):
    call_command("reprocess", "--status", "ready", "--dry-run")
    out = capsys.readouterr().out
    assert f"would reprocess {ready_photo.id}" in out
    assert "Would reprocess 1 photo(s): all steps." in out
    ready_photo.refresh_from_db()
    assert ready_photo.status == Photo.Status.READY
    assert all(broker.queues[q].qsize() == 0 for q in broker.queues)


def test_failed_photos_come_back_ready(ready_photo, run_pipeline):
    Photo.objects.filter(pk=ready_photo.pk).update(
        status=Photo.Status.FAILED, status_reason="ConnectionError"
    )
    ready_photo.steps.filter(step="labels").update(status="failed", reason="ConnectionError")
    call_command("reprocess", "--status", "failed")
    run_pipeline()
    ready_photo.refresh_from_db()
    assert ready_photo.status == Photo.Status.READY
    assert ready_photo.status_reason == ""
    required = ready_photo.steps.filter(step__in=("ingest", "labels"))
    assert set(required.values_list("status", "reason")) == {("done", "")}


@pytest.mark.parametrize("step", [None, "ingest", "labels"])
def test_on_a_laptop_the_command_sees_its_photos_through(ready_photo, embedded_worker, step):
    """With the in-process broker the work ends with the command: it waits, then reports."""
    out = io.StringIO()
    call_command(
        "reprocess", "--photo", str(ready_photo.id), *(["--step", step] if step else []), stdout=out
    )
    ready_photo.refresh_from_db()
    assert ready_photo.status == Photo.Status.READY  # no worker left to finish it later
    assert Rendition.objects.filter(photo=ready_photo).count() == 2
    assert "Reprocessed: 1 ready." in out.getvalue()


def test_the_first_step_on_its_own_renders_anew(ready_photo, run_pipeline):
    before = set(Rendition.objects.filter(photo=ready_photo).values_list("id", flat=True))
    call_command("reprocess", "--photo", str(ready_photo.id), "--step", "ingest")
    run_pipeline()
    ready_photo.refresh_from_db()
    after = set(Rendition.objects.filter(photo=ready_photo).values_list("id", flat=True))
    assert ready_photo.status == Photo.Status.READY
    assert len(after) == 2 and not before & after


def test_selection_by_album_user_and_since(ready_photo, make_album, other_user, capsys):
    call_command(
        "reprocess",
        "--album",
        "Holiday",
        "--user",
        "owner@example.com",
        "--since",
        "2000-01-01",
        "--dry-run",
    )
    assert "Would reprocess 1 photo(s)" in capsys.readouterr().out
    call_command("reprocess", "--album", "Elsewhere", "--dry-run")
    assert "Would reprocess 0 photo(s)" in capsys.readouterr().out
    call_command("reprocess", "--since", "2999-01-01", "--dry-run")
    assert "Would reprocess 0 photo(s)" in capsys.readouterr().out


def test_bad_arguments_are_explained(db):
    with pytest.raises(CommandError, match="Not a photo id"):
        call_command("reprocess", "--photo", "nope")
    with pytest.raises(CommandError, match="--since must be a date"):
        call_command("reprocess", "--since", "yesterday-ish")
