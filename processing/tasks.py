"""The pipeline's actors: thin interfaces that take a photo id and call a service.

    extract_metadata ──▶ render_thumbnails ┐ fan out; the last to finish
                     └─▶ detect_labels     ┘ marks the photo ready

Thumbnails and labels sit on separate queues so a slow label service never starves
thumbnails. Permanent problems end the photo `rejected` inside the services (nothing to
retry); any other exception is retried with backoff and, once retries run out, the
PipelineFailures middleware marks the photo `failed` and the message stays in the
broker's dead-letter queue.
"""

import dramatiq
from django.conf import settings
from django.db import transaction

from processing import services

RETRY_OPTIONS = {
    "max_retries": settings.PIPELINE_MAX_RETRIES,
    "min_backoff": settings.PIPELINE_MIN_BACKOFF_MS,
    "max_backoff": settings.PIPELINE_MAX_BACKOFF_MS,
    "time_limit": settings.PIPELINE_TIME_LIMIT_MS,
}

STEP_OF_ACTOR = {
    "extract_metadata": "metadata",
    "render_thumbnails": "thumbnails",
    "detect_labels": "labels",
}


@dramatiq.actor(queue_name="metadata", **RETRY_OPTIONS)
def extract_metadata(photo_id: str) -> None:
    if services.photo_extract_metadata(photo_id=photo_id):
        transaction.on_commit(lambda: render_thumbnails.send(photo_id))
        transaction.on_commit(lambda: detect_labels.send(photo_id))


@dramatiq.actor(queue_name="thumbnails", **RETRY_OPTIONS)
def render_thumbnails(photo_id: str) -> None:
    services.photo_render_thumbnails(photo_id=photo_id)


@dramatiq.actor(queue_name="labels", **RETRY_OPTIONS)
def detect_labels(photo_id: str) -> None:
    services.photo_detect_labels(photo_id=photo_id)
