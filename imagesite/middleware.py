"""A Content-Security-Policy header on every response (Django 5.2 has none built in)."""

from urllib.parse import urlsplit

from django.conf import settings


def s3_origin() -> str:
    """The origin browsers talk to for presigned uploads and downloads, or ''."""
    bucket = settings.AWS_STORAGE_BUCKET_NAME
    if not bucket:
        return ""
    endpoint = settings.AWS_S3_ENDPOINT_URL
    if endpoint:
        parts = urlsplit(endpoint)
        return f"{parts.scheme}://{parts.netloc}"
    return f"https://{bucket}.s3.{settings.AWS_S3_REGION_NAME}.amazonaws.com"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = " ".join(settings.CONTENT_SECURITY_POLICY.format(s3=s3_origin()).split())

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
