"""THIRD_PARTY_NOTICES.md names every runtime dependency installed, at its version, with the
licence its metadata gives (scripts/third_party_notices.py prints the table again)."""

import importlib.util
import re
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location(
        "third_party_notices", ROOT / "scripts" / "third_party_notices.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows() -> dict[str, tuple[str, str]]:
    """The notices table: (version, licence) by package name."""
    text = (ROOT / "THIRD_PARTY_NOTICES.md").read_text()
    found = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.match(r"^\d", cells[1]):
            found[cells[0]] = (cells[1], cells[2])
    return found


def test_every_runtime_dependency_is_listed_with_its_version_and_licence():
    script = _script()
    try:
        metadata.distribution("mysqlclient")
    except metadata.PackageNotFoundError:
        pytest.skip("mysqlclient is not installed (no MySQL client library to build it)")
    installed = {
        dist.metadata["Name"]: (dist.version, script.licence(dist))
        for dist in script.closure().values()
    }
    rows = _rows()
    assert set(rows) == set(installed), (
        "rerun scripts/third_party_notices.py into THIRD_PARTY_NOTICES.md: "
        f"missing {sorted(set(installed) - set(rows))}, extra {sorted(set(rows) - set(installed))}"
    )
    assert rows == installed


def test_the_models_and_data_section_is_there():
    assert "\n## Models and data\n" in (ROOT / "THIRD_PARTY_NOTICES.md").read_text()
