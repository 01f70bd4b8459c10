"""The pipeline's numbers for CloudWatch: what autoscaling and the alarms read.

- QueueBacklog (dimension Queue): messages not yet done per queue; the worker services scale
  on it divided by their running tasks (deploy/aws/imagesite.yaml).
- DeadLetters: messages in the broker's dead-letter queues, all queues together.
- PhotosFailed: photos that failed since the previous publication.

The queues are the ones the broker has declared, so they follow the pipeline's actors
without a list kept here.
"""

import functools
import importlib

import boto3
import dramatiq
from botocore.config import Config
from django.conf import settings
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

NAMESPACE = "imagesite"


def load_actors() -> None:
    """Import every app's tasks module, as rundramatiq does: the broker declares a queue
    when an actor on it is defined."""
    # Imported here: the command module loads Django's management machinery.
    from django_dramatiq.management.commands.rundramatiq import Command

    for module in Command().discover_tasks_modules():
        importlib.import_module(module)


def pipeline_queues(broker: dramatiq.Broker) -> list[str]:
    """The broker's declared work queues, without dramatiq's delay queues (q.DQ)."""
    delayed = broker.get_declared_delay_queues()
    return sorted(q for q in broker.get_declared_queues() if q not in delayed)


def queue_backlog(broker: dramatiq.Broker, queue: str) -> int:
    """Messages on the queue that no worker has finished: waiting, in progress or delayed
    for a retry (each will need a worker)."""
    if isinstance(broker, RedisBroker):
        return int(broker.do_qsize(queue))  # the queue's and its delay queue's messages
    if isinstance(broker, RabbitmqBroker):
        ready, delayed, _dead = broker.get_queue_message_counts(queue)
        return ready + delayed
    if isinstance(broker, StubBroker):
        return sum(broker.queues[name].qsize() for name in (queue, f"{queue}.DQ"))
    raise TypeError(f"no backlog count for {type(broker).__name__}")


def dead_letters(broker: dramatiq.Broker, queue: str) -> int:
    """Messages the broker keeps after their retries ran out (processing.dlq reads them)."""
    if isinstance(broker, RedisBroker):
        return int(broker.client.zcard(f"{broker.namespace}:{queue}.XQ"))
    if isinstance(broker, RabbitmqBroker):
        return broker.get_queue_message_counts(queue)[2]
    return 0  # the stub broker keeps none: failed photos are in the database


def backlogs(broker: dramatiq.Broker | None = None) -> dict[str, int]:
    broker = broker or dramatiq.get_broker()
    return {queue: queue_backlog(broker, queue) for queue in pipeline_queues(broker)}


@functools.cache
def cloudwatch_client():
    config = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5)
    return boto3.client(
        "cloudwatch",
        region_name=settings.AWS_S3_REGION_NAME,
        endpoint_url=settings.AWS_CLOUDWATCH_ENDPOINT_URL,
        config=config,
    )


def _datum(name: str, value: int, **dimensions: str) -> dict:
    return {
        "MetricName": name,
        "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
        "Value": float(value),
        "Unit": "Count",
    }


def publish(*, backlog: dict[str, int], dead: int, failed: int, client=None) -> None:
    """One PutMetricData call for everything (CloudWatch takes up to 1,000 values)."""
    client = client or cloudwatch_client()
    data = [_datum("QueueBacklog", count, Queue=queue) for queue, count in backlog.items()]
    data += [_datum("DeadLetters", dead), _datum("PhotosFailed", failed)]
    client.put_metric_data(Namespace=NAMESPACE, MetricData=data)
