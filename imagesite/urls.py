from django.contrib import admin
from django.urls import include, path

from albums import views as album_views
from imagesite import accounts, health, metrics

urlpatterns = [
    path("", album_views.home, name="home"),
    path("livez", health.livez, name="livez"),
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("accounts/delete/", accounts.account_delete, name="account_delete"),
    path("accounts/", include("allauth.urls")),
    # Before the admin's own: its sign-in is allauth's, with allauth's rate limits.
    path("admin/login/", accounts.admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("", include("albums.urls")),
]

handler403 = "imagesite.errors.permission_denied"
handler404 = "imagesite.errors.page_not_found"
handler500 = "imagesite.errors.server_error"
