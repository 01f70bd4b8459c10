"""The admin's photo pages: every photo a moderator may see, and the review queue, with their
labels, faces, pipeline steps and processing history, and the moderation actions."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from albums import services
from albums.models import (
    FlaggedPhoto,
    ModerationDecision,
    Photo,
    PhotoFace,
    PhotoLabel,
    ProcessingEvent,
)
from albums.moderation import photo_moderate
from processing import registry
from processing.models import PhotoStep
from processing.reprocess import photo_reprocess

PIPELINE_FIELDS = (
    "moderation",
    "status",
    "status_reason",
    "created_at",
    "queued_at",
    "processing_started_at",
    "settled_at",
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
    "original_link",
    "original_name",
    "claimed_type",
    "owner",
    "album_titles",
    "trashed_at",
    "duplicate_of",
)
# What the original says about where and how it was taken: shown with albums.view_original.
METADATA_FIELDS = frozenset(
    {
        "sha256",
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
        "claimed_type",
        "duplicate_of",
    }
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
    count = 0
    for photo in queryset.exclude(status=Photo.Status.UPLOADING):
        photo_reprocess(photo=photo)
        count += 1
    modeladmin.message_user(request, f"{count} photo(s) queued again.", messages.SUCCESS)


class PhotoStepInline(admin.TabularInline):
    """Where the photo stands in each pipeline step, as processing/registry.py declares them."""

    model = PhotoStep
    fields = ("step", "title", "status", "reason", "error", "attempts", "started_at", "duration")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = "pipeline step"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True  # shown only inside a photo's page, to whoever may see that photo

    @admin.display(description="What it does")
    def title(self, state):
        step = registry.STEPS.get(state.step)
        return step.title if step else "(no longer a step)"


class FailedStepFilter(admin.SimpleListFilter):
    title = "failed step"
    parameter_name = "failed_step"

    def lookups(self, request, model_admin):
        return [(step.name, step.title) for step in registry.steps()]

    def queryset(self, request, queryset):
        if self.value():
            failed = PhotoStep.objects.filter(step=self.value(), status=PhotoStep.Status.FAILED)
            return queryset.filter(pk__in=failed.values("photo_id"))
        return queryset


class InTrashFilter(admin.SimpleListFilter):
    title = "trash"
    parameter_name = "trash"

    def lookups(self, request, model_admin):
        return [("no", "Not in trash"), ("yes", "In trash")]

    def queryset(self, request, queryset):
        return {"yes": queryset.in_trash(), "no": queryset.alive()}.get(self.value(), queryset)


class ModerateForm(forms.Form):
    """A decision taken on the photo's own change page, with an optional note."""

    decision = forms.ChoiceField(choices=ModerationDecision.Decision.choices)
    note = forms.CharField(required=False, max_length=500)


class PhotoFaceInline(ReadOnlyInline):
    """The faces found, with their boxes as fractions of the image (0–1)."""

    model = PhotoFace
    verbose_name_plural = "faces found"
    fields = ("left", "top", "width", "height", "confidence", "source")
    readonly_fields = fields


DECIDED = {"approve": "approved", "hide": "hidden", "reject": "rejected"}


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = (
        "thumbnail",
        "original_name",
        "owner",
        "status",
        "moderation",
        "created_at",
    )
    list_filter = ("status", "moderation", "format", FailedStepFilter, InTrashFilter)
    list_select_related = ("owner",)
    search_fields = ("original_name", "owner__email", "albums__title", "=photo_labels__label__name")
    readonly_fields = ("preview",) + PIPELINE_FIELDS
    fields = readonly_fields
    inlines = (
        PhotoStepInline,
        ModerationDecisionInline,
        ProcessingEventInline,
        PhotoLabelInline,
        PhotoFaceInline,
    )
    actions = (approve, hide, reject, reprocess)
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False  # a COUNT(*) over millions of rows per page view is waste
    change_form_template = "admin/albums/photo/change_form.html"  # + the moderation form

    class Media:
        css = {"all": ["css/admin.css"]}  # the preview's size: the CSP blocks inline styles

    def has_add_permission(self, request):
        return False  # photos arrive by upload or import, never by hand

    def get_queryset(self, request):
        """A moderator's own photos and the review queue; a superuser's, every photo (the
        trash included: the "In trash" filter finds those)."""
        queryset = super().get_queryset(request)
        if request.user.is_superuser and request.user.is_active:
            return queryset
        return queryset.visible_to(request.user)

    @admin.display(description="albums")
    def album_titles(self, photo):
        return ", ".join(photo.albums.order_by("title").values_list("title", flat=True)) or "—"

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.metadata_visible_to(request.user):
            return self.readonly_fields
        return tuple(f for f in self.readonly_fields if f not in METADATA_FIELDS)

    def get_urls(self):
        opts = self.model._meta
        moderate = self.admin_site.admin_view(require_POST(self.moderate_view))
        name = f"{opts.app_label}_{opts.model_name}_moderate"
        return [path("<path:object_id>/moderate/", moderate, name=name), *super().get_urls()]

    def moderate_view(self, request, object_id):
        photo = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_change_permission(request, photo):
            raise PermissionDenied
        form = ModerateForm(request.POST)
        if form.is_valid():
            decision = form.cleaned_data["decision"]
            photo_moderate(
                photo=photo,
                moderator=request.user,
                decision=decision,
                note=form.cleaned_data["note"],
            )
            self.message_user(request, f"“{photo}” {DECIDED[decision]}.", messages.SUCCESS)
        else:
            self.message_user(request, "Choose approve, hide or reject.", messages.ERROR)
        opts = self.model._meta
        return redirect(f"admin:{opts.app_label}_{opts.model_name}_change", photo.pk)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self.has_change_permission(request, obj):
            opts = self.model._meta
            context["moderate_url"] = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_moderate", args=[obj.pk]
            )
            context["moderate_form"] = ModerateForm()
        return super().render_change_form(request, context, add, change, form_url, obj)

    def delete_model(self, request, obj):
        services.photo_delete(photo=obj)  # and its files, once the delete commits

    def delete_queryset(self, request, queryset):
        services.photos_delete(photos=queryset)

    @admin.display(description="")
    def thumbnail(self, photo):
        url = reverse("albums:photo_rendition", kwargs={"photo_id": photo.id, "spec": "grid"})
        return format_html('<img src="{}" alt="" width="96" loading="lazy">', url)

    @admin.display(description="Original")
    def original_link(self, photo):
        """Through the site's own view (an attachment, access checked), never the bucket."""
        if not photo.original:
            return "-"
        url = reverse("albums:photo_original", kwargs={"photo_id": photo.id})
        return format_html('<a href="{}">Download the original</a>', url)

    @admin.display(description="Preview")
    def preview(self, photo):
        url = reverse("albums:photo_rendition", kwargs={"photo_id": photo.id, "spec": "preview"})
        return format_html('<img src="{}" alt="" class="admin-preview">', url)


@admin.register(FlaggedPhoto)
class FlaggedPhotoAdmin(PhotoAdmin):
    """The review queue: only what label detection flagged and nobody has decided yet."""

    list_filter = ("status", "format")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(moderation=Photo.Moderation.FLAGGED)
