"""Time each offline photo analysis on one core over the corpus, and a worker's memory.

    .venv/bin/python bench/analyses.py [--only labels,faces,...] [--limit N] [--core 0]

Every decodable photo in ../shared/corpus/good, large and cameras is decoded once into the
working copy a stage is handed (upright RGB, ≤ 1600 px), outside the timing. The process is
pinned to one core (`--core`) and every model runs with one thread (processing.vision.runtime),
so the numbers are per core: a worker thread's cost. Models are loaded and warmed on one
photo before timing. Per analysis the median and the worst time per photo are printed, then
labels + faces + moderation summed per photo (the work that runs before a photo's labels
show), then the peak resident memory of a fresh process that loads every model and runs each
analysis on a poster and the four large/ photos (what a worker with all models loaded holds).

Targets: labels + faces + moderation ≤ 120 ms per photo (median), text ≤ 1 s median, a
process with every model loaded ≤ 600 MB peak RSS. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from common import CORPUS, ROOT

sys.path.insert(0, str(ROOT))

from processing.steps.decode import decode  # noqa: E402
from processing.steps.metadata import extract_metadata  # noqa: E402
from processing.vision.analyses import ANALYSES, BY_NAME, load_all, working_copy  # noqa: E402

FOLDERS = ("good", "large", "cameras")
MAX_PIXELS = 100_000_000
QUICK = ("labels", "faces", "moderation")
TARGET_QUICK_MS = 120
TARGET_TEXT_MS = 1000
TARGET_RSS_MB = 600
# VmHWM, not ru_maxrss: ru_maxrss survives exec, so a child forked from this process (which
# holds every decoded photo) would report this process's size.
RSS_CHILD = """
import sys
sys.path.insert(0, {root!r})
from processing.steps.decode import decode
from processing.vision.analyses import ANALYSES, load_all, working_copy
load_all()
for path in {photos!r}:
    with open(path, "rb") as fp:
        image = working_copy(decode(fp, max_pixels=100_000_000, target=(1600, 1600)).image)
    for analysis in ANALYSES:
        analysis.run(image, (43.4674, 11.8851))
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print(status["VmHWM"].split()[0])
"""


def corpus(limit: int | None):
    paths = [p for folder in FOLDERS for p in sorted((CORPUS / folder).iterdir()) if p.is_file()]
    for path in paths[:limit]:
        with path.open("rb") as fp:
            image = working_copy(decode(fp, max_pixels=MAX_PIXELS, target=(1600, 1600)).image)
            fp.seek(0)
            meta = extract_metadata(fp, max_pixels=MAX_PIXELS)
        gps = None if meta.latitude is None else (meta.latitude, meta.longitude)
        yield path, image, gps


def time_analyses(names: list[str], photos) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in names}
    for _path, image, gps in photos:
        for name in names:
            start = time.perf_counter()
            BY_NAME[name].run(image, gps)
            times[name].append(time.perf_counter() - start)
    return times


def peak_rss_mb() -> float:
    # A text-heavy poster and the four full-size photos, as 1600 px working copies.
    photos = [str(CORPUS / "good" / "no_exif.jpg")]
    photos += [str(p) for p in sorted((CORPUS / "large").iterdir()) if p.is_file()]
    code = RSS_CHILD.format(root=str(ROOT), photos=photos)
    env = {**os.environ, "ORT_DISABLE_TELEMETRY": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return int(out.stdout.strip().splitlines()[-1]) / 1024  # VmHWM is in kB


def ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(a.name for a in ANALYSES))
    parser.add_argument("--limit", type=int, default=None, help="first N photos only")
    parser.add_argument("--core", type=int, default=0, help="the one CPU to run on")
    parser.add_argument("--json", action="store_true", help="also print the numbers as JSON")
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n]
    unknown = sorted(set(names) - set(BY_NAME))
    if unknown:
        raise SystemExit(f"unknown analyses {unknown}; known: {sorted(BY_NAME)}")
    os.sched_setaffinity(0, {args.core})
    rss = peak_rss_mb()  # first, while this process is still small

    photos = list(corpus(args.limit))
    load_all(tuple(names))
    time_analyses(names, photos[:1])  # warm-up: first runs allocate
    times = time_analyses(names, photos)

    print(f"{len(photos)} photos, one core (cpu {args.core}), one thread per model; ms per photo")
    print(f"{'analysis':14}{'median':>9}{'worst':>9}   worst photo")
    ok = True
    for name in names:
        worst = max(range(len(photos)), key=lambda i: times[name][i])
        print(
            f"{name:14}{ms(statistics.median(times[name]))}{ms(times[name][worst])}"
            f"   {photos[worst][0].parent.name}/{photos[worst][0].name}"
        )
    if set(QUICK) <= set(names):
        together = [sum(times[n][i] for n in QUICK) for i in range(len(photos))]
        median = statistics.median(together)
        ok &= median * 1000 <= TARGET_QUICK_MS
        print(
            f"{'labels+faces+moderation':24} median {median * 1000:.1f} ms, worst "
            f"{max(together) * 1000:.1f} ms (target ≤ {TARGET_QUICK_MS} ms median)"
        )
    if "text" in names:
        ok &= statistics.median(times["text"]) * 1000 <= TARGET_TEXT_MS
    ok &= rss <= TARGET_RSS_MB
    print(
        f"peak RSS, every model loaded and run on 5 photos: {rss:.0f} MB (target ≤ {TARGET_RSS_MB})"
    )
    if args.json:
        summary = {n: [statistics.median(t), max(t)] for n, t in times.items()}
        print(json.dumps({"seconds_median_worst": summary, "rss_mb": rss}))
    print("targets met" if ok else "a target was missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
