"""Print THIRD_PARTY_NOTICES.md's table of runtime dependencies, from the installed metadata.

The runtime dependencies are pyproject.toml's `dependencies` and the `mysql` extra (what the
container image installs), with everything they require, at the versions requirements.lock
pins; the test extra is left out. Each licence is read from the installed distribution
(License-Expression, else its "License ::" classifiers, else a short License field, else
the opening words of its licence file).

    .venv/bin/python scripts/third_party_notices.py > /tmp/table.md
"""

import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_EXTRAS = ("mysql",)


def runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in RUNTIME_EXTRAS:
        lines += project["optional-dependencies"][extra]
    return [Requirement(line) for line in lines]


def closure() -> dict[str, metadata.Distribution]:
    """Every distribution the runtime requirements pull in, by canonical name."""
    found: dict[str, metadata.Distribution] = {}
    todo = [(r, frozenset(r.extras)) for r in runtime_requirements()]
    seen_extras: dict[str, set] = {}
    while todo:
        requirement, extras = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in found and extras <= seen_extras[name]:
            continue
        dist = metadata.distribution(requirement.name)
        found[name] = dist
        seen_extras.setdefault(name, set()).update(extras)
        for line in dist.requires or []:
            child = Requirement(line)
            wanted = [{"extra": e} for e in seen_extras[name]] or [{"extra": ""}]
            if child.marker is None or any(child.marker.evaluate(env) for env in wanted):
                todo.append((child, frozenset(child.extras)))
    return found


def licence(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    if meta.get("License-Expression"):
        return meta["License-Expression"]
    text = (meta.get("License") or "").strip()
    classifiers = [
        c.split("::")[-1].strip()
        for c in meta.get_all("Classifier") or []
        if c.startswith("License ::")
    ]
    if classifiers:
        return " / ".join(classifiers)
    if text and len(text) < 60 and "\n" not in text:
        return text
    return _from_licence_file(dist) or "not stated in the metadata"


# What a licence file's opening says, for distributions whose metadata names none.
LICENCE_TEXTS = {
    "Apache License, Version 2.0": "Apache-2.0",
    "MIT License": "MIT",
    "Permission is hereby granted, free of charge": "MIT",
    "Redistribution and use in source and binary forms": "BSD",
}


def _from_licence_file(dist: metadata.Distribution) -> str:
    for path in dist.files or []:
        if "licen" in path.name.lower() or "copying" in path.name.lower():
            text = re.sub(r"\s+", " ", path.locate().read_text(errors="replace"))
            for words, name in LICENCE_TEXTS.items():
                if words in text:
                    return f"{name} (from {path.name})"
    return ""


def main() -> None:
    rows = sorted(closure().items())
    print("| package | version | licence | home page |")
    print("|---|---|---|---|")
    for _, dist in rows:
        meta = dist.metadata
        urls = {}
        for url in meta.get_all("Project-URL") or []:
            label, _, link = url.partition(",")
            urls[label.strip().lower()] = link.strip()
        home = meta.get("Home-page") or next(
            (
                urls[k]
                for k in ("homepage", "home", "source", "repository", "source code")
                if k in urls
            ),
            next(iter(urls.values()), ""),
        )
        print(f"| {meta['Name']} | {dist.version} | {licence(dist)} | {home} |")
    print(f"\n{len(rows)} packages.", file=sys.stderr)


if __name__ == "__main__":
    main()
