from django.contrib import admin
from django.urls import include, path

from albums import views as album_views
from imagesite import health, metrics

urlpatterns = [
    path("", album_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("albums.urls")),
]

handler403 = "imagesite.errors.permission_denied"
handler404 = "imagesite.errors.page_not_found"
handler500 = "imagesite.errors.server_error"
