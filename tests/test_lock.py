"""requirements.lock is what pyproject.toml asks for, and what this environment runs.

scripts/lock rewrites the lock; these checks need no network: every dependency pyproject.toml
names (every extra) has an exact pin in the lock inside its range, the lock pins nothing
pyproject.toml no longer asks for directly, and every locked package installed here is the
locked release (scripts/_venv.sh installs with the lock as constraints).
"""

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
FIX = "run scripts/lock and commit requirements.lock"


def _pyproject_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    return [Requirement(line) for line in lines]


def _lock() -> tuple[dict[str, str], set[str]]:
    """The lock's pins by canonical name, and the names it says pyproject.toml asked for."""
    pins, direct, current = {}, set(), None
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line):
            current = canonicalize_name(match[1])
            pins[current] = match[2]
        elif "imagesite (pyproject.toml)" in line and current:
            direct.add(current)
    return pins, direct


def test_the_lock_records_the_command_that_made_it():
    header = (ROOT / "requirements.lock").read_text().splitlines()[:2]
    assert header[1].strip("# ").startswith("uv pip compile pyproject.toml --all-extras"), header


def test_every_dependency_in_pyproject_is_pinned_in_the_lock_inside_its_range():
    pins, _ = _lock()
    problems = []
    for requirement in _pyproject_requirements():
        name = canonicalize_name(requirement.name)
        if name not in pins:
            problems.append(f"{requirement} is not in the lock")
        elif not requirement.specifier.contains(pins[name], prereleases=True):
            problems.append(f"the lock pins {name}=={pins[name]}, outside {requirement}")
    assert not problems, f"{FIX}:\n" + "\n".join(problems)


def test_the_lock_pins_nothing_pyproject_no_longer_asks_for():
    _, direct = _lock()
    asked = {canonicalize_name(r.name) for r in _pyproject_requirements()}
    assert direct <= asked, f"{FIX}: locked as direct but not in pyproject: {direct - asked}"


def test_the_installed_packages_are_the_locked_releases():
    pins, _ = _lock()
    installed = {
        canonicalize_name(dist.metadata["Name"]): dist.version for dist in metadata.distributions()
    }
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    needed = [Requirement(line) for line in project["dependencies"]]
    needed += [Requirement(line) for line in project["optional-dependencies"]["test"]]
    missing = [str(r) for r in needed if canonicalize_name(r.name) not in installed]
    assert not missing, f"not installed (rerun scripts/test): {missing}"
    wrong = {
        name: f"{installed[name]} installed, {pin} locked"
        for name, pin in pins.items()
        if name in installed and installed[name] != pin
    }
    assert not wrong, f"the environment is not the lock (rerun scripts/test): {wrong}"
