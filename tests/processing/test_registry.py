"""The pipeline is data: a step added in a test (one module, one registry entry) runs in
the fan-out, holds `ready` back until it is done, fails and comes back like the built-in
steps, and shows up in reprocess, the admin and /metrics with no other code changed. And
the original is decoded once per photo, whatever the number of steps."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from PIL import ImageFile

from albums.models import Photo
from processing import registry, tasks
from tests.processing import extra_step as extra_module
from tests.support.corpus import corpus_file

pytestmark = pytest.mark.django_db(transaction=True)


def states(photo) -> dict[str, str]:
    """The states of the steps these tests are about (enrichments such as text and places
    run too, and are not)."""
    steps = photo.steps.filter(step__in=("ingest", "labels", "extra"))
    return dict(steps.values_list("step", "status"))


def test_an_extra_step_runs_beside_labels_and_ready_waits_for_it(
    album, make_photo, run_pipeline, extra_step
):
    photo = make_photo(album, corpus_file("good", "gps_DSCN0010.jpg"))
    tasks.send("ingest", photo.id)
    run_pipeline()

    photo.refresh_from_db()
    assert photo.status == Photo.Status.READY
    assert states(photo) == {"ingest": "done", "labels": "done", "extra": "done"}
    # It read the working copy (the 1600 px preview), not the 640×480 original... which is
    # smaller than the preview box, so the copy keeps the photo's own size.
    assert extra_step_seen() == [(str(photo.id), (640, 480))]
    assert photo.events.filter(step="extra", outcome="done").exists()


def extra_step_seen():
    return list(extra_module.SEEN)


def test_ready_waits_for_a_required_step_that_fails_and_its_failure_fails_the_photo(
    album, make_photo, broker, run_pipeline, extra_step, settings
):
    extra_module.FAILURES["left"] = 100  # every attempt
    photo = make_photo(album)
    tasks.send("ingest", photo.id)
    run_pipeline()

    photo.refresh_from_db()
    assert photo.status == Photo.Status.FAILED
    assert states(photo) == {"ingest": "done", "labels": "done", "extra": "failed"}
    assert "Processing stopped at the extra step" in photo.status_reason
    [dead] = broker.dead_letters
    assert (dead.actor_name, dead.queue_name) == ("extra", "extra")
    failed = photo.steps.get(step="extra")
    assert failed.attempts == settings.PIPELINE_MAX_RETRIES + 1
    assert failed.error == "Broken: the extra step broke, as the test asked"

    # Fixed: `reprocess --step extra` (the embedded broker's requeue) brings it back.
    extra_module.FAILURES["left"] = 0
    call_command("reprocess", "--photo", str(photo.id), "--step", "extra", stdout=io.StringIO())
    run_pipeline()
    photo.refresh_from_db()
    assert photo.status == Photo.Status.READY
    assert states(photo) == {"ingest": "done", "labels": "done", "extra": "done"}


def test_an_enrichment_never_holds_a_photo_back(album, make_photo, run_pipeline, extra_step):
    registry.register(registry.Step(**{**vars(extra_module.STEP), "required": False}))
    extra_module.FAILURES["left"] = 100
    photo = make_photo(album)
    tasks.send("ingest", photo.id)
    run_pipeline()

    photo.refresh_from_db()
    assert photo.status == Photo.Status.READY, photo.status_reason
    assert states(photo)["extra"] == "failed"


def test_the_extra_step_shows_in_reprocess_the_admin_and_metrics(
    album, make_photo, run_pipeline, extra_step, client, make_user, settings
):
    photo = make_photo(album)
    tasks.send("ingest", photo.id)
    run_pipeline()
    out = io.StringIO()
    call_command("reprocess", "--photo", str(photo.id), "--step", "extra", "--dry-run", stdout=out)
    assert "step extra" in out.getvalue()

    Photo.objects.filter(pk=photo.pk).update(moderation=Photo.Moderation.FLAGGED)  # in review
    moderator = make_user("mod@example.com", is_staff=True)
    moderator.groups.add(Group.objects.get(name="moderators"))
    client.force_login(moderator)
    page = client.get(reverse("admin:albums_photo_change", args=[photo.pk])).content.decode()
    assert "The tests&#x27; extra step" in page or "The tests' extra step" in page

    settings.METRICS_TOKEN = "scraper-secret"
    metrics = client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer scraper-secret")
    text = metrics.content.decode()
    assert 'imagesite_photo_steps{status="done",step="extra"} 1.0' in text
    assert 'imagesite_photo_steps{status="failed",step="extra"} 0.0' in text
    assert 'imagesite_step_duration_seconds_count{step="extra"}' in text
    assert 'imagesite_step_runs_total{outcome="done",step="extra"}' in text


def test_the_original_is_decoded_once_per_photo(album, make_photo, run_pipeline, monkeypatch):
    photo = make_photo(album, corpus_file("large", "canon_hdr_NO.jpg"))
    original = photo.original.name
    decodes = []
    real_load = ImageFile.ImageFile.load

    def counting_load(image):
        source = getattr(image, "filename", "") or getattr(image.fp, "name", "")
        if str(source).endswith(original) and getattr(image, "_im", None) is None:
            decodes.append(image.size)
        return real_load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting_load)
    tasks.send("ingest", photo.id)
    run_pipeline()

    photo.refresh_from_db()
    assert photo.status == Photo.Status.READY, photo.status_reason
    assert len(decodes) == 1, decodes  # validation, metadata, renditions and labels: one
    assert photo.renditions.count() == 2


def test_text_runs_behind_what_a_photo_waits_for_in_a_shared_worker():
    """A worker serving several queues (the embedded one, the labels service's `labels text`)
    runs its fetched messages lowest priority number first: OCR goes last."""
    from processing import tasks

    priority = {name: tasks.actor_for(name).priority for name in ("ingest", "labels", "text")}
    assert priority["text"] > max(priority["ingest"], priority["labels"])
