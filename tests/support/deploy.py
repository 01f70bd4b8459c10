"""Where the deployment files are, and the variables read by libraries, not settings."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"

# Read by libraries rather than by imagesite/settings.py.
LIBRARY_ENV = {
    "AWS_ACCESS_KEY_ID",  # boto3
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
    "AWS_S3_US_EAST_1_REGIONAL_ENDPOINT",  # botocore: bucket.s3.us-east-1.amazonaws.com URLs
    "WEB_CONCURRENCY",  # gunicorn's worker count
    "dramatiq_queue_prefetch",  # dramatiq's Worker: messages held per queue
}
