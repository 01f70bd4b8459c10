"""The pipeline as data: every step a photo goes through, declared once.

    ingest ──▶ labels            (required: the photo is `ready` when these are done)
           └─▶ …enrichments      (required=False: run after ingest, never hold a photo back)

A step is one module in `processing/stages/` (its `run(job)`) plus one entry in STEPS.
Fan-out, completion, retries, the dead-letter queue, reprocess, the admin and the metrics
read this list; none of them names a step. Pure data: no Django models, no dramatiq.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ORIGINAL = "original"  # the step opens the original file (exactly one step should)
WORKING = "working"  # the decoded `preview` rendition: upright RGB, at most 1600 px a side
NOTHING = "none"  # the photo's row is enough (GPS, metadata)


@dataclass(frozen=True)
class Retry:
    """A step's retry policy; None takes the pipeline-wide setting (PIPELINE_MAX_RETRIES…)."""

    max_retries: int | None = None
    min_backoff_ms: int | None = None
    max_backoff_ms: int | None = None
    time_limit_ms: int | None = None


@dataclass(frozen=True)
class Step:
    name: str  # also the actor's name; stored in PhotoStep.step
    stage: str  # dotted path of the module whose run(job) does the work
    title: str  # what owners and operators read: "Labels", "Text in the photo"
    queue: str
    reads: str = WORKING
    required: bool = True  # False: an enrichment; the photo does not wait for it
    after: tuple[str, ...] = ("ingest",)
    retry: Retry = field(default_factory=Retry)
    # Actor names this step answered to before (messages still in a queue or a DLQ).
    aliases: tuple[str, ...] = ()
    # dramatiq's actor priority: a worker runs the messages it has fetched lowest number
    # first, so a slow enrichment never goes ahead of what a photo waits for.
    priority: int = 0

    def __post_init__(self):
        if self.reads not in (ORIGINAL, WORKING, NOTHING):
            raise ValueError(f"{self.name}: reads must be original, working or none")


STEPS: dict[str, Step] = {}


def register(step: Step) -> Step:
    for parent in step.after:
        if parent not in STEPS:
            raise ValueError(f"{step.name} runs after {parent!r}, which is not registered")
    STEPS[step.name] = step
    return step


def unregister(name: str) -> None:
    """For tests that register a step of their own."""
    STEPS.pop(name, None)


def get(name: str) -> Step:
    try:
        return STEPS[name]
    except KeyError:
        known = ", ".join(STEPS)
        raise KeyError(f"No pipeline step {name!r}; the steps are: {known}") from None


def steps() -> list[Step]:
    return list(STEPS.values())


def first_steps() -> list[Step]:
    return [step for step in STEPS.values() if not step.after]


def children(name: str) -> list[Step]:
    return [step for step in STEPS.values() if name in step.after]


def required_names() -> list[str]:
    return [step.name for step in STEPS.values() if step.required]


def step_for_actor(actor_name: str) -> Step | None:
    for step in STEPS.values():
        if actor_name == step.name or actor_name in step.aliases:
            return step
    return None


# --- The steps -----------------------------------------------------------------------------

register(
    Step(
        name="ingest",
        stage="processing.stages.ingest",
        title="Checking the file, reading its metadata and rendering its sizes",
        queue="ingest",
        reads=ORIGINAL,
        after=(),
        aliases=("extract_metadata", "render_thumbnails"),
    )
)
register(
    Step(
        name="labels",
        stage="processing.stages.labels",
        title="Labels and moderation",
        queue="labels",
        aliases=("detect_labels",),
    )
)
register(
    Step(
        name="text",
        stage="processing.stages.text",
        title="Text in the photo",
        queue="text",  # OCR takes ~1 s a photo: its own queue, never ahead of labels
        reads=NOTHING,  # the stage fetches the working copy itself, only when text is on
        required=False,
        priority=100,  # behind ingest and labels in a worker that serves several queues
    )
)
register(
    Step(
        name="places",
        stage="processing.stages.places",
        title="Place names",
        queue="labels",  # a lookup in memory, well under a millisecond
        reads=NOTHING,
        required=False,
    )
)
