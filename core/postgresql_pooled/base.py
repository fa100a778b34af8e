"""Django's PostgreSQL backend, with server-side cursors only inside transactions (DATABASE_POOLER=pgbouncer).

QuerySet.iterator() reads through a server-side cursor, and so does every ModelChoiceField a form renders.
Outside a transaction psycopg2 declares that cursor WITH HOLD and fetches from it in later transactions, which
PgBouncer in transaction pooling may send to another server connection ("cursor does not exist"), or to the
right one, now and then. Here such a read outside a transaction uses a plain cursor instead (what Django's
DISABLE_SERVER_SIDE_CURSORS does everywhere), and inside a transaction (`transaction.atomic`, as the CSV
exports run, core.csvexport) it keeps its server-side cursor, read in chunks where it was declared: the
exports' memory stays flat behind PgBouncer too.
"""

from typing import Any

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def chunked_cursor(self) -> Any:
        if self.get_autocommit():
            return self.cursor()
        return super().chunked_cursor()
