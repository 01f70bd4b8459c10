"""Small files that decode to huge images: through the whole pipeline, in a process of their
own, each photo ends ready or rejected with its reason, and the process stays under 700 MB.

The process is `manage.py import_photos` with the in-process worker: the upload, every step
and the wait until the photo settles, as an operator would run it. Its peak memory is read
by a wrapper process from RUSAGE_CHILDREN.
"""

import re
import subprocess
import sys

import pytest

from albums.models import Photo
from tests.processing import big_files
from tests.support.workers import ROOT, subprocess_env

# Memory is the decoder's, whichever database the rows go to: CI measures it once (SQLite).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.any_database]

PEAK_LIMIT_MB = 700
# Runs the command as a child, then prints the child's peak resident memory in kilobytes.
MEASURE = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:])\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(done.returncode)\n"
)

READY = ["grey16.png", "rgba.png", "palette-transparent.png", "grey16.tif", "rgba.tif", "cmyk.tif"]
TOO_BIG = {
    # name: (bytes, budget in MB); libtiff holds a whole strip, here all 10,000 rows
    "rgba-one-strip.tif": (lambda: big_files.rgba_tiff(rows=big_files.SIDE[1]), 512),
    "rgba.png": (big_files.rgba_png, 256),
}
NEEDS = re.compile(r"This image needs about (\d+) MB of memory to open; the limit is (\d+) MB")


def import_in_own_process(path, user, *, budget_mb: int) -> tuple[int, subprocess.CompletedProcess]:
    """Import one file with `manage.py import_photos`; its peak memory in megabytes."""
    command = [sys.executable, "manage.py", "import_photos", str(path)]
    command += ["--user", user.email, "--album", "Memory", "--timeout", "300"]
    env = subprocess_env(
        "",  # the in-process broker: upload, steps and waiting in this one process
        EMBEDDED_WORKER_AUTOSTART="1",
        DECODE_MEMORY_BUDGET_MB=str(budget_mb),
    )
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    peak_kb = int(done.stdout.strip().splitlines()[-1])
    return peak_kb // 1024, done


def the_photo(user) -> Photo:
    return Photo.objects.get(owner=user, albums__title="Memory")


@pytest.mark.parametrize("name", READY)
def test_huge_image_from_a_small_file_ends_ready_within_memory(user, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(big_files.BIG_FILES[name]())

    peak_mb, done = import_in_own_process(path, user, budget_mb=512)

    photo = the_photo(user)
    assert photo.status == Photo.Status.READY, (photo.status_reason, done.stderr[-2000:])
    assert (photo.width, photo.height) == big_files.SIDE
    assert {r.spec: (r.width, r.height) for r in photo.renditions.all()} == {
        "grid": (400, 400),
        "preview": (1600, 1600),
    }
    print(f"{name}: peak {peak_mb} MB")
    assert peak_mb <= PEAK_LIMIT_MB


@pytest.mark.parametrize("name", TOO_BIG)
def test_image_over_the_budget_is_rejected_with_how_much_it_needs(user, tmp_path, name):
    data, budget_mb = TOO_BIG[name]
    path = tmp_path / name
    path.write_bytes(data())

    peak_mb, done = import_in_own_process(path, user, budget_mb=budget_mb)

    photo = the_photo(user)
    assert photo.status == Photo.Status.REJECTED, done.stderr[-2000:]
    needs = NEEDS.fullmatch(photo.status_reason)
    assert needs, photo.status_reason
    assert int(needs[1]) > budget_mb and int(needs[2]) == budget_mb
    assert not photo.renditions.exists()
    print(f"{name}: peak {peak_mb} MB")
    assert peak_mb <= PEAK_LIMIT_MB
