"""The admin's other pages: albums, accounts, labels and renditions."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Q

from albums import services
from albums.models import Album, AlbumPhoto, Label, Photo, Rendition


@admin.register(Album)
class AlbumAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "created_at")
    list_select_related = ("owner",)
    search_fields = ("title", "owner__email")
    readonly_fields = ("owner", "title", "description", "created_at", "updated_at")
    raw_id_fields = ("owner",)

    def get_readonly_fields(self, request, obj=None):
        # Adding one asks for its owner (required): the rest stays read-only once it exists.
        return ("created_at", "updated_at") if obj is None else self.readonly_fields

    def get_fields(self, request, obj=None):
        return ("owner", "title", "description") if obj is None else self.readonly_fields

    def get_queryset(self, request):
        """Albums holding a photo the user may see (a moderator: the review queue's)."""
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        visible = AlbumPhoto.objects.filter(
            photo__in=Photo.objects.visible_to(request.user)
        ).values("album_id")
        return queryset.filter(Q(owner=request.user) | Q(pk__in=visible))

    # Deleting an album (Django's own delete) leaves its photos in their owners' libraries.


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

    def has_add_permission(self, request):
        return False  # labels come from detection


@admin.register(Rendition)
class RenditionAdmin(admin.ModelAdmin):
    list_display = ("photo", "spec", "width", "height", "size")
    list_select_related = ("photo",)

    def get_queryset(self, request):
        visible = Photo.objects.visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(photo__in=visible)

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

    def has_add_permission(self, request):
        return False  # renditions are rendered by the pipeline
