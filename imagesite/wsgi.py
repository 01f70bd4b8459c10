import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imagesite.settings")
application = get_wsgi_application()

# With no broker URL, the web process runs the pipeline itself.
from processing.pipeline import ensure_embedded_worker  # noqa: E402

ensure_embedded_worker()
