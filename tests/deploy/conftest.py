"""What the deployment files are checked against: the settings' variables and the queues."""

import re

import pytest

from tests.support.deploy import ROOT


@pytest.fixture(scope="session")
def settings_env() -> set[str]:
    """Every environment variable imagesite/settings.py reads, by name."""
    source = (ROOT / "imagesite" / "settings.py").read_text()
    return set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]+)\"", source))


@pytest.fixture(scope="session")
def pipeline_queues() -> set[str]:
    """The queues the pipeline's actors are declared on."""
    from processing import registry, tasks

    return {step.queue for step in registry.steps()} | {tasks.step_exhausted.queue_name}
