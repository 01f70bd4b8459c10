"""What the S3 tests speak to the moto server with: fake credentials, the bucket and queue
handles the fixtures (tests/conftest.py) yield, and the storage options of production."""

from dataclasses import dataclass

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


def s3_options(*, bucket: str, endpoint: str) -> dict:
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


def presigned_put_verifies(url: str, *, length: int) -> bool:
    """Whether S3 would accept a PUT of `length` bytes to this presigned (SigV4 query) URL:
    the signature recomputed, as S3 does, over the request as it arrives (its Host and
    Content-Length, for the headers the URL says it signed), with the test credentials."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit  # test helper only

    from botocore.auth import S3SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    signature = query.pop("X-Amz-Signature")
    signed = query["X-Amz-SignedHeaders"].split(";")
    headers = {"Host": parts.netloc, "Content-Length": str(length)}
    request = AWSRequest(
        method="PUT",
        url=urlunsplit(parts._replace(query=urlencode(query))),
        headers={name: value for name, value in headers.items() if name.lower() in signed},
    )
    request.context["timestamp"] = query["X-Amz-Date"]
    credentials = Credentials(
        FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"], FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"]
    )
    signer = S3SigV4QueryAuth(credentials, "s3", REGION, expires=int(query["X-Amz-Expires"]))
    canonical = signer.canonical_request(request)
    return signer.signature(signer.string_to_sign(request, canonical), request) == signature
