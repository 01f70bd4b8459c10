import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


"""Photos in several albums (AlbumPhoto), album covers and sort orders, and the trash."""

COPY_MEMBERSHIPS = """
INSERT INTO albums_albumphoto (album_id, photo_id, added_at, position)
SELECT album_id, id, created_at,
       ROW_NUMBER() OVER (PARTITION BY album_id ORDER BY created_at, id)
FROM albums_photo
"""


class Migration(migrations.Migration):

    dependencies = [
        ('albums', '0009_photolabel_place_kind'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AlbumPhoto',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('added_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('position', models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.AddField(
            model_name='album',
            name='cover',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='albums.photo'),
        ),
        migrations.AddField(
            model_name='album',
            name='sort',
            field=models.CharField(choices=[('added', 'Recently added first'), ('taken_desc', 'Date taken, newest first'), ('taken_asc', 'Date taken, oldest first'), ('custom', 'Custom order')], default='added', max_length=16),
        ),
        migrations.AddField(
            model_name='photo',
            name='trashed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name='photo',
            index=models.Index(fields=['owner', 'trashed_at'], name='albums_phot_owner_i_179107_idx'),
        ),
        migrations.AddField(
            model_name='albumphoto',
            name='album',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='albums.album'),
        ),
        migrations.AddField(
            model_name='albumphoto',
            name='photo',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='albums.photo'),
        ),
        migrations.AddField(
            model_name='album',
            name='photos',
            field=models.ManyToManyField(related_name='albums', through='albums.AlbumPhoto', to='albums.photo'),
        ),
        migrations.AddIndex(
            model_name='albumphoto',
            index=models.Index(fields=['album', '-added_at'], name='albums_albu_album_i_765eda_idx'),
        ),
        migrations.AddIndex(
            model_name='albumphoto',
            index=models.Index(fields=['album', 'position'], name='albums_albu_album_i_8a964a_idx'),
        ),
        migrations.AddConstraint(
            model_name='albumphoto',
            constraint=models.UniqueConstraint(fields=('album', 'photo'), name='albumphoto_once_per_album'),
        ),
        # Each photo joins the album it was uploaded into, added when it was uploaded, in
        # upload order. One statement: no rows through Python, whatever the library's size.
        migrations.RunSQL(COPY_MEMBERSHIPS, reverse_sql=migrations.RunSQL.noop),
        migrations.RemoveIndex(
            model_name='photo',
            name='albums_phot_album_i_f8b8e9_idx',
        ),
        migrations.RemoveField(
            model_name='photo',
            name='album',
        ),
    ]
