"""The settings module, as production and a laptop each read it."""

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
    assert "True 31536000" in out


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
