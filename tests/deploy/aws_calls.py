"""A pytest plugin that records every AWS call the code makes, by process role.

Loaded with `-p tests.deploy.aws_calls` and IMAGESITE_AWS_CALLS=<file> (test_iam_coverage
does both). Every botocore client gets a `before-parameter-build` hook (botocore's event
system), which also fires for presigned URLs and POSTs; each call is written as one JSON
line: the role whose code made it, the service, the operation, its bucket, key or queue.

The role is read from the call stack: the entry point of the process that would make this
call in production (the S3-event consumer, a dramatiq worker and its message's queue, a
scheduled command, the backlog publisher, the web). Calls from test code alone (fixtures
putting objects in place) have no role and are not recorded.
"""

import json
import os
import sys

import botocore.client
import botocore.signers

OUTPUT = os.environ.get("IMAGESITE_AWS_CALLS", "")

# module name prefix -> role; the first rule matching any frame of the stack wins.
ENTRY_POINTS = [
    (("processing.s3_events", "processing.management.commands.consume_s3_events"), "ingest"),
    (
        (
            "albums.management.commands.cleanup_uploads",
            "albums.management.commands.purge_trash",
            "processing.management.commands.resend_stale",
        ),
        "maintenance",
    ),
    (("imagesite.backlog", "imagesite.management.commands.publish_queue_backlog"), "backlog"),
]
FALLBACKS = [  # when no entry point above and no dramatiq message is on the stack
    (("django.core.handlers", "albums.", "imagesite.health"), "web"),
    (("processing.",), "worker:any"),
    (("imagesite.db.",), "every-task"),  # every process opens database connections
]


def _modules_and_frames():
    frame = sys._getframe(2)
    while frame is not None:
        yield frame.f_globals.get("__name__", ""), frame
        frame = frame.f_back


def role_of_this_call() -> str | None:
    frames = list(_modules_and_frames())
    for prefixes, role in ENTRY_POINTS:
        if any(name.startswith(prefixes) for name, _ in frames):
            return role
    for name, frame in frames:
        if name == "dramatiq.worker" and frame.f_code.co_name == "process_message":
            message = frame.f_locals.get("message")
            if message is not None:
                return f"worker:{message.queue_name}"
    for name, frame in frames:  # an actor called directly: its declared queue
        if name == "processing.tasks":
            import dramatiq

            actor = dramatiq.get_broker().actors.get(frame.f_code.co_name)
            if actor is not None:
                return f"worker:{actor.queue_name}"
    for prefixes, role in FALLBACKS:
        if any(name.startswith(prefixes) for name, _ in frames):
            return role
    return None


def _presigned_post_key() -> str | None:
    for name, frame in _modules_and_frames():
        if name == "botocore.signers" and frame.f_code.co_name == "generate_presigned_post":
            return frame.f_locals.get("Key")
    return None


def _record(params, model, context=None, **kwargs):
    role = role_of_this_call()
    if role is None or not OUTPUT:
        return
    operation = model.name
    entry = {
        "role": role,
        "service": model.service_model.signing_name,
        "operation": operation,
        "presigned": bool((context or {}).get("is_presign_request")),
    }
    if operation == "CreateBucket" and entry["presigned"]:
        entry["operation"], entry["Key"] = "PresignedPost", _presigned_post_key()
    for field in ("Bucket", "Key", "QueueUrl", "SecretId", "Namespace", "CopySource", "Prefix"):
        if field in params and field not in entry:
            entry[field] = params[field]
    if operation == "DeleteObjects":
        entry["Keys"] = [o["Key"] for o in params.get("Delete", {}).get("Objects", [])]
    with open(OUTPUT, "a") as out:
        out.write(json.dumps(entry, default=str) + "\n")


_create_client = botocore.client.ClientCreator.create_client


def _create_client_with_recorder(self, *args, **kwargs):
    client = _create_client(self, *args, **kwargs)
    client.meta.events.register("before-parameter-build.*.*", _record)
    return client


def pytest_configure(config):
    botocore.client.ClientCreator.create_client = _create_client_with_recorder
