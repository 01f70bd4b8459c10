"""Run every offline analysis on photo files and print what was found, as JSON.

    .venv/bin/python -m processing.vision PHOTO [PHOTO ...]

For operators checking an install (nothing is fetched; everything ships with the code) and
for the test that runs it with the network cut off and a fresh HOME.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, is_dataclass

from processing.steps.decode import decode
from processing.steps.metadata import extract_metadata
from processing.vision.analyses import ANALYSES, load_all, working_copy

MAX_PIXELS = 100_000_000


def plain(value):
    if is_dataclass(value):
        return asdict(value)
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def analyse_file(path: str) -> dict:
    with open(path, "rb") as fp:
        image = working_copy(decode(fp, max_pixels=MAX_PIXELS, target=(1600, 1600)).image)
        fp.seek(0)
        meta = extract_metadata(fp, max_pixels=MAX_PIXELS)
    gps = None if meta.latitude is None else (meta.latitude, meta.longitude)
    return {analysis.name: plain(analysis.run(image, gps)) for analysis in ANALYSES}


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    load_all()
    print(json.dumps({path: analyse_file(path) for path in argv}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
