"""Import the offline analyses' libraries when a worker boots, not inside a worker thread.

A stage imports numpy, onnxruntime and OpenCV on first use. Done in a worker thread, that
import can be cut short by an exception dramatiq raises into the thread (TimeLimit's
TimeLimitExceeded, a shutdown), and numpy imported halfway cannot be imported again in that
process ("cannot load module more than once per process"): every later photo fails. So the
worker's main thread imports them once, before any thread takes a message. Models are
still loaded on first use (processing.vision.runtime builds them under a lock).
"""

from __future__ import annotations

import dramatiq


class ImportAnalyses(dramatiq.Middleware):
    def before_worker_boot(self, broker, worker):
        # A dramatiq middleware hook, loaded from settings: settings are read when it runs.
        from django.conf import settings

        if "local" not in (
            settings.LABEL_DETECTOR,
            settings.MODERATION_DETECTOR or settings.LABEL_DETECTOR,
            settings.FACES_DETECTOR,
            settings.TEXT_DETECTOR,
            settings.PLACES_DETECTOR,
        ):
            return
        import processing.detectors.vision  # noqa: F401  (numpy, onnxruntime, faces)
        import processing.stages.places  # noqa: F401
        import processing.stages.text  # noqa: F401
        import processing.vision.places  # noqa: F401

        if settings.TEXT_DETECTOR == "local":
            import rapidocr  # noqa: F401  (OpenCV, shapely, pyclipper)
