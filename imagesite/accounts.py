"""Accounts around allauth: the adapter (the site's name in emails, a stricter login limit
for staff), the admin's sign-in through allauth, and deleting one's own account.

allauth's emails read the site's name from django.contrib.sites (`example.com` until someone
edits the row); the adapter hands them SITE_NAME instead, with the domain the request came to.

allauth counts failed logins per IP and per account (`ACCOUNT_RATE_LIMITS["login_failed"]`).
A staff account opens other people's photos, so its password gets fewer guesses:
`login_failed_staff`, counted per account, on top. `/admin/login/` never checks a password
itself: it sends people to allauth's sign-in page, where both limits apply.
"""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.internal import ratelimit
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.contrib.sites.models import Site
from django.contrib.sites.requests import RequestSite
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from albums import services

STAFF_ACTION = "login_failed_staff"


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        site = RequestSite(request) if request is not None else Site.objects.get_current()
        site.name = settings.SITE_NAME
        super().send_mail(template_prefix, email, {"current_site": site, **context})

    def pre_authenticate(self, request, **credentials):
        super().pre_authenticate(request, **credentials)
        self._staff_usage = None
        if not _is_staff_login(credentials):
            return
        self._staff_usage = ratelimit.consume(
            request,
            app="allauth.account",
            action=STAFF_ACTION,
            key=self._get_login_attempts_cache_key(request, **credentials),
        )
        if not self._staff_usage:
            raise self.validation_error("too_many_login_attempts")

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is not None and getattr(self, "_staff_usage", None):
            self._staff_usage.rollback()  # a right password costs no attempt, as allauth does
        return user


def _is_staff_login(credentials) -> bool:
    login = credentials.get("email") or credentials.get("username") or ""
    if not login:
        return False
    users = get_user_model().objects.filter(is_staff=True)
    return users.filter(email__iexact=login).exists() or users.filter(username=login).exists()


def admin_login(request):
    """The admin's sign-in: allauth's page (rate limited), then back to the admin."""
    target = request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = ""
    target = target or reverse("admin:index")
    if not request.user.is_authenticated:
        return redirect_to_login(target, login_url=reverse("account_login"))
    if request.user.is_active and request.user.is_staff:
        return redirect(target)
    raise PermissionDenied  # signed in, but the admin is not for this account


class AccountDeleteForm(forms.Form):
    """Proof that the person at the keyboard owns the account: its password, or, for an
    account without one, its email address typed out."""

    confirmation = forms.CharField(strip=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        field = self.fields["confirmation"]
        if user.has_usable_password():
            field.label = "Your password"
            field.widget = forms.PasswordInput(attrs={"autocomplete": "current-password"})
        else:
            field.label = f"Type your email address ({user.email}) to confirm"
            field.widget = forms.TextInput(attrs={"autocomplete": "off"})

    def clean_confirmation(self):
        value = self.cleaned_data["confirmation"]
        if self.user.has_usable_password():
            if not self.user.check_password(value):
                raise forms.ValidationError("That is not your password.")
        elif value.strip().casefold() != self.user.email.casefold():
            raise forms.ValidationError("That is not the email address of this account.")
        return value


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    user = request.user
    form = AccountDeleteForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        count = services.users_delete(users=get_user_model().objects.filter(pk=user.pk))
        logout(request)
        messages.success(request, f"Your account and its {count} photo(s) are deleted. Goodbye.")
        return redirect("home")
    owned = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .aggregate(albums=Count("albums", distinct=True), photos=Count("photos", distinct=True))
    )
    return render(request, "account/delete.html", {"form": form, **owned})
