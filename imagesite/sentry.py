"""Optional error reporting: Sentry, when SENTRY_DSN is set (the `sentry` extra)."""

from django.core.exceptions import ImproperlyConfigured


def init_sentry(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    try:  # an optional extra: only needed when SENTRY_DSN is set
        import sentry_sdk
        from sentry_sdk.integrations.django import DjangoIntegration
        from sentry_sdk.integrations.dramatiq import DramatiqIntegration
    except ImportError as exc:
        raise ImproperlyConfigured(
            "SENTRY_DSN is set but sentry-sdk is not installed: pip install 'imagesite[sentry]'"
        ) from exc
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), DramatiqIntegration()],
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,  # no emails, IPs or cookies leave the site
    )
