"""The done-flags now live per step in processing.PhotoStep (processing 0002 copied them)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("albums", "0006_label_folded"),
        ("processing", "0002_photostep"),
    ]

    operations = [
        migrations.RemoveField(model_name="photo", name=name)
        for name in (
            "metadata_done", "thumbnails_done", "labels_done", "labels_skipped",
            "failed_step", "failed_at",
        )  # fmt: skip
    ]
