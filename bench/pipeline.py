"""Per-photo pipeline cost before and after the one-decode redesign, in one command.

"before" is what the three steps of the old pipeline did with each original, in order:
the metadata step (hash, decode at 1/8 scale to validate, EXIF), the thumbnails step (decode
again at the preview's size, render) and the labels step (decode a third time, at 512 px).
"after" is today's `ingest` (hash once, one decode, metadata and renditions from it) plus the
labels step's working copy (the preview rendition, decoded). Both run the same pure code
paths, in child processes of their own so that peak memory (ru_maxrss) is each one's.

    .venv/bin/python bench/pipeline.py [--runs 5] [FILE...]   # default: ../shared/corpus/large
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import sys
from pathlib import Path

from common import CORPUS, ROOT

MAX_PIXELS = 100_000_000


def before(path: Path) -> None:
    from processing.steps.decode import decode
    from processing.steps.metadata import extract_metadata
    from processing.steps.thumbnails import render_renditions

    with path.open("rb") as fp:
        extract_metadata(fp, max_pixels=MAX_PIXELS)
    with path.open("rb") as fp:
        render_renditions(fp, max_pixels=MAX_PIXELS)
    with path.open("rb") as fp:
        decode(fp, max_pixels=MAX_PIXELS, target=(512, 512))


def after(path: Path) -> None:
    from PIL import Image

    from processing.steps.ingest import ingest

    with path.open("rb") as fp:
        result = ingest(fp, max_pixels=MAX_PIXELS)
    preview = next(r for r in result.renditions if r.name == "preview")
    with Image.open(io.BytesIO(preview.data)) as image:  # the working copy analyses read
        image.load()


def child(way: str, path: str, runs: int) -> None:
    """Run one way on one file `runs` times; print timings and peak RSS as JSON."""
    import resource
    import time

    sys.path.insert(0, str(ROOT))
    run = {"before": before, "after": after}[way]
    run(Path(path))  # warm: imports, codecs
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run(Path(path))
        times.append(time.perf_counter() - started)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"times": times, "peak_mb": peak_kb / 1024}))


def measure(way: str, path: Path, runs: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", way, str(path), "--runs", str(runs)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("WAY", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.runs)
        return
    files = args.files or sorted((CORPUS / "large").iterdir())
    header = f"{'file':34} {'before ms':>10} {'after ms':>10} {'ratio':>6}"
    print(f"{header}   {'MB before':>9} {'after':>6}")
    ratios, memory = [], []
    for path in files:
        old, new = measure("before", path, args.runs), measure("after", path, args.runs)
        t_old, t_new = statistics.median(old["times"]), statistics.median(new["times"])
        ratios.append(t_new / t_old)
        memory.append(new["peak_mb"] / old["peak_mb"])
        print(
            f"{path.name[:34]:34} {t_old * 1000:10.1f} {t_new * 1000:10.1f} {t_new / t_old:6.2f}"
            f"   {old['peak_mb']:9.0f} {new['peak_mb']:6.0f}"
        )
    time_ratio, memory_ratio = statistics.geometric_mean(ratios), statistics.geometric_mean(memory)
    print(
        f"\nafter/before, geometric mean over {len(files)} files: time {time_ratio:.2f}, "
        f"peak memory {memory_ratio:.2f}"
    )


if __name__ == "__main__":
    main()
