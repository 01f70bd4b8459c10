"""A Content-Security-Policy header on every response (Django 5.2 has none built in)."""

from urllib.parse import urlsplit

from django.conf import settings


def s3_origin() -> str:
    """The origins browsers talk to for presigned uploads and downloads, or ''."""
    bucket = settings.AWS_STORAGE_BUCKET_NAME
    if not bucket:
        return ""
    endpoint = settings.AWS_S3_ENDPOINT_URL
    if endpoint:
        parts = urlsplit(endpoint)
        return f"{parts.scheme}://{parts.netloc} {parts.scheme}://{bucket}.{parts.netloc}"
    # boto3 signs for the global or the regional name depending on region and settings.
    region = settings.AWS_S3_REGION_NAME
    return (
        f"https://{bucket}.s3.amazonaws.com https://{bucket}.s3.{region}.amazonaws.com "
        f"https://s3.{region}.amazonaws.com"
    )


class HealthCheckMiddleware:
    """Answers /healthz before ALLOWED_HOSTS is checked: load balancers probe by IP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            from imagesite.health import healthz

            return healthz(request)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = " ".join(settings.CONTENT_SECURITY_POLICY.format(s3=s3_origin()).split())

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
