import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imagesite.settings")
application = get_asgi_application()

from processing.pipeline import ensure_embedded_worker  # noqa: E402

ensure_embedded_worker()
