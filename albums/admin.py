"""The Django admin, for moderators: photos with thumbnails, filters and decisions."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from albums.models import Album, Label, Photo, PhotoLabel, ProcessingEvent, Rendition

PIPELINE_FIELDS = (
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


@admin.register(Album)
class AlbumAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "created_at")
    list_select_related = ("owner",)
    search_fields = ("title", "owner__email")
    readonly_fields = ("owner", "created_at", "updated_at")


class PhotoLabelInline(admin.TabularInline):
    model = PhotoLabel
    extra = 0
    can_delete = False
    fields = ("label", "kind", "confidence", "source", "category")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("label")


class ProcessingEventInline(admin.TabularInline):
    model = ProcessingEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "step", "attempt", "outcome", "message")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.action(description="Reprocess selected photos")
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
    list_filter = ("status", "moderation", "format")
    list_select_related = ("owner", "album")
    search_fields = ("original_name", "owner__email", "album__title", "photo_labels__label__name")
    readonly_fields = PIPELINE_FIELDS + ("preview",)
    fields = ("preview", "moderation") + PIPELINE_FIELDS
    inlines = (PhotoLabelInline, ProcessingEventInline)
    actions = (reprocess,)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False  # photos arrive by upload or import, never by hand

    @admin.display(description="")
    def thumbnail(self, photo):
        url = reverse("albums:photo_rendition", kwargs={"photo_id": photo.id, "spec": "grid"})
        return format_html('<img src="{}" alt="" style="max-width:96px;max-height:72px">', url)

    @admin.display(description="Preview")
    def preview(self, photo):
        url = reverse("albums:photo_rendition", kwargs={"photo_id": photo.id, "spec": "preview"})
        return format_html('<img src="{}" alt="" style="max-width:480px">', url)


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
