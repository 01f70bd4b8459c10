"""What was found in a photo: labels, moderation labels, text, places and faces."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from albums.models.library import Photo
from albums.names import fold


class Label(models.Model):
    """A label name, shared across photos."""

    name = models.CharField(max_length=100, unique=True)
    # The name as search compares it (albums.names.fold): SQLite's LIKE ignores the case of
    # ASCII letters only, MySQL's collations ignore case and accents; this is the same on both.
    folded = models.CharField(max_length=200, db_index=True, editable=False)

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.folded = fold(self.name)[:200]
        super().save(*args, **kwargs)

    @classmethod
    def named(cls, name: str) -> "Label":
        """An unsaved label with its folded name filled in (for bulk_create)."""
        return cls(name=name, folded=fold(name)[:200])


class PhotoLabel(models.Model):
    """A label (or moderation label, or line of text) found in a photo.

    Each row also carries copies of its photo's owner and sort position (taken_at,
    created_at): search reads a user's photos with a label straight off one index, in
    the order results are shown, without touching a photo row (albums/search.py). Photo
    owner and created_at never change; taken_at is copied by whatever writes it (the
    metadata step), in_trash by the trash's services, and all by `save()`/`for_photo()`
    when a row is made.
    """

    class Kind(models.TextChoices):
        LABEL = "label", "Label"
        MODERATION = "moderation", "Moderation"
        TEXT = "text", "Detected text"
        PLACE = "place", "Place"  # a name of where the photo was taken: town, region, country

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="photo_labels")
    label = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="photo_labels")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.LABEL)
    confidence = models.FloatField()
    source = models.CharField(max_length=32)
    category = models.CharField(max_length=100, blank=True)
    # Copies of the photo's, for search (see above).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    taken_at = models.DateTimeField(null=True, blank=True)
    photo_created_at = models.DateTimeField()
    in_trash = models.BooleanField(default=False)  # the photo's trashed_at is set

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["photo", "label", "kind"], name="photolabel_once_per_photo"
            )
        ]
        indexes = [
            # Which photos have a label, for cascades and the admin.
            models.Index(fields=["label", "kind", "photo"]),
            # Search: one user's photos with these labels, newest taken first, as the
            # search page lists them (the same order as Photo's search index).
            models.Index(
                fields=[
                    "owner",
                    "in_trash",
                    "kind",
                    "label",
                    "-taken_at",
                    "-photo_created_at",
                    "photo",
                ],
                name="photolabel_search_alive",
            ),  # fmt: skip
        ]

    def __str__(self):
        return f"{self.label} ({self.confidence:.0f}%)"

    def save(self, *args, **kwargs):
        if self.owner_id is None:
            for name, value in self.photo_copies(self.photo).items():
                setattr(self, name, value)
        super().save(*args, **kwargs)

    @classmethod
    def for_photo(cls, photo: Photo, **fields) -> "PhotoLabel":
        return cls(photo=photo, **cls.photo_copies(photo), **fields)

    @staticmethod
    def photo_copies(photo: Photo) -> dict:
        return {
            "owner_id": photo.owner_id,
            "taken_at": photo.taken_at,
            "photo_created_at": photo.created_at,
            "in_trash": photo.trashed_at is not None,
        }


FRACTION = [MinValueValidator(0.0), MaxValueValidator(1.0)]


class PhotoFace(models.Model):
    """A face found in a photo: its box as fractions of the image (0–1, so it fits any
    rendition) and the detector's confidence. Counted on the photo page; kept for later use.
    Replaced as a whole each time faces are looked for again."""

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="faces")
    left = models.FloatField(validators=FRACTION)  # fractions of the image's width …
    top = models.FloatField(validators=FRACTION)  # … and height, from its top-left corner
    width = models.FloatField(validators=FRACTION)
    height = models.FloatField(validators=FRACTION)
    confidence = models.FloatField()  # 0–100
    source = models.CharField(max_length=32)  # the detector: "local"
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["left", "top"]

    def __str__(self):
        return f"face at {self.left:.2f}, {self.top:.2f} ({self.confidence:.0f}%)"
