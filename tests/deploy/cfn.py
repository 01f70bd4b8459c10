"""deploy/aws/imagesite.yaml read as CloudFormation would: intrinsic functions resolved with
placeholder values, task definitions' environments, commands and roles."""

import functools
import re

from cfnlint import decode

from tests.support.deploy import DEPLOY

TEMPLATE = DEPLOY / "aws" / "imagesite.yaml"
ACCOUNT, REGION = "123456789012", "us-east-1"
BUCKET = "imagesite-0123abcd"
PLACEHOLDERS = {  # what CloudFormation would put in, for the names the environments use
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::Partition": "aws",
    "AWS::StackName": "imagesite",
    "SiteOrigin": "https://photos.example.com",
    "Bucket": BUCKET,
    "Bucket.Arn": f"arn:aws:s3:::{BUCKET}",
    "IncomingQueue": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/imagesite-incoming",
    "IncomingQueue.Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:imagesite-incoming",
    "DatabaseCluster.Endpoint.Address": "imagesite.cluster-abc.us-east-1.rds.amazonaws.com",
    "DatabaseCluster.Endpoint.Port": "3306",
    "DatabaseCluster.MasterUserSecret.SecretArn": (
        f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:rds!cluster-0123-AbCdEf"
    ),
    "Cache.PrimaryEndPoint.Address": "master.imagesite.abc.use1.cache.amazonaws.com",
    "Cache.PrimaryEndPoint.Port": "6379",
    "LabelDetector": "rekognition",
    "DefaultFromEmail": "imagesite <noreply@example.com>",
}


@functools.cache
def template() -> dict:
    loaded, problems = decode.decode(str(TEMPLATE))
    assert not problems, problems
    return loaded


def resolve(value):
    """Fn::Sub, Ref, Fn::GetAtt, Fn::Select, Fn::Split and Fn::Join over placeholders."""
    if isinstance(value, list):
        return [resolve(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) != 1:
        return {k: resolve(v) for k, v in value.items()}
    [(function, argument)] = value.items()
    if function == "Ref":
        return PLACEHOLDERS.get(argument, f"{argument}-id")
    if function == "Fn::GetAtt":
        name = ".".join(argument) if isinstance(argument, list) else argument
        return PLACEHOLDERS.get(name, f"arn:aws:iam::{ACCOUNT}:role/{name.split('.')[0]}")
    if function == "Fn::Sub":
        return re.sub(r"\$\{([^}]+)\}", lambda m: str(PLACEHOLDERS.get(m[1], m[1])), argument)
    if function == "Fn::Select":
        index, items = argument
        return resolve(items)[int(index)]
    if function == "Fn::Split":
        separator, text = argument
        return resolve(text).split(separator)
    if function == "Fn::Join":
        separator, items = argument
        return separator.join(resolve(items))
    return {function: resolve(argument)}


def resources(kind: str | None = None) -> dict:
    return {
        name: r for name, r in template()["Resources"].items() if kind is None or r["Type"] == kind
    }


def task_containers() -> dict:
    """Task definition name -> its app container definition (unresolved)."""
    return {
        name: r["Properties"]["ContainerDefinitions"][0]
        for name, r in resources("AWS::ECS::TaskDefinition").items()
    }


def task_environment(container: dict) -> dict[str, str]:
    """The environment a task starts with; secrets as placeholders of their shape."""
    env = {v["Name"]: str(resolve(v["Value"])) for v in container["Environment"]}
    for secret in container.get("Secrets", []):
        env[secret["Name"]] = {
            "DJANGO_SECRET_KEY": "Pl4ceholder-secret-key-" + "x" * 48,
            "EMAIL_URL": "smtp+tls://user:password@email-smtp.us-east-1.amazonaws.com:587",
        }.get(secret["Name"], "placeholder")
    return env


def task_role(task_definition: str) -> str:
    """The IAM role resource a task definition's containers run as."""
    arn = resources()[task_definition]["Properties"]["TaskRoleArn"]
    return arn["Fn::GetAtt"][0]
