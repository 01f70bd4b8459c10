"""Every AWS call the code makes in the test suite is allowed to the role that makes it.

The tests that talk to AWS (moto over HTTP, botocore stubs) run once more in a subprocess
with tests.deploy.aws_calls, which records each call with the role whose code made it; each
call is then checked against that role's IAM policies in deploy/aws/imagesite.yaml. A
permission removed from the template, or a new call no policy allows, fails here.
"""

import copy
import fnmatch
import json
import os
import subprocess
import sys
from collections import defaultdict

import pytest

from tests.deploy import cfn
from tests.support.deploy import ROOT

# One worker runs this module. The recording (a whole pytest run) is session-scoped: xdist
# hands that worker this module's tests between others', and a module-scoped fixture is
# torn down and made again each time the module changes (it ran three times, ~45 s each).
pytestmark = pytest.mark.xdist_group("iam_coverage")

# The test files whose code paths call AWS (found by what they use, so new ones join).
AWS_MARKERS = ("moto_endpoint", "s3_storage", "sqs_queue", "boto3", "Stubber", "rekognition")
NOT_RECORDED = {"test_iam_coverage.py", "test_cloudformation.py", "test_task_settings.py"}
# S3 operations whose IAM action is not s3:<Operation>.
S3_ACTIONS = {
    "HeadObject": "s3:GetObject",
    "PresignedPost": "s3:PutObject",  # the browser's POST is authorized as the signer
    "CreateMultipartUpload": "s3:PutObject",
    "UploadPart": "s3:PutObject",
    "CompleteMultipartUpload": "s3:PutObject",
    "ListParts": "s3:ListMultipartUploadParts",
    "ListMultipartUploads": "s3:ListBucketMultipartUploads",
    "ListObjectsV2": "s3:ListBucket",
    "ListObjects": "s3:ListBucket",
    "HeadBucket": "s3:ListBucket",
}
SERVICE_PREFIX = {"monitoring": "cloudwatch"}  # signing name -> IAM prefix, where they differ


def aws_test_files() -> list[str]:
    files = []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        if path.name not in NOT_RECORDED and any(m in path.read_text() for m in AWS_MARKERS):
            files.append(str(path.relative_to(ROOT)))
    return files


@pytest.fixture(scope="session")
def recorded_calls(tmp_path_factory) -> list[dict]:
    output = tmp_path_factory.mktemp("aws-calls") / "calls.jsonl"
    # A Redis database (claimed by the run itself, tests/support/workers.py) and a MariaDB
    # test database of its own, never this run's workers'.
    env = dict(os.environ, IMAGESITE_AWS_CALLS=str(output))
    env.pop("IMAGESITE_TEST_REDIS_DB", None)
    worker = env.pop("PYTEST_XDIST_WORKER", "main")
    url = env.get("DATABASE_URL", "")
    if url.startswith("mysql"):
        env["DATABASE_URL"] = f"{url.rstrip('/')}_aws_calls_{worker}_{os.getpid()}"
    # The slow (outage) and browser tests call nothing the quick ones do not.
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts="]
    command += ["--show-capture=no", "--tb=short"]  # a failure's report, without server logs
    command += ["-p", "tests.deploy.aws_calls", "-m", "not e2e and not slow", *aws_test_files()]
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200
    )
    report = result.stdout.partition("= FAILURES =")[2] or result.stdout
    assert result.returncode == 0, report[-6000:] + result.stderr[-2000:]
    calls = [json.loads(line) for line in output.read_text().splitlines()]
    assert calls, "no AWS call was recorded"
    return calls


def iam_requests(call: dict) -> list[tuple[str, str]]:
    """(action, resource ARN) pairs the call needs, on the template's bucket, queue, secret."""
    service, operation = call["service"], call["operation"]
    if service == "s3":
        bucket = cfn.PLACEHOLDERS["Bucket.Arn"]
        if operation == "CopyObject":
            source = call["CopySource"]
            key = source["Key"] if isinstance(source, dict) else source.split("/", 1)[1]
            return [
                ("s3:GetObject", f"{bucket}/{key}"),
                ("s3:PutObject", f"{bucket}/{call['Key']}"),
            ]
        if operation == "DeleteObjects":
            return [("s3:DeleteObject", f"{bucket}/{key}") for key in call["Keys"]]
        action = S3_ACTIONS.get(operation, f"s3:{operation}")
        return [(action, f"{bucket}/{call['Key']}" if "Key" in call else bucket)]
    if service == "sqs":
        return [(f"sqs:{operation}", cfn.PLACEHOLDERS["IncomingQueue.Arn"])]
    if service == "secretsmanager":
        return [(f"secretsmanager:{operation}", cfn.PLACEHOLDERS[
            "DatabaseCluster.MasterUserSecret.SecretArn"])]  # fmt: skip
    return [(f"{SERVICE_PREFIX.get(service, service)}:{operation}", "*")]


def role_statements(template: dict, role: str) -> list[dict]:
    properties = template["Resources"][role]["Properties"]
    return [
        statement
        for policy in properties.get("Policies", [])
        for statement in policy["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Allow"
    ]


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def allows(statements: list[dict], action: str, resource: str, call: dict) -> bool:
    for statement in statements:
        if not any(fnmatch.fnmatchcase(action, a) for a in as_list(statement["Action"])):
            continue
        patterns = [str(cfn.resolve(r)) for r in as_list(statement["Resource"])]
        if not any(fnmatch.fnmatchcase(resource, p) for p in patterns):
            continue
        condition = statement.get("Condition", {}).get("StringEquals", {})
        if "cloudwatch:namespace" in condition and condition["cloudwatch:namespace"] != call.get(
            "Namespace"
        ):
            continue
        return True
    return False


def roles_by_process(template: dict) -> dict[str, list[str]]:
    """Recorded role -> the IAM roles that must allow its calls (all of them)."""
    from django_dramatiq.management.commands.rundramatiq import Command

    parser = Command().create_parser("manage.py", "rundramatiq")
    resources = template["Resources"]
    tasks = {n: r for n, r in resources.items() if r["Type"] == "AWS::ECS::TaskDefinition"}
    role = {n: r["Properties"]["TaskRoleArn"]["Fn::GetAtt"][0] for n, r in tasks.items()}
    processes = {
        "web": [role["WebTaskDefinition"]],
        "maintenance": [role["MaintenanceTaskDefinition"]],
        "ingest": [role["IngestTaskDefinition"]],
        "backlog": [role["BacklogTaskDefinition"]],
        "every-task": sorted(set(role.values())),
    }
    for name, task in tasks.items():
        command = task["Properties"]["ContainerDefinitions"][0].get("Command", [])
        if command[2:3] == ["rundramatiq"]:
            for queue in parser.parse_args(command[3:]).queues or []:
                processes.setdefault(f"worker:{queue}", []).append(role[name])
    return processes


def shown(resource: str) -> str:
    """A key as its prefix: one line per missing permission, not per object."""
    bucket = cfn.PLACEHOLDERS["Bucket.Arn"]
    if resource.startswith(bucket + "/"):
        return f"{bucket}/{resource[len(bucket) + 1 :].split('/', 1)[0]}/*"
    return resource


def denied(template: dict, calls: list[dict]) -> list[str]:
    processes = roles_by_process(template)
    workers = sorted({r for p, rs in processes.items() if p.startswith("worker:") for r in rs})
    problems = set()
    for call in calls:
        for action, resource in iam_requests(call):
            if call["role"] == "worker:any":  # a step's code called outside a worker
                if not any(allows(role_statements(template, r), action, resource, call)
                           for r in workers):  # fmt: skip
                    problems.add(f"no worker role allows {action} on {shown(resource)}")
                continue
            roles = processes.get(call["role"])
            if not roles:
                problems.add(f"{call['role']}: no task in the template runs it ({action})")
                continue
            for role in roles:
                if not allows(role_statements(template, role), action, resource, call):
                    problems.add(f"{role} ({call['role']}) may not {action} on {shown(resource)}")
    return sorted(problems)


def test_every_recorded_aws_call_is_allowed_to_its_role(recorded_calls):
    problems = denied(cfn.template(), recorded_calls)
    assert not problems, "\n".join(problems)


def test_the_recording_covers_every_process_that_calls_aws(recorded_calls):
    seen = defaultdict(set)
    for call in recorded_calls:
        seen[call["role"]].add(f"{call['service']}:{call['operation']}")
    # The maintenance task runs as the web's role. Most of its tests delete in on-commit
    # callbacks run after the command's frame (recorded as the web's); purge_trash's S3 test
    # commits for real, so its deletes are recorded as the maintenance task's.
    for role in ("web", "maintenance", "ingest", "backlog", "every-task"):
        assert seen[role], f"no AWS call recorded for {role}: {dict(seen)}"
    assert any(r.startswith("worker:") and r != "worker:any" for r in seen), dict(seen)


def test_a_permission_removed_from_the_template_is_caught(recorded_calls):
    """The check has teeth: drop the ingest role's uploads/ read (the bug this file found)."""
    template = copy.deepcopy(cfn.template())
    statements = template["Resources"]["IngestTaskRole"]["Properties"]["Policies"][0]
    document = statements["PolicyDocument"]
    document["Statement"] = [
        s for s in document["Statement"] if "/uploads/*" not in json.dumps(s.get("Resource"))
    ]
    problems = denied(template, recorded_calls)
    assert any("IngestTaskRole (ingest) may not s3:GetObject" in p and "/uploads/" in p
               for p in problems), problems  # fmt: skip
