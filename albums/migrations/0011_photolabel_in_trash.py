from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('albums', '0010_library_collections_trash'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='photolabel',
            name='in_trash',
            field=models.BooleanField(default=False),
        ),
        migrations.AddIndex(
            model_name='photolabel',
            index=models.Index(fields=['owner', 'in_trash', 'kind', 'label', '-taken_at', '-photo_created_at', 'photo'], name='photolabel_search_alive'),
        ),
        # The old index goes last: MySQL keeps an index on owner_id for its foreign key.
        migrations.RemoveIndex(
            model_name='photolabel',
            name='photolabel_search',
        ),
    ]
