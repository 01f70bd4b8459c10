"""deploy/aws/imagesite.yaml: cfn-lint finds nothing, and a few security properties hold."""

import json
from pathlib import Path

import pytest
from cfnlint import decode
from cfnlint.api import ManualArgs, lint_file

from tests.support.deploy import DEPLOY, LIBRARY_ENV

TEMPLATE = DEPLOY / "aws" / "imagesite.yaml"
# Read from the environment by the settings once the lead adds them (see deploy/README.md).
PENDING_SETTINGS: set[str] = {"DECODE_MEMORY_BUDGET_MB"}  # the hardening branch adds it
# Actions that take no resource-level permissions, so "*" is the only resource they accept.
RESOURCELESS_ACTIONS = {
    "rekognition:DetectLabels",
    "rekognition:DetectModerationLabels",
    "rekognition:DetectFaces",
    "rekognition:DetectText",
    "cloudwatch:PutMetricData",  # limited by a cloudwatch:namespace condition instead
}
PHOTO_PREFIXES = ("/originals/*", "/renditions/*", "/incoming/*", "/uploads/*")
BUCKET_ACTIONS = {"s3:ListBucket", "s3:ListBucketMultipartUploads"}  # on the bucket, no key


@pytest.fixture(scope="module")
def template() -> dict:
    loaded, problems = decode.decode(str(TEMPLATE))
    assert not problems, problems
    return loaded


@pytest.fixture(scope="module")
def resources(template) -> dict:
    return template["Resources"]


def of_type(resources, kind: str) -> dict:
    return {name: r["Properties"] for name, r in resources.items() if r["Type"] == kind}


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def statements(resources):
    """Every IAM statement in roles' inline policies and in bucket and queue policies."""
    for name, resource in resources.items():
        properties = resource.get("Properties", {})
        documents = [p["PolicyDocument"] for p in properties.get("Policies", [])]
        if "PolicyDocument" in properties:
            documents.append(properties["PolicyDocument"])
        for document in documents:
            for statement in document["Statement"]:
                yield name, statement


def test_cfn_lint_reports_nothing():
    matches = lint_file(Path(TEMPLATE), config=ManualArgs(regions=["us-east-1"]))
    serious = [m for m in matches if m.rule.id[0] in "EW"]
    assert not serious, "\n".join(str(m) for m in serious)


def test_the_bucket_is_private_encrypted_and_owner_enforced(resources):
    [bucket] = of_type(resources, "AWS::S3::Bucket").values()
    block = bucket["PublicAccessBlockConfiguration"]
    assert all(block[k] is True for k in ("BlockPublicAcls", "BlockPublicPolicy",
                                          "IgnorePublicAcls", "RestrictPublicBuckets"))  # fmt: skip
    assert "AccessControl" not in bucket and "WebsiteConfiguration" not in bucket
    [rule] = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    [cors] = bucket["CorsConfiguration"]["CorsRules"]
    assert cors["AllowedOrigins"] == [{"Ref": "SiteOrigin"}], "uploads only from the site"
    assert set(cors["AllowedMethods"]) == {"POST", "PUT"}, "POSTed uploads, PUT parts"
    assert "ETag" in cors["ExposedHeaders"]


def test_nothing_is_allowed_to_everyone(resources):
    for name, statement in statements(resources):
        if statement["Effect"] == "Allow" and "Principal" in statement:
            assert statement["Principal"] != "*" and "AWS" not in statement["Principal"], name


def test_no_wildcard_actions_and_no_wildcard_resources_but_where_aws_needs_them(resources):
    for name, statement in statements(resources):
        if statement["Effect"] != "Allow":
            continue
        actions = as_list(statement["Action"])
        assert not [a for a in actions if a == "*" or a.endswith(":*")], (name, actions)
        if "*" in as_list(statement["Resource"]):
            assert set(actions) <= RESOURCELESS_ACTIONS, (name, actions)


def test_task_roles_touch_only_the_photo_prefixes(resources):
    for name, statement in statements(resources):
        actions = as_list(statement["Action"])
        object_actions = [a for a in actions if a.startswith("s3:") and a not in BUCKET_ACTIONS]
        if statement["Effect"] == "Allow" and object_actions:
            for resource in as_list(statement["Resource"]):
                assert json.dumps(resource).endswith(tuple(p + '"}' for p in PHOTO_PREFIXES)), (
                    name,
                    resource,
                )


def test_data_at_rest_and_in_transit_is_encrypted(resources):
    [database] = of_type(resources, "AWS::RDS::DBCluster").values()
    assert database["StorageEncrypted"] is True
    assert database["ManageMasterUserPassword"] is True and "MasterUserPassword" not in database
    for instance in of_type(resources, "AWS::RDS::DBInstance").values():
        assert instance["PubliclyAccessible"] is False
    [cache] = of_type(resources, "AWS::ElastiCache::ReplicationGroup").values()
    assert cache["TransitEncryptionEnabled"] is True and cache["AtRestEncryptionEnabled"] is True
    for queue in of_type(resources, "AWS::SQS::Queue").values():
        assert queue["SqsManagedSseEnabled"] is True


def test_incoming_events_reach_a_queue_with_a_dead_letter_queue_and_an_alarm(resources):
    [bucket] = of_type(resources, "AWS::S3::Bucket").values()
    [notification] = bucket["NotificationConfiguration"]["QueueConfigurations"]
    assert notification["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "incoming/"}]
    queue = resources[notification["Queue"]["Fn::GetAtt"][0]]["Properties"]
    dead_letters = queue["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    alarmed = {
        alarm["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for alarm in of_type(resources, "AWS::CloudWatch::Alarm").values()
        if alarm["Namespace"] == "AWS/SQS"
    }
    assert dead_letters in alarmed
    metrics = {a["MetricName"] for a in of_type(resources, "AWS::CloudWatch::Alarm").values()}
    assert "HTTPCode_Target_5XX_Count" in metrics


def containers(resources) -> dict:
    return {
        name: definition["ContainerDefinitions"][0]
        for name, definition in of_type(resources, "AWS::ECS::TaskDefinition").items()
    }


def test_tasks_get_only_variables_the_settings_read(resources, settings_env):
    for name, container in containers(resources).items():
        names = [v["Name"] for v in container["Environment"] + container["Secrets"]]
        unknown = set(names) - settings_env - LIBRARY_ENV - PENDING_SETTINGS
        assert not unknown, f"{name}: nothing reads {sorted(unknown)}"
        for required in ("DJANGO_SECRET_KEY", "DATABASE_URL", "DRAMATIQ_BROKER_URL",
                         "AWS_STORAGE_BUCKET_NAME", "DJANGO_ALLOWED_HOSTS"):  # fmt: skip
            assert required in names, f"{name}: {required} is missing"
        secrets = {s["Name"] for s in container["Secrets"]}
        assert "DJANGO_SECRET_KEY" in secrets, "secrets never in plain env"
        # The rotated database password is read at connect time, not injected at start.
        assert "DATABASE_PASSWORD" not in names and "DATABASE_SECRET_ARN" in names, name


def test_worker_services_split_the_pipeline_queues(resources, pipeline_queues):
    from django_dramatiq.management.commands.rundramatiq import Command

    parser = Command().create_parser("manage.py", "rundramatiq")
    queue_sets = []
    for container in containers(resources).values():
        command = container.get("Command") or []
        if command[:3] == ["python", "manage.py", "rundramatiq"]:
            queue_sets.append(set(parser.parse_args(command[3:]).queues))
    assert len(queue_sets) == 2
    assert queue_sets[0].isdisjoint(queue_sets[1])
    assert queue_sets[0] | queue_sets[1] == pipeline_queues


def test_the_load_balancer_checks_liveness_not_the_deep_healthz(resources):
    [group] = of_type(resources, "AWS::ElasticLoadBalancingV2::TargetGroup").values()
    assert group["HealthCheckPath"] == "/livez"
    commands = [json.dumps(c.get("Command", [])) for c in containers(resources).values()]
    assert any("consume_s3_events" in c for c in commands)
    assert any("cleanup_uploads" in c for c in commands)
    assert any("purge_trash" in c for c in commands)
