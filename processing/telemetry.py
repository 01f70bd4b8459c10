"""Per-step Prometheus metrics, observed where the steps run (web or worker process).

/metrics (imagesite/metrics.py) serves them with the per-step counts from the database;
workers export them with dramatiq's own metrics.
"""

from prometheus_client import Counter, Histogram

STEP_RUNS = Counter(
    "imagesite_step_runs",
    "Pipeline step runs by outcome (done, skipped, rejected, failed).",
    ["step", "outcome"],
)
STEP_SECONDS = Histogram(
    "imagesite_step_duration_seconds",
    "Wall time of one pipeline step run.",
    ["step"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)


def step_finished(step: str, outcome: str, seconds: float) -> None:
    STEP_RUNS.labels(step=step, outcome=str(outcome)).inc()
    STEP_SECONDS.labels(step=step).observe(max(0.0, seconds))
