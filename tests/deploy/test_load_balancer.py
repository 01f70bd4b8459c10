"""Behind a load balancer: a shallow liveness URL, the deep check as readiness, and rate
limits keyed on the client's address from X-Forwarded-For, not the balancer's."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
BALANCER = "10.0.1.17"  # a REMOTE_ADDR string only: nothing is sent anywhere


def test_livez_answers_by_ip_while_the_deep_check_fails(client, monkeypatch, settings):
    from django.core.files.storage import default_storage

    def broken(name):
        raise ConnectionError("storage down")

    monkeypatch.setattr(default_storage, "exists", broken)
    settings.ALLOWED_HOSTS = ["photos.example.com"]
    assert client.get("/healthz", HTTP_HOST="10.0.3.4:8000").status_code == 503
    live = client.get("/livez", HTTP_HOST="10.0.3.4:8000")  # the ALB probes the task's IP
    assert live.status_code == 200 and live.json() == {"status": "ok"}


def test_livez_touches_no_dependency(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get(reverse("livez")).status_code == 200


def _failed_logins(client, email: str, client_ip: str, count: int) -> str:
    page = ""
    for _ in range(count):
        response = client.post(
            reverse("account_login"),
            {"login": email, "password": "wrong-password"},
            REMOTE_ADDR=BALANCER,
            HTTP_X_FORWARDED_FOR=client_ip,
        )
        page = response.content.decode()
    return page


def test_one_client_s_failed_logins_do_not_lock_out_everyone_behind_the_balancer(
    client, make_user, settings
):
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "10/m/ip"}
    make_user(email="someone@example.com")
    make_user(email="victim@example.com")
    page = _failed_logins(client, "someone@example.com", "198.51.100.7", 11)
    assert "Too many failed login attempts" in page
    # Another client, through the same balancer: its own count.
    page = _failed_logins(client, "victim@example.com", "203.0.113.9", 1)
    assert "Too many failed login attempts" not in page


def test_with_no_trusted_proxy_a_forged_header_changes_nothing(client, make_user, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/m/ip"}
    make_user(email="someone@example.com")
    _failed_logins(client, "someone@example.com", "198.51.100.7", 3)
    page = _failed_logins(client, "someone@example.com", "203.0.113.99", 1)  # forged
    assert "Too many failed login attempts" in page
