"""Time render_renditions against GraphicsMagick making the same renditions.

    .venv/bin/python bench/thumbnails.py [--runs N] [--same-quality]

For every file in ../shared/corpus/large/ both sides make the grid (400×400 box) and
preview (1600×1600 box) renditions: ours in one call (one decode), GraphicsMagick with one
`gm convert INPUT -auto-orient -thumbnail WxH out.webp` per rendition, which is how it is
normally driven (at gm's default quality unless --same-quality gives it ours). Each side's
best of N runs is reported, with output sizes; the target is ours/gm ≤ 0.5.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from processing.steps.thumbnails import RENDITION_SPECS, render_renditions  # noqa: E402

LARGE = ROOT / ".." / "shared" / "corpus" / "large"
MAX_PIXELS = 100_000_000
TARGET_RATIO = 0.5


def gm_formats() -> str:
    result = subprocess.run(["gm", "convert", "-list", "format"], capture_output=True, text=True)
    return result.stdout


def gm_can(formats: str, name: str, mode: str) -> bool:
    """Whether `gm convert -list format` shows `name` with `mode` ("r" or "w") support."""
    for line in formats.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0].rstrip("*") == name:
            return mode in parts[2]
    return False


def time_ours(path: Path, runs: int) -> tuple[float, int]:
    best, size = float("inf"), 0
    for _ in range(runs):
        start = time.perf_counter()
        with path.open("rb") as fp:
            renditions = render_renditions(fp, max_pixels=MAX_PIXELS)
        best = min(best, time.perf_counter() - start)
        size = sum(len(r.data) for r in renditions)
    return best, size


def time_gm(
    path: Path, runs: int, extension: str, workdir: Path, same_quality: bool
) -> tuple[float, int]:
    best, size = float("inf"), 0
    outputs = [workdir / f"{spec.name}.{extension}" for spec in RENDITION_SPECS]
    commands = []
    for spec, output in zip(RENDITION_SPECS, outputs, strict=True):
        quality = ["-quality", str(spec.quality)] if same_quality else []
        box = f"{spec.max_width}x{spec.max_height}"
        command = ["gm", "convert", str(path), "-auto-orient", "-thumbnail", box, *quality]
        commands.append([*command, str(output)])
    for _ in range(runs):
        start = time.perf_counter()
        for command in commands:
            subprocess.run(command, check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
        size = sum(output.stat().st_size for output in outputs)
    return best, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per file; the best counts")
    parser.add_argument(
        "--same-quality",
        action="store_true",
        help="give gm our -quality per rendition (default: gm's own default, as specified)",
    )
    arguments = parser.parse_args()
    runs, same_quality = arguments.runs, arguments.same_quality

    if not shutil.which("gm"):
        print("GraphicsMagick (gm) is not installed: apt-get install -y graphicsmagick")
        return 2
    formats = gm_formats()
    extension = "webp" if gm_can(formats, "WEBP", "w") else "jpg"
    if extension != "webp":
        print("note: this gm cannot write WebP; it writes JPEG instead (cheaper to encode)")
    version = subprocess.run(["gm", "version"], capture_output=True, text=True).stdout
    print(version.splitlines()[0] if version else "gm")
    specs = ", ".join(
        f"{s.name} {s.max_width}x{s.max_height} {s.format} q{s.quality}" for s in RENDITION_SPECS
    )
    gm_quality = "our quality per rendition" if same_quality else "its default quality"
    print(f"renditions: {specs}; gm writes .{extension} at {gm_quality}")
    print(f"best of {runs} runs per file\n")
    print(f"{'file':32} {'ours ms':>9} {'gm ms':>9} {'ours/gm':>8} {'ours KB':>8} {'gm KB':>8}")

    total_ours = total_gm = 0.0
    with tempfile.TemporaryDirectory() as workdir:
        for path in sorted(LARGE.iterdir()):
            probe = subprocess.run(["gm", "identify", str(path)], capture_output=True, text=True)
            if probe.returncode != 0:
                reason = (probe.stderr.strip().splitlines() or ["unreadable"])[0]
                print(f"{path.name:32} skipped: gm cannot read it ({reason})")
                continue
            time_ours(path, 1)  # warm-up: plugin imports, first-use allocations
            ours, our_bytes = time_ours(path, runs)
            theirs, their_bytes = time_gm(path, runs, extension, Path(workdir), same_quality)
            total_ours += ours
            total_gm += theirs
            print(
                f"{path.name:32} {ours * 1000:9.1f} {theirs * 1000:9.1f} {ours / theirs:8.2f} "
                f"{our_bytes / 1024:8.0f} {their_bytes / 1024:8.0f}"
            )

    if not total_gm:
        print("nothing to compare")
        return 1
    ratio = total_ours / total_gm
    verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
    print(f"\n{'total':32} {total_ours * 1000:9.1f} {total_gm * 1000:9.1f} {ratio:8.2f}")
    print(f"ours/gm = {ratio:.2f}: {verdict} the target of ≤ {TARGET_RATIO}")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
