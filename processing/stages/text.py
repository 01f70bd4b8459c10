"""text: the lines of text in the photo (TEXT_DETECTOR), an enrichment of its own.

Local OCR, or Rekognition's DetectText: with Rekognition labels it reads the text in the
labels step (same image, one step), with any other label detector it is asked here.

A step apart from labels (and on its own queue) because reading text takes about a second
a photo on one core: the photo's renditions and labels never wait for it.
"""

from django.conf import settings

from albums.models import PhotoLabel
from processing import labeling
from processing.enrichments import Found, photo_replace_found
from processing.stages.base import Done, Skipped, StageJob, working_copy


def run(job: StageJob) -> Done | Skipped:
    mode = settings.TEXT_DETECTOR
    if mode == "off":
        return Skipped("Text detection is turned off")
    if mode == "rekognition":
        if labeling.text_with_labels():
            return Skipped("Text is read by Rekognition with the labels")
        return _rekognition_text(job)
    # The step reads "none": the working copy is fetched here, only when text is read, so a
    # turned-off step never touches storage (nor fails when storage is down).
    from processing.vision.text import read_text  # loads the OCR models on first use

    lines = read_text(job.image if job.image is not None else working_copy(job.photo))
    found = [Found(line.text, line.confidence) for line in lines]
    saved = photo_replace_found(
        photo_id=job.photo.pk, kind=PhotoLabel.Kind.TEXT, found=found, source="local"
    )
    return Done(f"{saved} lines of text" if saved else "No text found")


def _rekognition_text(job: StageJob) -> Done | Skipped:
    """Rekognition's DetectText on the working copy, when the labels come from elsewhere
    (local or off) and so nothing else asks Rekognition for the text."""
    image = job.image if job.image is not None else working_copy(job.photo)
    detection = labeling.get_text_detector().detect(labeling.detector_image(job.photo, image))
    if detection.skipped:
        return Skipped(detection.skipped)
    saved = photo_replace_found(
        photo_id=job.photo.pk,
        kind=PhotoLabel.Kind.TEXT,
        found=[Found(line) for line in detection.text],
        source=detection.source,
    )
    return Done(f"{saved} lines of text" if saved else "No text found")
