"""The database password rotates without a redeploy: moto's Secrets Manager holds it, and a
real MariaDB user's password is changed underneath a running connection handler."""

import uuid

import boto3
import pytest
from django.db import connections

from imagesite.db import secret
from tests.support.services import require_service

pytestmark = pytest.mark.mysql


@pytest.fixture
def secrets(moto_endpoint, settings):
    settings.AWS_SECRETSMANAGER_ENDPOINT_URL = moto_endpoint
    settings.DATABASE_SECRET_CACHE_SECONDS = 300
    secret.secretsmanager_client.cache_clear()
    secret.forget()
    client = boto3.client("secretsmanager", endpoint_url=moto_endpoint, region_name="us-east-1")
    reads = []
    client_for_app = secret.secretsmanager_client("us-east-1")
    client_for_app.meta.events.register(
        "before-call.secrets-manager.GetSecretValue", lambda **kw: reads.append(1)
    )
    yield client, reads
    secret.secretsmanager_client.cache_clear()
    secret.forget()


@pytest.fixture
def rotating_user(django_db_blocker):
    """A MariaDB user of its own (dropped afterwards) and root to change its password. The
    connections under test are this test's own, outside pytest-django's test database."""
    import MySQLdb

    with django_db_blocker.unblock():
        yield from _user(MySQLdb)


def _user(MySQLdb):
    require_service("MariaDB", "127.0.0.1", 3306)
    root = MySQLdb.connect(host="127.0.0.1", port=3306, user="root", passwd="")
    name = f"imgsite_rot_{uuid.uuid4().hex[:8]}"
    cursor = root.cursor()

    def set_password(password: str) -> None:
        cursor.execute(f"ALTER USER '{name}'@'%%' IDENTIFIED BY %s", (password,))

    cursor.execute(f"CREATE USER '{name}'@'%' IDENTIFIED BY 'first-password-1'")
    try:
        yield name, set_password
    finally:
        cursor.execute(f"DROP USER IF EXISTS '{name}'@'%'")
        root.close()


def _wrapper(user: str, arn: str):
    from imagesite.db.mysql.base import DatabaseWrapper

    alias = f"rotation-{uuid.uuid4().hex[:6]}"
    settings_dict = connections.configure_settings(
        {
            "default": {"ENGINE": "django.db.backends.dummy"},
            alias: {
                "ENGINE": "imagesite.db.mysql",
                "NAME": "",
                "USER": user,
                "HOST": "127.0.0.1",
                "PORT": "3306",
                "SECRET_ARN": arn,
            },
        }
    )[alias]
    return DatabaseWrapper(settings_dict, alias)


def _current_user(wrapper) -> str:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT CURRENT_USER()")
        return cursor.fetchone()[0]


def test_a_rotated_password_is_picked_up_on_the_next_connection(secrets, rotating_user):
    client, reads = secrets
    user, set_password = rotating_user
    arn = client.create_secret(
        Name=f"rds!cluster-{uuid.uuid4().hex[:6]}",
        SecretString=f'{{"username": "{user}", "password": "first-password-1"}}',
    )["ARN"]
    database = _wrapper(user, arn)
    assert _current_user(database).startswith(user)
    database.close()
    assert _current_user(database).startswith(user)  # a second connect: from the cache
    assert len(reads) == 1

    # Rotation as Secrets Manager does it: the server's password, then the secret's.
    set_password("second-password-2")
    client.put_secret_value(
        SecretId=arn, SecretString=f'{{"username": "{user}", "password": "second-password-2"}}'
    )
    assert _current_user(database).startswith(user), "an open connection keeps working"
    database.close()
    assert _current_user(database).startswith(user), "refused once, then the new secret"
    assert len(reads) == 2
    database.close()


def test_a_wrong_secret_still_fails_with_the_servers_message(secrets, rotating_user):
    from django.db import OperationalError

    client, reads = secrets
    user, _ = rotating_user
    arn = client.create_secret(
        Name=f"rds!cluster-{uuid.uuid4().hex[:6]}", SecretString="not-the-password"
    )["ARN"]
    database = _wrapper(user, arn)
    with pytest.raises(OperationalError, match="Access denied"):
        _current_user(database)
    assert len(reads) == 2, "read once, and once more after the refusal"


def test_the_cache_expires(secrets, settings):
    client, reads = secrets
    arn = client.create_secret(Name=f"plain-{uuid.uuid4().hex[:6]}", SecretString="pw-1")["ARN"]
    assert secret.database_password(arn) == "pw-1"
    client.put_secret_value(SecretId=arn, SecretString="pw-2")
    assert secret.database_password(arn) == "pw-1"  # cached
    settings.DATABASE_SECRET_CACHE_SECONDS = 0
    assert secret.database_password(arn) == "pw-2"
    assert len(reads) == 2
