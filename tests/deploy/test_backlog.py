"""publish_queue_backlog against moto's CloudWatch over HTTP, and the scaling that reads it."""

from datetime import UTC, datetime, timedelta

import boto3
import dramatiq
import pytest
from django.core.management import call_command

from imagesite import backlog
from tests.deploy import cfn


@pytest.fixture
def cloudwatch(moto_endpoint, settings):
    settings.AWS_CLOUDWATCH_ENDPOINT_URL = moto_endpoint
    backlog.cloudwatch_client.cache_clear()
    yield boto3.client("cloudwatch", endpoint_url=moto_endpoint, region_name="us-east-1")
    backlog.cloudwatch_client.cache_clear()


def latest(cloudwatch, metric: str, **dimensions) -> float | None:
    now = datetime.now(UTC)
    answer = cloudwatch.get_metric_statistics(
        Namespace="imagesite",
        MetricName=metric,
        Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
        StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=5),
        Period=60,
        Statistics=["Maximum"],
    )
    points = answer["Datapoints"]
    return max(p["Maximum"] for p in points) if points else None


def test_every_declared_queue_backlog_is_published(cloudwatch, db, broker):  # broker: emptied
    broker = dramatiq.get_broker()
    backlog.load_actors()
    queues = backlog.pipeline_queues(broker)
    assert queues == sorted({actor.queue_name for actor in broker.actors.values()})
    busy = queues[0]
    for _ in range(3):
        broker.enqueue(dramatiq.Message(busy, "smoke", (), {}, {}))
    try:
        call_command("publish_queue_backlog")
    finally:
        broker.flush(busy)
    assert latest(cloudwatch, "QueueBacklog", Queue=busy) == 3.0
    for queue in queues[1:]:
        assert latest(cloudwatch, "QueueBacklog", Queue=queue) == 0.0
    assert latest(cloudwatch, "DeadLetters") == 0.0
    assert latest(cloudwatch, "PhotosFailed") == 0.0


def test_photos_failed_since_the_last_publication_are_counted(cloudwatch, album, make_photo):
    from django.utils import timezone

    from albums.models import Photo

    make_photo(album, status=Photo.Status.FAILED, settled_at=timezone.now())
    make_photo(album, status=Photo.Status.FAILED, settled_at=timezone.now() - timedelta(hours=2))
    call_command("publish_queue_backlog")
    assert latest(cloudwatch, "PhotosFailed") == 1.0


def test_a_failing_publication_exits_non_zero(settings, db):
    from django.core.management import CommandError

    settings.AWS_CLOUDWATCH_ENDPOINT_URL = "http://127.0.0.1:9"  # nothing listens there
    backlog.cloudwatch_client.cache_clear()
    try:
        with pytest.raises(CommandError, match="could not publish"):
            call_command("publish_queue_backlog")
    finally:
        backlog.cloudwatch_client.cache_clear()


def _rundramatiq_queues(command: list[str]) -> set[str]:
    from django_dramatiq.management.commands.rundramatiq import Command

    parser = Command().create_parser("manage.py", "rundramatiq")
    return set(parser.parse_args(command[3:]).queues or [])


def test_each_worker_service_scales_on_the_backlog_of_exactly_its_queues():
    containers = cfn.task_containers()
    services = {
        r["Properties"]["TaskDefinition"]["Ref"]: name
        for name, r in cfn.resources("AWS::ECS::Service").items()
    }
    targets = {
        r["Properties"]["ResourceId"]["Fn::Sub"].split("${")[-1].split(".")[0]: name
        for name, r in cfn.resources("AWS::ApplicationAutoScaling::ScalableTarget").items()
    }
    policies = {
        r["Properties"]["ScalingTargetId"]["Ref"]: r["Properties"]
        for r in cfn.resources("AWS::ApplicationAutoScaling::ScalingPolicy").values()
    }
    workers = {n: c for n, c in containers.items() if c.get("Command", [])[2:3] == ["rundramatiq"]}
    assert workers
    for task, container in workers.items():
        policy = policies[targets[services[task]]]
        metrics = policy["TargetTrackingScalingPolicyConfiguration"][
            "CustomizedMetricSpecification"
        ]
        scaled_on = {
            m["MetricStat"]["Metric"]["Dimensions"][0]["Value"]
            for m in metrics["Metrics"]
            if "MetricStat" in m and m["MetricStat"]["Metric"]["MetricName"] == "QueueBacklog"
        }
        assert scaled_on == _rundramatiq_queues(container["Command"]), task


def test_workers_finish_their_message_before_the_task_is_killed():
    """ECS: SIGTERM, then SIGKILL after StopTimeout. dramatiq waits for running messages up
    to --worker-shutdown-timeout; a message runs PIPELINE_TIME_LIMIT_MS at most."""
    for container in cfn.task_containers().values():
        command = container.get("Command", [])
        if command[2:3] != ["rundramatiq"]:
            continue
        shutdown_ms = int(command[command.index("--worker-shutdown-timeout") + 1])
        env = cfn.task_environment(container)
        assert int(env["PIPELINE_TIME_LIMIT_MS"]) < shutdown_ms < container["StopTimeout"] * 1000
        assert container["StopTimeout"] <= 120, "Fargate's maximum"


def test_worker_threads_fit_the_task_memory_at_the_decode_budget():
    per_process_mb = 300  # Python, Django, Pillow and the broker client, measured ~250 MB
    for task, container in cfn.task_containers().items():
        command = container.get("Command", [])
        if command[2:3] != ["rundramatiq"]:
            continue
        processes = int(command[command.index("--processes") + 1])
        threads = int(command[command.index("--threads") + 1])
        budget = int(cfn.task_environment(container).get("DECODE_MEMORY_BUDGET_MB", "512"))
        memory = int(cfn.resources()[task]["Properties"]["Memory"])
        assert processes * (threads * budget + per_process_mb) <= memory, task
