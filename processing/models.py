"""Pipeline bookkeeping that is not part of the albums domain."""

import hashlib

from django.db import models


class IngestedObject(models.Model):
    """One object version dropped under `incoming/` and imported from its S3 event.

    S3 delivers events at least once; the unique digest of (bucket, key, sequencer or
    ETag) makes a redelivered event find the photo it already made. The digest stands in
    for the key itself, which (up to 1024 bytes) is too long for a MySQL unique index.
    """

    digest = models.CharField(max_length=64, unique=True)
    bucket = models.CharField(max_length=255)
    key = models.CharField(max_length=1024)
    version = models.CharField(max_length=255, help_text="The event's sequencer, or the ETag.")
    size = models.PositiveBigIntegerField(null=True, blank=True)
    photo = models.ForeignKey(
        "albums.Photo", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"s3://{self.bucket}/{self.key} ({self.version})"

    @staticmethod
    def digest_of(*, bucket: str, key: str, version: str) -> str:
        return hashlib.sha256(f"{bucket}\0{key}\0{version}".encode()).hexdigest()


class PhotoStep(models.Model):
    """Where one photo stands in one pipeline step (processing/registry.py).

    Rows are made `pending` for every registered step when a photo enters the pipeline;
    the photo is `ready` once every required step is done or skipped.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"

    FINAL = (Status.DONE, Status.SKIPPED)

    photo = models.ForeignKey("albums.Photo", on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(max_length=32)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    # Skipped: why, in plain words. Failed: what the owner reads.
    reason = models.TextField(blank=True)
    error = models.TextField(blank=True, help_text="The last attempt's error, for operators.")
    attempts = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration = models.FloatField(null=True, blank=True, help_text="Seconds, last attempt.")

    class Meta:
        ordering = ["photo", "id"]
        constraints = [
            models.UniqueConstraint(fields=["photo", "step"], name="photostep_once_per_step")
        ]
        indexes = [models.Index(fields=["step", "status"])]

    def __str__(self):
        return f"{self.step}: {self.status}"
