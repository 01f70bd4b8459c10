"""/healthz for load balancers and /metrics for Prometheus."""

import pytest
from django.urls import reverse

from albums.models import Photo

pytestmark = pytest.mark.django_db


def test_healthz_reports_each_dependency_without_secrets(client, settings):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body == {"status": "ok", "database": "ok", "storage": "ok", "broker": "ok"}
    assert settings.SECRET_KEY not in response.content.decode()


def test_healthz_answers_503_when_storage_is_unreachable(client, monkeypatch):
    from django.core.files.storage import default_storage

    def broken(name):
        raise ConnectionError("storage down")

    monkeypatch.setattr(default_storage, "exists", broken)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["storage"] == "unreachable"
    assert "storage down" not in response.content.decode()


def test_metrics_are_not_public(client, user):
    assert client.get(reverse("metrics")).status_code == 403
    client.force_login(user)
    assert client.get(reverse("metrics")).status_code == 403
    wrong = client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer guess")
    assert wrong.status_code == 403


def test_metrics_count_photos_by_status(client, settings, album, make_photo):
    settings.METRICS_TOKEN = "scraper-secret"
    make_photo(album, status=Photo.Status.READY)
    make_photo(album, status=Photo.Status.READY)
    make_photo(album, status=Photo.Status.FAILED, status_reason="x")
    response = client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer scraper-secret")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'imagesite_photos{status="ready"} 2.0' in text
    assert 'imagesite_photos{status="failed"} 1.0' in text
    assert 'imagesite_photos{status="uploading"} 0.0' in text


def test_healthz_answers_a_load_balancer_probing_by_ip(client, settings):
    settings.ALLOWED_HOSTS = ["photos.example.com"]
    assert client.get("/healthz", HTTP_HOST="10.0.3.17:8000").status_code == 200
    assert client.get("/", HTTP_HOST="10.0.3.17:8000").status_code == 400
