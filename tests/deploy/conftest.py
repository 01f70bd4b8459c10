"""What the deployment files are checked against: the settings' variables and the queues."""

import re
from pathlib import Path

import dramatiq
import pytest

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


@pytest.fixture(scope="session")
def settings_env() -> set[str]:
    """Every environment variable imagesite/settings.py reads, by name."""
    source = (ROOT / "imagesite" / "settings.py").read_text()
    return set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]+)\"", source))


@pytest.fixture(scope="session")
def pipeline_queues() -> set[str]:
    """The queues the pipeline's actors are declared on."""
    from processing import tasks

    return {v.queue_name for v in vars(tasks).values() if isinstance(v, dramatiq.Actor)}
