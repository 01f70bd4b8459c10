"""Corpus fixtures for the pure processing steps (read in place from ../shared/corpus)."""

import json
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus"
MAX_PIXELS = 100_000_000


def corpus_files(*folders: str) -> list[Path]:
    files = [path for folder in folders for path in sorted((CORPUS / folder).iterdir())]
    assert files, f"no corpus files in {folders} under {CORPUS}"
    return files


def expected(name: str):
    return json.loads((CORPUS / f"expected-{name}.json").read_text())


def pytest_generate_tests(metafunc):
    """`good_file` runs a test for every good/ and large/ file, `bad_case` for every bad/ one."""
    if "good_file" in metafunc.fixturenames:
        files = corpus_files("good", "large")
        metafunc.parametrize("good_file", files, ids=[f"{p.parent.name}/{p.name}" for p in files])
    if "bad_case" in metafunc.fixturenames:
        cases = sorted(expected("bad").items())
        metafunc.parametrize(
            "bad_case",
            [(CORPUS / "bad" / name, case["expect"], case["why"]) for name, case in cases],
            ids=[name for name, _ in cases],
        )


@pytest.fixture
def corpus() -> Path:
    return CORPUS


@pytest.fixture
def max_pixels() -> int:
    return MAX_PIXELS
