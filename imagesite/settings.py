"""imagesite settings: one module, driven by the environment.

The embedded defaults (SQLite, a local media folder, an in-process broker, the offline
label detector) need no environment at all. Production sets DATABASE_URL,
AWS_STORAGE_BUCKET_NAME, DRAMATIQ_BROKER_URL, LABEL_DETECTOR and friends; nothing in the
code asks which of the two it is running in.
"""

import operator
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from imagesite.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # embedded-mode data (SQLite file, media); created by scripts/run

env = environ.Env()
if env.bool("IMAGESITE_READ_DOTENV", default=True) and (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

# --- Core -----------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# A secret is only ever defaulted for local development.
SECRET_KEY = (
    env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
    if DEBUG
    else env("DJANGO_SECRET_KEY")
)
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_ID = 1
# The name people see in page titles, emails and the admin (allauth's emails included).
SITE_NAME = env("SITE_NAME", default="imagesite")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "imagesite",  # system checks (imagesite.checks) and operator commands
    "allauth",
    "allauth.account",
    "django_dramatiq",
    "albums",
    "processing",
]

MIDDLEWARE = [
    # Load balancers probe /livez and /healthz by IP: answer before the Host header is checked.
    "imagesite.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files under gunicorn, no CDN
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "imagesite.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "imagesite.urls"
WSGI_APPLICATION = "imagesite.wsgi.application"
ASGI_APPLICATION = "imagesite.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "imagesite.context_processors.site",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'imagesite.sqlite3'}")
}
_db = DATABASES["default"]
if env("DATABASE_PASSWORD", default=""):  # kept apart from the URL
    _db["PASSWORD"] = env("DATABASE_PASSWORD")
# A rotated password (Aurora's managed master secret): read from Secrets Manager when a
# connection opens, cached briefly, read again when the server refuses it (imagesite.db).
DATABASE_SECRET_ARN = env("DATABASE_SECRET_ARN", default="")
DATABASE_SECRET_CACHE_SECONDS = env.int("DATABASE_SECRET_CACHE_SECONDS", default=300)
AWS_SECRETSMANAGER_ENDPOINT_URL = env("AWS_SECRETSMANAGER_ENDPOINT_URL", default=None)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded worker threads write while the web serves: WAL plus IMMEDIATE
    # transactions keep SQLite from answering "database is locked".
    _db.setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif _db["ENGINE"] == "django.db.backends.mysql":
    _db.setdefault("OPTIONS", {}).update(
        {
            "charset": "utf8mb4",
            "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
            "isolation_level": "read committed",
        }
    )
    _db.setdefault("TEST", {}).update({"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"})
    if DATABASE_SECRET_ARN:
        _db["ENGINE"] = "imagesite.db.mysql"  # Django's MySQL backend, password per connect
        _db["SECRET_ARN"] = DATABASE_SECRET_ARN
_db["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
_db["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Storage --------------------------------------------------------------------------
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media/"  # never served directly: photos go through views that check owners
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = DEBUG  # development serves from static/

AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default=None)  # any S3-compatible server
AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", default="us-east-1")
if AWS_STORAGE_BUCKET_NAME:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": AWS_S3_ENDPOINT_URL,
            "region_name": AWS_S3_REGION_NAME,
            "default_acl": None,  # the bucket is private; objects inherit that
            "file_overwrite": False,
            "signature_version": "s3v4",
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default=None),
            "querystring_auth": True,
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=300),
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# S3 event ingestion (manage.py consume_s3_events): the SQS queue S3 notifies.
S3_EVENTS_QUEUE_URL = env("S3_EVENTS_QUEUE_URL", default="")
AWS_SQS_ENDPOINT_URL = env("AWS_SQS_ENDPOINT_URL", default=None)

# --- Uploads --------------------------------------------------------------------------
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=100 * 1024 * 1024)
PRESIGNED_POST_EXPIRES = env.int("PRESIGNED_POST_EXPIRES", default=600)  # seconds
# Files at least this big go in parts (resumable after a dropped connection or a reload):
# S3 multipart uploads with presigned parts, or parts POSTed to the site. S3 takes parts of
# 5 MiB or more (but the last), and raises a smaller UPLOAD_PART_BYTES to that.
UPLOAD_RESUMABLE_FROM_BYTES = env.int("UPLOAD_RESUMABLE_FROM_BYTES", default=16 * 1024 * 1024)
UPLOAD_PART_BYTES = env.int("UPLOAD_PART_BYTES", default=8 * 1024 * 1024)
UNCONFIRMED_UPLOAD_MAX_AGE_HOURS = env.int("UNCONFIRMED_UPLOAD_MAX_AGE_HOURS", default=24)
# Local uploads stream to a temporary file, never into memory.
FILE_UPLOAD_HANDLERS = ["albums.uploads.LimitedTemporaryFileUploadHandler"]
FILE_UPLOAD_PERMISSIONS = 0o640
ALBUM_PAGE_SIZE = env.int("ALBUM_PAGE_SIZE", default=48)
# Photos stay restorable in the trash this long; `manage.py purge_trash` deletes them after.
TRASH_DAYS = env.int("TRASH_DAYS", default=30)

# --- Task queue -----------------------------------------------------------------------
DRAMATIQ_BROKER_URL = env("DRAMATIQ_BROKER_URL", default="")
# With no broker URL a StubBroker runs worker threads inside the web process.
EMBEDDED_WORKER_THREADS = env.int("EMBEDDED_WORKER_THREADS", default=2)
EMBEDDED_WORKER_AUTOSTART = env.bool("EMBEDDED_WORKER_AUTOSTART", default=True)
_BROKERS = {
    "redis": "dramatiq.brokers.redis.RedisBroker",
    "rediss": "dramatiq.brokers.redis.RedisBroker",  # TLS (ElastiCache in transit encryption)
    "amqp": "dramatiq.brokers.rabbitmq.RabbitmqBroker",
    "amqps": "dramatiq.brokers.rabbitmq.RabbitmqBroker",
    "": "dramatiq.brokers.stub.StubBroker",
}
_broker_scheme = DRAMATIQ_BROKER_URL.split("://", 1)[0] if DRAMATIQ_BROKER_URL else ""
if _broker_scheme not in _BROKERS:
    raise ImproperlyConfigured(
        f"DRAMATIQ_BROKER_URL: unknown scheme {_broker_scheme!r}; "
        f"use one of {', '.join(sorted(k for k in _BROKERS if k))}"
    )
DRAMATIQ_BROKER = {
    "BROKER": _BROKERS[_broker_scheme],
    "OPTIONS": {"url": DRAMATIQ_BROKER_URL} if DRAMATIQ_BROKER_URL else {},
    "MIDDLEWARE": [
        "dramatiq.middleware.AgeLimit",
        "dramatiq.middleware.TimeLimit",
        "dramatiq.middleware.Callbacks",
        # The pipeline's actors ask it whether an attempt is the last (processing/tasks.py).
        "dramatiq.middleware.CurrentMessage",
        "dramatiq.middleware.Retries",
        "django_dramatiq.middleware.DbConnectionsMiddleware",
        # numpy/onnxruntime imported at boot, never half-imported in a thread.
        "processing.warmup.ImportAnalyses",
    ],
}
if DRAMATIQ_BROKER["BROKER"].endswith("RedisBroker"):
    # Messages a dead worker had fetched go back on their queue once it has sent no
    # heartbeat for this long, found by a maintenance pass that runs on this many broker
    # commands in a million, per queue (dramatiq's defaults: 60 s and 1,000).
    DRAMATIQ_BROKER["OPTIONS"].update(
        heartbeat_timeout=env.int("DRAMATIQ_REDIS_HEARTBEAT_TIMEOUT_MS", default=60_000),
        maintenance_chance=env.int("DRAMATIQ_REDIS_MAINTENANCE_CHANCE", default=1_000),
    )
# `manage.py publish_queue_backlog` puts each queue's backlog here for the autoscaling.
AWS_CLOUDWATCH_ENDPOINT_URL = env("AWS_CLOUDWATCH_ENDPOINT_URL", default=None)
# Workers export dramatiq's Prometheus metrics on dramatiq_prom_port (default 9191).
if env.bool("DRAMATIQ_PROMETHEUS", default=bool(DRAMATIQ_BROKER_URL)):
    DRAMATIQ_BROKER["MIDDLEWARE"].insert(0, "dramatiq.middleware.prometheus.Prometheus")
# The site's own /metrics: a bearer token for the scraper (staff may look without one).
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# Retries: a handful with exponential backoff, not dramatiq's 20 over days.
PIPELINE_MAX_RETRIES = env.int("PIPELINE_MAX_RETRIES", default=5)
PIPELINE_MIN_BACKOFF_MS = env.int("PIPELINE_MIN_BACKOFF_MS", default=2_000)
PIPELINE_MAX_BACKOFF_MS = env.int("PIPELINE_MAX_BACKOFF_MS", default=300_000)
PIPELINE_TIME_LIMIT_MS = env.int("PIPELINE_TIME_LIMIT_MS", default=10 * 60_000)
# Photos queued/processing longer than this are re-sent by the stale sweep.
PIPELINE_STALE_AFTER_MINUTES = env.int("PIPELINE_STALE_AFTER_MINUTES", default=30)
# Steps of this installation's own, beside processing/registry.py's: dotted paths of Step
# objects (comma-separated), each with a stage module of its own.
PIPELINE_EXTRA_STEPS = env.list("PIPELINE_EXTRA_STEPS", default=[])
MAX_IMAGE_PIXELS = env.int("MAX_IMAGE_PIXELS", default=100_000_000)
# Memory one decode may use (decoded pixels plus conversions); bigger images are rejected.
DECODE_MEMORY_BUDGET_MB = env.int("DECODE_MEMORY_BUDGET_MB", default=512)

# --- Labels ---------------------------------------------------------------------------
# Each analysis is "local" (models that ship with the code, on the CPU: processing/vision),
# "rekognition" (Amazon Rekognition) or "off"; local and Rekognition mix freely.
LABEL_DETECTOR = env("LABEL_DETECTOR", default="local")  # local | rekognition | off
# NSFW score: local | rekognition | off; empty (the default) means "as LABEL_DETECTOR".
MODERATION_DETECTOR = env("MODERATION_DETECTOR", default="")
# Faces ("Person"/"People", boxes kept): local | rekognition | off.
FACES_DETECTOR = env("FACES_DETECTOR", default="local")
# Text in photos is its own step (queue "text"), so OCR never delays renditions or labels.
TEXT_DETECTOR = env("TEXT_DETECTOR", default="local")  # local | rekognition | off
PLACES_DETECTOR = env("PLACES_DETECTOR", default="local")  # local | off (GPS -> town, country)
PLACES_MAX_KM = env.float("PLACES_MAX_KM", default=50.0)  # farther from any town: no place
LABEL_MIN_CONFIDENCE = env.float("LABEL_MIN_CONFIDENCE", default=30.0)  # local labels, percent
REKOGNITION_MAX_LABELS = env.int("REKOGNITION_MAX_LABELS", default=20)
# Percent, for Rekognition's labels, moderation labels and faces (DetectFaces has no
# threshold of its own: fainter faces are dropped here).
REKOGNITION_MIN_CONFIDENCE = env.float("REKOGNITION_MIN_CONFIDENCE", default=70.0)
REKOGNITION_REGION = env("REKOGNITION_REGION", default=AWS_S3_REGION_NAME)
MODERATION_THRESHOLD = env.float("MODERATION_THRESHOLD", default=80.0)
# Every mix of these runs what it names (processing/labeling.py builds the detectors a mix
# needs); a misspelt value would silently run something else, so it stops start-up instead.
for _name, _value, _choices in (
    ("LABEL_DETECTOR", LABEL_DETECTOR, ("local", "rekognition", "off")),
    ("MODERATION_DETECTOR", MODERATION_DETECTOR, ("", "local", "rekognition", "off")),
    ("FACES_DETECTOR", FACES_DETECTOR, ("local", "rekognition", "off")),
    ("TEXT_DETECTOR", TEXT_DETECTOR, ("local", "rekognition", "off")),
    ("PLACES_DETECTOR", PLACES_DETECTOR, ("local", "off")),
):
    if _value not in _choices:
        _allowed = ", ".join(repr(c) for c in _choices if c)
        raise ImproperlyConfigured(f"{_name} must be one of {_allowed}, not {_value!r}")

# --- Accounts (django-allauth) ------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "albums:timeline"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_USER_DISPLAY = operator.attrgetter("email")  # people sign up with an email, not a name
ACCOUNT_ADAPTER = "imagesite.accounts.AccountAdapter"  # SITE_NAME in emails; staff login limit
# Behind a load balancer every request comes from its address: the client's is the one the
# last TRUSTED_PROXY_COUNT proxies appended to X-Forwarded-For (1 behind an ALB; 0 trusts none).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ACCOUNT_RATE_LIMITS = {  # allauth's own limits, kept on and made explicit
    # Per IP and per account; a site behind one shared IP (an office) may raise the IP part.
    "login": env("ACCOUNT_RATE_LIMIT_LOGIN", default="30/m/ip"),
    "login_failed": env("ACCOUNT_RATE_LIMIT_LOGIN_FAILED", default="10/m/ip,5/5m/key"),
    # Staff accounts see other people's photos: fewer guesses, and a day's cap, per account.
    "login_failed_staff": env(
        "ACCOUNT_RATE_LIMIT_LOGIN_FAILED_STAFF", default="3/15m/key,10/d/key"
    ),
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Email ----------------------------------------------------------------------------
# Console in development; SMTP from EMAIL_URL (smtp+tls://user:pass@host:587) in production.
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=f"{SITE_NAME} <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Cache (allauth's rate limits count here) -------------------------------------------
# Production runs several processes: rate limits and cached sessions must be shared, so a
# per-process cache outside DEBUG fails `check --deploy` (imagesite.checks). Redis behind
# a load balancer (rediss:// with TLS); one machine may use filecache:///path.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# Sessions stay in the database (shared by every process); a shared cache fronts them.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if env("CACHE_URL", default="")
    else "django.contrib.sessions.backends.db"
)

# --- Security -------------------------------------------------------------------------
SECURE = env.bool("DJANGO_SECURE", default=not DEBUG)  # HTTPS in front of the site
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=SECURE)
# HSTS is rolled out as cookiecutter-django does: a minute at first, so a mistake in HTTPS
# set-up locks nobody out; raise DJANGO_SECURE_HSTS_SECONDS step by step (3600, 86400,
# 2592000, 31536000) once HTTPS is known good. Browsers remember the longest value seen.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=SECURE)
# Preload lists take a year's max-age at least, and leaving one takes months: opt in only.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]  # "not in the preload list": on purpose
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^livez$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# The site's own origin only; S3 is added for presigned uploads when a bucket is set.
CONTENT_SECURITY_POLICY = env(
    "CONTENT_SECURITY_POLICY",
    default=(
        "default-src 'self'; img-src 'self' data: blob: {s3}; connect-src 'self' {s3}; "
        "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
)

# --- i18n -----------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Logging and errors ---------------------------------------------------------------
# One JSON object a line outside DEBUG (CloudWatch Logs and journald search the fields).
LOG_FORMAT = env("LOG_FORMAT", default="plain" if DEBUG else "json")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}")
# Everything to the console, as LOG_FORMAT says; noisy libraries quieter (imagesite/logs.py).
LOGGING = logging_config(log_format=LOG_FORMAT, level=env("LOG_LEVEL", default="INFO"))

# Errors to Sentry when SENTRY_DSN is set (the `sentry` extra installs sentry-sdk).
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from imagesite.sentry import init_sentry

    init_sentry(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
