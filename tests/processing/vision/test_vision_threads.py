"""Models load once per process and give the same answers from several threads at once.

A dramatiq worker runs several threads in one process; each analysis must be safe to call
from all of them, with its model loaded once (runtime.cached) rather than once per thread.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from processing.vision import faces, labels, moderation, runtime, text
from tests.support.vision import photo

DOG = "cameras/FujiFilm MX-1200.jpg"
PEOPLE = "cameras/Canon IXUS 300.jpg"
SIGN = "cameras/Sony DigitalMavica.jpg"


def run_all(name: str):
    image = photo(name)
    return (
        [(label.name, label.confidence) for label in labels.detect_labels(image)],
        faces.detect_faces(image).count,
        moderation.score(image).nsfw,
        [line.text for line in text.read_text(image)],
    )


def test_concurrent_calls_agree_with_one_call_and_load_each_model_once():
    alone = {name: run_all(name) for name in (DOG, PEOPLE, SIGN)}
    sessions = {key: runtime._loaded[key] for key in ("labels", "moderation", "text")}
    with ThreadPoolExecutor(max_workers=4) as pool:
        jobs = [(name, pool.submit(run_all, name)) for name in (DOG, PEOPLE, SIGN) * 3]
        for name, job in jobs:
            assert job.result() == alone[name], name
    assert {key: runtime._loaded[key] for key in sessions} == sessions  # nothing rebuilt
    assert alone[DOG][0][0][0] in {"Dog", "Animal", "Pet", "Mammal"}
    assert alone[PEOPLE][1] == 3
    assert "Linden" in alone[SIGN][3]


def test_cached_builds_once_under_contention():
    built = []

    def build():
        built.append(1)
        return object()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: runtime.cached("test-only", build), range(32)))
    runtime._loaded.pop("test-only", None)
    assert len(built) == 1 and all(result is results[0] for result in results)
