from django.apps import AppConfig


class ImagesiteConfig(AppConfig):
    name = "imagesite"
    verbose_name = "imagesite"

    def ready(self):
        from imagesite import checks  # noqa: F401  (registers the system checks)
