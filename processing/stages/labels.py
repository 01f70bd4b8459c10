"""labels: what is in the photo, and whether it needs a moderator (LABEL_DETECTOR)."""

from processing import labeling
from processing.stages.base import Done, Skipped, StageJob


def run(job: StageJob) -> Done | Skipped:
    detection = labeling.detection_for_photo(job.photo, job.image)
    labeling.save_detection(photo=job.photo, detection=detection)
    if detection.skipped:
        return Skipped(detection.skipped)
    return Done()
