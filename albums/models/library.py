"""The library: albums, photos, their renditions and processing history."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class AlbumQuerySet(models.QuerySet):
    def owned_by(self, user):
        return self.filter(owner=user) if user.is_authenticated else self.none()


class Album(models.Model):
    """A collection of its owner's photos: a photo can be in several albums, or none."""

    class Sort(models.TextChoices):
        ADDED = "added", "Recently added first"
        TAKEN_DESC = "taken_desc", "Date taken, newest first"
        TAKEN_ASC = "taken_asc", "Date taken, oldest first"
        CUSTOM = "custom", "Custom order"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="albums"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    photos = models.ManyToManyField("Photo", through="AlbumPhoto", related_name="albums")
    # Chosen by the owner; without one, the first photo in the album's order is shown.
    cover = models.ForeignKey(
        "Photo", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sort = models.CharField(max_length=16, choices=Sort.choices, default=Sort.ADDED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AlbumQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self):
        return self.title


class AlbumPhoto(models.Model):
    """A photo's place in an album. Removing it from the album deletes only this row."""

    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="memberships")
    photo = models.ForeignKey("Photo", on_delete=models.CASCADE, related_name="memberships")
    added_at = models.DateTimeField(default=timezone.now)
    # The album's custom order (Album.Sort.CUSTOM), ascending; new members go last.
    position = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["album", "photo"], name="albumphoto_once_per_album")
        ]
        indexes = [
            models.Index(fields=["album", "-added_at"]),
            models.Index(fields=["album", "position"]),
        ]

    def __str__(self):
        return f"{self.photo_id} in {self.album_id}"


# Permissions, not `is_staff`, decide what anyone sees of other people's photos. Only staff
# are asked (moderators work in the admin, so they are staff): an ordinary user costs no
# permission queries.
REVIEW_PERMISSION = "albums.view_flaggedphoto"  # the moderators group has it
ORIGINAL_PERMISSION = "albums.view_original"  # originals and what they say (GPS, camera)


def may(user, permission: str) -> bool:
    return bool(user.is_authenticated and user.is_staff and user.has_perm(permission))


class PhotoQuerySet(models.QuerySet):
    def alive(self):
        """Not in the trash."""
        return self.filter(trashed_at__isnull=True)

    def in_trash(self):
        return self.filter(trashed_at__isnull=False)

    def visible_to(self, user):
        """Photos a user may see, none in the trash: their own; a moderator also the review
        queue's (flagged, or hidden by a decision that may be revisited); a superuser every
        photo."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser and user.is_active:
            return self.alive()
        if may(user, REVIEW_PERMISSION):
            in_review = (Photo.Moderation.FLAGGED, Photo.Moderation.HIDDEN)
            return self.alive().filter(Q(owner=user) | Q(moderation__in=in_review))
        return self.alive().filter(owner=user)

    def originals_visible_to(self, user):
        """Photos whose original file and metadata a user may see: their own, and with
        `albums.view_original` those of the photos they may see."""
        if may(user, ORIGINAL_PERMISSION):
            return self.visible_to(user)
        return self.filter(owner=user) if user.is_authenticated else self.none()

    def shown_publicly(self):
        """Photos safe for anyone but the owner: processed, not flagged or hidden, not in
        the trash."""
        return self.alive().filter(status=Photo.Status.READY, moderation=Photo.Moderation.VISIBLE)


class Photo(models.Model):
    class Status(models.TextChoices):
        UPLOADING = "uploading", "Uploading"
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        REJECTED = "rejected", "Rejected"
        FAILED = "failed", "Failed"

    class Moderation(models.TextChoices):
        VISIBLE = "visible", "Visible"
        FLAGGED = "flagged", "Flagged for review"
        HIDDEN = "hidden", "Hidden"

    SETTLED = (Status.READY, Status.REJECTED, Status.FAILED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # A photo is its owner's, in their library; albums hold it through AlbumPhoto.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="photos"
    )
    # The storage key is generated (originals/<user>/<uuid><ext>), never the user's name.
    original = models.FileField(max_length=255, blank=True)
    original_name = models.CharField(max_length=255, help_text="The name the user uploaded.")
    claimed_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)

    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.UPLOADING, db_index=True
    )
    status_reason = models.TextField(blank=True, help_text="Why it was rejected or failed.")
    moderation = models.CharField(
        max_length=16, choices=Moderation.choices, default=Moderation.VISIBLE, db_index=True
    )
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )

    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    processing_started_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    # In the trash since then: hidden everywhere, restorable until settings.TRASH_DAYS pass.
    trashed_at = models.DateTimeField(null=True, blank=True)

    # Where the photo stands in each pipeline step: processing.models.PhotoStep.

    # Metadata, written by the metadata step.
    format = models.CharField(max_length=16, blank=True)
    mime_type = models.CharField(max_length=64, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    taken_at_offset = models.CharField(max_length=6, blank=True)
    camera_make = models.CharField(max_length=100, blank=True)
    camera_model = models.CharField(max_length=100, blank=True)
    lens = models.CharField(max_length=150, blank=True)
    exposure_time = models.FloatField(null=True, blank=True)
    f_number = models.FloatField(null=True, blank=True)
    iso = models.PositiveIntegerField(null=True, blank=True)
    focal_length = models.FloatField(null=True, blank=True)
    orientation = models.PositiveSmallIntegerField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    altitude = models.FloatField(null=True, blank=True)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["owner", "trashed_at"]),
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["status", "queued_at"]),
            models.Index(fields=["owner", "sha256"]),
            # Search (albums/search.py): its order, newest taken first, read straight off
            # the index for the first page, and date ranges within a user's photos.
            models.Index(fields=["owner", "-taken_at", "-created_at", "id"]),
            # Search near a place: the bounding box, covering the count (status included).
            models.Index(fields=["owner", "latitude", "longitude", "status"]),
            # Search by camera: substring matches scan this narrow index, not the rows.
            models.Index(fields=["owner", "camera_make", "camera_model", "status"]),
        ]
        permissions = [("view_original", "Can view other people's originals and their metadata")]

    def __str__(self):
        return self.original_name

    def metadata_visible_to(self, user) -> bool:
        """Whether `user` may see this photo's original and what it says (place, camera)."""
        return self.owner_id == user.id or may(user, ORIGINAL_PERMISSION)

    @property
    def is_settled(self) -> bool:
        return self.status in self.SETTLED


class Rendition(models.Model):
    """A derived image (grid, preview), keyed on the source's content hash."""

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="renditions")
    spec = models.CharField(max_length=32)
    file = models.FileField(max_length=255)
    source_sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    mime_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["photo", "spec"], name="rendition_once_per_spec")
        ]

    def __str__(self):
        return f"{self.photo_id}/{self.spec}"


class ProcessingEvent(models.Model):
    """One line of a photo's processing history, for owners, moderators and operators."""

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="events")
    step = models.CharField(max_length=32)
    attempt = models.PositiveSmallIntegerField(default=0)
    outcome = models.CharField(max_length=16)  # started, done, retry, rejected, failed
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.step} {self.outcome}"
