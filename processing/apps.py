from django.apps import AppConfig


class ProcessingConfig(AppConfig):
    name = "processing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # AppConfig.ready: settings and the registry's steps load once the app registry is ready.
        from django.conf import settings
        from django.utils.module_loading import import_string

        from processing import registry  # imports albums' models: only once apps are ready

        # Steps of an installation's own (PIPELINE_EXTRA_STEPS: dotted paths of Step objects),
        # registered before any actor is declared.
        for path in getattr(settings, "PIPELINE_EXTRA_STEPS", []):
            step = import_string(path)
            if step.name not in registry.STEPS:
                registry.register(step)
