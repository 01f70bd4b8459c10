"""/metrics: the site's own counts in Prometheus' text format, not open to the public.

Workers export dramatiq's own metrics (durations per actor, retries, failures) through
its Prometheus middleware; this endpoint adds what only the database and the broker know:
photos by status and moderation state, photos by pipeline step and state, processing
outcomes, and dead letters waiting; and the step runs and durations observed in this process
(processing/telemetry.py: with the in-process worker, every step run).
"""

import hmac

from django.conf import settings
from django.db.models import Count
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import REGISTRY, CollectorRegistry, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from albums.models import Photo, ProcessingEvent
from processing import registry as pipeline
from processing import telemetry  # noqa: F401  (its step metrics join REGISTRY)
from processing.dlq import dead_letter_counts
from processing.models import PhotoStep


def _allowed(request) -> bool:
    if request.user.is_authenticated and request.user.is_staff:
        return True
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(header, f"Bearer {token}")


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    photos = Gauge("imagesite_photos", "Photos by status.", ["status"], registry=registry)
    for status in Photo.Status.values:
        photos.labels(status).set(0)
    for row in Photo.objects.order_by().values("status").annotate(n=Count("id")):
        photos.labels(row["status"]).set(row["n"])

    moderation = Gauge(
        "imagesite_photos_moderation", "Photos by moderation state.", ["state"], registry=registry
    )
    for row in Photo.objects.order_by().values("moderation").annotate(n=Count("id")):
        moderation.labels(row["moderation"]).set(row["n"])

    events = Gauge(
        "imagesite_processing_events",
        "Pipeline step outcomes recorded so far.",
        ["step", "outcome"],
        registry=registry,
    )
    for row in ProcessingEvent.objects.order_by().values("step", "outcome").annotate(n=Count("id")):
        events.labels(row["step"], row["outcome"]).set(row["n"])

    steps = Gauge(
        "imagesite_photo_steps",
        "Photos by pipeline step and the state they are in for it.",
        ["step", "status"],
        registry=registry,
    )
    for step in pipeline.steps():
        for status in PhotoStep.Status.values:
            steps.labels(step.name, status).set(0)
    for row in PhotoStep.objects.order_by().values("step", "status").annotate(n=Count("id")):
        steps.labels(row["step"], row["status"]).set(row["n"])

    dead = Gauge(
        "imagesite_dead_letters",
        "Messages in the broker's dead-letter queues.",
        ["queue"],
        registry=registry,
    )
    for queue, count in _dead_letter_counts().items():
        dead.labels(queue).set(count)
    return registry


def _dead_letter_counts() -> dict[str, int]:
    try:
        return dead_letter_counts()
    except Exception:  # the broker being down must not take /metrics with it
        return {}


@never_cache
def metrics(request):
    if not _allowed(request):
        return HttpResponse("Not allowed.\n", status=403, content_type="text/plain")
    body = generate_latest(_registry()) + generate_latest(REGISTRY)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
