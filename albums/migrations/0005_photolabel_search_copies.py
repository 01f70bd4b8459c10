"""PhotoLabel carries its photo's owner and sort position, for search off one index."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_from_photos(apps, schema_editor):
    Photo = apps.get_model("albums", "Photo")
    PhotoLabel = apps.get_model("albums", "PhotoLabel")
    photo = Photo.objects.filter(pk=OuterRef("photo_id"))
    PhotoLabel.objects.update(
        owner_id=Subquery(photo.values("owner_id")[:1]),
        taken_at=Subquery(photo.values("taken_at")[:1]),
        photo_created_at=Subquery(photo.values("created_at")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("albums", "0004_search_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="photolabel",
            name="owner",
            field=models.ForeignKey(
                null=True,
                db_index=False,
                on_delete=models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="photolabel",
            name="taken_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="photolabel",
            name="photo_created_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(copy_from_photos, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="photolabel",
            name="owner",
            field=models.ForeignKey(
                db_index=False,
                on_delete=models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="photolabel",
            name="photo_created_at",
            field=models.DateTimeField(),
        ),
        migrations.AddIndex(
            model_name="photolabel",
            index=models.Index(
                fields=["owner", "kind", "label", "-taken_at", "-photo_created_at", "photo"],
                name="photolabel_search",
            ),
        ),
    ]
