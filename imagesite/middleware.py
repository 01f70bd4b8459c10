"""A Content-Security-Policy header on every response (Django 5.2 has none built in)."""

import functools

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from albums.storage import get_photo_storage


class HealthCheckMiddleware:
    """Answers /livez and /healthz before ALLOWED_HOSTS is checked: load balancers probe by IP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path in ("/livez", "/healthz"):
            from imagesite import health  # imports dramatiq's broker: not at settings time

            return health.livez(request) if request.path == "/livez" else health.healthz(request)
        return self.get_response(request)


@functools.cache
def content_security_policy() -> str:
    """The policy for the storage in use: its origins (a bucket's, for presigned uploads and
    downloads) are fixed for a process, so it is built once, and again only when the
    storage or the policy setting changes, as `get_photo_storage` is (tests, a shell)."""
    origins = get_photo_storage().browser_origins()
    policy = " ".join(settings.CONTENT_SECURITY_POLICY.format(s3=origins).split())
    return policy.replace(" ;", ";")


@receiver(setting_changed)
def _policy_changed(*, setting, **kwargs):
    if setting in ("STORAGES", "CONTENT_SECURITY_POLICY"):
        content_security_policy.cache_clear()


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        content_security_policy()  # a malformed setting fails at start, not on a request

    @property
    def policy(self) -> str:
        # Not read once here: a middleware outlives a change of storage (the test server
        # is built before a test switches to S3), and a stale policy blocks the bucket.
        return content_security_policy()

    def __call__(self, request):
        response = self.get_response(request)
        policy = self.policy
        if policy:
            response.headers.setdefault("Content-Security-Policy", policy)
        return response
