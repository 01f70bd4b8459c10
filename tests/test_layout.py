"""The test tree itself: pytest imports test modules by their base name (no packages under
tests/), so two test files of one name in different folders make a whole run fail to collect."""

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_no_two_test_modules_share_a_name():
    names = Counter(path.name for path in TESTS.rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []


def test_tests_share_helpers_through_tests_support_only():
    """A helper another test needs lives in tests/support/, never in a test module (or a
    conftest), so running one file never depends on how another is written."""
    import re

    imports = re.compile(r"^\s*(from|import) tests\.(?!support\b)[\w.]*(test_\w+|conftest)\b", re.M)
    found = [
        path.relative_to(TESTS).as_posix()
        for path in TESTS.rglob("*.py")
        if imports.search(path.read_text())
    ]
    assert found == []


def _said_why(lines: list[str], lineno: int) -> bool:
    """A comment on the import's line, or on the line above its block of imports."""
    first = lineno - 1
    while first > 0 and lines[first - 1].strip().startswith(("from ", "import ")):
        first -= 1
    return "#" in lines[lineno - 1] or "#" in lines[first - 1]


def test_every_import_inside_a_function_says_why():
    """Imports run at the top of a module; one made later (an optional extra, Django's app
    registry, a model that loads on import) has a comment on it or on the block above."""
    import ast

    root = TESTS.parent
    found = []
    for package in ("albums", "imagesite", "processing"):
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            lines = path.read_text().splitlines()
            for node in ast.walk(ast.parse("\n".join(lines))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    imports = (
                        n for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)
                    )
                    found += [
                        f"{path.relative_to(root)}:{item.lineno}"
                        for item in imports
                        if not _said_why(lines, item.lineno)
                    ]
    assert found == []
