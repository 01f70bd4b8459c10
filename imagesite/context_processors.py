"""Template context every page gets."""

from django.conf import settings


def site(request) -> dict:
    return {"site_name": settings.SITE_NAME}
