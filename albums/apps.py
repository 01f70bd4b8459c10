from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AlbumsConfig(AppConfig):
    name = "albums"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Here, not at the top: albums.moderation imports models, which need the app registry.
        from albums.moderation import ensure_moderators_group

        # Permissions exist only after migrate; keep the group's set in step with them.
        post_migrate.connect(ensure_moderators_group, sender=self)
