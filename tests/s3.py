"""S3 fixtures: a moto server on loopback, spoken to over HTTP (owned by the S3 tests).

The server runs once per session (per xdist worker) on a free port; every test that asks
for `s3_storage` gets a fresh private bucket and a default storage pointing at it, built
with the same options imagesite/settings.py uses in production.
"""

import uuid
from dataclasses import dataclass

import pytest

FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
REGION = "us-east-1"


@dataclass(frozen=True)
class S3Bucket:
    client: object  # a boto3 S3 client talking to the moto server over HTTP
    bucket: str
    endpoint: str

    def keys(self) -> list[str]:
        page = self.client.list_objects_v2(Bucket=self.bucket)
        return [item["Key"] for item in page.get("Contents", [])]

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def put(self, key: str, body: bytes, content_type: str = "image/jpeg") -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)


@pytest.fixture(scope="session")
def moto_endpoint():
    """A moto server on 127.0.0.1, a free port, with fake credentials in the environment."""
    from moto.server import ThreadedMotoServer

    with pytest.MonkeyPatch.context() as mp:
        for name, value in FAKE_AWS_ENV.items():
            mp.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
            mp.delenv(name, raising=False)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield f"http://{host}:{port}"
        finally:
            server.stop()


def _s3_options(*, bucket: str, endpoint: str) -> dict:
    # Mirrors imagesite/settings.py (storage section), with path-style addressing so the
    # bucket name never has to resolve as a host.
    return {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "region_name": REGION,
        "default_acl": None,
        "file_overwrite": False,
        "signature_version": "s3v4",
        "addressing_style": "path",
        "querystring_auth": True,
        "querystring_expire": 300,
    }


@pytest.fixture
def s3_storage(moto_endpoint, settings):
    """A fresh bucket on the moto server, and `default_storage` switched to it."""
    import boto3
    from botocore.config import Config
    from django.core.files.storage import default_storage
    from storages.backends.s3 import S3Storage

    client = boto3.client(
        "s3", endpoint_url=moto_endpoint, region_name=REGION,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )  # fmt: skip
    bucket = f"imagesite-test-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=bucket)

    # A new dict (not a mutation) so Django's setting_changed handler resets the storages.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": _s3_options(bucket=bucket, endpoint=moto_endpoint),
        },
    }
    settings.AWS_STORAGE_BUCKET_NAME = bucket
    settings.AWS_S3_ENDPOINT_URL = moto_endpoint
    assert default_storage.bucket_name == bucket, "default_storage was not switched to S3"
    assert isinstance(default_storage._wrapped, S3Storage)

    yield S3Bucket(client=client, bucket=bucket, endpoint=moto_endpoint)

    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=bucket, Key=item["Key"])
    client.delete_bucket(Bucket=bucket)


@pytest.fixture
def s3_copy_preconditions(s3_storage):
    """S3's CopySourceIfMatch, which moto ignores, on the site's own S3 client: a copy whose
    source no longer has the ETag the request names fails with 412 PreconditionFailed."""
    from botocore.exceptions import ClientError
    from django.core.files.storage import default_storage

    def check(params, **kwargs):
        expected = params.get("CopySourceIfMatch")
        if expected is None:
            return
        source = params["CopySource"]
        try:
            head = s3_storage.client.head_object(Bucket=source["Bucket"], Key=source["Key"])
        except ClientError:
            return  # S3 answers NoSuchKey for a missing source; moto does too
        if head["ETag"].strip('"') != expected.strip('"'):
            error = {"Code": "PreconditionFailed", "Message": "At least one of the "
                     "pre-conditions you specified did not hold"}  # fmt: skip
            raise ClientError({"Error": error, "ResponseMetadata": {"HTTPStatusCode": 412}},
                              "CopyObject")  # fmt: skip

    events = default_storage.connection.meta.client.meta.events
    events.register("provide-client-params.s3.CopyObject", check, unique_id="copy-if-match")
    yield
    events.unregister("provide-client-params.s3.CopyObject", unique_id="copy-if-match")


@dataclass(frozen=True)
class SqsQueue:
    client: object  # a boto3 SQS client talking to the moto server over HTTP
    url: str
    arn: str
    endpoint: str

    def bodies(self) -> list[str]:
        """Every message now visible (received with a zero visibility timeout: not consumed)."""
        found = self.client.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=10, VisibilityTimeout=0
        )
        return [m["Body"] for m in found.get("Messages", [])]


@pytest.fixture
def sqs_queue(moto_endpoint):
    """A fresh SQS queue on the moto server (S3 can send its event notifications to it)."""
    import boto3

    client = boto3.client("sqs", endpoint_url=moto_endpoint, region_name=REGION)
    url = client.create_queue(QueueName=f"imagesite-test-{uuid.uuid4().hex[:16]}")["QueueUrl"]
    arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    yield SqsQueue(client=client, url=url, arn=arn, endpoint=moto_endpoint)
    client.delete_queue(QueueUrl=url)
