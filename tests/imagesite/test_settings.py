"""The settings module, as production and a laptop each read it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "Zx9-production-like-secret-" + "q" * 40,
    "DJANGO_ALLOWED_HOSTS": "photos.example.com",
    "AWS_STORAGE_BUCKET_NAME": "imagesite-originals",
    "DRAMATIQ_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587",
    "IMAGESITE_READ_DOTENV": "0",
    "DJANGO_SETTINGS_MODULE": "imagesite.settings",
}


def _clean_env(**extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "AWS_", "DRAMATIQ_", "DATABASE_", "EMAIL_"))
    }
    env.update(extra)
    return env


def _manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", env=_clean_env(**PRODUCTION_ENV)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_is_never_defaulted_outside_debug():
    env = _clean_env(IMAGESITE_READ_DOTENV="0", DJANGO_SETTINGS_MODULE="imagesite.settings")
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def _settings_of(env: dict, expression: str) -> str:
    code = f"import imagesite.settings as s; print({expression})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_embedded_defaults_need_no_environment():
    env = {
        "DJANGO_DEBUG": "1",
        "IMAGESITE_READ_DOTENV": "0",
        "DJANGO_SETTINGS_MODULE": "imagesite.settings",
    }
    out = _settings_of(
        env,
        "s.DATABASES['default']['ENGINE'], s.STORAGES['default']['BACKEND'], "
        "s.DRAMATIQ_BROKER['BROKER'], s.LABEL_DETECTOR, s.EMAIL_BACKEND",
    )
    assert "sqlite3" in out
    assert "FileSystemStorage" in out
    assert "StubBroker" in out
    assert " local " in out
    assert "console" in out


def test_production_environment_selects_s3_redis_and_smtp():
    out = _settings_of(
        PRODUCTION_ENV,
        "s.STORAGES['default'], s.DRAMATIQ_BROKER['BROKER'], "
        "s.EMAIL_BACKEND, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS",
    )
    assert "storages.backends.s3.S3Storage" in out
    assert "'file_overwrite': False" in out and "'default_acl': None" in out
    assert "'signature_version': 's3v4'" in out
    assert "RedisBroker" in out
    assert "smtp.EmailBackend" in out
    assert "True 60" in out  # HSTS starts short (see the rollout test)


def test_mysql_gets_utf8mb4_strict_mode_and_read_committed():
    env = dict(PRODUCTION_ENV, DATABASE_URL="mysql://app:pw@db.example.com:3306/imagesite")
    out = _settings_of(env, "s.DATABASES['default']['OPTIONS']")
    assert "'charset': 'utf8mb4'" in out
    assert "STRICT_TRANS_TABLES" in out
    assert "'isolation_level': 'read committed'" in out


@pytest.mark.parametrize(
    "url,broker", [("amqp://guest:guest@127.0.0.1:5672/", "RabbitmqBroker"), ("", "StubBroker")]
)
def test_broker_url_chooses_the_broker(url, broker):
    env = dict(PRODUCTION_ENV, DRAMATIQ_BROKER_URL=url)
    assert broker in _settings_of(env, "s.DRAMATIQ_BROKER['BROKER']")


def test_production_responses_carry_security_headers(client, settings):
    response = client.get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_check_deploy_fails_when_production_uses_a_per_process_cache():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "CACHE_URL"}
    result = _manage("check", "--deploy", env=_clean_env(**env))
    assert result.returncode != 0
    assert "imagesite.E001" in result.stderr and "CACHE_URL" in result.stderr


def test_a_shared_cache_also_fronts_the_database_sessions():
    out = _settings_of(PRODUCTION_ENV, "s.CACHES['default']['BACKEND'], s.SESSION_ENGINE")
    assert "RedisCache" in out and "sessions.backends.cached_db" in out
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "CACHE_URL"}
    assert _settings_of(env, "s.SESSION_ENGINE").endswith("sessions.backends.db")


def test_the_tls_redis_scheme_selects_the_redis_broker():
    env = dict(PRODUCTION_ENV, DRAMATIQ_BROKER_URL="rediss://cache.example.com:6379/0")
    out = _settings_of(env, "s.DRAMATIQ_BROKER['BROKER'], s.DRAMATIQ_BROKER['OPTIONS']['url']")
    assert out == "dramatiq.brokers.redis.RedisBroker rediss://cache.example.com:6379/0"


def test_an_unknown_broker_scheme_is_named_in_the_error():
    env = _clean_env(**dict(PRODUCTION_ENV, DRAMATIQ_BROKER_URL="sqs://queue"))
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DRAMATIQ_BROKER_URL: unknown scheme 'sqs'" in result.stderr


def test_hsts_rolls_out_short_without_preload_and_is_raised_by_setting():
    assert _settings_of(PRODUCTION_ENV, "s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_PRELOAD") == (
        "60 False"
    )
    env = dict(
        PRODUCTION_ENV, DJANGO_SECURE_HSTS_SECONDS="31536000", DJANGO_SECURE_HSTS_PRELOAD="1"
    )
    assert _settings_of(env, "s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_PRELOAD") == "31536000 True"


def test_the_trusted_proxy_count_comes_from_the_environment():
    assert _settings_of(PRODUCTION_ENV, "s.ALLAUTH_TRUSTED_PROXY_COUNT") == "0"
    env = dict(PRODUCTION_ENV, TRUSTED_PROXY_COUNT="1")
    assert _settings_of(env, "s.ALLAUTH_TRUSTED_PROXY_COUNT") == "1"


def test_a_database_secret_selects_the_backend_that_reads_it_per_connection():
    env = dict(
        PRODUCTION_ENV,
        DATABASE_URL="mysql://imagesite@db.example.com:3306/imagesite",
        DATABASE_SECRET_ARN="arn:aws:secretsmanager:us-east-1:123456789012:secret:rds-AbC",
    )
    out = _settings_of(
        env, "s.DATABASES['default']['ENGINE'], s.DATABASES['default']['SECRET_ARN']"
    )
    assert out == "imagesite.db.mysql arn:aws:secretsmanager:us-east-1:123456789012:secret:rds-AbC"


def test_production_logs_one_json_object_a_line():
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('imagesite.test').warning('hello %s', 'there', extra={'photo': 7})"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=_clean_env(**PRODUCTION_ENV),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    [line] = [x for x in result.stderr.splitlines() if "imagesite.test" in x]
    entry = json.loads(line)
    assert entry["message"] == "hello there" and entry["level"] == "WARNING"
    assert entry["photo"] == 7


def test_sentry_reports_when_a_dsn_is_set():
    env = dict(PRODUCTION_ENV, SENTRY_DSN="https://public@127.0.0.1:9/1")
    code = "import sentry_sdk; print(sentry_sdk.get_client().is_active())"
    assert _settings_of(env, "s.SENTRY_DSN") == "https://public@127.0.0.1:9/1"
    result = subprocess.run(
        [sys.executable, "-c", f"import imagesite.settings; {code}"], cwd=ROOT,
        env=_clean_env(**env), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.stdout.strip() == "True", result.stderr


def test_a_misspelt_detector_stops_start_up_with_the_choices():
    env = {"DJANGO_DEBUG": "1", "IMAGESITE_READ_DOTENV": "0", "TEXT_DETECTOR": "rekogniton"}
    result = subprocess.run(
        [sys.executable, "-c", "import imagesite.settings"],
        cwd=ROOT,
        env=_clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "TEXT_DETECTOR must be one of 'local', 'rekognition', 'off', not 'rekogniton'" in (
        result.stderr
    )
