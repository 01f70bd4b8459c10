"""What a browser does for an upload on S3, for tests: start, POST to the bucket with the
signed fields, confirm; and reading the signed policy back."""

import base64
import json

import urllib3
from django.urls import reverse


def start_upload(client, album, *, name="Canon_40D.jpg", size=7958, type="image/jpeg"):
    url = reverse("albums:upload_start", kwargs={"album_id": album.id})
    return client.post(url, {"name": name, "size": size, "type": type})


def confirm(client, photo_id):
    return client.post(reverse("albums:photo_confirm", kwargs={"photo_id": photo_id}))


def decoded_policy(fields: dict) -> dict:
    return json.loads(base64.b64decode(fields["policy"]))


def exact_conditions(policy: dict) -> dict:
    """The {"name": value} conditions, which demand an exact match."""
    merged = {}
    for condition in policy["conditions"]:
        if isinstance(condition, dict):
            merged.update(condition)
    return merged


def array_conditions(policy: dict) -> list[list]:
    return [c for c in policy["conditions"] if isinstance(c, list)]


def post_to_bucket(url: str, fields: dict, *, file_name: str, data: bytes, content_type: str):
    """What the browser does: a multipart POST with the signed fields, the file last."""
    parts = [*fields.items(), ("file", (file_name, data, content_type))]
    return urllib3.PoolManager().request("POST", url, fields=parts, redirect=False)


def browser_upload(s3_storage, client, album, path):
    """Start an upload and POST the file to the bucket as the browser does; the answer."""
    data = path.read_bytes()
    body = start_upload(client, album, name=path.name, size=len(data)).json()
    sent = post_to_bucket(
        body["url"], body["fields"], file_name=path.name, data=data, content_type="image/jpeg"
    )
    assert sent.status in (200, 201, 204), sent.data
    return body
