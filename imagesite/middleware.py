"""A Content-Security-Policy header on every response (Django 5.2 has none built in)."""

from django.conf import settings

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


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # The storage's origins (a bucket's, for presigned uploads and downloads) are fixed
        # for the process: read once.
        origins = get_photo_storage().browser_origins()
        policy = " ".join(settings.CONTENT_SECURITY_POLICY.format(s3=origins).split())
        self.policy = policy.replace(" ;", ";")

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
