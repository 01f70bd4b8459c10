"""deploy/compose.yaml: structure, queues and environment, checked without a Docker engine.

The compose-spec JSON schema is not vendored (tens of kB, and not shipped by any package the
project installs); these checks cover what a typo or a missed queue would break.
"""

import json
import re
import shlex

import pytest
import yaml

from tests.support.deploy import DEPLOY, LIBRARY_ENV

APP_SERVICES = ("web", "worker-thumbnails", "worker-labels", "migrate")
REQUIRED_ENV = {
    "DJANGO_SECRET_KEY": None,
    "DATABASE_URL": None,
    "DRAMATIQ_BROKER_URL": None,
    "AWS_STORAGE_BUCKET_NAME": None,
    "AWS_S3_ENDPOINT_URL": None,
    "AWS_S3_ADDRESSING_STYLE": "path",
    "DJANGO_ALLOWED_HOSTS": None,
    "DJANGO_SECURE": "0",
}
# Top-level and service keys of the Compose Specification (https://compose-spec.io).
TOP_LEVEL = {"version", "name", "include", "services", "networks", "volumes", "secrets", "configs"}
SERVICE_KEYS = set(
    """annotations attach blkio_config build cap_add cap_drop cgroup cgroup_parent command
    configs container_name cpu_count cpu_percent cpu_period cpu_quota cpu_rt_period
    cpu_rt_runtime cpu_shares cpus cpuset credential_spec depends_on deploy develop
    device_cgroup_rules devices dns dns_opt dns_search domainname entrypoint env_file
    environment expose extends external_links extra_hosts gpus group_add healthcheck hostname
    image init ipc isolation labels links logging mac_address mem_limit mem_reservation
    mem_swappiness memswap_limit network_mode networks oom_kill_disable oom_score_adj pid
    pids_limit platform ports post_start pre_stop privileged profiles pull_policy read_only
    restart runtime scale secrets security_opt shm_size stdin_open stop_grace_period
    stop_signal storage_opt sysctls tmpfs tty ulimits user userns_mode uts volumes
    volumes_from working_dir""".split()
)
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def words(command) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else list(command)


def test_only_compose_spec_keys(compose, services):
    assert set(compose) - TOP_LEVEL <= {k for k in compose if k.startswith("x-")}
    for name, service in services.items():
        assert not set(service) - SERVICE_KEYS, (
            f"{name}: unknown keys {set(service) - SERVICE_KEYS}"
        )


def test_every_service_has_an_image_or_a_build(services):
    for name, service in services.items():
        assert service.get("image") or service.get("build"), name


def test_the_app_image_builds_from_the_deploy_dockerfile(services):
    for name in APP_SERVICES:
        build = services[name]["build"]
        assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == (
            DEPLOY / "Dockerfile"
        ).resolve(), name


def test_dependencies_name_services_with_valid_conditions(services):
    for name, service in services.items():
        for needed, how in (service.get("depends_on") or {}).items():
            assert needed in services, f"{name} depends on unknown {needed}"
            assert how["condition"] in CONDITIONS, (name, needed)
    for name in ("web", "worker-thumbnails", "worker-labels"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["create-bucket"]["condition"] == "service_completed_successfully", name


def test_named_volumes_are_declared(compose, services):
    declared = set(compose.get("volumes") or {})
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name}: volume {source} is not declared"


def test_workers_split_the_pipeline_queues_between_them(services, pipeline_queues):
    from django_dramatiq.management.commands.rundramatiq import Command

    parser = Command().create_parser("manage.py", "rundramatiq")
    queues = {}
    for name in ("worker-thumbnails", "worker-labels"):
        argv = words(services[name]["command"])
        assert argv[:3] == ["python", "manage.py", "rundramatiq"], name
        options = parser.parse_args(argv[3:])  # the real command's parser: no typos
        assert options.processes >= 1 and options.threads >= 1
        queues[name] = set(options.queues or ())
    assert queues["worker-thumbnails"].isdisjoint(queues["worker-labels"])
    assert queues["worker-thumbnails"] | queues["worker-labels"] == pipeline_queues
    assert "labels" in queues["worker-labels"] and "ingest" in queues["worker-thumbnails"]


def test_app_services_get_the_environment_the_settings_read(services, settings_env):
    for name in APP_SERVICES:
        env = services[name]["environment"]
        for variable, value in REQUIRED_ENV.items():
            assert env.get(variable), f"{name}: {variable} is not set"
            if value is not None:
                assert env[variable] == value, f"{name}: {variable}={env[variable]!r}"
        unknown = set(env) - settings_env - LIBRARY_ENV
        assert not unknown, f"{name}: nothing reads {sorted(unknown)} (a typo?)"


def test_the_database_is_mysql_8_in_utf8mb4(services):
    mysql = services["mysql"]
    assert mysql["image"].startswith("mysql:8")
    assert "--character-set-server=utf8mb4" in words(mysql["command"])
    assert services["web"]["environment"]["DATABASE_URL"].startswith("mysql://")


def test_the_bucket_is_made_private_by_a_one_shot(services):
    script = " ".join(words(services["create-bucket"]["entrypoint"]))
    bucket = services["web"]["environment"]["AWS_STORAGE_BUCKET_NAME"]
    assert f"mc mb --ignore-existing local/{bucket}" in script
    assert f"mc anonymous set none local/{bucket}" in script
    # Staged browser uploads expire, as the AWS bucket's lifecycle rule has them.
    rules = json.loads(re.search(r"echo '(.*?)' \| mc ilm import", script).group(1))
    assert f"| mc ilm import local/{bucket}" in script
    assert {"ID": "expire-uploads", "Status": "Enabled", "Filter": {"Prefix": "uploads/"},
            "Expiration": {"Days": 1}} in rules["Rules"]  # fmt: skip
    assert services["create-bucket"]["restart"] == "no"
