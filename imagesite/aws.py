"""AWS clients, built in one place and cached; everything else receives them."""

import functools

import boto3
from botocore.config import Config
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@functools.cache
def rekognition_client():
    if not settings.REKOGNITION_REGION:
        raise ImproperlyConfigured(
            "Rekognition (for labels, moderation, faces or text) needs REKOGNITION_REGION"
        )
    # Throttling and 5xx are retried by the pipeline with its own backoff, so the client
    # itself only makes a couple of quick attempts.
    config = Config(
        retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=30
    )
    return boto3.client("rekognition", region_name=settings.REKOGNITION_REGION, config=config)
