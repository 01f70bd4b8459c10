"""Every step is idempotent: run twice, delivered twice, or run concurrently, a photo ends
with one set of results — two renditions, one set of labels, no orphaned files — and moves
to `ready` exactly once."""

import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from PIL import Image

from albums.models import Photo, PhotoLabel, Rendition
from albums.storage import rendition_key
from processing import runner, tasks
from processing.reprocess import photo_reprocess
from processing.stages import ingest as ingest_stage
from tests.support.corpus import corpus_file

pytestmark = pytest.mark.django_db(transaction=True)

FILE = "gps_DSCN0010.jpg"


def stored_renditions(photo: Photo) -> set[str]:
    """Every rendition file in storage for this photo (MEDIA_ROOT/renditions/<id>/)."""
    folder = Path(settings.MEDIA_ROOT) / "renditions" / photo.id.hex
    return {
        str(path.relative_to(settings.MEDIA_ROOT)) for path in folder.rglob("*") if path.is_file()
    }


def referenced_renditions(photo: Photo) -> set[str]:
    return set(Rendition.objects.filter(photo=photo).values_list("file", flat=True))


def content_keys(photo: Photo) -> set[str]:
    """Where the renditions of the photo's current content belong: keyed on its hash."""
    photo = Photo.objects.get(pk=photo.pk)
    return {
        rendition_key(photo_id=photo.id, spec=spec, source_sha256=photo.sha256, ext="webp")
        for spec in ("grid", "preview")
    }


def assert_one_set_of_results(photo: Photo, *, labels: int | None = None) -> None:
    photo.refresh_from_db()
    assert photo.status == Photo.Status.READY, photo.status_reason
    assert photo.status_reason == "" and photo.settled_at is not None
    assert sorted(Rendition.objects.filter(photo=photo).values_list("spec", flat=True)) == [
        "grid",
        "preview",
    ]
    assert stored_renditions(photo) == referenced_renditions(photo) == content_keys(photo)
    label_rows = PhotoLabel.objects.filter(photo=photo).exclude(kind=PhotoLabel.Kind.PLACE)
    assert label_rows.exists()
    if labels is not None:
        assert label_rows.count() == labels
    # Text is off in the tests (tests/settings.py) and places need GPS: both may skip.
    outcomes = set(
        photo.events.exclude(step__in=("text", "places")).values_list("outcome", flat=True)
    )
    assert outcomes <= {"done"}, outcomes


def run_ingest(photo_id) -> list[str]:
    return runner.run_step(step_name="ingest", photo_id=photo_id)


def run_labels(photo_id) -> list[str]:
    return runner.run_step(step_name="labels", photo_id=photo_id)


def step_status(photo: Photo, step: str) -> str:
    return photo.steps.get(step=step).status


def run_steps_once(photo: Photo) -> int:
    """The pipeline, called in order in this thread; returns the number of labels."""
    assert run_ingest(photo.id) == ["labels", "text", "places"]
    run_labels(photo.id)
    return PhotoLabel.objects.filter(photo=photo).count()


def run_concurrently(*calls) -> None:
    """Start every call in its own thread at the same moment; re-raise the first error."""
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(call):
        try:
            barrier.wait(timeout=10)
            call()
        except BaseException as exc:  # noqa: BLE001  (re-raised in the test's thread)
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    if errors:
        raise errors[0]


@pytest.fixture
def photo(album, make_photo):
    return make_photo(album, corpus_file("good", FILE))


@pytest.fixture
def label_count(album, make_photo):
    """How many labels one clean run gives this file (the local detector is deterministic)."""
    return run_steps_once(make_photo(album, corpus_file("good", FILE)))


def test_each_step_run_twice_leaves_one_set_of_results(photo, label_count):
    assert run_ingest(photo.id) == ["labels", "text", "places"]
    first = referenced_renditions(photo)
    assert run_ingest(photo.id) == [
        "labels",
        "text",
        "places",
    ]  # a redelivery still passes the fan-out on
    assert referenced_renditions(photo) == first
    run_labels(photo.id)
    run_labels(photo.id)

    assert_one_set_of_results(photo, labels=label_count)


def test_the_same_message_delivered_twice_leaves_one_set(photo, label_count, run_pipeline):
    tasks.send("ingest", photo.id)
    tasks.send("ingest", photo.id)
    run_pipeline()

    assert_one_set_of_results(photo, labels=label_count)


def test_concurrent_ingests_keep_one_row_and_one_file_per_spec(photo, monkeypatch):
    # Both threads must really render (neither finds the other's output and skips):
    # hold each one, after rendering, until the other has rendered too.
    rendered = threading.Barrier(2)
    real_ingest = ingest_stage.ingest

    def ingest_then_wait(*args, **kwargs):
        result = real_ingest(*args, **kwargs)
        rendered.wait(timeout=10)
        return result

    monkeypatch.setattr(ingest_stage, "ingest", ingest_then_wait)

    run_concurrently(lambda: run_ingest(photo.id), lambda: run_ingest(photo.id))

    assert Rendition.objects.filter(photo=photo).count() == 2
    assert stored_renditions(photo) == referenced_renditions(photo) == content_keys(photo)
    photo.refresh_from_db()
    assert step_status(photo, "ingest") == "done" and photo.status == Photo.Status.PROCESSING


def test_a_leftover_file_of_a_run_that_died_is_replaced_not_kept_beside(photo):
    run_ingest(photo.id)
    # A worker died after writing the grid file but before committing its row.
    grid_key = next(key for key in content_keys(photo) if "/grid-" in key)
    default_storage.delete(grid_key)
    default_storage.save(grid_key, ContentFile(b"RIFF half a webp"))
    photo_reprocess(photo=Photo.objects.get(pk=photo.pk))
    Rendition.objects.filter(photo=photo).delete()  # its row never committed

    run_ingest(photo.id)

    assert stored_renditions(photo) == referenced_renditions(photo) == content_keys(photo)
    with default_storage.open(grid_key, "rb") as fp, Image.open(fp) as image:
        assert image.format == "WEBP" and max(image.size) == 400


def test_concurrent_steps_move_the_photo_to_ready_exactly_once(
    photo, label_count, monkeypatch, extra_step
):
    """Labels and a second required step finish at the same moment, each delivered twice."""
    run_ingest(photo.id)
    completions = []
    real_complete = runner.photo_complete_if_done

    def spy(*, photo_id):
        completions.append(real_complete(photo_id=photo_id))
        return completions[-1]

    monkeypatch.setattr(runner, "photo_complete_if_done", spy)

    run_concurrently(
        lambda: runner.run_step(step_name=extra_step.name, photo_id=photo.id),
        lambda: runner.run_step(step_name=extra_step.name, photo_id=photo.id),
        lambda: run_labels(photo.id),
        lambda: run_labels(photo.id),
    )

    assert completions.count(True) == 1, completions
    assert_one_set_of_results(photo, labels=label_count)
    settled_at = Photo.objects.get(pk=photo.pk).settled_at
    run_ingest(photo.id)  # late redeliveries change nothing
    run_labels(photo.id)
    assert Photo.objects.get(pk=photo.pk).settled_at == settled_at


def test_reprocessing_a_ready_photo_skips_renditions_it_already_has(
    photo, run_pipeline, monkeypatch
):
    labels = run_steps_once(photo)
    before = {r.spec: (r.pk, r.file.name) for r in Rendition.objects.filter(photo=photo)}
    written = {name: default_storage.get_modified_time(name) for name in content_keys(photo)}
    renders = []
    real_render = ingest_stage.ingest

    def counting_render(*args, **kwargs):
        if kwargs.get("render", True):
            renders.append(args)
        return real_render(*args, **kwargs)

    monkeypatch.setattr(ingest_stage, "ingest", counting_render)

    photo_reprocess(photo=Photo.objects.get(pk=photo.pk))
    run_pipeline()

    assert_one_set_of_results(photo, labels=labels)
    after = {r.spec: (r.pk, r.file.name) for r in Rendition.objects.filter(photo=photo)}
    assert after == before  # same rows, same file names
    assert renders == []  # the same content hash: metadata read again, nothing rendered
    assert {name: default_storage.get_modified_time(name) for name in written} == written


def test_reprocessing_a_replaced_original_replaces_its_renditions(photo, run_pipeline):
    run_steps_once(photo)
    old_files = stored_renditions(photo)
    # The original changes under the same key (an operator restored another file, say).
    default_storage.delete(photo.original.name)
    replacement = corpus_file("good", "Fujifilm_FinePix_E500.jpg").read_bytes()
    assert default_storage.save(photo.original.name, ContentFile(replacement)) == (
        photo.original.name
    )

    photo_reprocess(photo=Photo.objects.get(pk=photo.pk))
    run_pipeline()

    assert_one_set_of_results(photo)
    photo.refresh_from_db()
    assert (photo.width, photo.height) == (59, 100)  # a portrait now
    assert not (stored_renditions(photo) & old_files)  # the old renditions are gone
    for rendition in Rendition.objects.filter(photo=photo):
        assert rendition.source_sha256 == photo.sha256
        assert rendition.width < rendition.height


@pytest.mark.parametrize("step", ["ingest", "labels"])
def test_a_photo_deleted_while_a_step_runs_leaves_no_files_and_no_error(photo, monkeypatch, step):
    """The owner deletes the photo while its renditions are being made or its labels
    detected: the step ends quietly and nothing of the photo stays in storage."""
    from albums.services import photo_delete
    from processing import labeling

    if step == "labels":
        run_ingest(photo.id)
    target, name = (ingest_stage, "ingest") if step == "ingest" else (labeling, "get_detector")
    real = getattr(target, name)

    def work_then_the_owner_deletes(*args, **kwargs):
        result = real(*args, **kwargs)
        photo_delete(photo=Photo.objects.get(pk=photo.pk))
        return result

    monkeypatch.setattr(target, name, work_then_the_owner_deletes)
    assert runner.run_step(step_name=step, photo_id=photo.id) == []

    assert not Photo.objects.filter(pk=photo.pk).exists()
    assert stored_renditions(photo) == set() and not default_storage.exists(photo.original.name)
    assert not PhotoLabel.objects.filter(photo_id=photo.pk).exists()
