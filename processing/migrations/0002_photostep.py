"""Per-(photo, step) state replaces Photo's done-flags, labels_skipped and failed_step.

Existing photos get rows for the two steps of the new pipeline: `ingest` (what metadata
and thumbnails did) and `labels`, carrying over what the flags said.
"""

import django.db.models.deletion
from django.db import migrations, models

BATCH = 1000


def from_flags(apps, schema_editor):
    Photo = apps.get_model("albums", "Photo")
    PhotoStep = apps.get_model("processing", "PhotoStep")
    columns = (
        "id", "status", "status_reason", "metadata_done", "thumbnails_done", "labels_done",
        "labels_skipped", "failed_step", "failed_at", "settled_at",
    )  # fmt: skip
    rows = Photo.objects.exclude(status="uploading").values_list(*columns)
    batch = []
    for row in rows.iterator(chunk_size=BATCH):
        (pk, status, reason, meta, thumbs, labels, skipped, failed_step, failed_at, settled) = row
        ingest_step = "ingest" if failed_step in ("metadata", "thumbnails") else failed_step
        for step, done in (("ingest", meta and thumbs), ("labels", labels)):
            state = {"photo_id": pk, "step": step, "finished_at": settled}
            if done:
                state["status"] = "skipped" if step == "labels" and skipped else "done"
                state["reason"] = skipped if step == "labels" else ""
            elif status == "failed" and ingest_step == step:
                state |= {"status": "failed", "reason": reason, "finished_at": failed_at}
            else:
                state |= {"status": "pending", "finished_at": None}
            batch.append(PhotoStep(**state))
        if len(batch) >= BATCH:
            PhotoStep.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    PhotoStep.objects.bulk_create(batch, ignore_conflicts=True)


def to_flags(apps, schema_editor):
    Photo = apps.get_model("albums", "Photo")
    PhotoStep = apps.get_model("processing", "PhotoStep")
    final = ("done", "skipped")
    for state in PhotoStep.objects.filter(status__in=final).iterator(chunk_size=BATCH):
        if state.step == "ingest":
            Photo.objects.filter(pk=state.photo_id).update(metadata_done=True, thumbnails_done=True)
        elif state.step == "labels":
            Photo.objects.filter(pk=state.photo_id).update(
                labels_done=True, labels_skipped=state.reason[:255]
            )
    for state in PhotoStep.objects.filter(status="failed").iterator(chunk_size=BATCH):
        step = "metadata" if state.step == "ingest" else state.step
        Photo.objects.filter(pk=state.photo_id).update(
            failed_step=step[:32], failed_at=state.finished_at
        )


class Migration(migrations.Migration):
    dependencies = [
        ("albums", "0006_label_folded"),
        ("processing", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="PhotoStep",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("step", models.CharField(max_length=32)),
                ("status", models.CharField(choices=[("pending", "Pending"), ("running", "Running"), ("done", "Done"), ("skipped", "Skipped"), ("failed", "Failed")], db_index=True, default="pending", max_length=16)),
                ("reason", models.TextField(blank=True)),
                ("error", models.TextField(blank=True, help_text="The last attempt's error, for operators.")),
                ("attempts", models.PositiveIntegerField(default=0)),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("duration", models.FloatField(blank=True, help_text="Seconds, last attempt.", null=True)),
                ("photo", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="steps", to="albums.photo")),
            ],
            options={
                "ordering": ["photo", "id"],
                "indexes": [models.Index(fields=["step", "status"], name="processing__step_c2f681_idx")],
                "constraints": [models.UniqueConstraint(fields=("photo", "step"), name="photostep_once_per_step")],
            },
        ),
        migrations.RunPython(from_flags, to_flags),
    ]
