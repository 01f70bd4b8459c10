"""Django's MySQL backend, with the password read from Secrets Manager on each connect.

Selected by the settings when DATABASE_SECRET_ARN is set. Open connections keep working
through a rotation (MySQL checks the password only when connecting); a new one that the
server refuses with "access denied" re-reads the secret once and tries again.
"""

from django.db.backends.mysql import base as mysql

from imagesite.db.secret import database_password

ACCESS_DENIED = 1045  # ER_ACCESS_DENIED_ERROR


class DatabaseWrapper(mysql.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        arn = self.settings_dict.get("SECRET_ARN")
        if not arn:
            return super().get_new_connection(conn_params)
        params = {**conn_params, "password": database_password(arn)}
        try:
            return super().get_new_connection(params)
        except mysql.Database.OperationalError as exc:
            if not exc.args or exc.args[0] != ACCESS_DENIED:
                raise
        params["password"] = database_password(arn, refresh=True)
        return super().get_new_connection(params)
