"""The Django admin, for moderators: photos with thumbnails, filters and recorded decisions.

Moderators (staff in the `moderators` group) see photos, their labels and processing
history, and decide through actions that record who decided what and when. Everything
the pipeline owns is read-only; nobody adds photos here.
"""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.urls import reverse
from django.utils.html import format_html

from albums import services
from albums.models import (
    Album,
    FlaggedPhoto,
    Label,
    ModerationDecision,
    Photo,
    PhotoLabel,
    ProcessingEvent,
    Rendition,
)
from albums.moderation import photo_moderate

PIPELINE_FIELDS = (
    "moderation",
    "status",
    "status_reason",
    "failed_step",
    "failed_at",
    "created_at",
    "queued_at",
    "processing_started_at",
    "settled_at",
    "metadata_done",
    "thumbnails_done",
    "labels_done",
    "labels_skipped",
    "format",
    "mime_type",
    "size",
    "sha256",
    "width",
    "height",
    "taken_at",
    "taken_at_offset",
    "camera_make",
    "camera_model",
    "lens",
    "exposure_time",
    "f_number",
    "iso",
    "focal_length",
    "orientation",
    "latitude",
    "longitude",
    "altitude",
    "original",
    "original_name",
    "claimed_type",
    "owner",
    "album",
    "duplicate_of",
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PhotoLabelInline(ReadOnlyInline):
    model = PhotoLabel
    fields = ("label", "kind", "confidence", "source", "category")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("label")


class ProcessingEventInline(ReadOnlyInline):
    model = ProcessingEvent
    verbose_name_plural = "processing history"
    fields = ("created_at", "step", "attempt", "outcome", "message")
    readonly_fields = fields


class ModerationDecisionInline(ReadOnlyInline):
    model = ModerationDecision
    verbose_name_plural = "moderation decisions"
    fields = ("created_at", "decision", "moderator", "note")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("moderator")


def _decide(modeladmin, request, queryset, decision, done):
    count = 0
    for photo in queryset:
        photo_moderate(photo=photo, moderator=request.user, decision=decision)
        count += 1
    modeladmin.message_user(request, f"{count} photo(s) {done}.", messages.SUCCESS)


@admin.action(description="Approve: nothing wrong, show it again", permissions=["change"])
def approve(modeladmin, request, queryset):
    _decide(modeladmin, request, queryset, ModerationDecision.Decision.APPROVE, "approved")


@admin.action(description="Hide from everyone but the owner", permissions=["change"])
def hide(modeladmin, request, queryset):
    _decide(modeladmin, request, queryset, ModerationDecision.Decision.HIDE, "hidden")


@admin.action(description="Reject (hidden, marked rejected)", permissions=["change"])
def reject(modeladmin, request, queryset):
    _decide(modeladmin, request, queryset, ModerationDecision.Decision.REJECT, "rejected")


@admin.action(description="Reprocess from the first step", permissions=["change"])
def reprocess(modeladmin, request, queryset):
    from processing.reprocess import photo_reprocess

    count = 0
    for photo in queryset.exclude(status=Photo.Status.UPLOADING):
        photo_reprocess(photo=photo)
        count += 1
    modeladmin.message_user(request, f"{count} photo(s) queued again.", messages.SUCCESS)


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = (
        "thumbnail",
        "original_name",
        "owner",
        "album",
        "status",
        "moderation",
        "created_at",
    )
    list_filter = ("status", "moderation", "format", "failed_step")
    list_select_related = ("owner", "album")
    search_fields = ("original_name", "owner__email", "album__title", "=photo_labels__label__name")
    readonly_fields = ("preview",) + PIPELINE_FIELDS
    fields = readonly_fields
    inlines = (ModerationDecisionInline, ProcessingEventInline, PhotoLabelInline)
    actions = (approve, hide, reject, reprocess)
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False  # a COUNT(*) over millions of rows per page view is waste

    def has_add_permission(self, request):
        return False  # photos arrive by upload or import, never by hand

    def delete_model(self, request, obj):
        services.photo_delete(photo=obj)  # and its files, once the delete commits

    def delete_queryset(self, request, queryset):
        services.photos_delete(photos=queryset)

    @admin.display(description="")
    def thumbnail(self, photo):
        url = reverse("albums:photo_rendition", kwargs={"photo_id": photo.id, "spec": "grid"})
        return format_html('<img src="{}" alt="" width="96" loading="lazy">', url)

    @admin.display(description="Preview")
    def preview(self, photo):
        url = reverse("albums:photo_rendition", kwargs={"photo_id": photo.id, "spec": "preview"})
        return format_html('<img src="{}" alt="" style="max-width:480px">', url)


@admin.register(FlaggedPhoto)
class FlaggedPhotoAdmin(PhotoAdmin):
    """The review queue: only what label detection flagged and nobody has decided yet."""

    list_filter = ("status", "format")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(moderation=Photo.Moderation.FLAGGED)


@admin.register(Album)
class AlbumAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "created_at")
    list_select_related = ("owner",)
    search_fields = ("title", "owner__email")
    readonly_fields = ("owner", "title", "description", "created_at", "updated_at")

    def delete_model(self, request, obj):
        services.album_delete(album=obj)

    def delete_queryset(self, request, queryset):
        services.albums_delete(albums=queryset)


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class AccountAdmin(UserAdmin):
    """Django's user admin, except that deleting an account also deletes its photos' files."""

    def delete_model(self, request, obj):
        services.users_delete(users=type(obj).objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        services.users_delete(users=queryset)


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(Rendition)
class RenditionAdmin(admin.ModelAdmin):
    list_display = ("photo", "spec", "width", "height", "size")
    list_select_related = ("photo",)
    readonly_fields = (
        "photo",
        "spec",
        "file",
        "source_sha256",
        "width",
        "height",
        "mime_type",
        "size",
    )
