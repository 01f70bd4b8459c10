from django.urls import path

from albums import (
    media_views,
    resume_views,
    selection_views,
    share_views,
    timeline_views,
    trash_views,
    upload_views,
    views,
)

app_name = "albums"

urlpatterns = [
    path("albums/", views.album_list, name="list"),
    path("albums/<uuid:album_id>/", views.album_detail, name="detail"),
    path("albums/<uuid:album_id>/edit/", views.album_edit, name="edit"),
    path("albums/<uuid:album_id>/delete/", views.album_delete, name="delete"),
    path("albums/<uuid:album_id>/grid/", views.album_grid, name="grid"),
    path("albums/<uuid:album_id>/uploads/", upload_views.upload_start, name="upload_start"),
    path(
        "albums/<uuid:album_id>/uploads/status/",
        upload_views.upload_status,
        name="upload_status",
    ),
    path("albums/<uuid:album_id>/shares/", share_views.share_create, name="share_create"),
    path(
        "albums/<uuid:album_id>/shares/<int:link_id>/revoke/",
        share_views.share_revoke,
        name="share_revoke",
    ),
    path("search/", views.search, name="search"),
    path("photos/", timeline_views.timeline_view, name="timeline"),
    path("photos/selection/", selection_views.selection_apply, name="selection"),
    path("photos/selection/zip/", selection_views.selection_zip, name="selection_zip"),
    path("s/<str:token>/", share_views.shared_album, name="shared"),
    path("s/<str:token>/<uuid:photo_id>/", share_views.shared_photo, name="shared_photo"),
    path(
        "s/<str:token>/<uuid:photo_id>/r/<slug:spec>/",
        share_views.shared_rendition,
        name="shared_rendition",
    ),
    path(
        "s/<str:token>/<uuid:photo_id>/original/",
        share_views.shared_original,
        name="shared_original",
    ),
    path("photos/<uuid:photo_id>/", views.photo_detail, name="photo"),
    path("photos/<uuid:photo_id>/delete/", views.photo_delete, name="photo_delete"),
    path("photos/<uuid:photo_id>/retry/", views.photo_retry, name="photo_retry"),
    path("photos/<uuid:photo_id>/upload/", upload_views.upload_receive, name="photo_upload"),
    path("photos/<uuid:photo_id>/confirm/", upload_views.upload_confirm, name="photo_confirm"),
    # Resumable uploads (albums/resume_views.py)
    path("photos/<uuid:photo_id>/parts/", resume_views.parts, name="photo_parts"),
    path(
        "photos/<uuid:photo_id>/parts/<int:number>/",
        resume_views.part_target,
        name="photo_part_target",
    ),
    path(
        "photos/<uuid:photo_id>/parts/complete/",
        resume_views.parts_complete,
        name="photo_parts_complete",
    ),
    path("photos/<uuid:photo_id>/original/", media_views.original, name="photo_original"),
    path("photos/<uuid:photo_id>/r/<slug:spec>/", media_views.rendition, name="photo_rendition"),
]

# The trash page (albums/trash_views.py): kept as a block of its own.
urlpatterns += [
    path("trash/", trash_views.trash, name="trash"),
    path("trash/restore/", trash_views.trash_restore_all, name="trash_restore_all"),
    path("trash/empty/", trash_views.trash_empty, name="trash_empty"),
    path("trash/<uuid:photo_id>/restore/", trash_views.trash_restore, name="trash_restore"),
    path("trash/<uuid:photo_id>/delete/", trash_views.trash_delete, name="trash_delete"),
]
