"""Health checks, no secrets in either.

/livez: the process answers (the load balancer's check: a Redis or S3 blip must not make
it replace every web task). /healthz: database, storage and broker reachable (readiness,
for compose, monitoring and deploy scripts).
"""

import logging

import dramatiq
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _storage() -> None:
    default_storage.exists("healthz-probe")


def _broker() -> None:
    broker = dramatiq.get_broker()
    client = getattr(broker, "client", None)
    if client is not None:  # Redis
        client.ping()
    elif hasattr(broker, "connection"):  # RabbitMQ
        broker.connection  # noqa: B018  (opens or reuses the channel)


CHECKS = {"database": _database, "storage": _storage, "broker": _broker}


@never_cache
def livez(request):
    return JsonResponse({"status": "ok"})


@never_cache
def healthz(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # report, never leak details
            logger.warning("healthz: %s unreachable: %s", name, exc)
            results[name] = "unreachable"
    healthy = all(v == "ok" for v in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", **results}, status=200 if healthy else 503
    )
