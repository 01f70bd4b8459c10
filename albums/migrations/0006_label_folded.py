from django.db import migrations, models

from albums.names import fold


def fill_folded(apps, schema_editor):
    Label = apps.get_model("albums", "Label")
    batch = []
    for label in Label.objects.only("id", "name").iterator(chunk_size=2000):
        label.folded = fold(label.name)[:200]
        batch.append(label)
        if len(batch) == 2000:
            Label.objects.bulk_update(batch, ["folded"])
            batch = []
    Label.objects.bulk_update(batch, ["folded"])


class Migration(migrations.Migration):
    dependencies = [
        ("albums", "0005_photolabel_search_copies"),
    ]

    operations = [
        migrations.AddField(
            model_name="label",
            name="folded",
            field=models.CharField(db_index=True, default="", editable=False, max_length=200),
            preserve_default=False,
        ),
        migrations.RunPython(fill_folded, migrations.RunPython.noop),
    ]
