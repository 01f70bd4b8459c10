"""Moderation decisions: every one recorded with who and when."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from albums.models import ModerationDecision, Photo

_MODERATION_OF = {
    ModerationDecision.Decision.APPROVE: Photo.Moderation.VISIBLE,
    ModerationDecision.Decision.HIDE: Photo.Moderation.HIDDEN,
    ModerationDecision.Decision.REJECT: Photo.Moderation.HIDDEN,
}
REJECTED_BY_MODERATOR = "Removed by a moderator."


@transaction.atomic
def photo_moderate(*, photo: Photo, moderator, decision: str, note: str = "") -> None:
    """Apply a moderator's decision and record it; rejecting also ends the photo rejected."""
    updates = {"moderation": _MODERATION_OF[decision]}
    if decision == ModerationDecision.Decision.REJECT:
        updates.update(
            status=Photo.Status.REJECTED,
            status_reason=REJECTED_BY_MODERATOR,
            settled_at=timezone.now(),
        )
    Photo.objects.filter(pk=photo.pk).update(**updates)
    ModerationDecision.objects.create(
        photo=photo, moderator=moderator, decision=decision, note=note[:500]
    )


MODERATORS_GROUP = "moderators"
MODERATOR_PERMISSIONS = (
    "view_album",
    "view_photo",
    "change_photo",
    "view_flaggedphoto",
    "change_flaggedphoto",
    "view_label",
    "view_photolabel",
    "view_processingevent",
    "view_rendition",
    "view_moderationdecision",
)


def ensure_moderators_group(**kwargs) -> None:
    """The `moderators` group with just what moderation needs (run after every migrate)."""

    group, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label="albums", codename__in=MODERATOR_PERMISSIONS
    )
    group.permissions.set(permissions)
