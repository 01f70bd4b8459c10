"""System checks for a production set-up that would work on one process and fail on many."""

from django.conf import settings
from django.core.checks import Error, Tags, register

PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.caches, Tags.security, deploy=True)
def shared_cache(app_configs, **kwargs):
    """Rate limits (allauth) and cached sessions count in the default cache: every web
    process must see the same counters, or each allows the limit on its own."""
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.DEBUG or backend not in PER_PROCESS_CACHES:
        return []
    return [
        Error(
            f"The default cache is {backend.rsplit('.', 1)[-1]}, private to each process: "
            "login rate limits and sessions are not shared between web processes.",
            hint="Set CACHE_URL to a shared cache: rediss://host:6379/1 (or redis://), "
            "or filecache:///path on a single machine.",
            id="imagesite.E001",
        )
    ]
