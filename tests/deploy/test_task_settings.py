"""The settings import, and pass Django's deploy checks, with every task's environment as
CloudFormation and compose write it (secrets as placeholders)."""

import os
import subprocess
import sys

import pytest
import yaml

from tests.deploy import cfn
from tests.support.deploy import DEPLOY, ROOT

COMPOSE_APP_SERVICES = ("web", "worker-thumbnails", "worker-labels", "migrate")


def _check(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """manage.py check in a clean process with only this environment (plus PATH)."""
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    clean.update(env, IMAGESITE_READ_DOTENV="0", DJANGO_SETTINGS_MODULE="imagesite.settings")
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("task", sorted(cfn.task_containers()))
def test_each_cloudformation_task_environment_passes_the_deploy_checks(task):
    env = cfn.task_environment(cfn.task_containers()[task])
    result = _check(env, "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, f"{task}:\n{result.stdout}{result.stderr}"
    assert "no issues" in result.stdout


def _compose_environment(service: dict) -> dict[str, str]:
    env = {}
    for name, value in (service.get("environment") or {}).items():
        value = str(value)
        if value.startswith("${"):  # ${VAR:-default}
            value = value.split(":-", 1)[1].rstrip("}")
        env[name] = value
    return env


@pytest.mark.parametrize("service", COMPOSE_APP_SERVICES)
def test_each_compose_service_environment_passes_the_checks(service):
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    env = _compose_environment(compose["services"][service])
    # Plain HTTP on localhost: the HTTPS warnings do not apply; errors (a per-process
    # cache, a broker scheme the settings do not know) do.
    result = _check(env, "--deploy", "--fail-level", "ERROR")
    assert result.returncode == 0, f"{service}:\n{result.stdout}{result.stderr}"


def test_the_web_task_trusts_one_proxy_and_shares_its_cache():
    env = cfn.task_environment(cfn.task_containers()["WebTaskDefinition"])
    assert env["TRUSTED_PROXY_COUNT"] == "1"
    assert env["CACHE_URL"].startswith("rediss://")
    assert env["DRAMATIQ_BROKER_URL"].startswith("rediss://")
