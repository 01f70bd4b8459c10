"""Accounts through allauth: sign up by email, verify, sign in and out, reset, rate limits."""

import re

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


def _link(message) -> str:
    return re.search(r"http://testserver(/accounts/[^\s]+)", message.body).group(1)


def test_sign_up_verify_and_land_in_albums(client, django_user_model):
    response = client.post(
        reverse("account_signup"),
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.com"]
    # Not verified yet: the albums page sends the visitor to confirm first.
    assert client.get(reverse("albums:list")).status_code == 302

    confirm_url = _link(mail.outbox[0])
    assert client.get(confirm_url).status_code == 200  # a page with a button, not a GET action
    response = client.post(confirm_url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("albums:timeline")
    assert b"No photos yet" in response.content
    user = django_user_model.objects.get(email="new@example.com")
    assert user.emailaddress_set.get().verified


def test_sign_in_and_out(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("albums:list")).status_code == 200
    client.post(reverse("account_logout"))
    assert client.get(reverse("albums:list")).status_code == 302


def test_password_reset_by_email(client, user):
    client.post(reverse("account_reset_password"), {"email": user.email})
    assert len(mail.outbox) == 1
    reset_url = client.get(_link(mail.outbox[0]), follow=True).redirect_chain[-1][0]
    new = "another-long-password-2"
    client.post(reset_url, {"password1": new, "password2": new})
    assert client.login(username=user.username, password=new)


def test_failed_logins_are_rate_limited(client, user):
    def attempt(password):
        response = client.post(
            reverse("account_login"), {"login": user.email, "password": password}
        )
        return response.content.decode()

    pages = [attempt("wrong") for _ in range(6)]
    assert "Too many failed login attempts" not in pages[0]
    assert "Too many failed login attempts" in pages[-1]
    # Even the right password is refused while the limit holds.
    assert "Too many failed login attempts" in attempt(PASSWORD)
    assert client.get(reverse("albums:list")).status_code == 302


def test_account_pages_use_the_site_layout(client):
    html = client.get(reverse("account_login")).content.decode()
    assert 'class="site-header"' in html and "css/site.css" in html


def test_account_pages_link_each_other(client, user):
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    for name in ("account_email", "account_change_password"):
        html = client.get(reverse(name)).content.decode()
        assert f'href="{reverse("account_email")}"' in html
        assert f'href="{reverse("account_change_password")}"' in html


def test_signed_in_messages_name_the_email_not_the_generated_username(client, user):
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, follow=True
    )
    assert f"Successfully signed in as {user.email}" in response.content.decode()


def staff_attempt(client, url, email, password):
    return client.post(url, {"login": email, "password": password, "username": email})


def test_admin_sign_in_goes_through_allauth_and_its_limits(client, make_user):
    staff = make_user("admin@example.com", password=PASSWORD, is_staff=True, is_superuser=True)
    admin_login = reverse("admin:login") + "?next=/admin/"

    # The admin's own form checks no password: every POST is sent to allauth's page.
    for _ in range(40):
        response = client.post(admin_login, {"username": staff.username, "password": "wrong"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    response = client.post(admin_login, {"username": staff.username, "password": PASSWORD})
    assert response["Location"].startswith(reverse("account_login"))
    assert client.get(reverse("admin:index")).status_code == 302  # still signed out

    # There, wrong passwords run out (3 for a staff account) and then the right one is refused.
    pages = [
        staff_attempt(client, response["Location"], staff.email, "wrong").content.decode()
        for _ in range(4)
    ]
    assert "Too many failed login attempts" not in pages[0]
    assert "Too many failed login attempts" in pages[-1]
    refused = staff_attempt(client, response["Location"], staff.email, PASSWORD)
    assert "Too many failed login attempts" in refused.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302


def test_a_staff_account_gets_fewer_guesses_than_an_ordinary_one(client, make_user):
    staff = make_user("admin@example.com", password=PASSWORD, is_staff=True)
    ordinary = make_user("person@example.com", password=PASSWORD)
    url = reverse("account_login")

    for account in (staff, ordinary):
        for _ in range(3):
            staff_attempt(client, url, account.email, "wrong")
    # Four wrong guesses in: allauth's own per-account limit (5) still lets people in.
    staff_attempt(client, url, ordinary.email, "wrong")
    assert staff_attempt(client, url, ordinary.email, PASSWORD).status_code == 302
    client.logout()
    refused = staff_attempt(client, url, staff.email, PASSWORD)
    assert "Too many failed login attempts" in refused.content.decode()


def test_a_staff_member_signed_in_through_allauth_reaches_the_admin(client, make_user):
    staff = make_user("admin@example.com", password=PASSWORD, is_staff=True, is_superuser=True)
    start = client.get(reverse("admin:index"), follow=True)
    assert start.request["PATH_INFO"] == reverse("account_login")

    signed_in = client.post(
        start.redirect_chain[-1][0], {"login": staff.email, "password": PASSWORD}, follow=True
    )

    assert signed_in.request["PATH_INFO"] == reverse("admin:index")
    assert signed_in.status_code == 200


def test_the_password_rules_stay_under_their_field(client):
    """A list cannot sit in a paragraph: rendered as_p, the browser ended the field's <p>
    before the rules, and they floated loose between the fields."""
    html = client.get(reverse("account_signup")).content.decode()
    field = re.search(
        r'<div>\s*<label for="id_password1">(?:(?!<div>).)*?id="id_password1">', html, re.S
    )
    assert field is not None and "at least 8 characters" in field.group(0)
    assert not re.search(r"<p>(?:(?!</p>).)*<ul", html, re.S)
