"""ingest: the photo's one decode — validation, metadata and renditions.

A photo sent through again with the same bytes keeps its renditions (they are keyed on
the content hash): its metadata is read again from a decode at the smallest scale.
"""

from django.conf import settings

from albums.models import Rendition
from processing import services
from processing.stages.base import Done, StageJob
from processing.steps.ingest import ingest
from processing.steps.metadata import file_digest
from processing.steps.thumbnails import RENDITION_SPECS


def run(job: StageJob) -> Done:
    digest = file_digest(job.original)
    have = Rendition.objects.filter(photo=job.photo, source_sha256=digest[1])
    render = not {spec.name for spec in RENDITION_SPECS} <= set(have.values_list("spec", flat=True))
    result = ingest(
        job.original,
        max_pixels=settings.MAX_IMAGE_PIXELS,
        render=render,
        digest=digest,
        max_bytes=services.decode_budget(),
    )
    services.photo_save_metadata(photo=job.photo, meta=result.metadata)
    if render:
        services.photo_save_renditions(
            photo=job.photo, sha256=result.metadata.sha256, renditions=result.renditions
        )
    return Done()
