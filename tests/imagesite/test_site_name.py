"""The site's name comes from SITE_NAME: pages, and allauth's emails (never "example.com")."""

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


@pytest.fixture
def named(settings):
    settings.SITE_NAME = "Holiday Snaps"
    settings.ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Holiday Snaps] "


def test_the_sign_up_email_names_the_site(client, named):
    client.post(
        reverse("account_signup"),
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    (message,) = mail.outbox
    assert message.subject.startswith("[Holiday Snaps] ")
    assert "Hello from Holiday Snaps!" in message.body
    assert "Thank you for using Holiday Snaps!" in message.body
    assert "example.com" not in message.body.replace("new@example.com", "")
    assert "testserver" in message.body  # the domain people came to


def test_pages_name_the_site(client, named):
    html = client.get(reverse("account_login")).content.decode()
    assert "· Holiday Snaps</title>" in html
    assert '<a class="brand" href="/">Holiday Snaps</a>' in html
    assert "imagesite" not in html.replace("/static/", "")
