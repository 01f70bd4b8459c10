"""One module per pipeline step: what the step does with a photo (see processing/registry.py).

Each module has `run(job: StageJob) -> Done | Skipped`. The runner gives it the photo and
what the registry says it reads, and records the outcome; the stage only does its work
and saves its results through processing.services.
"""
