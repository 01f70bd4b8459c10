"""Who else sees a photo: share links, and moderators' decisions and review queue."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from albums.models.library import Album, Photo


class ShareLinkQuerySet(models.QuerySet):
    def active(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ShareLink(models.Model):
    """A revocable, optionally expiring link that shows an album's renditions to anyone."""

    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="share_links")
    token = models.CharField(max_length=64, unique=True)
    allow_downloads = models.BooleanField(
        default=False, help_text="Visitors may download originals (with their EXIF and GPS)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"share link for {self.album}"

    @property
    def is_active(self) -> bool:
        if self.revoked_at:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


class ModerationDecision(models.Model):
    """Who decided what about a photo, and when."""

    class Decision(models.TextChoices):
        APPROVE = "approve", "Approved"
        HIDE = "hide", "Hidden"
        REJECT = "reject", "Rejected"

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="decisions")
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(max_length=16, choices=Decision.choices)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return (
            f"{self.get_decision_display()} by {self.moderator} at {self.created_at:%Y-%m-%d %H:%M}"
        )


class FlaggedPhoto(Photo):
    """The moderators' review queue: photos flagged by label detection."""

    class Meta:
        proxy = True
        verbose_name = "photo needing review"
        verbose_name_plural = "photos needing review"
