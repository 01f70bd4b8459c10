from django.urls import path

from albums import media_views, share_views, upload_views, views

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
    path("photos/<uuid:photo_id>/original/", media_views.original, name="photo_original"),
    path("photos/<uuid:photo_id>/r/<slug:spec>/", media_views.rendition, name="photo_rendition"),
]
